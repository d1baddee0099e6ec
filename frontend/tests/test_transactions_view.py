from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data, forms
from dashboard.api import SESSION_EXPIRED_MESSAGE, ApiError, FieldError, SessionExpired
from dashboard.views import transaction_filters, transaction_form, transactions
from tests.fake_ledger import LP, FakeLedgerClient, app_on, served, texts


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


TX = f"{LP}/transactions"


def _page(**kwargs: Any) -> AppTest:
    return app_on("transactions", **kwargs).run()


def _add_fields(at: AppTest, kind: str) -> set[str]:
    prefix = f"tx_add_{kind}_"
    keys = set()
    for widget_type in ("date_input", "text_input", "text_area", "selectbox"):
        for widget in at.get(widget_type):
            if widget.key and widget.key.startswith(prefix):
                keys.add(widget.key.removeprefix(prefix))
    return keys


def _choose_kind(at: AppTest, kind: str) -> AppTest:
    at.button_group(key=transaction_form.ADD_KIND_KEY).set_value(kind).run()
    return at


def _select_row(at: AppTest, row: int) -> AppTest:
    _view, generation = at.session_state[transactions.VIEW_KEY]
    at.session_state[transactions.table_key(generation)] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    return at.run()


def test_the_table_shows_names_and_formatted_amounts(fake: FakeLedgerClient) -> None:
    at = _page()

    assert not at.exception
    table = at.dataframe[0].value
    assert table["Description"].tolist() == ["Rent", "March salary", "ATM", "Gift"]
    assert table["Amount"].tolist() == ["-1,234.50 EUR", "3,000.00 EUR", "100.00 EUR", "250.00 EUR"]
    assert table["Category"].tolist() == ["Housing", "Salary", "", "Salary"]
    assert table["Wallet"].tolist() == ["Bank", "Bank", "Bank → Cash", "Cash"]
    assert table["Bucket"][1].startswith("Savings 1,200.00 · Fun 300.00")
    assert "Pending" in table["Bucket"][3]
    assert table["Tags"][0] == "home"
    assert "4 transactions" in texts(at)
    assert "page 1 of 1" in texts(at)
    [listing] = fake.gets(TX)
    assert listing.params == {"page": "1", "page_size": "50"}


def test_pages_are_fetched_from_the_api_fifty_at_a_time(fake: FakeLedgerClient) -> None:
    fake.transaction_count = 1234
    at = _page()

    assert "1,234 transactions" in texts(at)
    assert "page 1 of 25" in texts(at)
    at.pagination(key=transactions.PAGE_KEY).set_value(3).run()

    assert not at.exception
    assert "page 3 of 25" in texts(at)
    assert fake.gets(TX)[-1].params == {"page": "3", "page_size": "50"}


@pytest.mark.parametrize("kind", forms.KINDS)
def test_the_add_form_shows_exactly_the_fields_of_the_kind(
    fake: FakeLedgerClient, kind: str
) -> None:
    at = _choose_kind(_page(), kind)

    assert not at.exception
    assert _add_fields(at, kind) == set(forms.fields_for(kind))
    other_kinds = [k for k in forms.KINDS if k != kind]
    assert all(not _add_fields(at, other) for other in other_kinds)


def test_category_choices_follow_the_kind_and_skip_archived_ones(fake: FakeLedgerClient) -> None:
    at = _page()
    assert at.selectbox(key="tx_add_expense_category").options == ["Groceries", "Housing"]
    assert at.selectbox(key="tx_add_expense_wallet").options == ["Bank", "Cash"]

    _choose_kind(at, "income")
    assert at.selectbox(key="tx_add_income_category").options == ["Salary"]
    assert at.selectbox(key="tx_add_income_bucket").options == [
        "Split by the bucket percentages",
        "Unallocated",
        "Savings",
        "Fun",
    ]
    _choose_kind(at, "transfer")
    assert at.selectbox(key="tx_add_transfer_category").options == ["—", "Transfer"]


def test_a_new_transaction_is_dated_the_servers_today(fake: FakeLedgerClient) -> None:
    fake.server_today = date(2031, 2, 3)  # whatever the dashboard host's clock says
    at = _page()
    assert at.date_input(key="tx_add_expense_date").value == date(2031, 2, 3)


def test_adding_an_expense_posts_ids_and_a_string_amount(fake: FakeLedgerClient) -> None:
    at = _page()

    at.text_input(key="tx_add_expense_amount").input("42.5")
    at.selectbox(key="tx_add_expense_wallet").select("w-cash")
    at.selectbox(key="tx_add_expense_category").select("c-groceries")
    at.text_input(key="tx_add_expense_description").input("Market")
    at.text_input(key="tx_add_expense_tags").input("food, weekly")
    at.button(key="tx_add_submit").click().run()

    assert not at.exception
    [post] = fake.writes()
    assert post.method == "POST"
    assert post.path == TX
    body = dict(post.json)
    assert body.pop("date")
    assert body == {
        "kind": "expense",
        "amount": "42.50",
        "wallet": "w-cash",
        "category": "c-groceries",
        # No bucket chosen: the API puts it on the category's default bucket, else Unallocated.
        "description": "Market",
        "notes": "",
        "tags": ["food", "weekly"],
    }
    assert at.session_state[data.DATA_VERSION_KEY] == 1  # data.changed() after the write
    assert "Added" in at.success[0].value
    # A fresh form for the next one.
    assert at.text_input(key="tx_add_expense_amount").value == ""


def test_adding_an_income_without_bucket_leaves_the_split_to_the_api(
    fake: FakeLedgerClient,
) -> None:
    at = _choose_kind(_page(), "income")
    at.text_input(key="tx_add_income_amount").input("3000")
    at.selectbox(key="tx_add_income_wallet").select("w-bank")
    at.selectbox(key="tx_add_income_category").select("c-salary")
    at.button(key="tx_add_submit").click().run()

    [post] = fake.writes()
    assert post.json["kind"] == "income"
    assert post.json["amount"] == "3000.00"
    assert "bucket" not in post.json


def test_adding_a_transfer_between_wallets(fake: FakeLedgerClient) -> None:
    at = _choose_kind(_page(), "transfer")
    at.text_input(key="tx_add_transfer_amount").input("100")
    at.selectbox(key="tx_add_transfer_from_wallet").select("w-bank")
    at.selectbox(key="tx_add_transfer_to_wallet").select("w-cash")
    at.button(key="tx_add_submit").click().run()

    [post] = fake.writes()
    assert {k: post.json.get(k) for k in ("kind", "amount", "from_wallet", "to_wallet")} == {
        "kind": "transfer",
        "amount": "100.00",
        "from_wallet": "w-bank",
        "to_wallet": "w-cash",
    }
    assert "wallet" not in post.json
    assert "category" not in post.json


def test_a_bad_form_is_refused_before_sending_with_the_field_names(
    fake: FakeLedgerClient,
) -> None:
    at = _page()
    at.text_input(key="tx_add_expense_amount").input("12.345")
    at.button(key="tx_add_submit").click().run()

    assert not at.exception
    assert fake.writes() == []
    [error] = at.error
    assert "**Amount**: Use at most 2 decimal places." in error.value
    assert "**Category**: Choose a category." in error.value


def test_field_errors_from_the_api_are_shown_under_the_form(fake: FakeLedgerClient) -> None:
    fake.fail(
        "POST",
        TX,
        ApiError(
            422,
            "validation_error",
            "The transaction is invalid: category.",
            [FieldError(field="category", message="The category is archived.")],
        ),
    )
    at = _page()
    at.text_input(key="tx_add_expense_amount").input("5")
    at.selectbox(key="tx_add_expense_wallet").select("w-bank")
    at.selectbox(key="tx_add_expense_category").select("c-housing")
    at.button(key="tx_add_submit").click().run()

    assert not at.exception
    [error] = at.error
    assert "The transaction is invalid: category." in error.value
    assert "**Category**: The category is archived." in error.value
    # What was typed stays.
    assert at.text_input(key="tx_add_expense_amount").value == "5"


def test_a_viewer_sees_the_list_but_no_write_controls(fake: FakeLedgerClient) -> None:
    at = _page(role="viewer")

    assert not at.exception
    assert len(at.dataframe[0].value) == 4
    assert not at.get("button_group")
    assert "only its owners and editors can change it" in texts(at)
    assert not [b for b in at.button if b.key == transactions.ALLOCATE_KEY]
    _select_row(at, 0)
    assert not [f for f in at.get("text_input") if f.key and f.key.startswith("tx_edit_")]


def test_editing_a_row_patches_only_what_changed(fake: FakeLedgerClient) -> None:
    at = _select_row(_page(), 0)

    prefix = "tx_edit_tx-1_expense"
    assert at.text_input(key=f"{prefix}_amount").value == "1234.50"
    assert at.text_input(key=f"{prefix}_description").value == "Rent"
    assert at.selectbox(key=f"{prefix}_category").value == "c-housing"
    assert at.selectbox(key=f"{prefix}_bucket").value == "b-unalloc"
    at.text_input(key=f"{prefix}_amount").input("1250")
    at.selectbox(key=f"{prefix}_bucket").select("b-fun")
    at.button(key="tx_edit_submit").click().run()

    assert not at.exception
    [patch] = fake.writes()
    assert (patch.method, patch.path) == ("PATCH", f"{TX}/tx-1")
    assert patch.json == {"amount": "1250.00", "bucket": "b-fun"}
    assert "Saved" in at.success[0].value
    # The write changed the rows: the selection and its form are gone.
    assert not [w for w in at.text_input if w.key and w.key.startswith("tx_edit_")]


def test_saving_an_unchanged_row_sends_nothing(fake: FakeLedgerClient) -> None:
    at = _select_row(_page(), 2)
    at.button(key="tx_edit_submit").click().run()

    assert fake.writes() == []
    assert "Nothing changed." in texts(at)


def test_deleting_asks_first(fake: FakeLedgerClient) -> None:
    at = _select_row(_page(), 1)
    at.button(key="tx_delete").click().run()

    assert fake.writes() == []
    assert "cannot be undone" in at.warning[0].value
    at.button(key="tx_delete_confirm").click().run()

    assert not at.exception
    [delete] = fake.writes()
    assert (delete.method, delete.path) == ("DELETE", f"{TX}/tx-2")
    assert "Deleted" in at.success[0].value


def test_pending_incomes_can_be_allocated_now(fake: FakeLedgerClient) -> None:
    at = _page()
    assert "250.00 EUR of income is waiting" in texts(at)

    at.button(key=transactions.ALLOCATE_KEY).click().run()

    [run] = fake.writes()
    assert (run.method, run.path) == ("POST", f"{LP}/allocations/run")
    assert "Allocated 1 pending income." in at.success[0].value


def test_no_pending_incomes_no_allocate_button(fake: FakeLedgerClient) -> None:
    fake.pending = "0.00"
    at = _page()

    assert not [b for b in at.button if b.key == transactions.ALLOCATE_KEY]


def test_filters_go_to_the_api(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="tx_filter_kind").select("income")
    at.selectbox(key="tx_filter_wallet").select("w-bank")
    at.text_input(key="tx_filter_q").input("salary")
    at.text_input(key="tx_filter_min_amount").input("100")
    at.selectbox(key="tx_filter_ordering").select("-amount")
    at.button(key="tx_filter_apply").click().run()

    assert not at.exception
    assert fake.gets(TX)[-1].params == {
        "kind": "income",
        "wallet": "w-bank",
        "q": "salary",
        "min_amount": "100.00",
        "ordering": "-amount",
        "page": "1",
        "page_size": "50",
    }
    # The fake filters by text too: "March salary" alone.
    assert at.dataframe[0].value["Kind"].tolist() == ["Income"]
    # Search and wallet stand on top of the table, not in the expander.
    assert "Filters (2 active)" in [e.label for e in at.expander]

    at.button(key="tx_filter_clear").click().run()
    assert len(at.dataframe[0].value) == 4
    assert at.selectbox(key="tx_filter_kind").value == transaction_filters.ANY
    assert at.text_input(key="tx_filter_q").value == ""
    assert "Filters" in [e.label for e in at.expander]


def test_a_bad_filter_amount_is_named(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="tx_filter_max_amount").input("ten")
    at.button(key="tx_filter_apply").click().run()

    assert "**Max amount**: Enter a number such as 12.50." in at.error[0].value


def test_no_match_says_what_to_do(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="tx_filter_kind").select("adjustment")
    at.button(key="tx_filter_apply").click().run()

    assert "No transactions match these filters" in texts(at)


def test_an_empty_ledger_says_how_to_start(fake: FakeLedgerClient) -> None:
    fake.transactions = []
    at = _page()

    assert not at.exception
    assert "No transactions yet" in texts(at)
    assert not at.dataframe


def test_an_api_error_shows_its_detail(fake: FakeLedgerClient) -> None:
    fake.fail("GET", TX, ApiError(503, "unavailable", "The database is not answering."))
    at = _page()

    assert not at.exception
    assert [e.value for e in at.error] == ["The database is not answering."]
    assert at.title[0].value == "Transactions"


def test_a_refused_write_shows_the_api_detail(fake: FakeLedgerClient) -> None:
    fake.fail(
        "DELETE",
        f"{TX}/tx-1",
        ApiError(403, "forbidden", "Your role in this ledger does not allow this."),
    )
    at = _select_row(_page(), 0)
    at.button(key="tx_delete").click().run()
    at.button(key="tx_delete_confirm").click().run()

    assert not at.exception
    assert [e.value for e in at.error] == ["Your role in this ledger does not allow this."]


def test_an_expired_session_returns_to_sign_in_with_the_message(fake: FakeLedgerClient) -> None:
    fake.fail("GET", f"{LP}/wallets", SessionExpired())
    at = _page()

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [w.value for w in at.warning] == [SESSION_EXPIRED_MESSAGE]


def test_an_expired_session_while_saving_returns_to_sign_in(fake: FakeLedgerClient) -> None:
    fake.fail("POST", TX, SessionExpired())
    at = _page()
    at.text_input(key="tx_add_expense_amount").input("5")
    at.selectbox(key="tx_add_expense_category").select("c-housing")
    at.selectbox(key="tx_add_expense_wallet").select("w-bank")
    at.button(key="tx_add_submit").click().run()

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [w.value for w in at.warning] == [SESSION_EXPIRED_MESSAGE]


def test_filter_params_leave_out_empty_values() -> None:
    assert forms.filter_params({"q": "  ", "ordering": "-date", "kind": None}) == {}
