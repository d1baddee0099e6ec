"""Rules: /ledgers/{lid}/rules, CRUD and the checks of a rule's body (SPEC §12)."""

import uuid

import pytest
from tests.helpers import assert_error

from budget.ledgers.services import ledger_create
from budget.money import services as money
from budget.money.models import Payee
from budget.money.tests.helpers import member_api
from budget.rules.models import Rule
from budget.rules.tests.helpers import rule_body, rules_path

pytestmark = pytest.mark.django_db

LIST_QUERIES = 4  # auth user, membership, count, page


def test_create_read_update_delete(owner_api, household):
    h = household
    response = owner_api.post(rules_path(h.ledger), rule_body(h))
    assert response.status_code == 201, response.content
    rule = response.json()
    assert rule["name"] == "Groceries at the market"
    assert (rule["active"], rule["match"], rule["stop"], rule["position"]) == (
        True,
        "all",
        False,
        0,
    )
    assert rule["conditions"] == [{"field": "description", "op": "contains", "value": "market"}]
    assert rule["actions"] == [{"field": "category", "value": str(h.groceries.pk)}]
    path = rules_path(h.ledger, rule["id"])
    assert owner_api.get(path).json() == rule
    changed = owner_api.patch(path, {"active": False, "stop": True, "match": "any"}).json()
    assert (changed["active"], changed["stop"], changed["match"]) == (False, True, "any")
    assert changed["conditions"] == rule["conditions"]
    assert owner_api.delete(path).status_code == 204
    assert not Rule.objects.exists()


def test_list_in_position_order_with_new_rules_last(owner_api, household):
    h = household
    for name in ("first", "second"):
        owner_api.post(rules_path(h.ledger), rule_body(h, name=name))
    owner_api.post(rules_path(h.ledger), rule_body(h, name="zero", position=0))
    body = owner_api.get(rules_path(h.ledger)).json()
    assert body["count"] == 3
    assert [(r["name"], r["position"]) for r in body["items"]] == [
        ("first", 0),
        ("zero", 0),
        ("second", 1),
    ]


def test_list_query_count_is_constant(owner_api, household, django_assert_max_num_queries):
    h = household
    for n in range(20):
        owner_api.post(rules_path(h.ledger), rule_body(h, name=f"rule {n}"))
    with django_assert_max_num_queries(LIST_QUERIES):
        assert owner_api.get(rules_path(h.ledger), {"page_size": 50}).json()["count"] == 20


def test_amounts_and_ids_are_stored_as_strings(owner_api, household):
    h = household
    body = rule_body(
        h,
        conditions=[
            {"field": "amount", "op": "between", "value": [10, "20.5"]},
            {"field": "amount", "op": "gt", "value": 3},
            {"field": "amount", "op": "lt", "value": "1.005"},
            {"field": "wallet", "op": "is", "value": str(h.bank.pk).upper()},
            {"field": "kind", "op": "is_not", "value": "income"},
        ],
        actions=[{"field": "tags", "value": [" fun ", "fun", "food"]}],
    )
    rule = owner_api.post(rules_path(h.ledger), body).json()
    assert rule["conditions"] == [
        {"field": "amount", "op": "between", "value": ["10.00", "20.50"]},
        {"field": "amount", "op": "gt", "value": "3.00"},
        {"field": "amount", "op": "lt", "value": "1.005"},  # a KWD amount: three places
        {"field": "wallet", "op": "is", "value": str(h.bank.pk)},
        {"field": "kind", "op": "is_not", "value": "income"},
    ]
    assert rule["actions"] == [{"field": "tags", "value": ["fun", "food"]}]


@pytest.mark.parametrize(
    ("conditions", "field"),
    [
        ([{"field": "colour", "op": "is", "value": "red"}], "conditions.0.field"),
        ([{"field": "amount", "op": "contains", "value": "1"}], "conditions.0.op"),
        ([{"field": "description", "op": "gt", "value": "a"}], "conditions.0.op"),
        ([{"field": "kind", "op": "contains", "value": "inc"}], "conditions.0.op"),
        ([{"field": "external_id", "op": "contains", "value": "x"}], "conditions.0.op"),
        ([{"field": "description", "op": "is", "value": ""}], "conditions.0.value"),
        ([{"field": "notes", "op": "matches", "value": "(unclosed"}], "conditions.0.value"),
        # RE2 has no back-references: a pattern that could run in exponential time.
        ([{"field": "notes", "op": "matches", "value": r"(a+)\1"}], "conditions.0.value"),
        ([{"field": "description", "op": "matches", "value": "a" * 501}], "conditions.0.value"),
        # Three places are a currency's most (KWD); four are none's.
        ([{"field": "amount", "op": "eq", "value": "1.2345"}], "conditions.0.value"),
        ([{"field": "amount", "op": "eq", "value": "abc"}], "conditions.0.value"),
        ([{"field": "amount", "op": "between", "value": ["5", "1"]}], "conditions.0.value"),
        ([{"field": "amount", "op": "between", "value": "5"}], "conditions.0.value"),
        ([{"field": "kind", "op": "is", "value": "gift"}], "conditions.0.value"),
        ([{"field": "wallet", "op": "is", "value": "not-an-id"}], "conditions.0.value"),
        ([{"field": "category", "op": "is", "value": str(uuid.uuid4())}], "conditions.0.value"),
    ],
)
def test_a_bad_condition_is_named_by_its_index(owner_api, household, conditions, field):
    h = household
    good = {"field": "description", "op": "contains", "value": "x"}
    body = rule_body(h, conditions=[good, good, *conditions])
    response = owner_api.post(rules_path(h.ledger), body)
    errors = assert_error(response, 422, "validation_error")["errors"]
    assert [e["field"] for e in errors] == [field.replace("conditions.0", "conditions.2")]
    assert not Rule.objects.exists()


@pytest.mark.parametrize(
    ("action", "field"),
    [
        ({"field": "kind", "value": "income"}, "actions.0.field"),
        ({"field": "amount", "value": "1.00"}, "actions.0.field"),
        ({"field": "date", "value": "2025-01-01"}, "actions.0.field"),
        ({"field": "wallet", "value": "x"}, "actions.0.field"),
        ({"field": "colour", "value": "red"}, "actions.0.field"),
        ({"field": "category", "value": str(uuid.uuid4())}, "actions.0.value"),
        ({"field": "bucket", "value": "nope"}, "actions.0.value"),
        ({"field": "payee", "value": str(uuid.uuid4())}, "actions.0.value"),
        ({"field": "description", "value": "x" * 256}, "actions.0.value"),
        ({"field": "payee_name", "value": " "}, "actions.0.value"),
        ({"field": "tags", "value": []}, "actions.0.value"),
        ({"field": "tags", "value": ["x" * 51]}, "actions.0.value"),
    ],
)
def test_a_bad_action_is_named_by_its_index(owner_api, household, action, field):
    h = household
    response = owner_api.post(rules_path(h.ledger), rule_body(h, actions=[action]))
    assert_error(response, 422, field=field)
    assert not Rule.objects.exists()


def test_actions_naming_archived_or_foreign_objects_are_invalid(owner_api, user, household):
    h = household
    side = ledger_create(name="Side", owner=user)
    theirs = money.category_create(ledger=side, name="Theirs", type="expense")
    old = money.category_create(ledger=h.ledger, name="Old", type="expense", archived=True)
    their_payee = money.payee_create(ledger=side, name="Shop")
    for action in (
        {"field": "category", "value": str(theirs.pk)},
        {"field": "category", "value": str(old.pk)},
        {"field": "payee", "value": str(their_payee.pk)},
    ):
        body = rule_body(h, actions=[action])
        assert_error(owner_api.post(rules_path(h.ledger), body), 422, field="actions.0.value")


def test_a_patch_is_checked_like_a_new_rule(owner_api, household):
    h = household
    rule = owner_api.post(rules_path(h.ledger), rule_body(h)).json()
    path = rules_path(h.ledger, rule["id"])
    bad = {"conditions": [{"field": "amount", "op": "is", "value": "1"}]}
    assert_error(owner_api.patch(path, bad), 422, field="conditions.0.op")
    assert_error(owner_api.patch(path, {"conditions": []}), 422)
    assert_error(owner_api.patch(path, {"active": None}), 422, field="active")
    assert owner_api.get(path).json() == rule


def test_viewers_read_and_editors_write(api, bob, household):
    h = household
    rule = Rule.objects.create(ledger=h.ledger, name="r", conditions=[], actions=[])
    viewer = member_api(api, h.ledger, bob, "viewer")
    assert viewer.get(rules_path(h.ledger)).json()["count"] == 1
    assert viewer.get(rules_path(h.ledger, rule.pk)).status_code == 200
    assert_error(viewer.post(rules_path(h.ledger), rule_body(h)), 403)
    assert_error(viewer.patch(rules_path(h.ledger, rule.pk), {"name": "x"}), 403)
    assert_error(viewer.delete(rules_path(h.ledger, rule.pk)), 403)
    assert_error(viewer.post(rules_path(h.ledger, rule.pk) + "/apply", {}), 403)
    assert_error(viewer.post(rules_path(h.ledger) + "/preview", rule_body(h)), 403)


def test_a_stranger_never_reaches_a_ledger_s_rules(api, stranger, household):
    h = household
    rule = Rule.objects.create(ledger=h.ledger, name="r", conditions=[], actions=[])
    them = api.as_user(stranger)
    path = rules_path(h.ledger, rule.pk)
    assert_error(them.get(rules_path(h.ledger)), 404)
    assert_error(them.post(rules_path(h.ledger), rule_body(h)), 404)
    assert_error(them.get(path), 404)
    assert_error(them.patch(path, {"name": "mine"}), 404)
    assert_error(them.delete(path), 404)
    assert_error(them.post(path + "/apply", {"dry_run": False}), 404)
    assert_error(them.post(rules_path(h.ledger) + "/preview", rule_body(h)), 404)
    assert Rule.objects.get(pk=rule.pk).name == "r"


def test_another_ledger_s_rule_is_not_found(owner_api, user, household):
    h = household
    side = ledger_create(name="Side", owner=user)
    theirs = Rule.objects.create(ledger=side, name="r", conditions=[], actions=[])
    assert_error(owner_api.get(rules_path(h.ledger, theirs.pk)), 404)
    assert_error(owner_api.post(rules_path(h.ledger, theirs.pk) + "/apply", {}), 404)


def test_merging_a_payee_moves_the_rules_that_name_it(owner_api, household):
    h = household
    old = money.payee_create(ledger=h.ledger, name="ACME Ltd")
    new = money.payee_create(ledger=h.ledger, name="Acme")
    body = rule_body(
        h,
        conditions=[{"field": "payee", "op": "is", "value": str(old.pk)}],
        actions=[{"field": "payee", "value": str(old.pk)}],
    )
    rule = owner_api.post(rules_path(h.ledger), body).json()
    # A rule naming the payee keeps it from being deleted…
    assert_error(owner_api.delete(f"/ledgers/{h.ledger.pk}/payees/{old.pk}"), 409, "in_use")
    # …and a merge moves it.
    merge = f"/ledgers/{h.ledger.pk}/payees/{old.pk}/merge"
    assert owner_api.post(merge, {"into": str(new.pk)}).json() == {"moved": 0}
    moved = owner_api.get(rules_path(h.ledger, rule["id"])).json()
    assert moved["conditions"][0]["value"] == str(new.pk)
    assert moved["actions"][0]["value"] == str(new.pk)
    assert not Payee.objects.filter(pk=old.pk).exists()
