"""The list renders its page without validating it again (budget.common.dump): every row is
byte for byte what TransactionOut gives, for each kind of row (allocated income, split
expense with and without a bucket, transfer, payee, running balance)."""

import json

import pytest
from ninja.renderers import JSONRenderer

from budget.common.dump import plain_reader
from budget.money import selectors
from budget.money.schemas import TransactionOut
from budget.money.tests.helpers import adjustment, expense, income, transfer, tx_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(owner_api, household):
    h = household
    leisure = h.category("Leisure")
    lines = [
        {"category": str(h.groceries.pk), "amount": "1.25", "bucket": str(h.fun.pk)},
        {"category": str(leisure.pk), "amount": "8.75", "description": "cinema"},
    ]
    bodies = [
        income(h, "1234.56", payee_name="ACME Payroll", tags=["pay", "monthly"]),
        income(h, "10.00", date="2025-03-05", bucket=str(h.savings.pk)),
        expense(h, "10.00", category=None, splits=lines, notes="shoes"),
        expense(h, "0.01", date="2025-03-06", payee_name="Corner shop"),
        transfer(h, "100.00"),
        adjustment(h),
    ]
    response = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": bodies})
    assert response.status_code == 201, response.content
    allocated = owner_api.post(f"/ledgers/{h.ledger.pk}/allocations/run")
    assert allocated.json() == {"allocated": 1}
    return h


def _validated(items) -> list[dict]:
    return [TransactionOut.model_validate(tx).model_dump() for tx in items]


@pytest.mark.parametrize("wallet", [False, True])
def test_plain_reader_renders_what_the_schema_renders(rows, wallet):
    h = rows
    items = list(selectors.transactions_of(ledger=h.ledger))
    if wallet:
        selectors.running_balances_set(rows=items, wallet_id=h.bank.pk)
    renderer = JSONRenderer()
    slow = renderer.render(None, _validated(items), response_status=200)
    lean = list(selectors.transactions_of(ledger=h.ledger).prefetch_related(None))
    selectors.transaction_lines_set(lean)
    if wallet:
        selectors.running_balances_set(rows=lean, wallet_id=h.bank.pk)
    read = plain_reader(TransactionOut)
    fast = renderer.render(None, [read(tx) for tx in lean], response_status=200)
    assert fast == slow
    body = json.loads(fast)
    assert any(t["allocations"] for t in body)
    assert any(t["splits"] for t in body)
    assert {t["payee_name"] for t in body} >= {"ACME Payroll", "Corner shop", None}


def test_list_rows_equal_the_detail_of_each_row(owner_api, rows):
    h = rows
    page = owner_api.get(tx_path(h.ledger), {"page_size": 4})
    assert page.status_code == 200
    assert page["Content-Type"] == "application/json; charset=utf-8"
    body = page.json()
    assert list(body) == ["items", "count", "next_cursor"]
    assert body["count"] == 6
    assert body["next_cursor"]
    rest = owner_api.get(tx_path(h.ledger), {"page_size": 4, "cursor": body["next_cursor"]})
    items = body["items"] + rest.json()["items"]
    assert len(items) == 6
    for item in items:
        assert item == owner_api.get(tx_path(h.ledger, item["id"])).json()
