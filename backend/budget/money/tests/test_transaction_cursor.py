"""Keyset pages of the transaction list: `?cursor=` (the `next_cursor` of the page before)
walks the same rows in the same order as `?page=`, ties on date and on the creation time
included; a cursor that is not one the list gave is refused with 422; a page costs the
same queries however deep it is, and never counts the rows again."""

import base64
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.money import selectors
from budget.money.tests.helpers import expense, income, transfer, tx_path

pytestmark = pytest.mark.django_db

ORDERINGS = ["-date", "date", "-amount", "amount"]


@pytest.fixture
def same_days(owner_api, household):
    """45 transactions on three dates, 15 a day, made in one bulk request (so they share
    their creation time too: only the id orders them), plus 5 made one by one; amounts
    repeat so that `amount` ties as well."""
    h = household
    bodies = []
    for n in range(45):
        day = ("2025-03-01", "2025-03-02", "2025-03-03")[n % 3]
        amount = f"{n % 4 + 1}.00"
        if n % 5 == 0:
            bodies.append(income(h, amount, date=day))
        elif n % 5 == 4:
            bodies.append(transfer(h, amount, date=day))
        else:
            bodies.append(expense(h, amount, date=day, description=f"Shop {n}"))
    response = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": bodies})
    assert response.status_code == 201, response.content
    for _ in range(5):
        body = expense(h, "2.00", date="2025-03-02", wallet=str(h.cash.pk))
        assert owner_api.post(tx_path(h.ledger), body).status_code == 201
    return h


def offset_walk(owner_api, h, params: dict) -> tuple[list[str], int]:
    ids, page = [], 1
    while True:
        body = owner_api.get(tx_path(h.ledger), {**params, "page": page}).json()
        if not body["items"]:
            return ids, body["count"]
        ids += [t["id"] for t in body["items"]]
        page += 1


def cursor_walk(owner_api, h, params: dict) -> tuple[list[str], list[dict]]:
    """The ids of every page, following next_cursor from page 1; and the bodies."""
    ids, bodies, cursor = [], [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = owner_api.get(tx_path(h.ledger), query)
        assert response.status_code == 200, response.content
        body = response.json()
        bodies.append(body)
        ids += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, bodies
        assert len(bodies) < 100, "the cursor walk does not end"


@pytest.mark.parametrize("few_rows", [0, 10_000], ids=["walk-the-index", "sort-the-matches"])
@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize(
    "filters", [{}, {"wallet": "bank"}, {"kind": "expense"}, {"q": "shop"}, {"min_amount": "2"}]
)
def test_cursor_walk_equals_offset_walk(
    owner_api, same_days, monkeypatch, ordering, filters, few_rows
):
    h = same_days
    monkeypatch.setattr(selectors, "FEW_ROWS", few_rows)
    if "wallet" in filters:
        filters = {"wallet": str(h.bank.pk)}
    params = {**filters, "ordering": ordering, "page_size": 7}
    by_offset, count = offset_walk(owner_api, h, params)
    by_cursor, bodies = cursor_walk(owner_api, h, params)
    assert by_cursor == by_offset
    assert len(by_cursor) == len(set(by_cursor)) == count > 7
    assert all(body["count"] == count for body in bodies)
    assert [len(body["items"]) for body in bodies[:-1]] == [7] * (len(bodies) - 1)
    if "wallet" in filters:
        running = [t["running_balance"] for body in bodies for t in body["items"]]
        assert None not in running


def test_last_page_has_no_next_cursor(owner_api, same_days):
    h = same_days
    body = owner_api.get(tx_path(h.ledger), {"page_size": 50}).json()
    assert body["count"] == 50
    assert len(body["items"]) == 50
    assert body["next_cursor"] is None
    assert owner_api.get(tx_path(h.ledger), {"page_size": 49}).json()["next_cursor"]


def test_offset_page_and_cursor_page_join(owner_api, same_days):
    """Page 2 by offset gives the cursor of page 3: a client can switch ways."""
    h = same_days
    path = tx_path(h.ledger)
    two = owner_api.get(path, {"page": 2, "page_size": 10}).json()
    three = owner_api.get(path, {"cursor": two["next_cursor"], "page_size": 10}).json()
    assert three["items"] == owner_api.get(path, {"page": 3, "page_size": 10}).json()["items"]


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _good_keys(owner_api, h) -> list[str]:
    cursor = owner_api.get(tx_path(h.ledger), {"page_size": 5}).json()["next_cursor"]
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["k"]


@pytest.mark.parametrize(
    "make",
    [
        lambda keys: "not a cursor!",
        lambda keys: "%%%",
        lambda keys: base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        lambda keys: _cursor(["-date", keys]),
        lambda keys: _cursor({"o": "date", "k": keys}),  # from another ordering
        lambda keys: _cursor({"o": "-date", "k": keys[:2]}),
        lambda keys: _cursor({"o": "-date", "k": [*keys, "x"]}),
        lambda keys: _cursor({"o": "-date", "k": ["2025-13-01", keys[1], keys[2]]}),
        lambda keys: _cursor({"o": "-date", "k": [keys[0], "yesterday", keys[2]]}),
        lambda keys: _cursor({"o": "-date", "k": [keys[0], "2025-03-01 10:00:00", keys[2]]}),
        lambda keys: _cursor({"o": "-date", "k": [keys[0], keys[1], "not-a-uuid"]}),
        lambda keys: _cursor({"o": "-date", "k": [keys[0], keys[1], 7]}),
        lambda keys: _cursor({"o": "-date", "k": None}),
        lambda keys: "A" * 600,
    ],
)
def test_bad_cursor_is_422(owner_api, same_days, make):
    h = same_days
    response = owner_api.get(tx_path(h.ledger), {"cursor": make(_good_keys(owner_api, h))})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == ["cursor"]


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "12,50", "", "1e999999", "-1e30"])
def test_bad_amount_in_cursor_is_422(owner_api, same_days, amount):
    h = same_days
    keys = [amount, "2025-03-01", "2025-03-01 10:00:00+00:00", str(h.bank.pk)]
    response = owner_api.get(
        tx_path(h.ledger), {"ordering": "-amount", "cursor": _cursor({"o": "-amount", "k": keys})}
    )
    assert response.status_code == 422, response.content


def test_cursor_with_a_page_number_is_422(owner_api, same_days):
    h = same_days
    cursor = owner_api.get(tx_path(h.ledger), {"page_size": 5}).json()["next_cursor"]
    response = owner_api.get(tx_path(h.ledger), {"cursor": cursor, "page": 2})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("filters", [{}, {"wallet": "bank"}])
def test_a_cursor_page_costs_the_queries_of_page_one(owner_api, same_days, filters):
    """Same query count on page 1 and on pages 3 and 6 by cursor, and no COUNT once the
    first page counted (the count is cached under the ledger's version, whatever the
    cursor). A register page's first visit also sums the balance before it (cached under
    the version too): one query more, the same on every page."""
    h = same_days
    if filters:
        filters = {"wallet": str(h.bank.pk)}
    path, params = tx_path(h.ledger), {**filters, "page_size": 5}
    first = owner_api.get(path, params).json()  # counts, and caches the count
    queries_of = {}
    for visit in ("first", "again"):
        costs, cursor = [], None
        for n in range(6):
            with CaptureQueriesContext(connection) as queries:
                query = {**params, **({"cursor": cursor} if cursor else {})}
                body = owner_api.get(path, query).json()
            assert body["count"] == first["count"]
            cursor = body["next_cursor"]
            if n in (0, 2, 5):
                costs.append(len(queries))
            assert not [q for q in queries if "COUNT(" in q["sql"].upper()], n
        queries_of[visit] = costs
    again = queries_of["again"]
    assert again[0] == again[1] == again[2], queries_of
    assert queries_of["first"][1:] == [again[0] + (1 if filters else 0)] * 2, queries_of


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_a_deep_cursor_page_starts_at_its_row_in_the_index(owner_api, same_days):
    """EXPLAIN of a cursor page: an index range on (ledger, date) that starts at the
    cursor's date, not a read of every row before it."""
    h = same_days
    cursor = owner_api.get(tx_path(h.ledger), {"page_size": 20}).json()["next_cursor"]
    keys = _good_keys(owner_api, h)
    queryset = selectors.transactions_of(ledger=h.ledger).filter(
        selectors.keyset_after(ordering="-date", keys=keys)
    )[:51]
    with connection.cursor() as db:
        db.execute("SET LOCAL enable_seqscan = off")  # a 50-row table would be read whole
        # Nor sorted after any index that names the ledger, as the planner may choose once
        # the table has statistics (another test's ANALYZE, autovacuum): the page's order
        # comes from the (ledger, date) index, which is what this test is about.
        db.execute("SET LOCAL enable_sort = off")
        sql, params = queryset.query.sql_with_params()
        db.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in db.fetchall())
    assert cursor
    assert "money_tx_ledger_date" in plan, plan
    assert "Index Cond: ((ledger_id = " in plan, plan
    assert "date <=" in plan, plan
