"""SPEC §9 and §14 end to end for ledgers whose currencies have no decimals (JPY) or
three (KWD), as base and as wallet currencies: export.json → import-json → export.json is
identical but for ids, and export.csv → import → export.csv gives the same rows, every
amount exact."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Q

from budget.exchange.tests.helpers import validated
from budget.ledgers.services import ledger_create
from budget.money import services
from budget.money.rollup import rollup_drift
from budget.planning import services as planning
from budget.rates.tests.helpers import own_rate

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# The base currency, the other one, and amounts written in each: (base, other, rate of
# one unit of other in base).
BOOKS = {
    "JPY": ("KWD", "487.5"),
    "KWD": ("JPY", "0.00205"),
}


def _amount(code: str, whole: int) -> Decimal:
    """An amount with every decimal its currency has: 1200 JPY, 1.250 KWD."""
    return Decimal(whole) if code == "JPY" else Decimal(whole).scaleb(-3)


@pytest.fixture(params=sorted(BOOKS))
def book(request, user):
    """A ledger in JPY or KWD with a wallet in the other currency and one in EUR: incomes
    split over buckets, a split expense, transfers both ways, an adjustment, a foreign
    receipt amount, a budget, a goal and templates of both currencies."""
    base = request.param
    other, rate = BOOKS[base]
    ledger = ledger_create(name=f"{base} book", owner=user, currency=base)
    cash = services.wallet_create(ledger=ledger, name="Cash", kind="physical")
    away = services.wallet_create(ledger=ledger, name="Away", kind="virtual", currency=other)
    euro = services.wallet_create(ledger=ledger, name="Euro", kind="virtual", currency="EUR")
    own_rate(ledger, other, MARCH, rate)
    own_rate(ledger, "EUR", MARCH, "160" if base == "JPY" else "0.333")
    savings = services.bucket_create(
        ledger=ledger, name="Savings", allocation_percent=Decimal("33.33")
    )
    fun = services.bucket_create(ledger=ledger, name="Fun", allocation_percent=Decimal("10.00"))
    category = {c.name: c.pk for c in ledger.categories.all()}

    def tx(**data):
        return services.transaction_create(ledger=ledger, data={"date": MARCH, **data})

    pay = tx(
        kind="income", amount=_amount(base, 100_001), wallet=cash.pk, category=category["Salary"]
    )
    away_pay = tx(
        kind="income", amount=_amount(other, 12_345), wallet=away.pk, category=category["Salary"]
    )
    services.incomes_allocate(ids=[pay.pk, away_pay.pk])
    tx(
        kind="expense",
        amount=_amount(other, 3_000),
        wallet=away.pk,
        description="Market",
        splits=[
            {"category": category["Groceries"], "amount": _amount(other, 1_750)},
            {"category": category["Leisure"], "amount": _amount(other, 1_250), "bucket": fun.pk},
        ],
    )
    tx(
        kind="transfer",
        amount=_amount(other, 2_001),
        from_wallet=away.pk,
        to_wallet=cash.pk,
        to_amount=_amount(base, 977),
    )
    tx(
        kind="transfer",
        amount=Decimal("12.34"),
        from_wallet=euro.pk,
        to_wallet=away.pk,
        to_amount=_amount(other, 7_777),
    )
    tx(kind="adjustment", amount=-_amount(other, 5), wallet=away.pk)
    tx(
        kind="expense",
        amount=_amount(base, 1_200),
        wallet=cash.pk,
        category=category["Groceries"],
        bucket=savings.pk,
        foreign_amount=_amount(other, 2_468),
        foreign_currency=other,
    )
    planning.budget_create(
        ledger=ledger,
        category=category["Groceries"],
        amount=_amount(base, 50_000),
        start_month=MARCH,
    )
    planning.goal_create(
        ledger=ledger, name="Trip", bucket=fun.pk, target_amount=_amount(base, 900_005)
    )
    with time_machine.travel(datetime(2025, 3, 2, 12, tzinfo=UTC), tick=False):
        planning.recurring_create(
            ledger=ledger,
            kind="expense",
            amount=_amount(other, 1_250),
            wallet=away.pk,
            category=category["Housing"],
            frequency="monthly",
            interval=1,
            start_date=MARCH,
        )
        planning.recurring_create(
            ledger=ledger,
            kind="transfer",
            amount=_amount(base, 5_000),
            from_wallet=cash.pk,
            to_wallet=away.pk,
            to_amount=_amount(other, 10_257),
            frequency="monthly",
            interval=1,
            start_date=MARCH,
        )
    return ledger


def _ids_replaced(doc: dict) -> dict:
    """The document with every id replaced by the order in which it first appears."""
    seen: dict[str, str] = {}

    def walk(value):
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str) and UUID_RE.match(value):
            return seen.setdefault(value, f"id-{len(seen)}")
        return value

    return walk(json.loads(json.dumps(doc)))


def test_the_ledger_document_round_trips_exactly(owner_api, book):
    original = owner_api.get(f"/ledgers/{book.pk}/export.json").json()
    amounts = {t["description"]: t["amount"] for t in original["transactions"]}
    assert amounts["Market"] == ("3000" if book.currency == "KWD" else "3.000")
    created = owner_api.post("/ledgers/import-json", original)
    assert created.status_code == 201, created.content
    restored = owner_api.get(f"/ledgers/{created.json()['id']}/export.json").json()
    assert _ids_replaced(restored) == _ids_replaced(original)
    assert rollup_drift(ledger_id=created.json()["id"]) == []

    def balances(ledger_id):
        body = owner_api.get(f"/ledgers/{ledger_id}/reports/balances").json()
        return _ids_replaced(body)

    assert balances(created.json()["id"]) == balances(book.pk)


def test_the_csv_export_reads_back_exactly(owner_api, book, commit):
    def export() -> tuple[bytes, list[dict]]:
        response = owner_api.get(f"/ledgers/{book.pk}/export.csv", {"ordering": "date"})
        content = b"".join(response.streaming_content)
        rows = csv.DictReader(io.StringIO(content.decode()))
        ignored = ("id", "split_of", "allocation_status")
        return content, [{k: v for k, v in r.items() if k not in ignored} for r in rows]

    content, before = export()
    services.transactions_delete(ledger=book, filters=Q())
    job = validated(owner_api, book, content)
    assert job["valid_rows"] == job["total_rows"]
    assert commit(owner_api, book, job["id"])["status"] == "done"
    assert export()[1] == before
    assert rollup_drift(ledger_id=book.pk) == []
