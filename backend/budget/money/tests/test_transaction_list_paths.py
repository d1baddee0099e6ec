"""The list reads a page one of two ways (sorting the few matches, or walking the date
order until the page is full); both give the same rows in the same order, and the
filters' index-friendly forms (`= ANY(ARRAY(…))` on PostgreSQL) match what they always did."""

import pytest

from budget.money import selectors
from budget.money.tests.helpers import expense, income, transfer, tx_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(owner_api, household):
    h = household
    leisure = h.category("Leisure")
    bodies = []
    for n in range(40):
        day = f"2025-03-{n % 28 + 1:02d}"
        if n % 4 == 0:
            bodies.append(income(h, f"{n + 10}.00", date=day, payee_name="ACME Payroll"))
        elif n % 4 == 1:
            bodies.append(expense(h, f"{n + 1}.00", date=day, description=f"Market {n}"))
        elif n % 4 == 2:
            lines = [
                {"category": str(h.groceries.pk), "amount": "1.00"},
                {"category": str(leisure.pk), "amount": f"{n}.00"},
            ]
            bodies.append(
                expense(h, f"{n + 1}.00", date=day, category=None, splits=lines, notes="shoes")
            )
        else:
            bodies.append(transfer(h, f"{n}.00", date=day))
    response = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": bodies})
    assert response.status_code == 201, response.content
    return h


def _ids(owner_api, h, params) -> list[str]:
    body = owner_api.get(tx_path(h.ledger), {**params, "page_size": 7, "page": 2}).json()
    return [t["id"] for t in body["items"]]


@pytest.mark.parametrize("ordering", ["-date", "date", "-amount"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "acme"},
        {"q": "SHOES"},
        {"q": "market 1"},
        {"category": "Leisure"},
        {"category": "Groceries"},
        {"wallet": "cash"},
        {"min_amount": "10", "max_amount": "30"},
    ],
)
def test_few_and_many_matches_read_the_same_page(
    owner_api, many, monkeypatch, settings, params, ordering
):
    h = many
    settings.REPORT_CACHE_SECONDS = 0  # count every time: the threshold decides per request
    if "category" in params:
        params = {"category": str(h.category(params["category"]).pk)}
    if "wallet" in params:
        params = {"wallet": str(h.cash.pk)}
    params = {**params, "ordering": ordering}
    monkeypatch.setattr(selectors, "FEW_ROWS", 0)
    walked = _ids(owner_api, h, params)
    monkeypatch.setattr(selectors, "FEW_ROWS", 10_000)
    assert _ids(owner_api, h, params) == walked


def test_q_and_category_match_what_they_name(owner_api, many):
    h = many

    def kinds(**params) -> list[str]:
        body = owner_api.get(tx_path(h.ledger), {**params, "page_size": 500}).json()
        return sorted({t["payee_name"] or t["description"] or t["notes"] for t in body["items"]})

    assert kinds(q="acme") == ["ACME Payroll"]
    assert owner_api.get(tx_path(h.ledger), {"q": "shoes"}).json()["count"] == 10
    leisure = owner_api.get(tx_path(h.ledger), {"category": str(h.category("Leisure").pk)})
    assert leisure.json()["count"] == 10
    groceries = owner_api.get(tx_path(h.ledger), {"category": str(h.groceries.pk)})
    assert groceries.json()["count"] == 20  # 10 plain expenses, 10 with a line in it
