"""`rollup_apply` adds each key's net to its rollup rows: new keys inserted, existing ones
summed into, keys that net to nothing left alone. On PostgreSQL each rollup is written by one
statement over arrays, whatever the number of keys; SQLite writes a statement a key."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.money.models import DailyRollup, Kind, Rollup
from budget.money.rollup import NONE_ID, Leg, rollup_apply

pytestmark = pytest.mark.django_db


def _leg(h, day: date, amount: str, *, kind=Kind.EXPENSE, base: str | None = None) -> Leg:
    return Leg(
        h.ledger.pk,
        day.replace(day=1),
        kind,
        h.bank.pk,
        h.bills.pk,
        h.groceries.pk if kind == Kind.EXPENSE else NONE_ID,
        Decimal(amount),
        day,
        Decimal(base or amount),
    )


def _monthly(h) -> dict:
    return {
        (r.month, r.kind): (r.amount, r.base_amount, r.count)
        for r in Rollup.objects.filter(ledger=h.ledger, wallet_id=h.bank.pk, bucket_id=h.bills.pk)
    }


def _daily(h) -> dict:
    return {
        (r.date, r.kind): (r.amount, r.count)
        for r in DailyRollup.objects.filter(
            ledger=h.ledger, wallet_id=h.bank.pk, bucket_id=h.bills.pk
        )
    }


def test_new_keys_are_inserted_and_existing_ones_summed_into(household):
    h = household
    rollup_apply(plus=[_leg(h, date(2025, 1, 5), "-10.00"), _leg(h, date(2025, 2, 1), "-1.50")])
    rollup_apply(
        plus=[
            _leg(h, date(2025, 1, 5), "-2.25", base="-2.00"),  # an existing key, both rollups
            _leg(h, date(2025, 1, 6), "-0.75"),  # a new day in an existing month
            _leg(h, date(2025, 3, 9), "100.00", kind=Kind.INCOME),  # a new month
        ],
        minus=[_leg(h, date(2025, 2, 1), "-1.50")],  # takes February back to nothing
    )
    assert _monthly(h) == {
        (date(2025, 1, 1), Kind.EXPENSE): (Decimal("-13.00"), Decimal("-12.75"), 3),
        (date(2025, 2, 1), Kind.EXPENSE): (Decimal("0.00"), Decimal("0.00"), 0),
        (date(2025, 3, 1), Kind.INCOME): (Decimal("100.00"), Decimal("100.00"), 1),
    }
    assert _daily(h) == {
        (date(2025, 1, 5), Kind.EXPENSE): (Decimal("-12.00"), 2),
        (date(2025, 1, 6), Kind.EXPENSE): (Decimal("-0.75"), 1),
        (date(2025, 2, 1), Kind.EXPENSE): (Decimal("0.00"), 0),
        (date(2025, 3, 9), Kind.INCOME): (Decimal("100.00"), 1),
    }


def test_a_key_that_nets_to_nothing_is_not_written(household):
    h = household
    leg = _leg(h, date(2025, 4, 2), "-5.00")
    rollup_apply(plus=[leg], minus=[leg])
    assert _monthly(h) == {}
    assert _daily(h) == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array form is PostgreSQL's")
def test_a_thousand_keys_are_one_statement_a_rollup(household):
    h = household
    days = [date.fromordinal(date(2020, 1, 1).toordinal() + n) for n in range(1000)]
    legs = [_leg(h, day, "-1.00") for day in days]
    with CaptureQueriesContext(connection) as captured:
        rollup_apply(plus=legs)
    inserts = [q["sql"] for q in captured if q["sql"].startswith("INSERT INTO")]
    assert len(inserts) == 2  # the monthly rollup's and the daily one's
    assert len(_daily(h)) == 1000
    assert sum(count for _, _, count in _monthly(h).values()) == 1000
