"""On PostgreSQL the keys of allocations, split lines and attachments to their transaction
are ON DELETE RESTRICT, not Django's deferred NO ACTION (issue 21: the NO ACTION check cost
an undo of 100 000 transactions about 0.5 s per table): a transaction still referred to
cannot be deleted, and every path that deletes transactions removes what refers to them
first (the attachments' side: budget/receipts/tests/test_attachments_api.py)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from budget.ledgers.services import ledger_delete
from budget.money import services
from budget.money.models import Allocation, Transaction, TransactionSplit
from budget.money.tests.helpers import expense, income, tx_path

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's constraints"),
]

TABLES = ("money_allocation", "money_transactionsplit", "receipts_attachment")


@pytest.fixture
def referred(owner_api, household):
    """An allocated income and a split expense."""
    h = household
    lines = [
        {"category": str(h.groceries.pk), "amount": "10.00"},
        {"category": str(h.category("Leisure").pk), "amount": "15.50"},
    ]
    bodies = [income(h, "100.00"), expense(h, "25.50", category=None, splits=lines)]
    response = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": bodies})
    assert response.status_code == 201, response.content
    services.incomes_allocate(ledger=h.ledger)
    assert Allocation.objects.exists()
    assert TransactionSplit.objects.exists()
    return h


def test_each_key_to_a_transaction_is_restrict_and_checked_at_once():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, confdeltype, condeferrable FROM pg_constraint "
            "WHERE confrelid = 'money_transaction'::regclass AND contype = 'f' ORDER BY 1"
        )
        assert cursor.fetchall() == [(table, "r", False) for table in TABLES]


@pytest.mark.parametrize("table", ["money_allocation", "money_transactionsplit"])
def test_a_transaction_still_referred_to_cannot_be_deleted(referred, table):
    column = {"money_allocation": Allocation, "money_transactionsplit": TransactionSplit}[table]
    tx_id = column.objects.values_list("transaction_id", flat=True).first()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM money_transaction WHERE id = %s", [tx_id])


def test_the_services_and_the_orm_delete_what_refers_first(referred):
    h = referred
    one = Transaction.objects.filter(kind="expense").get()
    one.delete()  # Django's collector: the split lines, then the transaction
    assert not TransactionSplit.objects.exists()
    assert services.transactions_delete(ledger=h.ledger, filters=Q()) == 1
    assert not Allocation.objects.exists()


def test_a_ledger_with_allocations_and_split_lines_is_deleted(referred):
    ledger_delete(ledger=referred.ledger)
    assert not Transaction.objects.exists()
    assert not Allocation.objects.exists()
    assert not TransactionSplit.objects.exists()
