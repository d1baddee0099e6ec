"""export.json → POST /ledgers/import-json → export.json gives the same ledger but for ids:
same splits (not re-split with today's percents), balances, reports and a clean rollup."""

import json
from datetime import date
from decimal import Decimal

import pytest

from budget.ledgers.models import Membership
from budget.money import selectors, services
from budget.money.models import AllocationStatus, Transaction
from budget.money.rollup import rollup_drift

pytestmark = pytest.mark.django_db

SECTIONS = ("wallets", "buckets", "categories", "transactions")
REFERENCES = (
    "category",
    "wallet",
    "bucket",
    "from_wallet",
    "to_wallet",
    "from_bucket",
    "to_bucket",
)


def _tx(h, **data):
    data.setdefault("date", date(2025, 3, 10))
    return services.transaction_create(ledger=h.ledger, data=data)


@pytest.fixture
def full_book(household):
    """Every kind; split, pending and explicit incomes; archived wallet, bucket and
    category; tags, notes; transfers between wallets and between buckets."""
    h = household
    split = _tx(
        h,
        kind="income",
        date=date(2025, 1, 31),
        amount=Decimal("1000.01"),
        wallet=h.bank.pk,
        category=h.salary.pk,
        description="January salary",
        tags=["work"],
    )
    services.incomes_allocate(ids=[split.pk])
    # Percents change after the split: the restore must keep the stored parts.
    services.bucket_percents_set(
        ledger=h.ledger, percents={h.savings.pk: Decimal("33.33"), h.bills.pk: Decimal("10.00")}
    )
    _tx(
        h,
        kind="income",
        amount=Decimal("50.00"),
        wallet=h.cash.pk,
        category=h.salary.pk,
        bucket=h.fun.pk,
        notes="gift from grandma",
    )
    _tx(
        h,
        kind="expense",
        amount=Decimal("25.50"),
        wallet=h.bank.pk,
        category=h.groceries.pk,
        bucket=h.fun.pk,
        tags=["food", "weekly"],
        notes="line one\nline two",
        description='Market, "fresh"',
    )
    _tx(h, kind="transfer", amount=Decimal("100.00"), from_wallet=h.bank.pk, to_wallet=h.cash.pk)
    _tx(
        h,
        kind="transfer",
        amount=Decimal("20.00"),
        from_bucket=h.savings.pk,
        to_bucket=h.bills.pk,
        category=h.transfer.pk,
    )
    _tx(h, kind="adjustment", amount=Decimal("-3.25"), wallet=h.cash.pk)
    old_card = services.wallet_create(ledger=h.ledger, name="Old card", kind="virtual")
    hobby = services.category_create(ledger=h.ledger, name="Old hobby", type="expense")
    _tx(h, kind="expense", amount=Decimal("10.00"), wallet=old_card.pk, category=hobby.pk)
    _tx(h, kind="adjustment", amount=Decimal("10.00"), wallet=old_card.pk)
    services.wallet_update(wallet=old_card, archived=True)
    services.category_update(category=hobby, archived=True)
    holiday = services.bucket_create(
        ledger=h.ledger, name="Holiday", allocation_percent=Decimal("5.00")
    )
    services.bucket_update(bucket=holiday, archived=True)
    pending = _tx(
        h,
        kind="income",
        date=date(2025, 4, 1),
        amount=Decimal("200.00"),
        wallet=h.bank.pk,
        category=h.salary.pk,
    )
    assert Transaction.objects.get(pk=pending.pk).allocation_status == AllocationStatus.PENDING
    return h


def _export(api, ledger_id) -> dict:
    response = api.get(f"/ledgers/{ledger_id}/export.json")
    assert response.status_code == 200, response.content
    return response.json()


def _id_map(doc: dict) -> dict[str, str]:
    return {
        item["id"]: f"{section}:{i}" for section in SECTIONS for i, item in enumerate(doc[section])
    }


def _normalized(doc: dict) -> dict:
    """The document with every id replaced by its section and position."""
    ids = _id_map(doc)
    doc = json.loads(json.dumps(doc))
    for section in SECTIONS:
        for item in doc[section]:
            item["id"] = ids[item["id"]]
    for tx in doc["transactions"]:
        for name in REFERENCES:
            tx[name] = ids.get(tx[name], tx[name])
        for part in tx["allocations"]:
            part["bucket"] = ids[part["bucket"]]
    return doc


def test_export_restore_export_is_identical_but_for_ids(owner_api, user, full_book):
    h = full_book
    original = _export(owner_api, h.ledger.pk)
    assert original["format"] == "budget-ledger"
    assert original["version"] == 1
    split = next(t for t in original["transactions"] if t["description"] == "January salary")
    assert split["allocation_status"] == "allocated"
    assert [p["amount"] for p in split["allocations"]] == ["200.00", "100.00", "500.01"]

    response = owner_api.post("/ledgers/import-json", original)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == h.ledger.name
    assert created["currency"] == h.ledger.currency
    assert created["role"] == "owner"
    assert Membership.objects.get(ledger_id=created["id"], user=user).role == "owner"

    restored = _export(owner_api, created["id"])
    assert _normalized(restored) == _normalized(original)
    assert set(_id_map(restored)).isdisjoint(_id_map(original))

    assert rollup_drift(ledger_id=created["id"]) == []
    new_pending = Transaction.objects.get(ledger_id=created["id"], date=date(2025, 4, 1))
    assert new_pending.allocation_status == AllocationStatus.PENDING


def test_restored_balances_and_reports_equal_the_originals(owner_api, full_book):
    h = full_book
    original = _export(owner_api, h.ledger.pk)
    created = owner_api.post("/ledgers/import-json", original).json()
    restored = _export(owner_api, created["id"])
    # Old id → new id, by position; then every report of the original, with its ids
    # swapped, must be byte for byte the restored ledger's report.
    swap = {str(h.ledger.pk): created["id"]}
    for section in SECTIONS:
        for old, new in zip(original[section], restored[section], strict=True):
            swap[old["id"]] = new["id"]

    def swapped(text: str) -> str:
        for old, new in swap.items():
            text = text.replace(old, new)
        return text

    reports = [
        ("balances", {}),
        ("monthly", {"year": 2025, "month": 3}),
        ("monthly", {"year": 2025, "month": 1}),
        ("yearly", {"year": 2025}),
        ("historical", {}),
        ("balances", {"wallet": str(h.bank.pk)}),
        ("balances", {"bucket": str(h.savings.pk)}),
    ]
    for name, params in reports:
        before = owner_api.get(f"/ledgers/{h.ledger.pk}/reports/{name}", params)
        params = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
        after = owner_api.get(f"/ledgers/{created['id']}/reports/{name}", params)
        assert before.status_code == after.status_code == 200, (name, after.content)
        assert swapped(before.content.decode()) == after.content.decode(), name

    def balances(ledger_id):
        wallets = {w.name: w.balance for w in selectors.wallets_of(ledger=ledger_id)}
        buckets = {b.name: b.balance for b in selectors.buckets_of(ledger=ledger_id)}
        return wallets, buckets, selectors.pending_allocation(ledger=ledger_id)

    assert balances(h.ledger.pk) == balances(created["id"])
    assert balances(h.ledger.pk)[2] == Decimal("200.00")


def test_an_empty_ledger_round_trips(owner_api, ledger):
    original = _export(owner_api, ledger.pk)
    assert original["transactions"] == []
    created = owner_api.post("/ledgers/import-json", original)
    assert created.status_code == 201, created.content
    assert _normalized(_export(owner_api, created.json()["id"])) == _normalized(original)
