"""A batch runs the rules once per distinct key of what they read (`engine.memo_key`): the
items must come out exactly as when each runs the rules alone."""

import copy
from decimal import Decimal
from itertools import product

import pytest

from budget.money.models import Kind
from budget.money.tests.helpers import expense, post_ok
from budget.rules import engine
from budget.rules.services import rule_create

pytestmark = pytest.mark.django_db


def test_a_batch_gets_what_each_item_gets_alone(owner_api, household):
    h = household
    health = h.category("Health")
    # The payee a rule names has a history: an item left without a category learns Health
    # from the payee the rule put in its view.
    post_ok(owner_api, h.ledger, expense(h, payee_name="Corner shop", category=str(health.pk)))
    rules = [
        # A chain: the first sets the category a later condition reads, the amount decides.
        {
            "conditions": [
                {"field": "description", "op": "contains", "value": "market"},
                {"field": "amount", "op": "between", "value": ["1.00", "50.00"]},
            ],
            "actions": [
                {"field": "category", "value": str(h.groceries.pk)},
                {"field": "tags", "value": ["small"]},
            ],
        },
        {
            "match": "any",
            "conditions": [
                {"field": "category", "op": "is", "value": str(h.groceries.pk)},
                {"field": "wallet", "op": "is", "value": str(h.cash.pk)},
            ],
            "actions": [
                {"field": "notes", "value": "food or cash"},
                {"field": "tags", "value": ["seen"]},
                {"field": "payee_name", "value": "Corner shop"},
            ],
            "stop": True,
        },
        {
            "conditions": [{"field": "amount", "op": "gt", "value": "20.00"}],
            "actions": [{"field": "bucket", "value": str(h.fun.pk)}],
        },
    ]
    for n, body in enumerate(rules):
        rule_create(ledger=h.ledger, name=f"Rule {n}", **body)
    items = [
        {
            "kind": kind,
            "amount": amount,
            "description": description,
            "notes": "",
            "tags": list(tags),
            "wallet": wallet,
            "category": None,
            "bucket": None,
            "payee": None,
            "payee_name": None,
        }
        for kind, amount, description, wallet, tags in product(
            (Kind.EXPENSE, Kind.INCOME),
            (Decimal("10.00"), Decimal("30.00"), Decimal("70.00"), Decimal("30.01")),
            ("Weekly market", "Bakery"),
            (h.bank.pk, h.cash.pk),
            ((), ("own",)),
        )
    ]
    items += copy.deepcopy(items)  # every key twice, the second time from the memo
    alone = copy.deepcopy(items)
    engine.rules_run(ledger=h.ledger, items=items)
    for item in alone:
        engine.rules_run(ledger=h.ledger, items=[item])
    assert items == alone
    assert any(item["category"] == h.groceries.pk for item in items)
    assert any(item["payee_name"] == "Corner shop" for item in items)
    assert any(item["bucket"] == h.fun.pk for item in items)
    assert any(item["category"] == health.pk for item in items)
    assert any("seen" in item["tags"] and "own" in item["tags"] for item in items)
    # No item shares a list with another (a memo's changes are copied).
    assert len({id(item["tags"]) for item in items}) == len(items)


def test_memo_key_reads_amount_conditions_not_the_amount(household):
    h = household
    rule_create(
        ledger=h.ledger,
        name="Large",
        conditions=[{"field": "amount", "op": "gt", "value": "20.00"}],
        actions=[{"field": "notes", "value": "large"}],
    )
    key = engine.memo_key(list(h.ledger.rules.all()))
    base = {"kind": Kind.EXPENSE, "notes": "", "description": "x"}
    assert key({**base, "amount": Decimal("30")}) == key({**base, "amount": Decimal("40")})
    assert key({**base, "amount": Decimal("10")}) != key({**base, "amount": Decimal("40")})
