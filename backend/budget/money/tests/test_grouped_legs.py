"""The rollup of many transactions at once in grouped SQL (`rollup_add`, used by imports
and their undo) moves both rollups exactly as the legs of each transaction do
(`transaction_legs`, used by every single write): for every kind, bucket or none, pending,
allocated, split lines and transfers of either side."""

from datetime import date
from decimal import Decimal

import pytest

from budget.money import services
from budget.money.models import DailyRollup, Rollup, Transaction
from budget.money.rollup import rollup_add, rollup_drift, rollup_rebuild

pytestmark = pytest.mark.django_db


def _rollups(ledger) -> tuple[dict, dict]:
    monthly = {
        (r.month, r.kind, r.wallet_id, r.bucket_id, r.category_id): (r.amount, r.count)
        for r in Rollup.objects.filter(ledger=ledger)
        if r.amount or r.count
    }
    daily = {
        (r.date, r.kind, r.wallet_id, r.bucket_id): (r.amount, r.count)
        for r in DailyRollup.objects.filter(ledger=ledger)
        if r.amount or r.count
    }
    return monthly, daily


@pytest.fixture
def every_kind(household):
    h = household
    leisure = h.category("Leisure")
    day = date(2025, 3, 2)

    def add(**data):
        return services.transaction_create(
            ledger=h.ledger, data={"date": day, "description": "x", **data}
        )

    add(kind="expense", amount=Decimal("12.30"), wallet=h.bank.pk, category=h.groceries.pk)
    add(
        kind="expense",
        amount=Decimal("7.05"),
        wallet=h.cash.pk,
        category=h.groceries.pk,
        bucket=h.fun.pk,
        date=date(2025, 4, 30),
    )
    add(kind="adjustment", amount=Decimal("-3.10"), wallet=h.cash.pk)
    add(kind="adjustment", amount=Decimal("50.00"), wallet=h.bank.pk, bucket=h.bills.pk)
    add(kind="income", amount=Decimal("100.00"), wallet=h.bank.pk, category=h.salary.pk)
    add(
        kind="income",
        amount=Decimal("33.33"),
        wallet=h.bank.pk,
        category=h.salary.pk,
        bucket=h.savings.pk,
    )
    add(kind="transfer", amount=Decimal("20.00"), from_wallet=h.bank.pk, to_wallet=h.cash.pk)
    add(kind="transfer", amount=Decimal("5.00"), from_bucket=h.bills.pk, to_bucket=h.fun.pk)
    add(
        kind="transfer",
        amount=Decimal("1.00"),
        from_wallet=h.cash.pk,
        to_wallet=h.bank.pk,
        from_bucket=h.fun.pk,
        to_bucket=h.savings.pk,
        category=h.transfer.pk,
    )
    add(
        kind="expense",
        amount=Decimal("90.00"),
        wallet=h.bank.pk,
        bucket=h.bills.pk,
        splits=[
            {"category": h.groceries.pk, "amount": Decimal("60.00")},
            {"category": leisure.pk, "amount": Decimal("30.00"), "bucket": h.fun.pk},
        ],
    )
    split_income = {
        "kind": "income",
        "amount": Decimal("1000.01"),
        "wallet": h.bank.pk,
        "splits": [
            {"category": h.salary.pk, "amount": Decimal("900.00")},
            {"category": h.category("Other income").pk, "amount": Decimal("100.01")},
        ],
    }
    add(**split_income)
    services.incomes_allocate(ledger=h.ledger)  # the plain and the split income: allocated
    add(**split_income)  # and one of each still pending
    add(kind="income", amount=Decimal("0.03"), wallet=h.cash.pk, category=h.salary.pk)
    assert Transaction.objects.filter(allocation_status="allocated").count() == 2
    assert Transaction.objects.filter(allocation_status="pending").count() == 2
    return h


def test_taking_every_leg_away_in_sql_empties_both_rollups(every_kind):
    h = every_kind
    assert _rollups(h.ledger) != ({}, {})
    rollup_add(transactions=Transaction.objects.filter(ledger=h.ledger), sign=-1)
    assert _rollups(h.ledger) == ({}, {})


def test_adding_them_back_in_sql_gives_the_rollup_of_the_single_writes(every_kind):
    h = every_kind
    before = _rollups(h.ledger)
    everything = Transaction.objects.filter(ledger=h.ledger)
    rollup_add(transactions=everything, sign=-1)
    rollup_add(transactions=everything)
    assert _rollups(h.ledger) == before
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_only_the_given_transactions_move_and_the_version_is_bumped(every_kind):
    h = every_kind
    before = _rollups(h.ledger)
    version = type(h.ledger).objects.get(pk=h.ledger.pk).version
    rollup_add(transactions=Transaction.objects.filter(ledger=h.ledger, kind="transfer"), sign=-1)
    monthly, _ = _rollups(h.ledger)
    assert {key[1] for key in monthly} == {key[1] for key in before[0]} - {"transfer"}
    assert type(h.ledger).objects.get(pk=h.ledger.pk).version == version + 1
    rollup_add(transactions=Transaction.objects.filter(ledger=h.ledger, kind="transfer"))
    assert _rollups(h.ledger) == before


def test_nothing_to_add_writes_nothing(household):
    version = type(household.ledger).objects.get(pk=household.ledger.pk).version
    rollup_add(transactions=Transaction.objects.filter(ledger=household.ledger))
    assert type(household.ledger).objects.get(pk=household.ledger.pk).version == version


def test_a_rebuild_in_sql_gives_the_rollup_of_the_single_writes(every_kind):
    """`rollup_rebuild` (rollup_check --rebuild/--fix, a restore) sums every row's legs in
    grouped SQL: a damaged and a missing row come back as the single writes left them, and
    the independent aggregation of `rollup_drift` agrees."""
    h = every_kind
    before = _rollups(h.ledger)
    Rollup.objects.filter(ledger=h.ledger, kind="expense").update(amount=Decimal("1.00"))
    DailyRollup.objects.filter(ledger=h.ledger, kind="income").delete()
    assert rollup_drift(ledger_id=h.ledger.pk)
    version = type(h.ledger).objects.get(pk=h.ledger.pk).version
    rows = rollup_rebuild(ledger_id=h.ledger.pk)
    assert _rollups(h.ledger) == before
    assert rows == Rollup.objects.filter(ledger=h.ledger).count() == len(before[0])
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    assert type(h.ledger).objects.get(pk=h.ledger.pk).version > version


def test_a_rebuild_of_a_ledger_without_rows_empties_its_rollups(household):
    version = type(household.ledger).objects.get(pk=household.ledger.pk).version
    assert rollup_rebuild(ledger_id=household.ledger.pk) == 0
    assert _rollups(household.ledger) == ({}, {})
    assert type(household.ledger).objects.get(pk=household.ledger.pk).version == version + 1
