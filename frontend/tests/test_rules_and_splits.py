"""The Rules and Payees tabs, the payee box and the split editor of the transaction form,
and "Always categorise like this" — against the fake API."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import forms, rules
from dashboard.forms import FormErrors
from dashboard.views import setup_rules, transactions
from tests.fake_ledger import (
    BUCKETS,
    CATEGORIES,
    LP,
    PAYEES,
    WALLETS,
    FakeLedgerClient,
    app_on,
    served,
    texts,
)

OBJECTS = rules.Objects(WALLETS, BUCKETS, CATEGORIES, PAYEES)
ADD = setup_rules.ADD_KEY


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


# --- the rules' vocabulary -------------------------------------------------------------------


def test_conditions_name_objects_by_id_and_amounts_exactly() -> None:
    rows = [
        {"field": "payee_name", "op": "contains", "value": "rewe"},
        {"field": "amount", "op": "between", "value": "10 to 1,000.5"},
        {"field": "category", "op": "is_not", "value": "housing"},
        {"field": "", "op": "", "value": ""},  # an empty row is no condition
    ]
    assert rules.build_conditions(rows, OBJECTS) == [
        {"field": "payee_name", "op": "contains", "value": "rewe"},
        {"field": "amount", "op": "between", "value": ["10.00", "1000.50"]},
        {"field": "category", "op": "is_not", "value": "c-housing"},
    ]


def test_an_amount_condition_takes_a_three_place_currencys_amount() -> None:
    """A wallet in KWD holds 1.005 (SPEC §14); two places stay two."""
    rows = [
        {"field": "amount", "op": "eq", "value": "1.005"},
        {"field": "amount", "op": "between", "value": "1 to 1.250"},
    ]
    assert rules.build_conditions(rows, OBJECTS) == [
        {"field": "amount", "op": "eq", "value": "1.005"},
        {"field": "amount", "op": "between", "value": ["1.00", "1.25"]},
    ]


@pytest.mark.parametrize(
    ("row", "where", "message"),
    [
        ({"field": "amount", "op": "contains", "value": "3"}, "conditions.0.op", "Amount takes"),
        ({"field": "amount", "op": "between", "value": "20 to 10"}, "conditions.0.value", "above"),
        ({"field": "amount", "op": "gt", "value": "1.2345"}, "conditions.0.value", "3 decimal"),
        ({"field": "wallet", "op": "is", "value": "Safe"}, "conditions.0.value", "No wallet"),
        ({"field": "notes", "op": "matches", "value": "x" * 501}, "conditions.0.value", "500"),
        ({"field": "kind", "op": "is", "value": "gift"}, "conditions.0.value", "one of"),
    ],
)
def test_a_bad_condition_is_named_by_its_row(row: dict, where: str, message: str) -> None:
    with pytest.raises(FormErrors) as error:
        rules.build_conditions([row], OBJECTS)
    assert error.value.errors[0].field == where
    assert message in error.value.errors[0].message


def test_actions_take_active_categories_and_buckets_by_name() -> None:
    rows = [
        {"field": "Set category", "value": "Groceries"},
        {"field": "Set bucket", "value": "fun"},
        {"field": "Add tags", "value": "food, weekly"},
        {"field": "Set payee", "value": "REWE"},
    ]
    assert rules.build_actions(rows, OBJECTS) == [
        {"field": "category", "value": "c-groceries"},
        {"field": "bucket", "value": "b-fun"},
        {"field": "tags", "value": ["food", "weekly"]},
        {"field": "payee_name", "value": "REWE"},
    ]
    with pytest.raises(FormErrors) as error:
        rules.build_actions([{"field": "Set category", "value": "Old stuff"}], OBJECTS)
    assert error.value.errors[0].field == "actions.0.value"  # archived: not offered


def test_a_rule_reads_as_one_sentence() -> None:
    rule = {
        "match": "any",
        "conditions": [
            {"field": "description", "op": "starts_with", "value": "rent"},
            {"field": "amount", "op": "between", "value": ["1000.00", "1500.00"]},
        ],
        "actions": [{"field": "category", "value": "c-housing"}],
        "stop": True,
    }
    assert rules.describe(rule, OBJECTS) == (
        "If description starts with rent or amount between 1000.00 to 1500.00: "
        "set category Housing (then stop)"
    )


def test_a_rule_from_a_transaction_matches_its_payee_else_its_description() -> None:
    with_payee = {"kind": "expense", "payee_name": "REWE", "description": "Card 1234"}
    body = rules.rule_from_transaction(with_payee, "c-groceries", "Groceries")
    assert body["conditions"][0] == {"field": "payee_name", "op": "is", "value": "REWE"}
    assert body["actions"] == [{"field": "category", "value": "c-groceries"}]
    without = {"kind": "expense", "payee_name": None, "description": "Rent"}
    body = rules.rule_from_transaction(without, "c-housing", "Housing")
    assert body["conditions"][0] == {"field": "description", "op": "contains", "value": "Rent"}


# --- split arithmetic --------------------------------------------------------------------------


def test_what_is_left_to_assign_is_exact() -> None:
    lines = [{"amount": "10.10"}, {"amount": "0.20"}, {"amount": ""}]
    assert rules.left_to_assign(Decimal("10.67"), lines) == Decimal("0.37")
    assert rules.left_text(Decimal("0.37"), "EUR") == "0.37 EUR left to assign."
    assert rules.left_text(Decimal("-1.5"), "EUR") == "The lines are 1.50 EUR over the amount."
    assert rules.left_text(Decimal("0"), "EUR") == "Every cent is assigned."


def test_the_rest_is_shared_to_the_cent_over_empty_lines() -> None:
    lines = [{"amount": "1.00"}, {"amount": ""}, {"amount": ""}, {"amount": ""}]
    shared = rules.split_rest_evenly(Decimal("11.00"), lines)
    assert [line["amount"] for line in shared] == ["1.00", "3.34", "3.33", "3.33"]
    assert sum(Decimal(line["amount"]) for line in shared) == Decimal("11.00")
    assert rules.split_rest_evenly(Decimal("1.00"), [{"amount": "1.00"}, {"amount": ""}]) is None


def test_splits_must_sum_to_the_amount_and_say_by_how_much() -> None:
    lines = [
        {"category": "Groceries", "amount": "30.00", "bucket": "", "description": "food"},
        {"category": "housing", "amount": "12.00", "bucket": "Fun", "description": ""},
    ]
    assert rules.build_splits("expense", Decimal("42.00"), lines, OBJECTS) == [
        {"category": "c-groceries", "amount": "30.00", "description": "food"},
        {"category": "c-housing", "amount": "12.00", "bucket": "b-fun"},
    ]
    with pytest.raises(FormErrors) as error:
        rules.build_splits("expense", Decimal("42.37"), lines, OBJECTS)
    assert error.value.errors[0].message == "0.37 left to assign."
    with pytest.raises(FormErrors) as error:
        rules.build_splits("income", Decimal("42.00"), lines, OBJECTS)
    assert error.value.errors[0].field == "splits.0.category"


def test_an_edit_sends_changed_splits_and_a_category_ends_them() -> None:
    split_tx = {
        "kind": "expense",
        "date": "2025-03-01",
        "amount": "42.00",
        "category": None,
        "splits": [
            {"category": "c-groceries", "amount": "30.00", "bucket": "b-unalloc"},
            {"category": "c-housing", "amount": "12.00", "bucket": "b-unalloc"},
        ],
    }
    same = {
        "kind": "expense",
        "date": "2025-03-01",
        "amount": "42.00",
        "category": None,
        "splits": [
            {"category": "c-groceries", "amount": "30.00", "bucket": "b-unalloc"},
            {"category": "c-housing", "amount": "12.00", "bucket": "b-unalloc"},
        ],
    }
    assert forms.changes(split_tx, same) == {}
    moved = {**same, "splits": [{**same["splits"][0], "amount": "31.00"}, same["splits"][1]]}
    assert "splits" in forms.changes(split_tx, moved)
    unsplit = {k: v for k, v in same.items() if k != "splits"} | {"category": "c-groceries"}
    assert forms.changes(split_tx, unsplit) == {"category": "c-groceries"}


# --- the Rules tab -----------------------------------------------------------------------------


def _setup() -> AppTest:
    return app_on("setup").run()


def test_rules_are_listed_in_order_as_sentences(fake: FakeLedgerClient) -> None:
    at = _setup()

    assert not at.exception
    shown = texts(at)
    assert shown.index("1. REWE is groceries") < shown.index("2. Rent")
    assert "If payee contains rewe: set category Groceries" in shown
    assert "(paused)" in shown


def test_adding_a_rule_posts_ids_and_the_next_position(fake: FakeLedgerClient) -> None:
    at = _setup()
    at.text_input(key=f"{ADD}_name").set_value("Groceries at Lidl")
    at.text_input(key=f"{ADD}_condition_0_value_payee_name").set_value("lidl")
    at.selectbox(key=f"{ADD}_action_0_value_category").set_value("Groceries")
    at.button(key=f"{ADD}_submit").click().run()

    assert not at.exception
    posted = [c for c in fake.writes() if c.path == f"{LP}/rules"]
    assert posted[-1].json == {
        "name": "Groceries at Lidl",
        "active": True,
        "match": "all",
        "conditions": [{"field": "payee_name", "op": "contains", "value": "lidl"}],
        "actions": [{"field": "category", "value": "c-groceries"}],
        "stop": False,
        "position": 3,
    }
    assert "Added the rule Groceries at Lidl" in texts(at)


def test_a_rule_without_a_value_is_refused_before_sending(fake: FakeLedgerClient) -> None:
    at = _setup()
    at.button(key=f"{ADD}_submit").click().run()

    assert not [c for c in fake.writes() if c.path == f"{LP}/rules"]
    assert "Condition 1, value" in texts(at)


def test_preview_shows_the_matches_without_writing(fake: FakeLedgerClient) -> None:
    at = _setup()
    at.text_input(key=f"{ADD}_condition_0_value_payee_name").set_value("rent")
    at.selectbox(key=f"{ADD}_action_0_value_category").set_value("Housing")
    at.button(key=f"{ADD}_preview").click().run()

    assert [c.path for c in fake.writes()] == [f"{LP}/rules/preview"]
    assert "1 transaction match" in texts(at)
    table = next(t.value for t in at.dataframe if t.value.columns[0] == "Date")
    assert table.to_dict("records") == [
        {"Date": "2025-03-04", "Payee": "", "Description": "Rent", "Amount": "1,234.50 EUR"}
    ]


def test_applying_checks_first_then_writes(fake: FakeLedgerClient) -> None:
    at = _setup()
    apply_key = setup_rules.APPLY_KEY
    at.button(key=f"{apply_key}_dry").click().run()
    path = f"{LP}/rules/r-rewe/apply"
    assert [(c.path, c.json["dry_run"]) for c in fake.writes()] == [(path, True)]
    assert "3 transactions match; 2 would change." in texts(at)

    at.button(key=f"{apply_key}_run").click().run()
    assert [(c.path, c.json["dry_run"]) for c in fake.writes()][-1] == (path, False)
    assert "2 transactions changed" in texts(at)


def test_moving_a_rule_swaps_positions(fake: FakeLedgerClient) -> None:
    at = _setup()
    at.button(key="rule_down_r-rewe").click().run()

    patches = [(c.path, c.json) for c in fake.writes()]
    assert patches == [
        (f"{LP}/rules/r-rewe", {"position": 2}),
        (f"{LP}/rules/r-rent", {"position": 1}),
    ]


def test_a_viewer_sees_rules_but_cannot_add(fake: FakeLedgerClient) -> None:
    at = app_on("setup", role="viewer").run()
    assert "REWE is groceries" in texts(at)
    assert not [b for b in at.button if b.key == f"{ADD}_submit"]


# --- the Payees tab -----------------------------------------------------------------------------


def test_payees_show_their_counts_and_merge_asks_first(fake: FakeLedgerClient) -> None:
    at = _setup()
    table = next(t.value for t in at.dataframe if t.value.columns[0] == "Payee")
    assert table.to_dict("records") == [
        {"Payee": "Landlord", "Transactions": 3},
        {"Payee": "REWE", "Transactions": 12},
    ]
    at.button(key="setup_payee_merge_p-landlord").click().run()
    assert not fake.writes()
    at.button(key="setup_payee_merge_p-landlord_confirm").click().run()
    assert fake.writes()[-1].path == f"{LP}/payees/p-landlord/merge"
    assert fake.writes()[-1].json == {"into": "p-rewe"}
    assert "3 transactions moved" in texts(at)


# --- the transaction form -----------------------------------------------------------------------


def _transactions() -> AppTest:
    return app_on("transactions").run()


def test_a_payee_is_chosen_from_the_ledgers_and_sent_by_name(fake: FakeLedgerClient) -> None:
    at = _transactions()
    assert at.selectbox(key="tx_add_expense_payee").options == ["Landlord", "REWE"]
    at.selectbox(key="tx_add_expense_payee").set_value("REWE")
    at.text_input(key="tx_add_expense_amount").set_value("3.20")
    at.selectbox(key="tx_add_expense_wallet").set_value("w-bank")
    at.selectbox(key="tx_add_expense_category").set_value("c-groceries")
    at.button(key="tx_add_submit").click().run()

    assert not at.exception
    body = fake.writes()[-1].json
    assert body["payee_name"] == "REWE"
    assert body["category"] == "c-groceries"


def test_a_typed_payee_goes_out_by_name_and_clearing_one_sends_null() -> None:
    # A new name typed into the box (AppTest cannot type a new option): the API creates it.
    values = {
        "date": date(2025, 3, 1),
        "amount": "3.20",
        "wallet": "w-bank",
        "category": "c-groceries",
        "payee_name": " Corner bakery ",
    }
    payload = forms.build_payload("expense", values)
    assert payload["payee_name"] == "Corner bakery"
    original = {**payload, "payee": "p-1", "payee_name": "Corner bakery", "splits": []}
    cleared = forms.build_payload("expense", {**values, "payee_name": None})
    assert forms.changes(original, cleared) == {"payee": None}
    assert "payee_name" not in forms.build_payload(
        "transfer", {**values, "from_wallet": "w-bank", "to_wallet": "w-cash"}
    )


def test_a_split_expense_shows_what_is_left_and_posts_lines(fake: FakeLedgerClient) -> None:
    at = _transactions()
    at.toggle(key="tx_add_expense_split_on").set_value(True).run()
    assert not [s for s in at.selectbox if s.key == "tx_add_expense_category"]
    at.text_input(key="tx_add_expense_amount").set_value("10.00").run()
    at.selectbox(key="tx_add_expense_wallet").set_value("w-bank")
    at.selectbox(key="tx_add_expense_split_0_category").set_value("Groceries")
    at.text_input(key="tx_add_expense_split_0_amount").set_value("9.63").run()
    assert "0.37 EUR left to assign." in texts(at)

    at.selectbox(key="tx_add_expense_split_1_category").set_value("Housing")
    at.button(key="tx_add_expense_split_even").click().run()
    assert at.text_input(key="tx_add_expense_split_1_amount").value == "0.37"
    assert "Every cent is assigned." in texts(at)

    at.button(key="tx_add_submit").click().run()
    assert not at.exception
    body = fake.writes()[-1].json
    assert body["category"] is None
    assert body["splits"] == [
        {"category": "c-groceries", "amount": "9.63"},
        {"category": "c-housing", "amount": "0.37"},
    ]


def test_a_split_that_does_not_add_up_is_not_sent(fake: FakeLedgerClient) -> None:
    at = _transactions()
    at.toggle(key="tx_add_expense_split_on").set_value(True).run()
    at.text_input(key="tx_add_expense_amount").set_value("10.00")
    at.selectbox(key="tx_add_expense_wallet").set_value("w-bank")
    at.selectbox(key="tx_add_expense_split_0_category").set_value("Groceries")
    at.text_input(key="tx_add_expense_split_0_amount").set_value("6.00")
    at.selectbox(key="tx_add_expense_split_1_category").set_value("Housing")
    at.text_input(key="tx_add_expense_split_1_amount").set_value("5.00")
    at.button(key="tx_add_submit").click().run()

    assert not fake.writes()
    assert "The lines are 1.00 EUR over the amount." in texts(at)


def _select_row(at: AppTest, row: int) -> AppTest:
    _view, generation = at.session_state[transactions.VIEW_KEY]
    at.session_state[transactions.table_key(generation)] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    return at.run()


def test_always_categorise_like_this_adds_a_rule(fake: FakeLedgerClient) -> None:
    fake.transactions[0]["payee_name"] = "Landlord"
    fake.transactions[0]["payee"] = "p-landlord"
    at = _select_row(_transactions(), 0)
    assert "Always categorise Landlord as Housing" in texts(at)
    at.button(key="tx_rule_from").click().run()

    body: dict[str, Any] = fake.writes()[-1].json
    assert fake.writes()[-1].path == f"{LP}/rules"
    assert body["conditions"][0] == {"field": "payee_name", "op": "is", "value": "Landlord"}
    assert body["actions"] == [{"field": "category", "value": "c-housing"}]


def test_a_split_transaction_opens_with_its_lines(fake: FakeLedgerClient) -> None:
    fake.transactions[0].update(
        category=None,
        splits=[
            {"id": "s1", "category": "c-groceries", "amount": "1000.00", "bucket": "b-unalloc"},
            {"id": "s2", "category": "c-housing", "amount": "234.50", "bucket": "b-unalloc"},
        ],
    )
    at = _select_row(_transactions(), 0)
    assert not at.exception
    assert "Split over categories: Groceries 1,000.00 EUR · Housing 234.50 EUR" in texts(at)
    prefix = "tx_edit_tx-1_expense"
    assert at.toggle(key=f"{prefix}_split_on").value is True
    assert at.text_input(key=f"{prefix}_split_1_amount").value == "234.50"
    at.button(key="tx_edit_submit").click().run()
    assert not fake.writes()  # nothing changed
