"""Split lines and allocations carry their transaction's ledger (README "Distributing by
ledger"): every write path fills `ledger_id`, equal to the transaction's."""

from datetime import date
from decimal import Decimal

import pytest
from tests.helpers import assert_ledger_of_parent

from budget.common import bulk
from budget.money import services
from budget.money.models import Allocation, Transaction, TransactionSplit
from budget.money.tests.helpers import expense, income, post_ok, tx_path
from budget.rates.tests.helpers import own_rate

pytestmark = pytest.mark.django_db


def lines(h, *amounts: str) -> list[dict]:
    names = ("Groceries", "Leisure", "Transport")
    return [
        {"category": str(h.category(name).pk), "amount": amount}
        for name, amount in zip(names, amounts, strict=False)
    ]


def test_the_allocations_of_an_income_carry_its_ledger(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "1000.00"))
    owner_api.post(f"/ledgers/{h.ledger.pk}/allocations/run")
    pairs = assert_ledger_of_parent(Allocation, "transaction", at_least=3)
    assert {own for own, _ in pairs} == {h.ledger.pk}


def test_one_allocation_run_over_two_ledgers_keeps_each_part_in_its_own(household, bob):
    h = household
    other = bob.default_ledger
    bucket = services.bucket_create(ledger=other, name="Rent", allocation_percent=Decimal("40.00"))
    wallet = services.wallet_create(ledger=other, name="Bank", kind="virtual")
    salary = other.categories.get(name="Salary")
    day = date(2025, 3, 1)
    mine = services.transaction_create(
        ledger=h.ledger,
        data={**income(h, "100.00"), "amount": Decimal("100.00"), "date": day},
    )
    theirs = services.transaction_create(
        ledger=other,
        data={
            "kind": "income",
            "date": day,
            "amount": Decimal("50.00"),
            "wallet": wallet.pk,
            "category": salary.pk,
        },
    )

    assert services.incomes_allocate(ids=[mine.pk, theirs.pk]) == 2

    assert_ledger_of_parent(Allocation, "transaction", at_least=4)
    assert Allocation.objects.get(bucket=bucket).ledger_id == other.pk


def test_split_lines_carry_the_ledger_when_made_and_when_replaced(owner_api, household):
    h = household
    tx = post_ok(
        owner_api, h.ledger, expense(h, "100.00", category=None, splits=lines(h, "60.00", "40.00"))
    )
    assert_ledger_of_parent(TransactionSplit, "transaction", at_least=2)

    new = lines(h, "10.00", "20.00", "70.00")
    response = owner_api.patch(tx_path(h.ledger, tx["id"]), {"splits": new})

    assert response.status_code == 200, response.content
    assert len(assert_ledger_of_parent(TransactionSplit, "transaction", at_least=3)) == 3


def test_split_lines_of_a_large_batch_carry_the_ledger(owner_api, household, monkeypatch):
    """A batch of COPY's size (PostgreSQL) or bulk_create's (SQLite) alike."""
    h = household
    monkeypatch.setattr(bulk, "COPY_FROM", 2)
    body = expense(h, "3.00", category=None, splits=lines(h, "1.00", "2.00"))
    response = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": [body, body, body]})

    assert response.status_code == 201, response.content
    assert len(assert_ledger_of_parent(TransactionSplit, "transaction")) == 6


def test_lines_written_again_by_a_bulk_change_carry_the_ledger(owner_api, ledger, household):
    """A bulk date change that converts a foreign amount again rewrites its lines' bases."""
    h = household
    dollars = services.wallet_create(ledger=ledger, name="Dollars", kind="virtual", currency="USD")
    own_rate(ledger, "USD", date(2025, 3, 1), "0.5")
    own_rate(ledger, "USD", date(2025, 4, 1), "0.8")
    body = expense(
        h, "10.00", category=None, wallet=str(dollars.pk), splits=lines(h, "4.00", "6.00")
    )
    tx = post_ok(owner_api, ledger, body)
    before = set(TransactionSplit.objects.values_list("pk", flat=True))

    response = owner_api.patch(
        f"{tx_path(ledger)}/bulk", {"ids": [tx["id"]], "changes": {"date": "2025-04-01"}}
    )

    assert response.status_code == 200, response.content
    assert Transaction.objects.get(pk=tx["id"]).base_amount == Decimal("8.00")
    assert not before & set(TransactionSplit.objects.values_list("pk", flat=True))  # rewritten
    assert_ledger_of_parent(TransactionSplit, "transaction", at_least=2)
