"""export.json → POST /ledgers/import-json → export.json gives the same ledger but for ids:
same splits (not re-split with today's percents), balances, reports and a clean rollup;
the same recurring templates standing at the same dates, budgets (with the alerts already
sent) and goals."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from tests.helpers import assert_ledger_of_parent

from budget.ledgers.models import Membership
from budget.money import selectors, services
from budget.money.models import Allocation, AllocationStatus, Transaction, TransactionSplit
from budget.money.rollup import rollup_drift
from budget.notifications.models import Notification
from budget.planning import services as planning
from budget.planning.models import BudgetAlert, RecurringTransaction

pytestmark = pytest.mark.django_db

SECTIONS = (
    "wallets",
    "buckets",
    "categories",
    "payees",
    "transactions",
    "recurring",
    "budgets",
    "goals",
)
REFERENCES = (
    "payee",
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
    # Split transactions (SPEC §13): an expense whose lines leave two buckets, and an
    # allocated income.
    leisure, other_income = h.category("Leisure"), h.category("Other income")
    _tx(
        h,
        kind="expense",
        amount=Decimal("90.00"),
        wallet=h.bank.pk,
        bucket=h.bills.pk,
        description="Supermarket",
        splits=[
            {"category": h.groceries.pk, "amount": Decimal("60.00"), "description": "Food"},
            {"category": leisure.pk, "amount": Decimal("30.00"), "bucket": h.fun.pk},
        ],
    )
    split_income = _tx(
        h,
        kind="income",
        date=date(2025, 2, 28),
        amount=Decimal("333.33"),
        wallet=h.bank.pk,
        splits=[
            {"category": h.salary.pk, "amount": Decimal("300.00")},
            {"category": other_income.pk, "amount": Decimal("33.33")},
        ],
    )
    services.incomes_allocate(ids=[split_income.pk])
    old_card = services.wallet_create(ledger=h.ledger, name="Old card", kind="virtual")
    hobby = services.category_create(
        ledger=h.ledger, name="Old hobby", type="expense", group="Leisure time"
    )
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


MARCH = date(2025, 3, 1)


def _in_march_2025():
    return time_machine.travel(datetime(2025, 3, 15, 12, tzinfo=UTC))


def _at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def planned_book(full_book):
    """full_book with planning: templates made on 15 April 2025 (a monthly rent on the
    31st, made for January to March, February's occurrence deleted since; a finished
    fortnightly transfer; an inactive salary; the occurrences of a deleted template); then
    budgets, one past both alerts in March; goals, one on a bucket archived since."""
    h = full_book
    services.payee_create(ledger=h.ledger, name="Nobody yet")  # unused, restored all the same
    housing = h.category("Housing")
    with _at(date(2025, 4, 15)):
        rent = planning.recurring_create(
            ledger=h.ledger,
            kind="expense",
            amount=Decimal("900.00"),
            description="Rent",
            payee_name="Landlord",
            tags=["home"],
            wallet=h.bank.pk,
            category=housing.pk,
            bucket=h.bills.pk,
            frequency="monthly",
            interval=1,
            start_date=date(2025, 1, 31),
        )
        planning.recurring_create(
            ledger=h.ledger,
            kind="transfer",
            amount=Decimal("40.00"),
            notes="pocket money",
            from_wallet=h.bank.pk,
            to_wallet=h.cash.pk,
            frequency="weekly",
            interval=2,
            start_date=date(2025, 3, 1),
            end_date=date(2025, 3, 31),
        )
        planning.recurring_create(
            ledger=h.ledger,
            kind="income",
            amount=Decimal("2500.00"),
            wallet=h.bank.pk,
            category=h.salary.pk,
            frequency="yearly",
            interval=1,
            start_date=date(2025, 6, 1),
            active=False,
        )
        gone = planning.recurring_create(
            ledger=h.ledger,
            kind="adjustment",
            amount=Decimal("-1.50"),
            wallet=h.cash.pk,
            frequency="daily",
            interval=1,
            start_date=date(2025, 4, 13),
        )
        planning.recurring_delete(template=gone)
        feb = Transaction.objects.get(recurring=rent, recurring_date=date(2025, 2, 28))
        services.transaction_delete(tx=feb)

    planning.budget_create(
        ledger=h.ledger,
        category=h.groceries.pk,
        amount=Decimal("20.00"),
        alert_percent=75,
        start_month=date(2025, 3, 1),
        end_month=date(2025, 3, 1),
    )
    planning.budget_create(
        ledger=h.ledger,
        category=h.groceries.pk,
        amount=Decimal("300.00"),
        start_month=date(2025, 4, 1),
        rollover=True,
    )
    planning.budget_create(
        ledger=h.ledger,
        category=housing.pk,
        amount=Decimal("1000.00"),
        start_month=date(2025, 1, 1),
    )
    with _in_march_2025():  # alerts are news in their month and the next only
        assert planning.budget_alerts_check(ledger_id=h.ledger.pk, months=[date(2025, 3, 1)])
    assert BudgetAlert.objects.filter(budget__ledger=h.ledger).count() == 3

    trip = services.bucket_create(ledger=h.ledger, name="Trip", allocation_percent=Decimal("0.00"))
    planning.goal_create(
        ledger=h.ledger,
        name="Emergency fund",
        bucket=h.savings.pk,
        target_amount=Decimal("5000.00"),
        target_date=date(2026, 12, 31),
    )
    planning.goal_create(
        ledger=h.ledger, name="Summer trip", bucket=trip.pk, target_amount=Decimal("800.00")
    )
    services.bucket_update(bucket=trip, archived=True)
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
    for item in doc["transactions"] + doc["recurring"]:
        for name in REFERENCES:
            item[name] = ids.get(item[name], item[name])
    for tx in doc["transactions"]:
        for part in tx["allocations"]:
            part["bucket"] = ids[part["bucket"]]
        for line in tx["splits"]:
            line["category"] = ids[line["category"]]
            line["bucket"] = ids.get(line["bucket"], line["bucket"])
        tx["recurring"] = ids.get(tx["recurring"], tx["recurring"])
    for budget in doc["budgets"]:
        budget["category"] = ids[budget["category"]]
    for goal in doc["goals"]:
        goal["bucket"] = ids[goal["bucket"]]
    return doc


def test_export_restore_export_is_identical_but_for_ids(
    owner_api, user, planned_book, django_capture_on_commit_callbacks
):
    h = planned_book
    # The rent of 30 April onwards is due by now, but the daily job has not run.
    original = _export(owner_api, h.ledger.pk)
    assert original["format"] == "budget-ledger"
    assert original["version"] == 3
    market = next(t for t in original["transactions"] if t["description"] == "Supermarket")
    assert [(s["amount"], s["description"]) for s in market["splits"]] == [
        ("60.00", "Food"),
        ("30.00", ""),
    ]
    assert market["category"] is None
    split = next(t for t in original["transactions"] if t["description"] == "January salary")
    assert split["allocation_status"] == "allocated"
    assert [p["amount"] for p in split["allocations"]] == ["200.00", "100.00", "500.01"]
    rent = next(t for t in original["recurring"] if t["description"] == "Rent")
    assert (rent["description"], rent["last_date"], rent["next_date"]) == (
        "Rent",
        "2025-03-31",
        "2025-04-30",
    )
    occurrences = [t for t in original["transactions"] if t["recurring"] == rent["id"]]
    assert [t["recurring_date"] for t in occurrences] == ["2025-01-31", "2025-03-31"]
    payees = {p["name"]: p["id"] for p in original["payees"]}
    assert set(payees) == {"Nobody yet", "Landlord"}
    landlord = payees["Landlord"]
    assert (rent["payee"], rent["payee_name"]) == (landlord, "Landlord")
    assert {(t["payee"], t["payee_name"]) for t in occurrences} == {(landlord, "Landlord")}
    orphans = [t for t in original["transactions"] if t["kind"] == "adjustment"]
    assert [(t["recurring"], t["recurring_date"]) for t in orphans][-3:] == [
        (None, "2025-04-13"),
        (None, "2025-04-14"),
        (None, "2025-04-15"),
    ]
    assert [b["alerts"] for b in original["budgets"]] == [
        [
            {"month": "2025-03", "threshold": "exceeded"},
            {"month": "2025-03", "threshold": "warning"},
        ],
        [],
        [{"month": "2025-03", "threshold": "warning"}],
    ]
    assert [g["name"] for g in original["goals"]] == ["Emergency fund", "Summer trip"]

    notifications = Notification.objects.count()
    with django_capture_on_commit_callbacks() as queued:
        response = owner_api.post("/ledgers/import-json", original)
    assert response.status_code == 201, response.content
    assert queued == []  # no occurrence, allocation or budget check queued
    assert Notification.objects.count() == notifications
    created = response.json()
    assert created["name"] == h.ledger.name
    assert created["currency"] == h.ledger.currency
    assert created["role"] == "owner"
    assert Membership.objects.get(ledger_id=created["id"], user=user).role == "owner"

    restored = _export(owner_api, created["id"])
    assert _normalized(restored) == _normalized(original)
    assert set(_id_map(restored)).isdisjoint(_id_map(original))
    assert Transaction.objects.filter(ledger_id=created["id"]).count() == len(
        original["transactions"]
    )

    def standing(ledger_id):
        response = owner_api.get(f"/ledgers/{ledger_id}/recurring")
        assert response.status_code == 200, response.content
        return [(t["description"], t["next_date"]) for t in response.json()["items"]]

    assert standing(created["id"]) == standing(h.ledger.pk)
    assert ("Rent", "2025-04-30") in standing(created["id"])

    assert rollup_drift(ledger_id=created["id"]) == []
    new_pending = Transaction.objects.get(ledger_id=created["id"], date=date(2025, 4, 1))
    assert new_pending.allocation_status == AllocationStatus.PENDING


def test_the_restored_schedule_goes_on_where_the_original_stopped(owner_api, planned_book):
    h = planned_book
    created = owner_api.post("/ledgers/import-json", _export(owner_api, h.ledger.pk))
    ledger_id = created.json()["id"]
    for template in RecurringTransaction.objects.filter(ledger_id=ledger_id):
        planning.recurring_materialise(template=template, today=date(2025, 6, 5))
    rent = RecurringTransaction.objects.get(ledger_id=ledger_id, description="Rent")
    made = Transaction.objects.filter(recurring=rent).order_by("recurring_date")
    # The deleted February is not made again; April and May are made once.
    assert [t.recurring_date for t in made] == [
        date(2025, 1, 31),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]
    assert (rent.last_date, rent.next_date) == (date(2025, 5, 31), date(2025, 6, 30))
    assert not Transaction.objects.filter(ledger_id=ledger_id, recurring__active=False).exists()
    assert rollup_drift(ledger_id=ledger_id) == []


def test_the_restored_budgets_do_not_announce_old_alerts(owner_api, planned_book):
    h = planned_book
    created = owner_api.post("/ledgers/import-json", _export(owner_api, h.ledger.pk)).json()
    with _in_march_2025():
        assert planning.budget_alerts_check(ledger_id=created["id"], months=[MARCH]) == 0
    assert not Notification.objects.filter(ledger_id=created["id"]).exists()
    status = owner_api.get(
        f"/ledgers/{created['id']}/budgets/status", {"year": 2025, "month": 3}
    ).json()
    assert [(s["category_name"], s["state"]) for s in status] == [
        ("Groceries", "exceeded"),
        ("Housing", "warning"),
    ]


def test_restored_balances_and_reports_equal_the_originals(owner_api, planned_book):
    h = planned_book
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


def test_the_restored_rows_carry_the_new_ledger(owner_api, planned_book):
    """README "Distributing by ledger": allocations, split lines and budget alerts written
    by a restore carry the restored ledger's id, as their parents do."""
    h = planned_book
    created = owner_api.post("/ledgers/import-json", _export(owner_api, h.ledger.pk)).json()

    for model, parent in (
        (Allocation, "transaction"),
        (TransactionSplit, "transaction"),
        (BudgetAlert, "budget"),
    ):
        pairs = assert_ledger_of_parent(model, parent)
        restored = [own for own, _ in pairs if str(own) == created["id"]]
        assert len(restored) * 2 == len(pairs), model  # as many as the original has
