"""GET/POST /ledgers/{lid}/budgets, GET/PATCH/DELETE …/{id}, GET …/status (SPEC §8)."""

from datetime import date

import pytest
from tests.helpers import assert_error

from budget.ledgers.models import Ledger
from budget.money import services as money
from budget.money.models import Category
from budget.money.tests.helpers import Household, member_api
from budget.planning import services
from budget.planning.models import Budget
from budget.planning.tests.helpers import budget_path, spend, status_path

pytestmark = pytest.mark.django_db


def groceries(h: Household, **extra) -> dict:
    return {
        "category": str(h.groceries.pk),
        "amount": "500.00",
        "start_month": "2025-01",
        **extra,
    }


def post(owner_api, h: Household, body: dict) -> dict:
    response = owner_api.post(budget_path(h.ledger), body)
    assert response.status_code == 201, response.content
    return response.json()


def status(owner_api, h: Household, year: int = 2025, month: int = 3) -> list[dict]:
    response = owner_api.get(status_path(h.ledger), {"year": year, "month": month})
    assert response.status_code == 200, response.content
    return response.json()


# --- Create, read, change, delete -----------------------------------------------------------


def test_create_answers_201_with_months_as_year_month(owner_api, household):
    body = post(owner_api, household, groceries(household, end_month="2025-12"))
    assert body == {
        "id": body["id"],
        "category": str(household.groceries.pk),
        "category_name": "Groceries",
        "amount": "500.00",
        "alert_percent": 80,
        "rollover": False,
        "start_month": "2025-01",
        "end_month": "2025-12",
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    stored = Budget.objects.get(pk=body["id"])
    assert (stored.start_month, stored.end_month) == (date(2025, 1, 1), date(2025, 12, 1))


def test_amount_accepts_a_json_number_and_alert_percent_a_numeric_string(owner_api, household):
    body = post(owner_api, household, groceries(household, amount=99.5, alert_percent="90"))
    assert (body["amount"], body["alert_percent"], body["end_month"]) == ("99.50", 90, None)


def test_list_is_paginated_and_sorted_by_category_then_start(owner_api, household):
    h = household
    later = post(owner_api, h, groceries(h, start_month="2026-01"))
    earlier = post(owner_api, h, groceries(h, start_month="2025-01", end_month="2025-12"))
    health = post(owner_api, h, groceries(h, category=str(h.category("Health").pk)))
    page = owner_api.get(budget_path(h.ledger)).json()
    assert page["count"] == 3
    assert [b["id"] for b in page["items"]] == [earlier["id"], later["id"], health["id"]]
    second = owner_api.get(budget_path(h.ledger), {"page": 2, "page_size": 2}).json()
    assert [b["id"] for b in second["items"]] == [health["id"]]
    assert_error(owner_api.get(budget_path(h.ledger), {"page_size": 501}), 422, field="page_size")


def test_detail_patch_and_delete(owner_api, household):
    h = household
    body = post(owner_api, h, groceries(h, end_month="2025-06"))
    assert owner_api.get(budget_path(h.ledger, body["id"])).json() == body
    response = owner_api.patch(
        budget_path(h.ledger, body["id"]),
        {"amount": "450", "alert_percent": 100, "end_month": None},
    )
    assert response.status_code == 200, response.content
    changed = response.json()
    assert (changed["amount"], changed["alert_percent"], changed["end_month"]) == (
        "450.00",
        100,
        None,
    )
    assert changed["start_month"] == "2025-01"
    moved = owner_api.patch(
        budget_path(h.ledger, body["id"]), {"category": str(h.category("Leisure").pk)}
    ).json()
    assert (moved["category"], moved["category_name"]) == (str(h.category("Leisure").pk), "Leisure")
    assert owner_api.delete(budget_path(h.ledger, body["id"])).status_code == 204
    assert_error(owner_api.get(budget_path(h.ledger, body["id"])), 404, "not_found")
    assert_error(owner_api.delete(budget_path(h.ledger, body["id"])), 404, "not_found")


def test_viewer_reads_editor_writes(api, owner_api, household, bob, make_user):
    h = household
    body = post(owner_api, h, groceries(h))
    viewer = member_api(api, h.ledger, bob, "viewer")
    assert viewer.get(budget_path(h.ledger)).json()["count"] == 1
    assert viewer.get(budget_path(h.ledger, body["id"])).status_code == 200
    assert viewer.get(status_path(h.ledger), {"year": 2025, "month": 1}).status_code == 200
    later = groceries(h, category=str(h.category("Health").pk))
    assert_error(viewer.post(budget_path(h.ledger), later), 403, "permission_denied")
    assert_error(
        viewer.patch(budget_path(h.ledger, body["id"]), {"amount": "1.00"}),
        403,
        "permission_denied",
    )
    assert_error(viewer.delete(budget_path(h.ledger, body["id"])), 403, "permission_denied")
    editor = member_api(api, h.ledger, make_user("carol@example.com"), "editor")
    assert editor.post(budget_path(h.ledger), later).status_code == 201
    assert editor.patch(budget_path(h.ledger, body["id"]), {"amount": "1.00"}).status_code == 200
    assert editor.delete(budget_path(h.ledger, body["id"])).status_code == 204


def test_another_ledgers_budget_is_404_in_the_path(owner_api, household, stranger):
    theirs = services.budget_create(
        ledger=stranger.default_ledger,
        category=stranger.default_ledger.categories.get(name="Groceries").pk,
        amount=100,
        start_month=date(2025, 1, 1),
    )
    path = budget_path(household.ledger, theirs.pk)
    assert_error(owner_api.get(path), 404, "not_found")
    assert_error(owner_api.patch(path, {"amount": "1.00"}), 404, "not_found")
    assert_error(owner_api.delete(path), 404, "not_found")
    assert Budget.objects.get(pk=theirs.pk).amount == 100


# --- Validation -------------------------------------------------------------------------------


def _other_category(h: Household, stranger, kind: str) -> str:
    if kind == "foreign":
        return str(stranger.default_ledger.categories.get(name="Groceries").pk)
    if kind == "unknown":
        return "8c6a5a8e-7d8f-4c3a-9a53-0d6a6c1b8f00"
    if kind == "income":
        return str(h.salary.pk)
    if kind == "neutral":
        return str(h.transfer.pk)
    archived = money.category_create(ledger=h.ledger, name="Old", type="expense", archived=True)
    return str(archived.pk)


@pytest.mark.parametrize("kind", ["foreign", "unknown", "income", "neutral", "archived"])
def test_category_must_be_an_active_expense_category_of_the_ledger(
    owner_api, household, stranger, kind
):
    body = groceries(household, category=_other_category(household, stranger, kind))
    error = assert_error(owner_api.post(budget_path(household.ledger), body), 422, field="category")
    assert [e["field"] for e in error["errors"]] == ["category"]
    assert not Budget.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": None}, "category"),
        ({"category": "not-a-uuid"}, "category"),
        ({"amount": None}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-10.00"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"amount": "1000000000000.00"}, "amount"),
        ({"alert_percent": 0}, "alert_percent"),
        ({"alert_percent": 101}, "alert_percent"),
        ({"alert_percent": 50.5}, "alert_percent"),
        ({"alert_percent": "high"}, "alert_percent"),
        ({"alert_percent": True}, "alert_percent"),  # not 1
        ({"alert_percent": None}, "alert_percent"),
        ({"start_month": None}, "start_month"),
        ({"start_month": "2025-13"}, "start_month"),
        ({"start_month": "2025-00"}, "start_month"),
        ({"start_month": "2025-3"}, "start_month"),
        ({"start_month": "2025-03-01"}, "start_month"),
        ({"start_month": "March 2025"}, "start_month"),
        ({"start_month": "0000-01"}, "start_month"),
        ({"start_month": 202503}, "start_month"),
        ({"end_month": "2025-99"}, "end_month"),
        ({"end_month": "2024-12"}, "end_month"),
    ],
)
def test_each_invalid_field_is_a_422_naming_it(owner_api, household, change, field):
    body = {**groceries(household), **change}
    if change.get(field, "") is None and field in ("category", "amount", "start_month"):
        body.pop(field)  # missing: the same answer as null
    error = assert_error(owner_api.post(budget_path(household.ledger), body), 422, field=field)
    assert {e["field"] for e in error["errors"]} == {field}
    assert not Budget.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": None}, "category"),
        ({"amount": None}, "amount"),
        ({"alert_percent": None}, "alert_percent"),
        ({"start_month": None}, "start_month"),
        ({"amount": "0.00"}, "amount"),
        ({"alert_percent": 0}, "alert_percent"),
        ({"alert_percent": False}, "alert_percent"),
        ({"start_month": "2025-07"}, "end_month"),  # after the end
        ({"end_month": "2024-12"}, "end_month"),
        ({"end_month": "12/2025"}, "end_month"),
        ({"category": "0b7a9b5e-1111-4c3a-9a53-0d6a6c1b8f00"}, "category"),
    ],
)
def test_patch_validates_every_field(owner_api, household, change, field):
    body = post(owner_api, household, groceries(household, end_month="2025-06"))
    response = owner_api.patch(budget_path(household.ledger, body["id"]), change)
    assert_error(response, 422, field=field)
    assert owner_api.get(budget_path(household.ledger, body["id"])).json() == body


def test_patch_with_a_foreign_category_is_422(owner_api, household, stranger):
    body = post(owner_api, household, groceries(household))
    foreign = stranger.default_ledger.categories.get(name="Groceries").pk
    response = owner_api.patch(
        budget_path(household.ledger, body["id"]), {"category": str(foreign)}
    )
    assert_error(response, 422, field="category")


def test_an_archived_category_keeps_its_budget_editable_and_reporting(owner_api, household):
    h = household
    body = post(owner_api, h, groceries(h))
    spend(h, "120.00", date(2025, 3, 5))
    money.category_update(category=h.groceries, archived=True)
    response = owner_api.patch(
        budget_path(h.ledger, body["id"]), {**groceries(h), "amount": "100.00"}
    )
    assert response.status_code == 200, response.content
    [row] = status(owner_api, h)
    assert (row["category_name"], row["spent"], row["state"]) == ("Groceries", "120.00", "exceeded")
    other = money.category_create(ledger=h.ledger, name="Old", type="expense", archived=True)
    response = owner_api.patch(budget_path(h.ledger, body["id"]), {"category": str(other.pk)})
    assert_error(response, 422, field="category")


def test_a_category_with_a_budget_cannot_be_deleted(owner_api, household):
    post(owner_api, household, groceries(household))
    response = owner_api.delete(
        f"/ledgers/{household.ledger.pk}/categories/{household.groceries.pk}"
    )
    body = assert_error(response, 409, "in_use")
    assert "still used by budgets" in body["detail"]
    assert Category.objects.filter(pk=household.groceries.pk).exists()


def test_deleting_the_ledger_removes_its_budgets(owner_api, household):
    post(owner_api, household, groceries(household))
    assert owner_api.delete(f"/ledgers/{household.ledger.pk}").status_code == 204
    assert not Ledger.objects.filter(pk=household.ledger.pk).exists()
    assert not Budget.objects.exists()


# --- Overlap ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        ("2025-06", None, True),  # the existing one's last month
        ("2024-01", "2025-01", True),  # its first month
        ("2025-03", "2025-04", True),  # inside
        ("2024-01", None, True),  # around it
        ("2025-07", None, False),  # right after
        ("2024-01", "2024-12", False),  # right before
    ],
)
def test_two_budgets_of_a_category_cannot_share_a_month(owner_api, household, start, end, overlaps):
    h = household
    post(owner_api, h, groceries(h, start_month="2025-01", end_month="2025-06"))
    body = groceries(h, start_month=start, end_month=end)
    response = owner_api.post(budget_path(h.ledger), body)
    if overlaps:
        error = assert_error(response, 409, "budget_overlap")
        assert "2025-01" in error["detail"]
    else:
        assert response.status_code == 201, response.content


def test_an_open_ended_budget_overlaps_every_later_month(owner_api, household):
    h = household
    post(owner_api, h, groceries(h, start_month="2025-01"))
    assert_error(
        owner_api.post(budget_path(h.ledger), groceries(h, start_month="2040-01")),
        409,
        "budget_overlap",
    )
    other = groceries(h, category=str(h.category("Health").pk), start_month="2040-01")
    assert owner_api.post(budget_path(h.ledger), other).status_code == 201


def test_patch_into_another_budgets_months_is_409_and_its_own_are_fine(owner_api, household):
    h = household
    first = post(owner_api, h, groceries(h, start_month="2025-01", end_month="2025-06"))
    second = post(owner_api, h, groceries(h, start_month="2025-07", end_month=None))
    path = budget_path(h.ledger, second["id"])
    assert_error(owner_api.patch(path, {"start_month": "2025-06"}), 409, "budget_overlap")
    own = owner_api.patch(budget_path(h.ledger, first["id"]), {"end_month": "2025-06"})
    assert own.status_code == 200, own.content
    leisure = str(h.category("Leisure").pk)
    moved = owner_api.patch(path, {"category": leisure, "start_month": "2025-01"})
    assert moved.status_code == 200, moved.content
    assert_error(
        owner_api.patch(budget_path(h.ledger, first["id"]), {"category": leisure}),
        409,
        "budget_overlap",
    )


# --- Status -----------------------------------------------------------------------------------


def test_status_sums_the_categorys_expenses_of_that_month_only(owner_api, household):
    h = household
    budget = post(owner_api, h, groceries(h, amount="200.00"))
    spend(h, "50.00", date(2025, 3, 1))
    spend(h, "25.25", date(2025, 3, 31))
    spend(h, "999.00", date(2025, 2, 28))  # another month
    spend(h, "999.00", date(2025, 4, 1))
    spend(h, "999.00", date(2025, 3, 10), category="Leisure")  # another category
    money.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "income",
            "date": date(2025, 3, 3),
            "amount": 500,
            "wallet": h.bank.pk,
            "category": h.salary.pk,
        },
    )
    assert status(owner_api, h) == [
        {
            "budget": budget["id"],
            "category": str(h.groceries.pk),
            "category_name": "Groceries",
            "category_group": None,
            "rollover": False,
            "limit": "200.00",
            "carried": "0.00",
            "available": "200.00",
            "spent": "75.25",
            "remaining": "124.75",
            "percent_used": "37.62",  # 37.625 rounded down: under the limit
            "alert_percent": 80,
            "state": "ok",
        }
    ]


@pytest.mark.parametrize(
    ("spent", "percent", "state", "remaining"),
    [
        ("0.00", "0.00", "ok", "100.00"),
        ("79.99", "79.99", "ok", "20.01"),
        ("80.00", "80.00", "warning", "20.00"),  # exactly alert_percent
        ("99.99", "99.99", "warning", "0.01"),
        ("100.00", "100.00", "warning", "0.00"),  # exactly 100 %: not exceeded
        ("100.01", "100.01", "exceeded", "-0.01"),
        ("250.00", "250.00", "exceeded", "-150.00"),
    ],
)
def test_status_states_at_their_boundaries(owner_api, household, spent, percent, state, remaining):
    h = household
    post(owner_api, h, groceries(h, amount="100.00", alert_percent=80))
    if spent != "0.00":
        spend(h, spent, date(2025, 3, 15))
    [row] = status(owner_api, h)
    assert (row["spent"], row["percent_used"], row["state"], row["remaining"]) == (
        spent,
        percent,
        state,
        remaining,
    )


@pytest.mark.parametrize(
    ("spent", "percent", "state"),
    [
        ("7999.99", "79.99", "ok"),  # 79.9999 %: not yet at 80 %, so not shown as 80.00
        ("8000.00", "80.00", "warning"),
        ("9999.99", "99.99", "warning"),  # 99.9999 %: 100.00 only at the limit itself
        ("10000.00", "100.00", "warning"),
        ("10000.01", "100.01", "exceeded"),  # 100.0001 %: over the limit, shown over 100
    ],
)
def test_percent_used_agrees_with_the_state_near_the_thresholds(
    owner_api, household, spent, percent, state
):
    """The state is decided exactly; percent_used is rounded towards 100 % (down below
    the limit, up above it), so a percent shown at or over a threshold is one reached."""
    h = household
    post(owner_api, h, groceries(h, amount="10000.00"))
    spend(h, spent, date(2025, 3, 15))
    [row] = status(owner_api, h)
    assert (row["percent_used"], row["state"]) == (percent, state)


def test_alert_percent_100_warns_at_exactly_the_limit(owner_api, household):
    h = household
    post(owner_api, h, groceries(h, amount="100.00", alert_percent=100))
    spend(h, "99.99", date(2025, 3, 15))
    assert status(owner_api, h)[0]["state"] == "ok"
    spend(h, "0.01", date(2025, 3, 15))
    assert status(owner_api, h)[0]["state"] == "warning"


def test_status_lists_only_budgets_active_that_month(owner_api, household):
    h = household
    post(owner_api, h, groceries(h, start_month="2025-01", end_month="2025-02"))
    march = post(owner_api, h, groceries(h, start_month="2025-03", end_month="2025-03"))
    post(owner_api, h, groceries(h, start_month="2025-04"))
    health = post(owner_api, h, groceries(h, category=str(h.category("Health").pk)))
    assert [r["budget"] for r in status(owner_api, h, 2025, 3)] == [march["id"], health["id"]]
    assert status(owner_api, h, 2024, 12) == []


def test_status_runs_a_fixed_number_of_queries(owner_api, household, django_assert_max_num_queries):
    h = household
    names = ["Groceries", "Housing", "Utilities", "Transport", "Health", "Leisure"]
    for name in names:
        services.budget_create(
            ledger=h.ledger, category=h.category(name).pk, amount=100, start_month=date(2025, 1, 1)
        )
        spend(h, "10.00", date(2025, 3, 2), category=name)
    with django_assert_max_num_queries(3):
        rows = status(owner_api, h)
    assert [r["spent"] for r in rows] == ["10.00"] * len(names)
    with django_assert_max_num_queries(3):
        owner_api.get(budget_path(h.ledger))


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"year": 2025},
        {"month": 3},
        {"year": 2025, "month": 13},
        {"year": 2025, "month": 0},
        {"year": "abc", "month": 3},
        {"year": 1800, "month": 3},
        {"year": 2025, "month": "march"},
    ],
)
def test_status_needs_a_valid_year_and_month(owner_api, household, params):
    response = owner_api.get(status_path(household.ledger), params)
    body = assert_error(response, 422)
    assert {e["field"] for e in body["errors"]} <= {"year", "month"}
