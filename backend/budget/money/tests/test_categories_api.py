"""Categories: /ledgers/{lid}/categories (SPEC §2, §4, §10)."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.ledgers.services import ledger_create
from budget.money import services
from budget.money.models import Category
from budget.money.tests.helpers import expense, income, member_api, post_ok, transfer, tx_path

pytestmark = pytest.mark.django_db

# Auth user, membership, page count, page: the same whatever the number of categories.
LIST_QUERIES = 4

DEFAULTS = [
    ("Groceries", "expense"),
    ("Health", "expense"),
    ("Housing", "expense"),
    ("Leisure", "expense"),
    ("Other expenses", "expense"),
    ("Transport", "expense"),
    ("Utilities", "expense"),
    ("Other income", "income"),
    ("Salary", "income"),
    ("Loan", "neutral"),
    ("Transfer", "neutral"),
]


def categories_path(ledger, category=None) -> str:
    path = f"/ledgers/{ledger.pk}/categories"
    return f"{path}/{getattr(category, 'pk', category)}" if category is not None else path


def listed(owner_api, ledger, **query) -> list[tuple[str, str]]:
    body = owner_api.get(categories_path(ledger), {"page_size": 500, **query}).json()
    return [(c["name"], c["type"]) for c in body["items"]]


# --- Defaults -------------------------------------------------------------------------------


def test_new_ledger_has_the_eleven_default_categories(owner_api, ledger):
    response = owner_api.get(categories_path(ledger))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 11
    assert [(c["name"], c["type"], c["archived"]) for c in body["items"]] == [
        (name, type_, False) for name, type_ in DEFAULTS
    ]


def test_every_ledger_gets_its_own_defaults(api, owner_api, user, ledger):
    other = ledger_create(name="Side project", owner=user)
    mine = {c["id"] for c in owner_api.get(categories_path(ledger)).json()["items"]}
    theirs = {c["id"] for c in owner_api.get(categories_path(other)).json()["items"]}
    assert len(mine) == len(theirs) == 11
    assert not mine & theirs
    assert listed(owner_api, other) == DEFAULTS


# --- Create ---------------------------------------------------------------------------------


def test_create_answers_201_with_the_category(owner_api, ledger):
    response = owner_api.post(categories_path(ledger), {"name": "Pets", "type": "expense"})
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Pets",
        "type": "expense",
        "group": None,
        "default_bucket": None,
        "archived": False,
        "created_at": body["created_at"],
    }
    assert Category.objects.get(pk=body["id"]).ledger_id == ledger.pk
    assert owner_api.get(categories_path(ledger, body["id"])).json() == body


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"name": "Bonus", "type": "income"}, {"name": "Bonus", "type": "income"}),
        ({"name": "Pets", "type": "expense"}, {"name": "Pets", "type": "expense"}),
        ({"name": "Savings move", "type": "neutral"}, {"name": "Savings move", "type": "neutral"}),
        ({"name": "  Padded  ", "type": "expense"}, {"name": "Padded", "archived": False}),
        ({"name": "x" * 100, "type": "expense"}, {"name": "x" * 100}),
        ({"name": "Old", "type": "expense", "archived": True}, {"archived": True}),
    ],
)
def test_create_accepts_every_type(owner_api, ledger, payload, expected):
    response = owner_api.post(categories_path(ledger), payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"type": "expense"}, "name"),
        ({"name": "", "type": "expense"}, "name"),
        ({"name": "   ", "type": "expense"}, "name"),
        ({"name": "x" * 101, "type": "expense"}, "name"),
        ({"name": None, "type": "expense"}, "name"),
        ({"name": "Pets"}, "type"),
        ({"name": "Pets", "type": "spending"}, "type"),
        ({"name": "Pets", "type": "EXPENSE"}, "type"),
        ({"name": "Pets", "type": None}, "type"),
        ({"name": "Pets", "type": "expense", "archived": "maybe"}, "archived"),
    ],
)
def test_invalid_category_is_422_naming_the_field_and_creates_nothing(
    owner_api, ledger, payload, field
):
    response = owner_api.post(categories_path(ledger), payload)
    assert_error(response, 422, "validation_error", field)
    assert Category.objects.filter(ledger=ledger).count() == 11


# --- Update ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"name": "Food"}, {"name": "Food", "type": "expense", "archived": False}),
        ({"name": " Food "}, {"name": "Food", "type": "expense", "archived": False}),
        ({"type": "income"}, {"name": "Groceries", "type": "income", "archived": False}),
        ({"type": "neutral"}, {"name": "Groceries", "type": "neutral", "archived": False}),
        ({"type": "expense"}, {"name": "Groceries", "type": "expense", "archived": False}),
        ({"archived": True}, {"name": "Groceries", "type": "expense", "archived": True}),
        ({}, {"name": "Groceries", "type": "expense", "archived": False}),
    ],
)
def test_patch_changes_only_what_it_names(owner_api, household, payload, expected):
    h = household
    response = owner_api.patch(categories_path(h.ledger, h.groceries), payload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "id": str(h.groceries.pk),
        "created_at": body["created_at"],
        "group": None,
        "default_bucket": None,
        **expected,
    }
    assert owner_api.get(categories_path(h.ledger, h.groceries)).json() == body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"type": "spending"}, "type"),
        ({"archived": "maybe"}, "archived"),
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(owner_api, household, payload, field):
    h = household
    response = owner_api.patch(categories_path(h.ledger, h.groceries), payload)
    assert_error(response, 422, "validation_error", field)
    h.groceries.refresh_from_db()
    assert (h.groceries.name, h.groceries.type, h.groceries.archived) == (
        "Groceries",
        "expense",
        False,
    )


@pytest.mark.parametrize("field", ["name", "type", "archived"])
def test_null_for_a_field_that_cannot_be_null_is_422(owner_api, household, field):
    response = owner_api.patch(
        categories_path(household.ledger, household.groceries), {field: None}
    )
    assert_error(response, 422, "validation_error", field)


USES = {
    "Salary": (income, "expense"),
    "Groceries": (expense, "income"),
    "Transfer": (lambda h: transfer(h, category=str(h.transfer.pk)), "expense"),
}


@pytest.mark.parametrize("name", list(USES))
def test_changing_the_type_of_a_used_category_is_409(owner_api, household, name):
    h = household
    build, other_type = USES[name]
    post_ok(owner_api, h.ledger, build(h))
    category = h.category(name)
    response = owner_api.patch(categories_path(h.ledger, category), {"type": other_type})
    assert_error(response, 409, "in_use")
    category.refresh_from_db()
    assert category.type != other_type


@pytest.mark.parametrize("name", list(USES))
def test_a_used_category_can_be_renamed_archived_or_given_its_own_type(owner_api, household, name):
    h = household
    build, _ = USES[name]
    post_ok(owner_api, h.ledger, build(h))
    category = h.category(name)
    path = categories_path(h.ledger, category)
    assert owner_api.patch(path, {"type": category.type}).status_code == 200
    response = owner_api.patch(path, {"name": f"{name} (old)", "archived": True})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["archived"]) == (f"{name} (old)", True)


def test_changing_the_type_of_an_archived_used_category_is_409(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, expense(h))
    owner_api.patch(categories_path(h.ledger, h.groceries), {"archived": True})
    response = owner_api.patch(categories_path(h.ledger, h.groceries), {"type": "income"})
    assert_error(response, 409, "in_use")


def test_type_can_change_once_its_transactions_are_gone(owner_api, household):
    h = household
    tx = post_ok(owner_api, h.ledger, expense(h))
    assert owner_api.delete(tx_path(h.ledger, tx["id"])).status_code == 204
    response = owner_api.patch(categories_path(h.ledger, h.groceries), {"type": "income"})
    assert response.status_code == 200
    assert response.json()["type"] == "income"
    post_ok(owner_api, h.ledger, income(h, category=str(h.groceries.pk)))


def test_type_cannot_change_while_a_budget_or_template_uses_it(owner_api, household):
    from budget.planning import services as planning

    h = household
    planning.budget_create(
        ledger=h.ledger,
        category=h.groceries.pk,
        amount=Decimal("300.00"),
        start_month=date(2025, 1, 1),
    )
    response = owner_api.patch(categories_path(h.ledger, h.groceries), {"type": "income"})
    body = assert_error(response, 409, "in_use")
    assert body["detail"].startswith("Budgets use this category")
    planning.recurring_create(
        ledger=h.ledger,
        kind="income",
        amount=Decimal("10.00"),
        wallet=h.bank.pk,
        category=h.salary.pk,
        frequency="monthly",
        interval=1,
        start_date=date(2099, 1, 1),
    )
    response = owner_api.patch(categories_path(h.ledger, h.salary), {"type": "expense"})
    assert "Recurring transactions use" in assert_error(response, 409, "in_use")["detail"]


# --- Archive --------------------------------------------------------------------------------


def test_archived_category_cannot_take_new_transactions(owner_api, household):
    h = household
    owner_api.patch(categories_path(h.ledger, h.groceries), {"archived": True})
    assert_error(owner_api.post(tx_path(h.ledger), expense(h)), 422, field="category")
    owner_api.patch(categories_path(h.ledger, h.groceries), {"archived": False})
    post_ok(owner_api, h.ledger, expense(h))


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({}, [name for name, _ in DEFAULTS]),
        ({"archived": "false"}, [name for name, _ in DEFAULTS if name != "Loan"]),
        ({"archived": "true"}, ["Loan"]),
    ],
)
def test_list_filters_on_archived(owner_api, household, query, names):
    owner_api.patch(
        categories_path(household.ledger, household.category("Loan")), {"archived": True}
    )
    body = owner_api.get(categories_path(household.ledger), query).json()
    assert [c["name"] for c in body["items"]] == names
    assert [c["name"] for c in body["items"] if c["archived"]] == (
        [] if query.get("archived") == "false" else ["Loan"]
    )
    assert body["count"] == len(names)


def test_archived_filter_that_is_not_a_boolean_is_422(owner_api, ledger):
    assert_error(
        owner_api.get(categories_path(ledger), {"archived": "maybe"}), 422, field="archived"
    )


# --- Delete ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Health", "Salary", "Loan"])
def test_deleting_an_unused_category_is_204(owner_api, household, name):
    h = household
    category = h.category(name)
    assert owner_api.delete(categories_path(h.ledger, category)).status_code == 204
    assert not Category.objects.filter(pk=category.pk).exists()
    assert_error(owner_api.get(categories_path(h.ledger, category)), 404, "not_found")
    assert len(listed(owner_api, h.ledger)) == 10


@pytest.mark.parametrize("name", list(USES))
def test_deleting_a_used_category_is_409(owner_api, household, name):
    h = household
    build, _ = USES[name]
    post_ok(owner_api, h.ledger, build(h))
    category = h.category(name)
    assert_error(owner_api.delete(categories_path(h.ledger, category)), 409, "in_use")
    assert Category.objects.filter(pk=category.pk).exists()


def test_deleting_a_category_whose_transactions_are_gone_is_204(owner_api, household):
    h = household
    tx = post_ok(owner_api, h.ledger, expense(h))
    owner_api.delete(tx_path(h.ledger, tx["id"]))
    assert owner_api.delete(categories_path(h.ledger, h.groceries)).status_code == 204


# --- Access ---------------------------------------------------------------------------------


def test_viewer_reads_categories(api, household, bob):
    h = household
    viewer = member_api(api, h.ledger, bob, "viewer")
    assert viewer.get(categories_path(h.ledger)).json()["count"] == 11
    assert viewer.get(categories_path(h.ledger, h.salary)).json()["name"] == "Salary"


@pytest.mark.parametrize(
    ("method", "target", "payload"),
    [
        ("post", False, {"name": "Mine", "type": "expense"}),
        ("patch", True, {"name": "Mine"}),
        ("patch", True, {"type": "income"}),
        ("patch", True, {"archived": True}),
        ("delete", True, None),
    ],
)
def test_viewer_cannot_write_categories(api, household, bob, method, target, payload):
    h = household
    viewer = member_api(api, h.ledger, bob, "viewer")
    path = categories_path(h.ledger, h.groceries if target else None)
    assert_error(getattr(viewer, method)(path, payload), 403, "permission_denied")
    assert listed(api.as_user(bob), h.ledger) == DEFAULTS


def test_editor_writes_categories(api, household, bob):
    h = household
    editor = member_api(api, h.ledger, bob, "editor")
    created = editor.post(categories_path(h.ledger), {"name": "Pets", "type": "expense"})
    assert created.status_code == 201
    assert editor.patch(categories_path(h.ledger, h.groceries), {"name": "Food"}).status_code == 200
    assert editor.delete(categories_path(h.ledger, created.json()["id"])).status_code == 204
    assert ("Food", "expense") in listed(editor, h.ledger)


def test_stranger_gets_404_for_every_category_route(api, household, stranger):
    h = household
    other = api.as_user(stranger)
    calls = [
        other.get(categories_path(h.ledger)),
        other.post(categories_path(h.ledger), {"name": "Mine", "type": "expense"}),
        other.post(categories_path(h.ledger), {}),
        other.get(categories_path(h.ledger, h.salary)),
        other.patch(categories_path(h.ledger, h.salary), {"name": "Mine"}),
        other.delete(categories_path(h.ledger, h.salary)),
    ]
    for response in calls:
        assert_error(response, 404, "not_found")
    assert Category.objects.filter(ledger=h.ledger).count() == 11


@pytest.mark.parametrize(
    ("method", "payload"), [("get", None), ("patch", {"name": "Stolen"}), ("delete", None)]
)
def test_category_of_another_ledger_in_the_path_is_404(owner_api, user, ledger, method, payload):
    other_ledger = ledger_create(name="Side project", owner=user)
    foreign = Category.objects.get(ledger=other_ledger, name="Health")
    response = getattr(owner_api, method)(categories_path(ledger, foreign), payload)
    assert_error(response, 404, "not_found")
    assert Category.objects.get(pk=foreign.pk).name == "Health"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_category_is_404(owner_api, ledger, method):
    response = getattr(owner_api, method)(categories_path(ledger, uuid.uuid4()), {"name": "X"})
    assert_error(response, 404, "not_found")


def test_categories_need_authentication(api, ledger):
    assert_error(api.get(categories_path(ledger)), 401, "not_authenticated")


# --- Lists ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status", "names"),
    [
        ({"page_size": 3}, 200, ["Groceries", "Health", "Housing"]),
        ({"page_size": 3, "page": 4}, 200, ["Loan", "Transfer"]),
        ({"page_size": 500}, 200, [name for name, _ in DEFAULTS]),
        ({"page_size": 501}, 422, "page_size"),
        ({"page_size": 0}, 422, "page_size"),
        ({"page": 0}, 422, "page"),
    ],
)
def test_category_list_is_paginated(owner_api, ledger, query, status, names):
    response = owner_api.get(categories_path(ledger), query)
    if status == 422:
        assert_error(response, 422, "validation_error", names)
        return
    body = response.json()
    assert body["count"] == 11
    assert [c["name"] for c in body["items"]] == names


@pytest.mark.parametrize("rows", [1, 30])
def test_category_list_takes_constant_queries(
    owner_api, ledger, rows, django_assert_max_num_queries
):
    for i in range(rows):
        services.category_create(ledger=ledger, name=f"C{i:02}", type="expense")
    with django_assert_max_num_queries(LIST_QUERIES):
        response = owner_api.get(categories_path(ledger), {"page_size": 500})
    assert response.json()["count"] == rows + 11


# --- Groups (SPEC §18) ----------------------------------------------------------------------


def test_a_category_carries_a_trimmed_group_and_loses_it_when_blank_or_null(owner_api, ledger):
    body = owner_api.post(
        categories_path(ledger), {"name": "Rent", "type": "expense", "group": "  Fixed costs "}
    ).json()
    assert body["group"] == "Fixed costs"
    path = f"{categories_path(ledger)}/{body['id']}"
    assert owner_api.patch(path, {"name": "Flat rent"}).json()["group"] == "Fixed costs"
    assert owner_api.patch(path, {"group": "   "}).json()["group"] is None
    assert owner_api.patch(path, {"group": "Home"}).json()["group"] == "Home"
    assert owner_api.patch(path, {"group": None}).json()["group"] is None
    assert owner_api.get(path).json()["group"] is None


def test_a_group_name_over_50_characters_is_a_422_that_changes_nothing(owner_api, ledger):
    body = owner_api.post(
        categories_path(ledger), {"name": "Rent", "type": "expense", "group": "Home"}
    ).json()
    path = f"{categories_path(ledger)}/{body['id']}"
    response = owner_api.patch(path, {"group": "x" * 51})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "group"
    assert owner_api.get(path).json()["group"] == "Home"
