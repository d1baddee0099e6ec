"""`POST …/transactions/bulk` answers with the new transactions read back as a list page's rows
(`transaction_rows`, `transaction_out_plain`) instead of validating each model instance
through TransactionOut: the bytes must be exactly what the schema writes for them, in the
order of the items, and what each one's detail says."""

import pytest
from ninja.renderers import JSONRenderer

from budget.money import selectors
from budget.money.schemas import TransactionOut
from budget.money.tests.helpers import (
    adjustment,
    expense,
    income,
    split_expense,
    split_income,
    transfer,
    tx_path,
)

pytestmark = pytest.mark.django_db


def _items(h) -> list[dict]:
    """Every kind of row, dates out of order so the answer's order is the items' own."""
    return [
        expense(h, "12.30", date="2025-03-09", description="Second", payee_name="Corner Shop"),
        income(h, "1000.00", date="2025-03-01", description="Pay, split by the worker"),
        income(h, "250.00", date="2025-03-05", bucket=str(h.savings.pk), description="To a bucket"),
        split_expense(h, date="2025-03-02", description="Split", tags=["food", "fun"]),
        split_income(h, date="2025-03-07", description="Split pay"),
        transfer(h, "40.00", date="2025-03-03", notes="to cash", external_id="BANK-1"),
        adjustment(h, "-1.25", date="2025-03-04"),
        expense(h, "0.01", date="2025-03-09", description="First of the day?"),
    ]


def test_the_answer_is_what_the_schema_writes_in_the_items_order(owner_api, household):
    response = owner_api.post(f"{tx_path(household.ledger)}/bulk", {"items": _items(household)})
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert [tx["description"] for tx in body] == [
        i.get("description", "") for i in _items(household)
    ]

    ids = [tx["id"] for tx in body]
    instances = {
        str(tx.pk): tx
        for tx in selectors.transactions_of(ledger=household.ledger).filter(pk__in=ids)
    }
    schema = [TransactionOut.model_validate(instances[pk]).model_dump() for pk in ids]
    assert response.content.decode() == JSONRenderer().render(None, schema, response_status=201)
    for tx in body:
        assert owner_api.get(tx_path(household.ledger, tx["id"])).json() == tx


def test_the_answer_names_the_payee_and_the_split_lines(owner_api, household):
    body = owner_api.post(f"{tx_path(household.ledger)}/bulk", {"items": _items(household)}).json()
    assert body[0]["payee_name"] == "Corner Shop"
    assert body[0]["payee"] is not None
    assert [line["amount"] for line in body[3]["splits"]] == ["60.00", "40.00"]
    assert [line["category_name"] for line in body[4]["splits"]] == ["Salary", "Other income"]
    assert body[1]["allocation_status"] == "pending"
    assert body[2]["bucket"] == str(household.savings.pk)


def test_a_thousand_rows_are_answered_in_as_many_queries_as_ten(
    owner_api, household, django_assert_max_num_queries
):
    """The answer reads the rows back in fixed queries, whatever their number (SQLite's
    inserts go in batches of its parameter limit: those are the insert's, not counted)."""
    path = f"{tx_path(household.ledger)}/bulk"
    owner_api.post(path, {"items": [expense(household, "1.00")]})  # the caches warm
    counts = {}
    for n in (10, 1000):
        items = [expense(household, f"{i + 1}.00", description=f"Row {i}") for i in range(n)]
        with django_assert_max_num_queries(1000) as captured:
            response = owner_api.post(path, {"items": items})
        assert response.status_code == 201
        assert [tx["description"] for tx in response.json()] == [f"Row {i}" for i in range(n)]
        counts[n] = sum(
            not q["sql"].startswith('INSERT INTO "money_transaction"') for q in captured
        )
    assert counts[1000] == counts[10]
