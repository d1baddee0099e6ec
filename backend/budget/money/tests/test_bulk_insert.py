"""A large batch (an import's chunk, a bulk request near its limit) is inserted by COPY on
PostgreSQL: the rows read back exactly as the ORM would have written them."""

from decimal import Decimal

import pytest

from budget.common import bulk
from budget.money.models import Transaction, TransactionSplit
from budget.money.rollup import rollup_drift
from budget.money.tests.helpers import assert_books_balance, expense, income, tx_path

pytestmark = pytest.mark.django_db


def test_a_large_batch_reads_back_as_written(owner_api, household):
    h = household
    leisure = h.category("Leisure")
    lines = [
        {"category": str(h.groceries.pk), "amount": "1.25", "description": "Bread"},
        {"category": str(leisure.pk), "amount": "2.00", "bucket": str(h.fun.pk)},
    ]
    bodies = [
        expense(h, "3.25", category=None, splits=lines, tags=["a", "b"], notes="x")
        if n % 5 == 0
        else income(h, f"{n + 1}.01", payee_name="ACME", external_id=f"id-{n}")
        for n in range(bulk.COPY_FROM + 20)
    ]
    response = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": bodies})
    assert response.status_code == 201, response.content
    answered = {t["id"]: t for t in response.json()}
    assert Transaction.objects.filter(ledger=h.ledger).count() == len(bodies)
    assert TransactionSplit.objects.filter(transaction__ledger=h.ledger).count() == 2 * 104
    listed = owner_api.get(tx_path(h.ledger), {"page_size": 500}).json()["items"]
    for item in listed:
        assert item == answered[item["id"]]
    split = next(t for t in listed if t["splits"])
    assert split["tags"] == ["a", "b"]
    assert [s["description"] for s in split["splits"]] == ["Bread", ""]
    first = Transaction.objects.get(ledger=h.ledger, external_id="id-1")
    assert first.amount == Decimal("2.01")
    assert first.created_at is not None
    assert first.payee.name == "ACME"
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    assert_books_balance(h.ledger)
