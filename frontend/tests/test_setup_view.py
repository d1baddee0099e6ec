from collections.abc import Iterator
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import data
from dashboard.api import SESSION_EXPIRED_MESSAGE, ApiError, FieldError, SessionExpired
from dashboard.views import setup_buckets
from tests.fake_ledger import LP, FakeLedgerClient, app_on, served, texts


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def _page(**kwargs: Any) -> AppTest:
    return app_on("setup", **kwargs).run()


def _table(at: AppTest, first_column: str) -> Any:
    return next(t.value for t in at.dataframe if t.value.columns[0] == first_column)


def _percent(at: AppTest, bucket_id: str) -> Any:
    return at.text_input(key=f"{setup_buckets.PERCENT_PREFIX}{bucket_id}")


def _save_button(at: AppTest) -> Any:
    return at.button(key=setup_buckets.SAVE_PERCENTS_KEY)


# --- wallets ----------------------------------------------------------------------------------


def test_wallets_show_formatted_balances(fake: FakeLedgerClient) -> None:
    at = _page()

    assert not at.exception
    assert {"Wallets", "Buckets", "Categories"} <= {t.label for t in at.tabs}
    wallets = _table(at, "Wallet")
    assert wallets.to_dict("records") == [
        {"Wallet": "Bank", "Kind": "Bank / card", "Balance": "2,450.10 EUR"},
        {"Wallet": "Cash", "Kind": "Cash", "Balance": "80.00 EUR"},
    ]
    assert "Net worth across active wallets: 2,530.10 EUR" in texts(at)


def test_archived_wallets_show_on_request(fake: FakeLedgerClient) -> None:
    at = _page()
    at.toggle(key="setup_wallets_archived").set_value(True).run()

    wallets = _table(at, "Wallet")
    assert wallets["Wallet"].tolist() == ["Bank", "Cash", "Old card"]
    assert wallets["Status"].tolist() == ["Active", "Active", "Archived"]


def test_adding_a_wallet_posts_name_kind_and_opening_balance(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="setup_wallet_name").input("Savings account")
    at.selectbox(key="setup_wallet_kind").select("virtual")
    at.text_input(key="setup_wallet_opening").input("1,500.5")
    at.button(key="setup_wallet_submit").click().run()

    assert not at.exception
    [post] = fake.writes()
    assert (post.method, post.path) == ("POST", f"{LP}/wallets")
    assert post.json["opening_date"]
    assert {k: v for k, v in post.json.items() if k != "opening_date"} == {
        "name": "Savings account",
        "kind": "virtual",
        "opening_balance": "1500.50",
    }
    assert at.session_state[data.DATA_VERSION_KEY] == 1
    assert "Added the wallet Savings account." in texts(at)


def test_a_loan_wallet_can_open_negative_and_without_balance_nothing_is_sent(
    fake: FakeLedgerClient,
) -> None:
    at = _page()
    at.text_input(key="setup_wallet_name").input("Owed to Bob")
    at.selectbox(key="setup_wallet_kind").select("loan")
    at.text_input(key="setup_wallet_opening").input("-200")
    at.button(key="setup_wallet_submit").click().run()
    at.text_input(key="setup_wallet_name").input("Piggy bank")
    at.button(key="setup_wallet_submit").click().run()

    loan, piggy = fake.writes()
    assert loan.json["opening_balance"] == "-200.00"
    assert piggy.json == {"name": "Piggy bank", "kind": "loan"}


def test_archiving_a_wallet_with_money_shows_the_api_detail(fake: FakeLedgerClient) -> None:
    detail = "This wallet still holds 2450.10 EUR; move the money out before archiving it."
    fake.fail("PATCH", f"{LP}/wallets/w-bank", ApiError(409, "balance_not_zero", detail))
    at = _page()
    at.button(key="setup_wallet_w-bank_archive").click().run()

    assert not at.exception
    assert [e.value for e in at.error] == [detail]


def test_deleting_a_used_wallet_says_archive_instead(fake: FakeLedgerClient) -> None:
    detail = "This wallet is still used by transactions; archive it instead."
    fake.fail("DELETE", f"{LP}/wallets/w-bank", ApiError(409, "in_use", detail))
    at = _page()
    at.button(key="setup_wallet_w-bank_delete").click().run()
    assert "cannot be undone" in at.warning[0].value
    at.button(key="setup_wallet_w-bank_delete_confirm").click().run()

    assert not at.exception
    assert [e.value for e in at.error] == [detail]
    assert "Archive it instead" in texts(at)


def test_renaming_a_wallet_patches_the_name(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="setup_wallet_pick").select("w-cash").run()
    at.text_input(key="setup_rename_w-cash_name").input("Wallet in my pocket")
    at.button(key="setup_rename_w-cash_submit").click().run()

    [patch] = fake.writes()
    assert (patch.method, patch.path, patch.json) == (
        "PATCH",
        f"{LP}/wallets/w-cash",
        {"name": "Wallet in my pocket"},
    )


def test_reconciling_shows_the_adjustment_made(fake: FakeLedgerClient) -> None:
    fake.answers[("POST", f"{LP}/wallets/w-bank/reconcile")] = {
        "adjustment": {"id": "tx-9", "kind": "adjustment", "amount": "-12.30"},
        "balance": "2437.80",
    }
    at = _page()
    at.text_input(key="setup_reconcile_w-bank_actual").input("2437.80")
    at.button(key="setup_reconcile_w-bank_submit").click().run()

    assert not at.exception
    [post] = fake.writes()
    assert post.json["actual_balance"] == "2437.80"
    assert post.json["date"]
    assert "Added an adjustment of -12.30 EUR to Bank; it now holds 2,437.80 EUR." in texts(at)


def test_reconciling_an_exact_balance_says_it_already_matches(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="setup_reconcile_w-bank_actual").input("2450.10")
    at.button(key="setup_reconcile_w-bank_submit").click().run()

    assert "Bank already matches: it holds 2,450.10 EUR. Nothing to adjust." in texts(at)


def test_no_wallets_says_what_to_add(fake: FakeLedgerClient) -> None:
    fake.wallets = []
    at = _page()

    assert not at.exception
    assert "No wallets yet. Add the places your money sits" in texts(at)


# --- buckets ----------------------------------------------------------------------------------


def test_buckets_show_percent_and_balance_and_the_system_bucket(fake: FakeLedgerClient) -> None:
    at = _page()

    buckets = _table(at, "Bucket")
    assert buckets.to_dict("records") == [
        {"Bucket": "Unallocated", "Allocation": "The rest", "Balance": "1,030.10 EUR"},
        {"Bucket": "Savings", "Allocation": "40.00 %", "Balance": "1,200.00 EUR"},
        {"Bucket": "Fun", "Allocation": "10.00 %", "Balance": "300.00 EUR"},
    ]
    # The system bucket takes no percentage and cannot be picked for a change.
    assert not [w for w in at.text_input if w.key == f"{setup_buckets.PERCENT_PREFIX}b-unalloc"]
    assert at.selectbox(key="setup_bucket_pick").options == [
        "Savings",
        "Fun",
        "Old trip — archived",
    ]


def test_the_percent_total_is_live(fake: FakeLedgerClient) -> None:
    at = _page()
    assert "**Total 50.00 %** — Unallocated gets 50.00 %" in texts(at)
    assert _save_button(at).disabled  # nothing changed yet

    _percent(at, "b-fun").input("45").run()

    assert "**Total 85.00 %** — Unallocated gets 15.00 %" in texts(at)
    assert not _save_button(at).disabled
    assert not at.warning


def test_over_one_hundred_percent_blocks_saving(fake: FakeLedgerClient) -> None:
    at = _page()
    _percent(at, "b-savings").input("70").run()
    _percent(at, "b-fun").input("35.5").run()

    assert "**Total 105.50 %** — Unallocated gets 0.00 %" in texts(at)
    assert "more than 100 %" in at.warning[0].value
    assert _save_button(at).disabled


def test_saving_percents_puts_them_all_at_once(fake: FakeLedgerClient) -> None:
    at = _page()
    _percent(at, "b-savings").input("45.5").run()
    _percent(at, "b-fun").input("20").run()
    _save_button(at).click().run()

    assert not at.exception
    [put] = fake.writes()
    assert (put.method, put.path) == ("PUT", f"{LP}/buckets/allocation")
    assert put.json == {"percents": {"b-savings": "45.50", "b-fun": "20.00"}}
    assert "Saved the percentages: 65.50 % to buckets, 34.50 % stays unallocated." in texts(at)


def test_a_bad_percent_is_named_and_blocks_saving(fake: FakeLedgerClient) -> None:
    at = _page()
    _percent(at, "b-fun").input("ten").run()

    assert "**Fun**: Enter a number." in at.error[0].value
    assert _save_button(at).disabled


def test_a_refused_percent_change_names_the_bucket(fake: FakeLedgerClient) -> None:
    fake.fail(
        "PUT",
        f"{LP}/buckets/allocation",
        ApiError(
            422,
            "validation_error",
            "Some buckets cannot take a percentage.",
            [FieldError(field="percents.b-fun", message="The bucket 'Fun' is archived.")],
        ),
    )
    at = _page()
    _percent(at, "b-fun").input("20").run()
    _save_button(at).click().run()

    assert not at.exception
    error = at.error[0].value
    assert "Some buckets cannot take a percentage." in error
    assert "**Fun**: The bucket 'Fun' is archived." in error


def test_adding_a_bucket_posts_name_and_percent(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="setup_bucket_name").input("Holidays")
    at.text_input(key="setup_bucket_percent").input("12.5")
    at.button(key="setup_bucket_submit").click().run()

    [post] = fake.writes()
    assert (post.path, post.json) == (
        f"{LP}/buckets",
        {"name": "Holidays", "allocation_percent": "12.50"},
    )


def test_a_percent_sum_conflict_on_add_shows_the_detail(fake: FakeLedgerClient) -> None:
    detail = "Allocation percentages would add up to 110.00 %; the most is 100 %."
    fake.fail("POST", f"{LP}/buckets", ApiError(409, "percent_sum_exceeded", detail))
    at = _page()
    at.text_input(key="setup_bucket_name").input("Car")
    at.text_input(key="setup_bucket_percent").input("60")
    at.button(key="setup_bucket_submit").click().run()

    assert [e.value for e in at.error] == [detail]


def test_no_buckets_says_what_to_add(fake: FakeLedgerClient) -> None:
    fake.buckets = [b for b in fake.buckets if b["is_system"]]
    at = _page()

    assert not at.exception
    assert "No buckets yet. Add buckets for what you save or spend for" in texts(at)


# --- categories -------------------------------------------------------------------------------


def test_categories_are_grouped_by_type(fake: FakeLedgerClient) -> None:
    at = _page()

    markdown = [m.value for m in at.markdown]
    assert "**Income**" in markdown
    assert "- Salary" in markdown
    assert "- Groceries · Daily life\n- Housing" in markdown  # with its group
    assert "- Transfer" in markdown


def test_adding_a_category(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="setup_category_name").input("Pets")
    at.button(key="setup_category_submit").click().run()

    [post] = fake.writes()
    assert (post.path, post.json) == (f"{LP}/categories", {"name": "Pets", "type": "expense"})


def test_a_taken_name_shows_the_detail(fake: FakeLedgerClient) -> None:
    detail = "A category named 'Groceries' already exists in this ledger."
    fake.fail("POST", f"{LP}/categories", ApiError(409, "name_taken", detail))
    at = _page()
    at.text_input(key="setup_category_name").input("groceries")
    at.button(key="setup_category_submit").click().run()

    assert [e.value for e in at.error] == [detail]


def test_an_empty_name_is_refused_before_sending(fake: FakeLedgerClient) -> None:
    at = _page()
    at.button(key="setup_category_submit").click().run()

    assert fake.writes() == []
    assert "**Name**: Enter a name." in at.error[0].value


def test_archiving_a_category(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="setup_category_pick").select("c-groceries").run()
    at.button(key="setup_category_c-groceries_archive").click().run()

    [patch] = fake.writes()
    assert (patch.method, patch.path, patch.json) == (
        "PATCH",
        f"{LP}/categories/c-groceries",
        {"archived": True},
    )
    assert "Archived the category Groceries." in texts(at)


def test_adding_a_category_with_a_group(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="setup_category_name").input("Pets")
    at.text_input(key="setup_category_group").input("  Family ")
    at.button(key="setup_category_submit").click().run()

    [post] = fake.writes()
    assert post.json == {"name": "Pets", "type": "expense", "group": "Family"}


def test_changing_and_clearing_a_categorys_group(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="setup_category_pick").select("c-housing").run()
    at.text_input(key="setup_category_group_c-housing_name").input("Fixed costs")
    at.button(key="setup_category_group_c-housing_submit").click().run()

    [patch] = fake.writes()
    assert (patch.method, patch.path, patch.json) == (
        "PATCH",
        f"{LP}/categories/c-housing",
        {"group": "Fixed costs"},
    )
    assert "Housing is now in the group Fixed costs." in texts(at)

    at.selectbox(key="setup_category_pick").select("c-groceries").run()
    at.text_input(key="setup_category_group_c-groceries_name").input("")
    at.button(key="setup_category_group_c-groceries_submit").click().run()
    assert fake.writes()[-1].json == {"group": None}


def test_an_expense_category_s_default_bucket_is_chosen_and_cleared(
    fake: FakeLedgerClient,
) -> None:
    at = _page()
    at.selectbox(key="setup_category_pick").select("c-groceries").run()
    choice = at.selectbox(key="setup_category_bucket_c-groceries_choice")
    # Active buckets other than Unallocated, which "None" stands for.
    assert choice.options == ["None (Unallocated)", "Savings", "Fun"]
    choice.select("b-fun")
    at.button(key="setup_category_bucket_c-groceries_submit").click().run()

    [patch] = fake.writes()
    assert (patch.method, patch.path, patch.json) == (
        "PATCH",
        f"{LP}/categories/c-groceries",
        {"default_bucket": "b-fun"},
    )
    assert "Expenses of Groceries now go to Fun by default." in texts(at)

    next(c for c in fake.categories if c["id"] == "c-groceries")["default_bucket"] = "b-fun"
    st.cache_data.clear()  # as data.changed() after the write
    at = _page()
    assert "- Groceries · Daily life → Fun\n- Housing" in [m.value for m in at.markdown]
    at.selectbox(key="setup_category_pick").select("c-groceries").run()
    at.selectbox(key="setup_category_bucket_c-groceries_choice").select("")
    at.button(key="setup_category_bucket_c-groceries_submit").click().run()
    assert fake.writes()[-1].json == {"default_bucket": None}


def test_an_income_category_has_no_default_bucket(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="setup_category_pick").select("c-salary").run()

    assert not at.exception
    assert "Only expense categories have a default bucket." in texts(at)


# --- roles and sessions -----------------------------------------------------------------------


def test_a_viewer_sees_lists_without_write_controls(fake: FakeLedgerClient) -> None:
    at = _page(role="viewer")

    assert not at.exception
    assert _table(at, "Wallet")["Wallet"].tolist() == ["Bank", "Cash"]
    assert not at.get("text_input")
    # The one button is a read: which exchange rate applies on a day (Setup → Rates).
    assert [button.key for button in at.button] == ["setup_rates_check_submit"]
    assert "only its owners and editors can change it" in texts(at)


def test_an_expired_session_returns_to_sign_in_with_the_message(fake: FakeLedgerClient) -> None:
    fake.fail("GET", f"{LP}/wallets", SessionExpired())
    at = _page()

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [w.value for w in at.warning] == [SESSION_EXPIRED_MESSAGE]
