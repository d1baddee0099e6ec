"""`?category=` pages: a transaction in the category or with a split line in it, read
walking the date order (only rows without a category of their own are probed for a line)
or, when the matches are few, found through the indexes and sorted; both give the rows a
sum here expects, page by page and cursor by cursor, in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.money import selectors
from budget.money.models import Transaction, TransactionSplit
from budget.money.tests.helpers import adjustment, expense, income, transfer, tx_path
from budget.money.tests.test_transaction_cursor import cursor_walk, offset_walk

pytestmark = pytest.mark.django_db

ORDERINGS = ["-date", "date", "-amount", "amount"]


@pytest.fixture
def mixed(owner_api, household):
    """60 rows on four dates, made in one bulk request (one creation time: the id orders
    them): groceries, split expenses and incomes with a groceries line or without one,
    other categories, transfers and adjustments (no category, no lines); 4 more one by one."""
    h = household
    leisure, freelance = h.category("Leisure"), h.category("Other income")
    bodies = []
    for n in range(60):
        day = ("2025-04-01", "2025-04-02", "2025-04-15", "2025-04-30")[n % 4]
        amount = f"{n % 5 + 2}.00"
        pick = n % 6
        if pick == 0:
            bodies.append(expense(h, amount, date=day))
        elif pick == 1:  # split, one line in groceries
            lines = [
                {"category": str(leisure.pk), "amount": "1.00"},
                {"category": str(h.groceries.pk), "amount": f"{n % 5 + 1}.00"},
            ]
            bodies.append(expense(h, amount, date=day, category=None, splits=lines))
        elif pick == 2:  # split, no line in groceries
            lines = [
                {"category": str(leisure.pk), "amount": "1.00"},
                {"category": str(h.category("Health").pk), "amount": f"{n % 5 + 1}.00"},
            ]
            bodies.append(expense(h, amount, date=day, category=None, splits=lines))
        elif pick == 3:
            bodies.append(expense(h, amount, date=day, category=str(leisure.pk)))
        elif pick == 4:
            bodies.append(transfer(h, amount, date=day))
        else:
            bodies.append(adjustment(h, amount, date=day))
    lines = [
        {"category": str(freelance.pk), "amount": "10.00"},
        {"category": str(h.salary.pk), "amount": "5.00"},
    ]
    bodies.append(income(h, "15.00", date="2025-04-15", category=None, splits=lines))
    response = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": bodies})
    assert response.status_code == 201, response.content
    for day in ("2025-04-15", "2025-04-15", "2025-04-30", "2025-04-01"):
        body = expense(h, "3.00", date=day, category=None, splits=lines_in(h, leisure))
        assert owner_api.post(tx_path(h.ledger), body).status_code == 201
    return h


def lines_in(h, other) -> list[dict]:
    return [
        {"category": str(h.groceries.pk), "amount": "2.00"},
        {"category": str(other.pk), "amount": "1.00"},
    ]


def in_category(ledger, category) -> set[str]:
    """What the filter must find: the category's own rows and those with a line in it."""
    own = Transaction.objects.filter(ledger=ledger, category=category)
    split = TransactionSplit.objects.filter(transaction__ledger=ledger, category=category)
    return {str(pk) for pk in own.values_list("pk", flat=True)} | {
        str(pk) for pk in split.values_list("transaction_id", flat=True)
    }


@pytest.mark.parametrize("few_rows", [0, 10_000], ids=["walk-the-index", "sort-the-matches"])
@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("category", ["Groceries", "Leisure", "Salary", "Transfer"])
def test_category_pages_by_cursor_and_by_number(
    owner_api, mixed, monkeypatch, settings, ordering, few_rows, category
):
    h = mixed
    settings.REPORT_CACHE_SECONDS = 0  # the threshold decides on every request
    monkeypatch.setattr(selectors, "FEW_ROWS", few_rows)
    wanted = h.category(category)
    params = {"category": str(wanted.pk), "ordering": ordering, "page_size": 4}
    by_offset, count = offset_walk(owner_api, h, params)
    by_cursor, _ = cursor_walk(owner_api, h, params)
    assert by_cursor == by_offset
    assert set(by_cursor) == in_category(h.ledger, wanted)
    assert len(by_cursor) == count


def test_both_ways_to_a_page_give_the_same_order(owner_api, mixed, monkeypatch, settings):
    h = mixed
    settings.REPORT_CACHE_SECONDS = 0
    walks = []
    for few_rows in (0, 10_000):
        monkeypatch.setattr(selectors, "FEW_ROWS", few_rows)
        params = {"category": str(h.groceries.pk), "page_size": 5}
        walks.append(cursor_walk(owner_api, h, params)[0])
    assert walks[0] == walks[1]
    assert len(walks[0]) > 20


@pytest.mark.parametrize("few_rows", [0, 10_000], ids=["walk-the-index", "sort-the-matches"])
def test_a_category_page_costs_fixed_queries(
    owner_api, mixed, monkeypatch, few_rows, django_assert_max_num_queries
):
    """Page 1 and a cursor page with split rows on them: user and membership, the page,
    its split lines, its allocation lines; the count cached from the first request."""
    h = mixed
    monkeypatch.setattr(selectors, "FEW_ROWS", few_rows)
    params = {"category": str(h.groceries.pk), "page_size": 6}
    first = owner_api.get(tx_path(h.ledger), params).json()
    assert any(t["splits"] for t in first["items"])
    for query in (params, {**params, "cursor": first["next_cursor"]}):
        with django_assert_max_num_queries(5):
            body = owner_api.get(tx_path(h.ledger), query)
        assert body.status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_the_walk_probes_split_lines_row_by_row(owner_api, mixed, monkeypatch):
    """EXPLAIN of page 1: the lines are probed for the rows without a category of their
    own (a SubPlan per row), never hashed whole (a hashed SubPlan reads every line of the
    category first)."""
    h = mixed
    monkeypatch.setattr(selectors, "FEW_ROWS", 0)
    with CaptureQueriesContext(connection) as captured:
        owner_api.get(tx_path(h.ledger), {"category": str(h.groceries.pk), "page_size": 5})
    (page,) = [
        q["sql"] for q in captured if "money_transactionsplit" in q["sql"] and "LIMIT" in q["sql"]
    ]
    with connection.cursor() as db:
        db.execute("SET LOCAL enable_seqscan = off")  # a small table would be read whole
        db.execute(f"EXPLAIN {page}")
        plan = "\n".join(row[0] for row in db.fetchall())
    # Which index reads a table of 64 rows depends on its statistics; the probe does not.
    assert "SubPlan" in plan, plan
    assert "hashed SubPlan" not in plan, plan
    assert "category_id IS NULL" in plan, plan
