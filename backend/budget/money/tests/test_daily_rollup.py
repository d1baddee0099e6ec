"""The daily rollup (the monthly report's days) is kept in step by every write, and the
migration that introduced it fills it from existing rows exactly as the rows say."""

import importlib
from decimal import Decimal

import pytest
from django.db import connection

from budget.money import services
from budget.money.models import DailyRollup
from budget.money.rollup import daily_expected, rollup_drift
from budget.money.tests.helpers import adjustment, expense, income, transfer, tx_path

pytestmark = pytest.mark.django_db

FILL = importlib.import_module("budget.money.migrations.0014_daily_rollup").FILL


def _stored(ledger) -> dict:
    return {
        (r.ledger_id, r.date, r.kind, r.wallet_id, r.bucket_id): (r.amount, r.count)
        for r in DailyRollup.objects.filter(ledger=ledger)
        if r.amount or r.count
    }


@pytest.fixture
def mixed(owner_api, household):
    """Every kind of leg: incomes allocated, pending, to a bucket, split; expenses from a
    bucket, from Unallocated, split over buckets; transfers and adjustments (not kept)."""
    h = household
    leisure = h.category("Leisure")
    lines = [
        {"category": str(h.groceries.pk), "amount": "30.00"},
        {"category": str(leisure.pk), "amount": "12.50", "bucket": str(h.fun.pk)},
    ]
    income_lines = [
        {"category": str(h.salary.pk), "amount": "900.00"},
        {"category": str(h.category("Other income").pk), "amount": "100.00"},
    ]
    bodies = [
        income(h, "1000.00", date="2025-03-01"),
        income(h, "333.33", date="2025-03-01"),
        income(h, "50.00", date="2025-03-02", bucket=str(h.fun.pk)),
        income(h, "1000.00", date="2025-03-05", category=None, splits=income_lines),
        expense(h, "25.50", date="2025-03-02"),
        expense(h, "19.99", date="2025-03-02", bucket=str(h.bills.pk)),
        expense(h, "42.50", date="2025-03-09", category=None, splits=lines),
        transfer(h, "100.00", date="2025-03-03"),
        adjustment(h, "-5.00", date="2025-03-04"),
    ]
    for body in bodies:
        assert owner_api.post(tx_path(h.ledger), body).status_code == 201
    services.incomes_allocate(ledger=h.ledger)
    owner_api.post(tx_path(h.ledger), income(h, "77.00", date="2025-03-06"))  # stays pending
    return h


def test_writes_keep_the_daily_rollup_exact(owner_api, mixed):
    h = mixed
    assert _stored(h.ledger) == daily_expected(ledger_ids=[h.ledger.pk])
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    # Edits and deletes move the days too.
    listed = owner_api.get(tx_path(h.ledger), {"kind": "expense"}).json()["items"]
    owner_api.patch(tx_path(h.ledger, listed[-1]["id"]), {"date": "2025-03-20", "amount": "8.00"})
    owner_api.delete(tx_path(h.ledger, listed[0]["id"]))
    assert _stored(h.ledger) == daily_expected(ledger_ids=[h.ledger.pk])
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_the_migration_fills_the_daily_rollup_from_the_rows(mixed):
    h = mixed
    before = _stored(h.ledger)
    assert len(before) > 8
    DailyRollup.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(FILL)
    assert _stored(h.ledger) == before
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_days_of_the_monthly_report_come_from_the_daily_rollup(
    owner_api, mixed, django_assert_max_num_queries
):
    h = mixed
    path = f"/ledgers/{h.ledger.pk}/reports/monthly"
    body = owner_api.get(path, {"year": 2025, "month": 3}).json()
    second = body["days"][1]
    assert second == {"date": "2025-03-02", "income": "50.00", "expense": "45.49"}
    fun = owner_api.get(path, {"year": 2025, "month": 3, "bucket": str(h.fun.pk)}).json()
    # The Fun bucket: its own 50.00 income, 10 % of each split income, the split line.
    assert fun["days"][8]["expense"] == "12.50"
    assert Decimal(fun["days"][0]["income"]) == Decimal("133.33")
