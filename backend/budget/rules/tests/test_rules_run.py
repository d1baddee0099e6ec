"""Rules on new transactions, and the payee history (SPEC §12): API create and bulk, import
rows, recurring occurrences."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from tests.helpers import assert_error

from budget.exchange.tests.helpers import imports_path, validated
from budget.money import services as money
from budget.money.models import Payee, Transaction
from budget.money.services import wallet_create
from budget.money.tests.helpers import expense, income, post_ok, transfer, tx_path
from budget.planning import services as planning
from budget.rates.models import LedgerRate
from budget.rules.tests.helpers import rule_body, rules_path

pytestmark = pytest.mark.django_db


def add_rule(owner_api, h, **changes) -> dict:
    response = owner_api.post(rules_path(h.ledger), rule_body(h, **changes))
    assert response.status_code == 201, response.content
    return response.json()


def uncategorised(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "category"}


def category_of(owner_api, h, body: dict) -> str | None:
    return post_ok(owner_api, h.ledger, body)["category"]


def when(field: str, op: str, value) -> list[dict]:
    return [{"field": field, "op": op, "value": value}]


# --- Conditions ----------------------------------------------------------------------------

TEXT_CASES = [
    ("is", "Weekly MARKET", "weekly market", True),
    ("is", "Weekly market", "market", False),
    ("contains", "The Market Hall", "market", True),
    ("contains", "Bakery", "market", False),
    ("starts_with", "MARKET square", "market", True),
    ("starts_with", "The market", "market", False),
    ("ends_with", "Farmers' Market", "market", True),
    ("ends_with", "Market day", "market", False),
    ("matches", "CARD 1234 market", r"card \d{4}", True),
    ("matches", "CARD market", r"^market", False),
    ("matches", "Straße", "STRASSE|straße", True),
]


@pytest.mark.parametrize(("op", "text", "value", "hit"), TEXT_CASES)
@pytest.mark.parametrize("field", ["description", "notes", "payee_name"])
def test_text_conditions_ignore_case(owner_api, household, field, op, text, value, hit):
    h = household
    add_rule(owner_api, h, conditions=when(field, op, value))
    key = field if field != "payee_name" else "payee_name"
    body = uncategorised(expense(h, **{key: text}))
    if hit:
        assert category_of(owner_api, h, body) == str(h.groceries.pk)
    else:
        assert_error(owner_api.post(tx_path(h.ledger), body), 422, field="category")


@pytest.mark.parametrize(
    ("op", "value", "amounts_hit"),
    [
        ("eq", "25.50", {"25.50"}),
        ("gt", "25.50", {"30.00"}),
        ("gte", "25.50", {"25.50", "30.00"}),
        ("lt", "25.50", {"10.00"}),
        ("lte", "25.50", {"10.00", "25.50"}),
        ("between", ["10.00", "25.50"], {"10.00", "25.50"}),
    ],
)
def test_amount_conditions(owner_api, household, op, value, amounts_hit):
    assert _amounts_hit(owner_api, household, op, value, ("10.00", "25.50", "30.00")) == amounts_hit


def _amounts_hit(owner_api, h, op, value, amounts, **extra) -> set[str]:
    """Which of `amounts` (new expenses, `extra` their other fields) a rule of one amount
    condition marks."""
    add_rule(
        owner_api,
        h,
        conditions=when("amount", op, value),
        actions=[{"field": "notes", "value": "hit"}],
    )
    return {
        amount
        for amount in amounts
        if post_ok(owner_api, h.ledger, expense(h, amount, **extra))["notes"] == "hit"
    }


def test_amount_conditions_compare_the_absolute_amount(owner_api, household):
    h = household
    add_rule(
        owner_api,
        h,
        conditions=when("amount", "gte", "5"),
        actions=[{"field": "notes", "value": "hit"}],
    )
    body = {"kind": "adjustment", "date": "2025-03-01", "amount": "-7.00", "wallet": str(h.bank.pk)}
    assert post_ok(owner_api, h.ledger, body)["notes"] == "hit"


@pytest.mark.parametrize(
    ("op", "value", "amounts_hit"),
    [
        ("eq", "1.005", {"1.005"}),
        ("gt", "1.005", {"1.250"}),
        ("lte", "1.005", {"1.000", "1.005"}),
        ("between", ["1.001", "1.25"], {"1.005", "1.250"}),
    ],
)
def test_amount_conditions_take_a_three_place_currencys_amounts(
    owner_api, household, op, value, amounts_hit
):
    """SPEC §14: a wallet in KWD holds amounts of three places; a rule can tell them apart."""
    h = household
    dinars = wallet_create(ledger=h.ledger, name="Kuwait", kind="virtual", currency="KWD")
    LedgerRate.objects.create(
        ledger=h.ledger, currency="KWD", date=date(2025, 3, 2), rate=Decimal("3")
    )
    amounts = ("1.000", "1.005", "1.250")
    hits = _amounts_hit(owner_api, h, op, value, amounts, wallet=str(dinars.pk))
    assert hits == amounts_hit


def test_kind_wallet_category_and_payee_conditions(owner_api, household):
    h = household
    shop = money.payee_create(ledger=h.ledger, name="Shop")
    note = [{"field": "notes", "value": "hit"}]
    add_rule(owner_api, h, name="kind", conditions=when("kind", "is", "transfer"), actions=note)
    add_rule(
        owner_api,
        h,
        name="not cash",
        match="all",
        conditions=[
            {"field": "wallet", "op": "is_not", "value": str(h.bank.pk)},
            {"field": "kind", "op": "is_not", "value": "transfer"},
        ],
        actions=[{"field": "description", "value": "cash"}],
    )
    add_rule(
        owner_api,
        h,
        name="salary",
        conditions=when("category", "is", str(h.salary.pk)),
        actions=[{"field": "tags", "value": ["pay"]}],
    )
    add_rule(
        owner_api,
        h,
        name="payee",
        conditions=when("payee", "is", str(shop.pk)),
        actions=[{"field": "bucket", "value": str(h.fun.pk)}],
    )
    moved = post_ok(owner_api, h.ledger, transfer(h))
    assert (moved["notes"], moved["description"]) == ("hit", "")  # from_wallet is the bank
    cash = post_ok(owner_api, h.ledger, expense(h, wallet=str(h.cash.pk)))
    assert (cash["notes"], cash["description"]) == ("", "cash")
    assert post_ok(owner_api, h.ledger, income(h))["tags"] == ["pay"]
    # The payee by name is the payee the condition names.
    assert post_ok(owner_api, h.ledger, expense(h, payee_name="SHOP"))["bucket"] == str(h.fun.pk)
    assert post_ok(owner_api, h.ledger, expense(h, payee_name="Other"))["bucket"] == str(
        h.unallocated.pk
    )


def test_external_id_condition(owner_api, household):
    h = household
    add_rule(
        owner_api,
        h,
        conditions=when("external_id", "is", "FIT-1"),
        actions=[{"field": "notes", "value": "hit"}],
    )
    assert post_ok(owner_api, h.ledger, expense(h, external_id="FIT-1"))["notes"] == "hit"
    assert post_ok(owner_api, h.ledger, expense(h, external_id="FIT-2"))["notes"] == ""


def test_match_any_or_all(owner_api, household):
    h = household
    conditions = [
        {"field": "description", "op": "contains", "value": "bread"},
        {"field": "amount", "op": "lt", "value": "5"},
    ]
    note = [{"field": "notes", "value": "hit"}]
    add_rule(owner_api, h, name="any", match="any", conditions=conditions, actions=note)
    add_rule(
        owner_api,
        h,
        name="all",
        match="all",
        conditions=conditions,
        actions=[{"field": "tags", "value": ["both"]}],
    )
    one = post_ok(owner_api, h.ledger, expense(h, "9.00", description="bread"))
    both = post_ok(owner_api, h.ledger, expense(h, "2.00", description="bread"))
    none = post_ok(owner_api, h.ledger, expense(h, "9.00", description="milk"))
    assert [(t["notes"], t["tags"]) for t in (one, both, none)] == [
        ("hit", []),
        ("hit", ["both"]),
        ("", []),
    ]


# --- Actions -------------------------------------------------------------------------------


def test_every_action_sets_its_field(owner_api, household):
    h = household
    add_rule(
        owner_api,
        h,
        actions=[
            {"field": "category", "value": str(h.category("Leisure").pk)},
            {"field": "bucket", "value": str(h.fun.pk)},
            {"field": "payee_name", "value": "Farmers"},
            {"field": "description", "value": "never: the input has one"},
            {"field": "notes", "value": "from a rule"},
            {"field": "tags", "value": ["market", "food"]},
        ],
    )
    created = post_ok(
        owner_api, h.ledger, uncategorised(expense(h, description="market", tags=["food"]))
    )
    assert created["category"] == str(h.category("Leisure").pk)
    assert created["bucket"] == str(h.fun.pk)
    assert created["payee_name"] == "Farmers"
    assert created["description"] == "market"
    assert created["notes"] == "from a rule"
    assert created["tags"] == ["food", "market"]


def test_a_payee_action_by_id(owner_api, household):
    h = household
    shop = money.payee_create(ledger=h.ledger, name="Shop")
    add_rule(owner_api, h, actions=[{"field": "payee", "value": str(shop.pk)}])
    assert post_ok(owner_api, h.ledger, expense(h, description="market"))["payee"] == str(shop.pk)
    mine = post_ok(owner_api, h.ledger, expense(h, description="market", payee_name="Mine"))
    assert mine["payee_name"] == "Mine"


def test_an_explicit_value_always_wins(owner_api, household):
    h = household
    add_rule(
        owner_api,
        h,
        actions=[
            {"field": "category", "value": str(h.category("Leisure").pk)},
            {"field": "notes", "value": "rule"},
            {"field": "bucket", "value": str(h.fun.pk)},
        ],
    )
    created = post_ok(
        owner_api,
        h.ledger,
        expense(h, description="market", notes="mine", bucket=str(h.bills.pk)),
    )
    assert created["category"] == str(h.groceries.pk)
    assert (created["notes"], created["bucket"]) == ("mine", str(h.bills.pk))


def test_rules_run_in_position_order_and_the_first_to_set_a_field_wins(owner_api, household):
    h = household
    add_rule(owner_api, h, name="later", position=5, actions=[{"field": "notes", "value": "5"}])
    add_rule(owner_api, h, name="sooner", position=1, actions=[{"field": "notes", "value": "1"}])
    assert post_ok(owner_api, h.ledger, expense(h, description="market"))["notes"] == "1"


def test_stop_ends_the_run_when_its_rule_matched(owner_api, household):
    h = household
    add_rule(
        owner_api,
        h,
        name="stop",
        position=1,
        stop=True,
        conditions=when("amount", "gt", "100"),
        actions=[{"field": "notes", "value": "big"}],
    )
    add_rule(owner_api, h, name="next", position=2, actions=[{"field": "tags", "value": ["m"]}])
    big = post_ok(owner_api, h.ledger, expense(h, "200.00", description="market"))
    small = post_ok(owner_api, h.ledger, expense(h, "2.00", description="market"))
    assert (big["notes"], big["tags"]) == ("big", [])
    assert (small["notes"], small["tags"]) == ("", ["m"])


def test_inactive_rules_do_nothing(owner_api, household):
    h = household
    add_rule(owner_api, h, active=False, actions=[{"field": "notes", "value": "x"}])
    assert post_ok(owner_api, h.ledger, expense(h, description="market"))["notes"] == ""


def test_actions_that_do_not_fit_are_skipped(owner_api, household):
    h = household
    add_rule(
        owner_api,
        h,
        conditions=when("amount", "gt", "0"),
        actions=[
            {"field": "category", "value": str(h.salary.pk)},  # an income category
            {"field": "bucket", "value": str(h.fun.pk)},
            {"field": "notes", "value": "ruled"},
        ],
    )
    spent = post_ok(owner_api, h.ledger, expense(h))
    assert (spent["category"], spent["bucket"]) == (str(h.groceries.pk), str(h.fun.pk))
    moved = post_ok(owner_api, h.ledger, transfer(h))  # no bucket on a transfer
    assert (moved["bucket"], moved["category"], moved["notes"]) == (None, None, "ruled")
    assert post_ok(owner_api, h.ledger, uncategorised(income(h)))["category"] == str(h.salary.pk)


def test_a_target_archived_since_the_rule_was_made_is_skipped(owner_api, household):
    h = household
    fresh = money.category_create(ledger=h.ledger, name="Fresh", type="expense")
    add_rule(owner_api, h, actions=[{"field": "category", "value": str(fresh.pk)}])
    money.category_update(category=fresh, archived=True)
    body = uncategorised(expense(h, description="market"))
    assert_error(owner_api.post(tx_path(h.ledger), body), 422, field="category")


def test_bulk_runs_the_rules_on_every_item_in_fixed_queries(
    owner_api, household, django_assert_max_num_queries
):
    h = household
    for n in range(10):
        add_rule(
            owner_api,
            h,
            name=f"r{n}",
            conditions=when("description", "contains", f"shop {n}"),
            actions=[
                {"field": "category", "value": str(h.category("Leisure").pk)},
                {"field": "payee_name", "value": f"Shop {n}"},
            ],
        )

    def items(count: int) -> list[dict]:
        return [uncategorised(expense(h, description=f"shop {n % 10}")) for n in range(count)]

    path = f"{tx_path(h.ledger)}/bulk"
    assert owner_api.post(path, {"items": items(10)}).status_code == 201
    # A handful of queries, not one per item (SQLite inserts in pieces of 999 values).
    with django_assert_max_num_queries(30):
        assert owner_api.post(path, {"items": items(200)}).status_code == 201
    assert Transaction.objects.filter(category=h.category("Leisure")).count() == 210
    assert Payee.objects.filter(ledger=h.ledger).count() == 10


# --- The payee history ---------------------------------------------------------------------


def test_a_payee_s_most_used_category_is_learned(owner_api, household):
    h = household
    health = h.category("Health")
    for category in (h.groceries, health, health):
        post_ok(owner_api, h.ledger, expense(h, payee_name="Pharmacy", category=str(category.pk)))
    post_ok(owner_api, h.ledger, income(h, payee_name="Pharmacy"))  # an income: other type
    learned = post_ok(owner_api, h.ledger, uncategorised(expense(h, payee_name="pharmacy")))
    assert learned["category"] == str(health.pk)
    income_learned = post_ok(owner_api, h.ledger, uncategorised(income(h, payee_name="Pharmacy")))
    assert income_learned["category"] == str(h.salary.pk)


def test_a_tie_goes_to_the_most_recently_used(owner_api, household):
    h = household
    health = h.category("Health")
    post_ok(owner_api, h.ledger, expense(h, date="2025-03-01", payee_name="P"))
    post_ok(
        owner_api, h.ledger, expense(h, date="2025-03-09", payee_name="P", category=str(health.pk))
    )
    post_ok(owner_api, h.ledger, expense(h, date="2025-03-05", payee_name="P"))
    post_ok(
        owner_api, h.ledger, expense(h, date="2025-02-01", payee_name="P", category=str(health.pk))
    )
    learned = post_ok(owner_api, h.ledger, uncategorised(expense(h, payee_name="P")))
    assert learned["category"] == str(health.pk)  # 2 each; Health used last (9 March)


def test_rules_come_before_the_history_and_explicit_before_both(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, expense(h, payee_name="Market"))
    add_rule(
        owner_api,
        h,
        conditions=when("payee_name", "is", "market"),
        actions=[{"field": "category", "value": str(h.category("Leisure").pk)}],
    )
    ruled = post_ok(owner_api, h.ledger, uncategorised(expense(h, payee_name="Market")))
    assert ruled["category"] == str(h.category("Leisure").pk)
    health = str(h.category("Health").pk)
    assert post_ok(owner_api, h.ledger, expense(h, payee_name="Market", category=health))[
        "category"
    ] == (health)


def test_the_history_is_one_query_for_a_whole_batch(
    owner_api, household, django_assert_max_num_queries
):
    h = household
    for n in range(20):
        post_ok(owner_api, h.ledger, expense(h, payee_name=f"Shop {n}"))
    path = f"{tx_path(h.ledger)}/bulk"
    many = [uncategorised(expense(h, payee_name=f"Shop {n % 20}")) for n in range(200)]
    with django_assert_max_num_queries(30):
        response = owner_api.post(path, {"items": many})
    assert response.status_code == 201, response.content
    assert {t["category"] for t in response.json()} == {str(h.groceries.pk)}


# --- Imports and recurring -----------------------------------------------------------------


def test_import_rows_go_through_the_rules_and_the_history_before_the_default(
    owner_api, household, django_capture_on_commit_callbacks
):
    h = household
    health = str(h.category("Health").pk)
    post_ok(owner_api, h.ledger, expense(h, payee_name="Pharmacy", category=health))
    add_rule(owner_api, h, actions=[{"field": "category", "value": str(h.category("Leisure").pk)}])
    content = (
        "date,amount,description,payee\n"
        "2025-03-01,-5.00,Weekly market,\n"
        "2025-03-02,-6.00,Pills,Pharmacy\n"
        "2025-03-03,-7.00,,New shop\n"
    )
    mapping = {"date": "date", "signed_amount": "amount", "description": "description"}
    job = validated(
        owner_api,
        h.ledger,
        content,
        mapping=json.dumps({**mapping, "payee": "payee"}),
        wallet="Bank",
        expense_category="Other expenses",
    )
    assert job["valid_rows"] == 3, job
    assert [(r["category"], r["payee"]) for r in job["preview"]] == [
        ("Leisure", None),
        ("Health", "Pharmacy"),
        ("Other expenses", "New shop"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        commit = owner_api.post(imports_path(h.ledger, job["id"], "commit"), {})
    assert commit.status_code == 202, commit.content
    imported = Transaction.objects.filter(ledger=h.ledger, import_job_id=job["id"])
    # A row without a description takes its payee's name as one.
    assert sorted((t.description, t.category.name, t.payee and t.payee.name) for t in imported) == [
        ("New shop", "Other expenses", "New shop"),
        ("Pills", "Health", "Pharmacy"),
        ("Weekly market", "Leisure", None),
    ]


def test_recurring_occurrences_go_through_the_rules(owner_api, household):
    h = household
    add_rule(
        owner_api,
        h,
        conditions=when("description", "is", "Rent"),
        actions=[
            {"field": "tags", "value": ["home"]},
            {"field": "payee_name", "value": "Landlord"},
        ],
    )
    template = planning.recurring_create(
        ledger=h.ledger,
        kind="expense",
        amount=Decimal("900.00"),
        description="Rent",
        wallet=h.bank.pk,
        category=h.category("Housing").pk,
        frequency="monthly",
        start_date=timezone.localdate() - timedelta(days=40),
    )
    made = list(Transaction.objects.filter(recurring=template))
    assert len(made) == 2
    assert {(tuple(t.tags), t.payee.name) for t in made} == {(("home",), "Landlord")}
    assert template.payee_id is None  # the template itself is as it was written
