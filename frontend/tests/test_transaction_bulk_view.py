"""Transactions → select several rows → edit them together (one PATCH …/transactions/bulk)."""

from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import bulk_edit
from dashboard.api import ApiError, FieldError
from dashboard.forms import FormErrors, Lists
from dashboard.views import transaction_bulk, transactions
from tests.fake_ledger import (
    BUCKETS,
    CATEGORIES,
    LP,
    TRANSACTIONS,
    WALLETS,
    FakeLedgerClient,
    app_on,
    served,
    texts,
)

BULK = f"{LP}/transactions/bulk"
LISTS = Lists(WALLETS, BUCKETS, CATEGORIES)
RENT, SALARY, ATM, GIFT = TRANSACTIONS


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def _select_rows(at: AppTest, *rows: int) -> AppTest:
    _view, generation = at.session_state[transactions.VIEW_KEY]
    at.session_state[transactions.table_key(generation)] = {
        "selection": {"rows": list(rows), "columns": [], "cells": []}
    }
    return at.run()


def _key(name: str) -> str:
    return f"{transaction_bulk.PREFIX}_{name}"


def _apply(at: AppTest) -> AppTest:
    return at.button(key=_key("submit")).click().run()


# --- the page --------------------------------------------------------------------------------


def test_selecting_several_rows_shows_the_bulk_form_not_the_single_edit(fake) -> None:
    at = _select_rows(app_on("transactions").run(), 1, 3)

    assert not at.exception
    assert "Edit 2 selected transactions" in texts(at)
    assert "Selected transaction" not in texts(at)
    # Both are incomes: income categories only, and every active bucket.
    assert at.selectbox(key=_key("category")).options == [transaction_bulk.KEEP, "Salary"]
    assert at.selectbox(key=_key("bucket")).options == [
        transaction_bulk.KEEP,
        "Unallocated",
        "Savings",
        "Fun",
    ]


def test_one_selected_row_keeps_the_single_edit_form(fake) -> None:
    at = _select_rows(app_on("transactions").run(), 0)
    assert "Selected transaction" in texts(at)
    assert not [b for b in at.button if b.key == _key("submit")]


def test_setting_the_category_and_tags_sends_one_request(fake) -> None:
    fake.transactions.append({**RENT, "id": "tx-5", "description": "Bakery", "tags": []})
    at = _select_rows(app_on("transactions").run(), 0, 4)

    at.selectbox(key=_key("category")).select("c-groceries")
    at.text_input(key=_key("tags")).input("weekly, shop")
    _apply(at)

    assert not at.exception
    [call] = [c for c in fake.writes() if c.path == BULK]
    assert call.method == "PATCH"
    assert call.json == {
        "ids": ["tx-1", "tx-5"],
        "changes": {"category": "c-groceries", "tags": ["weekly", "shop"]},
    }
    assert "Updated 2 transactions." in texts(at)


def test_description_notes_and_bucket_go_out_when_typed(fake) -> None:
    at = _select_rows(app_on("transactions").run(), 0, 2)

    at.selectbox(key=_key("bucket")).select("b-fun")
    at.text_input(key=_key("description")).input("  Spring  ")
    at.text_input(key=_key("notes")).input("checked")
    _apply(at)

    [call] = [c for c in fake.writes() if c.path == BULK]
    assert call.json["changes"] == {
        "bucket": "b-fun",
        "description": "Spring",
        "notes": "checked",
    }


def test_mixed_kinds_offer_every_fitting_category_with_its_type(fake) -> None:
    at = _select_rows(app_on("transactions").run(), 0, 1, 2)
    options = at.selectbox(key=_key("category")).options
    assert options == [
        transaction_bulk.KEEP,
        "Salary (income)",
        "Groceries (expense)",
        "Housing (expense)",
        "Transfer (neutral)",
    ]


def test_nothing_chosen_sends_nothing(fake) -> None:
    at = _apply(_select_rows(app_on("transactions").run(), 0, 1))
    assert not [c for c in fake.writes() if c.path == BULK]
    assert "Choose at least one thing to change." in texts(at)


def test_a_refused_row_is_named_by_its_transaction(fake) -> None:
    fake.fail(
        "PATCH",
        BULK,
        ApiError(
            422,
            "validation_error",
            "1 of 2 transactions cannot take these changes; nothing was changed.",
            [FieldError(message="A transfer transaction has no bucket.", field="bucket", row=1)],
        ),
    )
    at = _select_rows(app_on("transactions").run(), 0, 2)
    at.selectbox(key=_key("bucket")).select("b-fun")
    _apply(at)

    assert not at.exception
    [error] = at.error
    assert "nothing was changed" in error.value
    assert "2025-03-02 · Transfer · ATM · 100.00 EUR, Bucket: A transfer" in error.value


def test_a_viewer_sees_no_bulk_form(fake) -> None:
    at = _select_rows(app_on("transactions", role="viewer").run(), 0, 1)
    assert not at.exception
    assert "Edit 2 selected" not in texts(at)
    assert "2 transactions selected." in texts(at)


# --- the body and the choices, without Streamlit ------------------------------------------------


def test_the_body_holds_only_what_was_chosen() -> None:
    assert bulk_edit.body(["a", "b"], notes=" x ") == {
        "ids": ["a", "b"],
        "changes": {"notes": "x"},
    }
    assert bulk_edit.body(["a"], clear_tags=True)["changes"] == {"tags": []}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Choose at least one thing"),
        ({"tags": "a", "clear_tags": True}, "not both"),
        ({"tags": ", ".join(f"t{n}" for n in range(21))}, "at most 20 tags"),
    ],
)
def test_a_body_that_cannot_go_out_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(FormErrors) as raised:
        bulk_edit.body(["a"], **fields)
    assert message in str(raised.value.errors[0].message)


def test_more_ids_than_the_api_takes_are_refused() -> None:
    with pytest.raises(FormErrors):
        bulk_edit.body([str(n) for n in range(bulk_edit.MAX_IDS + 1)], notes="x")


def test_transfers_alone_take_no_bucket_and_only_neutral_categories() -> None:
    assert bulk_edit.bucket_choices([ATM], LISTS) == []
    assert bulk_edit.category_choices([ATM], LISTS) == ["c-transfer"]
    assert bulk_edit.category_choices([{**ATM, "kind": "adjustment"}], LISTS) == []


def test_errors_without_a_row_stay_as_they_are() -> None:
    error = ApiError(422, "validation_error", "Bad.", [FieldError(message="m", field="changes")])
    assert bulk_edit.named_errors(error, [RENT], "EUR").errors == error.errors
