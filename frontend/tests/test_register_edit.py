"""Editing the register inline (Transactions → Edit in the table): description, category, bucket
and amount change in the table; Save changes sends one PATCH per changed row, or one bulk PATCH
for rows that take the same change; rows that cannot change say why in one sentence."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import register_edit
from dashboard.api import ApiError, FieldError
from dashboard.forms import FormErrors, Lists
from dashboard.views import transactions
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
    transaction,
)

TX = f"{LP}/transactions"
MIRRORED = transaction(
    "tx-group",
    "expense",
    "20.00",
    date="2025-02-28",
    description="Pizza with friends",
    category="c-groceries",
    wallet="w-bank",
    bucket="b-unalloc",
    group_expense="ge-1",
)
SPLIT = transaction(
    "tx-split",
    "expense",
    "60.00",
    date="2025-02-27",
    description="Market",
    wallet="w-cash",
    bucket="b-unalloc",
    splits=[
        {"category": "c-groceries", "amount": "40.00", "bucket": None, "description": ""},
        {"category": "c-housing", "amount": "20.00", "bucket": None, "description": ""},
    ],
)
LISTS = Lists(WALLETS, BUCKETS, CATEGORIES)


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        client.transactions += [dict(MIRRORED), dict(SPLIT)]
        yield client


def _editing(role: str | None = None) -> AppTest:
    at = app_on("transactions", role=role).run()
    at.toggle(key=transactions.INLINE_KEY).set_value(True).run()
    return at


def _save(at: AppTest, edited_rows: dict[int, dict[str, Any]]) -> AppTest:
    """What the browser sends after these cell edits, then Save changes."""
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    return at.button(key=transactions.INLINE_SAVE_KEY).click().run()


def _patches(fake: FakeLedgerClient) -> list[tuple[str, Any]]:
    return [(c.path, c.json) for c in fake.writes() if c.method == "PATCH"]


# --- the page ----------------------------------------------------------------------------------


def test_the_editor_shows_the_register_with_four_editable_cells(fake: FakeLedgerClient) -> None:
    at = _editing()

    assert not at.exception
    [editor] = at.data_editor
    table = editor.value
    assert table.columns.tolist() == [
        "Date",
        "Kind",
        "Description",
        "Category",
        "Wallet",
        "Amount",
        "Bucket",
        "Read-only",
    ]
    assert table["Description"].tolist()[:2] == ["Rent", "March salary"]
    # Plain signed amounts to type over; an income's split is one choice, not its parts.
    assert table["Amount"].tolist()[:3] == ["-1234.50", "3000.00", "100.00"]
    assert table["Bucket"].tolist()[:2] == ["Unallocated", register_edit.SPLIT_BUCKETS]
    notes = dict(zip(table["Description"], table["Read-only"], strict=True))
    assert notes["Pizza with friends"] == register_edit.MIRRORED
    assert notes["Market"] == "Category: split over categories."
    assert notes["ATM"] == "Bucket: a transfer's buckets are changed in the form."
    assert notes["Rent"] == ""
    # No selection while editing: the selected row's form would edit the same rows twice.
    assert not at.dataframe or all(d.editing_mode != "read_only" for d in at.dataframe)


def test_viewers_get_no_editor(fake: FakeLedgerClient) -> None:
    at = app_on("transactions", role="viewer").run()

    assert not at.exception
    assert not at.toggle
    assert not at.data_editor


def test_a_wallet_s_register_keeps_its_running_balance_while_editing(
    fake: FakeLedgerClient,
) -> None:
    at = app_on("transactions").run()
    at.selectbox(key="tx_filter_wallet").set_value("w-bank").run()
    at.toggle(key=transactions.INLINE_KEY).set_value(True).run()

    table = at.data_editor[0].value
    assert table["Balance"].tolist()[0] == "2,450.10 EUR"
    assert table["Amount"].tolist() == ["-1234.50", "3000.00", "-100.00", "-20.00"]


# --- saving ------------------------------------------------------------------------------------


def test_a_changed_description_and_amount_are_one_patch(fake: FakeLedgerClient) -> None:
    at = _save(_editing(), {0: {"Description": "Rent March", "Amount": "-1250,00"}})

    assert not at.exception
    assert _patches(fake) == [
        (f"{TX}/tx-1", {"description": "Rent March", "amount": "1250.00"}),
    ]
    assert "Saved 1 changed transaction." in texts(at)


def test_identical_changes_go_in_one_bulk_request(fake: FakeLedgerClient) -> None:
    at = _save(_editing(), {0: {"Bucket": "Fun"}, 3: {"Bucket": "Fun"}})

    assert not at.exception
    assert _patches(fake) == [
        (f"{TX}/bulk", {"ids": ["tx-1", "tx-4"], "changes": {"bucket": "b-fun"}}),
    ]
    assert "Saved 2 changed transactions." in texts(at)


def test_read_only_rows_send_nothing_and_say_why(fake: FakeLedgerClient) -> None:
    at = _save(
        _editing(),
        {
            4: {"Description": "Pizza"},  # mirrored from a group
            5: {"Category": "Housing"},  # a split's category
            2: {"Bucket": "Fun"},  # a transfer's bucket
            0: {"Description": "Rent March"},
        },
    )

    assert not at.exception
    assert _patches(fake) == [(f"{TX}/tx-1", {"description": "Rent March"})]
    errors = "\n".join(e.value for e in at.error)
    assert f"Pizza with friends · 20.00 EUR: {register_edit.MIRRORED}" in errors
    assert f"Market · 60.00 EUR: {register_edit.SPLIT_CATEGORY}" in errors
    assert f"ATM · 100.00 EUR: {register_edit.TRANSFER_BUCKETS}" in errors
    assert "Saved 1 changed transaction." in texts(at)


def test_an_api_error_is_one_sentence_for_its_row_and_keeps_the_edits(
    fake: FakeLedgerClient,
) -> None:
    fake.fail(
        "PATCH",
        f"{TX}/tx-1",
        ApiError(
            422,
            "validation_error",
            "The transaction is invalid: amount.",
            [FieldError(field="amount", message="The amount is too large.")],
        ),
    )
    at = _save(_editing(), {0: {"Amount": "9999999999999"}})

    assert not at.exception
    [error] = at.error
    assert error.value == "- 2025-03-04 · Expense · Rent · 1,234.50 EUR: The amount is too large."
    assert "Saved" not in texts(at)
    assert at.session_state[transactions.INLINE_KEY] is True


def test_a_refused_bulk_change_is_tried_row_by_row(fake: FakeLedgerClient) -> None:
    fake.fail("PATCH", f"{TX}/bulk", ApiError(422, "validation_error", "2 rows are invalid."))
    fake.fail("PATCH", f"{TX}/tx-4", ApiError(409, "conflict", "This income was allocated already"))
    at = _save(_editing(), {0: {"Bucket": "Fun"}, 3: {"Bucket": "Fun"}})

    assert not at.exception
    assert [path for path, _ in _patches(fake)] == [f"{TX}/bulk", f"{TX}/tx-1", f"{TX}/tx-4"]
    assert "Saved 1 changed transaction." in texts(at)
    assert "Gift · 250.00 EUR: This income was allocated already." in at.error[0].value


def test_nothing_changed_sends_nothing(fake: FakeLedgerClient) -> None:
    at = _save(_editing(), {0: {"Description": "Rent", "Amount": "1234.50"}})

    assert fake.writes() == []
    assert "Nothing changed." in texts(at)


# --- what a row's edit asks (dashboard/register_edit.py) ----------------------------------------


def _rent(**fields: Any) -> dict[str, Any]:
    return {**TRANSACTIONS[0], **fields}


@pytest.mark.parametrize(
    ("typed", "sent"),
    [("-12.50", "12.50"), ("12.50", "12.50"), ("1.250,50", "1250.50"), ("-1234.50", None)],
)
def test_the_kind_decides_an_amount_s_sign(typed: str, sent: str | None) -> None:
    changes = register_edit.row_changes(_rent(), {"Amount": typed}, LISTS)
    assert changes.get("amount") == sent


def test_an_adjustment_keeps_the_sign_typed() -> None:
    item = transaction("tx-a", "adjustment", "5.00", wallet="w-bank", bucket="b-unalloc")
    assert register_edit.row_changes(item, {"Amount": "-5"}, LISTS) == {"amount": "-5.00"}
    with pytest.raises(FormErrors, match="non-zero"):
        register_edit.row_changes(item, {"Amount": "0"}, LISTS)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "Enter an amount."), ("abc", "Enter a number such as 12.50."), ("0", "above zero")],
)
def test_an_amount_that_is_none_is_refused(typed: str, message: str) -> None:
    with pytest.raises(FormErrors, match=message):
        register_edit.row_changes(_rent(), {"Amount": typed}, LISTS)


def test_an_income_goes_back_to_its_split_or_into_one_bucket() -> None:
    salary = TRANSACTIONS[1]
    assert register_edit.row_changes(salary, {"Bucket": "Savings"}, LISTS) == {
        "bucket": "b-savings"
    }
    into = {**salary, "bucket": "b-savings"}
    split = register_edit.row_changes(into, {"Bucket": register_edit.SPLIT_BUCKETS}, LISTS)
    assert split == {"bucket": None}
    with pytest.raises(FormErrors, match="Only an income"):
        register_edit.row_changes(_rent(), {"Bucket": register_edit.SPLIT_BUCKETS}, LISTS)


def test_a_category_is_found_by_name_and_may_be_cleared_on_a_transfer() -> None:
    assert register_edit.row_changes(_rent(), {"Category": "groceries"}, LISTS) == {
        "category": "c-groceries"
    }
    atm = {**TRANSACTIONS[2], "category": "c-transfer"}
    assert register_edit.row_changes(atm, {"Category": ""}, LISTS) == {"category": None}


def test_requests_group_rows_with_the_same_change() -> None:
    grouped = register_edit.requests_of(
        {
            "a": {"category": "c-1"},
            "b": {"description": "x"},
            "c": {"category": "c-1"},
            "d": {"category": "c-1", "amount": "2.00"},
        }
    )
    assert grouped == [
        (["a", "c"], {"category": "c-1"}),
        (["b"], {"description": "x"}),
        (["d"], {"category": "c-1", "amount": "2.00"}),
    ]


def test_edits_of_skips_rows_that_are_not_on_the_page() -> None:
    edits = register_edit.edits_of(TRANSACTIONS, {"0": {"Description": "X"}, 99: {}}, LISTS)
    assert edits.changes == {"tx-1": {"description": "X"}}
    assert edits.rows == {"tx-1": 0}
    assert Decimal(TRANSACTIONS[0]["amount"]) == Decimal("1234.50")
