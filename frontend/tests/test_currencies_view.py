"""The pages with wallets in other currencies (SPEC §14), against the fake API: the currency
picker, the rate a transaction will use and the amounts it may need, the Rates tab, and
balances in each wallet's currency and in the base one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.api import ApiError
from dashboard.views import transaction_form
from tests.fake_ledger import LP, FakeLedgerClient, app_on, served, texts

TX = f"{LP}/transactions"
DAY = date(2025, 3, 5)


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        client.in_currencies()
        client.server_today = DAY
        yield client


@pytest.fixture
def plain() -> Iterator[FakeLedgerClient]:
    """ledger-1 as it always was: every wallet in euros."""
    with served() as client:
        yield client


def _table(at: AppTest, first_column: str) -> Any:
    return next(t.value for t in at.dataframe if t.value.columns[0] == first_column)


def _posted(fake: FakeLedgerClient) -> list[dict]:
    return [c.json for c in fake.writes() if c.path == TX]


# --- balances ---------------------------------------------------------------------------------


def test_overview_shows_each_wallet_in_its_currency_and_in_the_base(
    fake: FakeLedgerClient,
) -> None:
    at = app_on("overview").run()

    assert not at.exception
    wallets = _table(at, "Wallet")
    assert list(wallets.columns) == ["Wallet", "Kind", "Currency", "Balance", "In EUR"]
    assert wallets.to_dict("records")[2:] == [
        {
            "Wallet": "US account",
            "Kind": "Bank / card",
            "Currency": "USD",
            "Balance": "120.50 USD",
            "In EUR": "110.86 EUR",
        },
        {
            "Wallet": "Yen cash",
            "Kind": "Cash",
            "Currency": "JPY",
            "Balance": "15,000 JPY",
            "In EUR": "no rate",
        },
    ]
    # Net worth in the base currency: the yen are left out, and that is said.
    assert at.metric[0].value == "2,640.96 EUR"
    said = texts(at)
    assert "No rate for JPY — 15,000 JPY is not in net worth." in said
    assert "Unrealised exchange loss since booking: -3.50 EUR" in said
    recent = _table(at, "Date")
    assert recent.loc[0, "Amount"] == "-20.00 USD"
    assert recent.loc[0, "In EUR"] == "-18.40 EUR"
    cards = next(h.proto.body for h in at.get("html") if "bk-cards" in h.proto.body)
    assert "-20.00 USD" in cards
    assert "In EUR: -18.40 EUR" in cards


def test_a_ledger_in_one_currency_looks_as_before(plain: FakeLedgerClient) -> None:
    at = app_on("overview").run()

    assert not at.exception
    assert list(_table(at, "Wallet").columns) == ["Wallet", "Kind", "Balance"]
    assert "In EUR" not in _table(at, "Date").columns
    assert "Unrealised" not in texts(at)
    assert at.text_input(key="qa_amount").label == "Amount (€)"
    assert not [c for c in plain.calls if "/rates" in c.path or c.path == "/currencies"]


@pytest.mark.parametrize(
    ("wallet", "amount", "balance", "base"),
    [
        ("w-jpy", "15,000 JPY", "15,000 JPY", "100.00 EUR"),
        ("w-usd", "-20.00 USD", "120.50 USD", "-18.40 EUR"),
    ],
)
def test_a_wallet_s_register_is_in_its_currency_with_the_base_beside(
    fake: FakeLedgerClient, wallet: str, amount: str, balance: str, base: str
) -> None:
    at = app_on("transactions").run()
    at.selectbox(key="tx_filter_wallet").set_value(wallet).run()

    assert not at.exception
    row = at.dataframe[0].value.iloc[0]
    assert (row["Amount"], row["Balance"], row["In EUR"]) == (amount, balance, base)


# --- the transaction form ---------------------------------------------------------------------


def _expense(at: AppTest, wallet: str, amount: str) -> AppTest:
    at.date_input(key="tx_add_expense_date").set_value(DAY)
    at.selectbox(key="tx_add_expense_wallet").set_value(wallet)
    at.selectbox(key="tx_add_expense_category").set_value("c-groceries")
    at.text_input(key="tx_add_expense_amount").input(amount)
    return at.run()


def test_an_expense_in_dollars_names_the_rate_and_what_it_makes(fake: FakeLedgerClient) -> None:
    at = _expense(app_on("transactions").run(), "w-usd", "20")

    assert at.text_input(key="tx_add_expense_amount").label == "Amount (USD)"
    said = texts(at)
    assert "1 USD = 0.92 EUR (your rate of 2025-03-01)" in said
    assert "20 USD ≈ 18.40 EUR at this rate." in said
    assert at.text_input(key="tx_add_expense_base_amount").label == "Amount in EUR (optional)"
    at.button(key="tx_add_submit").click().run()

    [post] = _posted(fake)
    assert post["amount"] == "20.00"
    assert "base_amount" not in post  # the API values it at the rate
    assert "Added 2025-03-05 · Expense · 20.00 USD." in texts(at)


def test_an_expense_in_yen_without_a_rate_asks_for_the_base_amount(
    fake: FakeLedgerClient,
) -> None:
    at = _expense(app_on("transactions").run(), "w-jpy", "1500.5")
    assert "No JPY→EUR rate for 2025-03-05" in texts(at)
    assert (
        at.text_input(key="tx_add_expense_base_amount").label == "Amount in EUR (needed: no rate)"
    )
    at.button(key="tx_add_submit").click().run()
    assert "Use no decimal places." in texts(at)
    assert not _posted(fake)

    at.text_input(key="tx_add_expense_amount").input("1500").run()
    at.button(key="tx_add_submit").click().run()
    # The API's 422 on base_amount, as a sentence under the form.
    assert "No JPY→EUR rate for 2025-03-05; give base\\_amount or add a rate" in texts(at)

    at.text_input(key="tx_add_expense_base_amount").input("9,30").run()
    at.button(key="tx_add_submit").click().run()
    assert _posted(fake)[-1]["amount"] == "1500"
    assert _posted(fake)[-1]["base_amount"] == "9.30"


def test_a_transfer_between_currencies_asks_what_arrived(fake: FakeLedgerClient) -> None:
    at = app_on("transactions").run()
    at.button_group(key=transaction_form.ADD_KIND_KEY).set_value("transfer").run()
    at.selectbox(key="tx_add_transfer_from_wallet").set_value("w-bank")
    at.selectbox(key="tx_add_transfer_to_wallet").set_value("w-jpy")
    at.text_input(key="tx_add_transfer_amount").input("100").run()

    received = at.text_input(key="tx_add_transfer_to_amount")
    assert received.label == "Amount received in JPY"
    # One side is in euros: that side's amount is the base amount, nothing more to ask.
    assert not [w for w in at.text_input if w.key == "tx_add_transfer_base_amount"]
    received.input("15000").run()
    at.button(key="tx_add_submit").click().run()

    [post] = _posted(fake)
    assert (post["amount"], post["to_amount"]) == ("100.00", "15000")


def test_an_expense_may_carry_what_the_receipt_said(fake: FakeLedgerClient) -> None:
    at = _expense(app_on("transactions").run(), "w-bank", "30")
    at.text_input(key="tx_add_expense_foreign_amount").input("1.250")
    at.selectbox(key="tx_add_expense_foreign_currency").set_value("KWD").run()
    at.button(key="tx_add_submit").click().run()

    [post] = _posted(fake)
    assert (post["foreign_amount"], post["foreign_currency"]) == ("1.250", "KWD")
    assert "base_amount" not in post


# --- quick-add --------------------------------------------------------------------------------


def test_quick_add_names_todays_rates_and_takes_the_base_amount(fake: FakeLedgerClient) -> None:
    at = app_on("transactions").run()
    said = texts(at)
    assert "Today: no JPY rate: give the amount in EUR or add one under Setup → Rates" in said
    assert "· 1 USD = 0.92 EUR (your rate of 2025-03-01)" in said
    at.date_input(key="qa_date").set_value(DAY)
    at.selectbox(key="qa_category").set_value("c-groceries")
    at.selectbox(key="qa_wallet").set_value("w-usd")
    at.text_input(key="qa_amount").input("12.505")
    at.button(key="qa_submit").click().run()
    assert "Use at most 2 decimal places." in texts(at)
    assert not _posted(fake)

    at.selectbox(key="qa_wallet").set_value("w-jpy")
    at.text_input(key="qa_amount").input("1500")
    at.text_input(key="qa_base_amount").input("9.30")
    at.button(key="qa_submit").click().run()

    [post] = _posted(fake)
    assert (post["wallet"], post["amount"], post["base_amount"]) == ("w-jpy", "1500", "9.30")
    assert "Added: 1,500 JPY Groceries from Yen cash." in texts(at)


# --- Setup: wallets and rates -----------------------------------------------------------------


def test_a_wallet_is_added_in_a_chosen_currency(fake: FakeLedgerClient) -> None:
    at = app_on("setup").run()
    picker = at.selectbox(key="setup_wallet_currency")
    assert picker.value == "EUR"
    assert "JPY — Japanese Yen" in picker.options
    at.text_input(key="setup_wallet_name").input("Tokyo card")
    picker.set_value("JPY")
    at.text_input(key="setup_wallet_opening").input("10.5")
    at.button(key="setup_wallet_submit").click().run()
    assert "Use no decimal places." in texts(at)
    assert not fake.writes()

    at.text_input(key="setup_wallet_opening").input("20000")
    at.button(key="setup_wallet_submit").click().run()
    [post] = fake.writes()
    assert {k: post.json[k] for k in ("name", "currency", "opening_balance")} == {
        "name": "Tokyo card",
        "currency": "JPY",
        "opening_balance": "20000",
    }


def test_setup_lists_wallets_in_their_currency_and_net_worth_in_the_base(
    fake: FakeLedgerClient,
) -> None:
    at = app_on("setup").run()
    wallets = _table(at, "Wallet")
    assert wallets["Balance"].tolist()[2:] == ["120.50 USD", "15,000 JPY"]
    assert wallets["In EUR"].tolist()[2:] == ["110.86 EUR", "no rate"]
    said = texts(at)
    assert "Net worth in EUR: 2,640.96 EUR" in said
    assert "No rate for JPY — 15,000 JPY is not in net worth." in said


def test_a_wallet_with_transactions_keeps_its_currency(fake: FakeLedgerClient) -> None:
    at = app_on("setup").run()
    at.selectbox(key="setup_wallet_pick").set_value("w-usd").run()
    assert at.selectbox(key="setup_wallet_w-usd_currency").disabled
    assert "its currency can no longer change" in texts(at)


def test_a_wallet_without_transactions_changes_currency_and_a_409_is_a_sentence(
    fake: FakeLedgerClient,
) -> None:
    at = app_on("setup").run()
    at.selectbox(key="setup_wallet_pick").set_value("w-old").run()
    at.selectbox(key="setup_wallet_w-old_currency").set_value("USD")
    at.button(key="setup_wallet_w-old_currency_submit").click().run()
    [patch] = fake.writes()
    assert (patch.method, patch.path, patch.json) == (
        "PATCH",
        f"{LP}/wallets/w-old",
        {"currency": "USD"},
    )

    detail = "The currency of a wallet with transactions can't change"
    fake.fail("PATCH", f"{LP}/wallets/w-old", ApiError(409, "conflict", detail))
    at.selectbox(key="setup_wallet_w-old_currency").set_value("GBP")
    at.button(key="setup_wallet_w-old_currency_submit").click().run()
    assert [e.value for e in at.error] == [f"{detail}."]


def test_a_ledgers_currency_is_chosen_from_the_list(fake: FakeLedgerClient) -> None:
    at = app_on("account").run()
    picker = at.selectbox(key="account_ledger_ledger-1_currency")
    assert picker.value == "EUR"
    picker.set_value("CHF")
    at.button(key="account_ledger_ledger-1_rename_submit").click().run()

    [patch] = fake.writes()
    assert (patch.path, patch.json) == ("/ledgers/ledger-1", {"currency": "CHF"})


def test_rates_are_listed_newest_first_and_filtered(fake: FakeLedgerClient) -> None:
    at = app_on("setup").run()
    rates = _table(at, "Currency")
    assert rates.to_dict("records")[0] == {
        "Currency": "USD",
        "Date": "2025-03-01",
        "Rate": "1 USD = 0.92 EUR",
    }
    assert rates["Date"].tolist() == ["2025-03-01", "2025-02-15", "2025-02-01"]
    at.selectbox(key="setup_rates_filter").set_value("GBP").run()
    assert _table(at, "Currency")["Currency"].tolist() == ["GBP"]


def test_adding_a_rate_posts_it_and_a_bad_one_is_refused(fake: FakeLedgerClient) -> None:
    at = app_on("setup").run()
    at.selectbox(key="setup_rate_currency").set_value("JPY")
    at.date_input(key="setup_rate_date").set_value(DAY)
    at.text_input(key="setup_rate_rate").input("0")
    at.button(key="setup_rate_submit").click().run()
    assert "Enter a rate above zero." in texts(at)
    assert not fake.writes()

    at.text_input(key="setup_rate_rate").input("0.0062")
    at.button(key="setup_rate_submit").click().run()
    [post] = fake.writes()
    assert (post.path, post.json) == (
        f"{LP}/rates",
        {"currency": "JPY", "date": "2025-03-05", "rate": "0.0062"},
    )
    assert "Added the rate 1 JPY = 0.0062 EUR on 2025-03-05." in texts(at)


def test_deleting_a_rate_asks_first(fake: FakeLedgerClient) -> None:
    at = app_on("setup").run()
    at.selectbox(key="setup_rate_pick").set_value("rate-2").run()
    at.button(key="setup_rate_rate-2_delete").click().run()
    assert not fake.writes()
    at.button(key="setup_rate_rate-2_delete_confirm").click().run()

    [delete] = fake.writes()
    assert (delete.method, delete.path) == ("DELETE", f"{LP}/rates/rate-2")
    assert [r["id"] for r in fake.rates] == ["rate-1", "rate-3"]


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ("USD", "On 2025-03-05: 1 USD = 0.92 EUR (your rate of 2025-03-01)."),
        ("JPY", "No JPY→EUR rate for 2025-03-05 nor the 7 days before"),
    ],
)
def test_which_rate_applies_on_a_day(fake: FakeLedgerClient, currency: str, expected: str) -> None:
    at = app_on("setup").run()
    at.selectbox(key="setup_rates_check_currency").set_value(currency)
    at.date_input(key="setup_rates_check_date").set_value(DAY)
    at.button(key="setup_rates_check_submit").click().run()

    assert expected in texts(at)
    [lookup] = fake.gets(f"{LP}/rates/lookup")[-1:]
    assert lookup.params == {"currency": currency, "date": "2025-03-05"}


def test_editing_a_dollar_expense_keeps_its_currency_and_booked_value(
    fake: FakeLedgerClient,
) -> None:
    from dashboard.views import transactions

    at = app_on("transactions").run()
    _view, generation = at.session_state[transactions.VIEW_KEY]
    at.session_state[transactions.table_key(generation)] = {
        "selection": {"rows": [0], "columns": [], "cells": []}
    }
    at.run()

    prefix = "tx_edit_tx-usd_expense"
    assert at.text_input(key=f"{prefix}_amount").label == "Amount (USD)"
    assert at.text_input(key=f"{prefix}_amount").value == "20.00"
    assert at.text_input(key=f"{prefix}_base_amount").value == ""
    assert "Booked at 18.40 EUR" in texts(at)
    at.text_input(key=f"{prefix}_amount").input("25").run()
    at.button(key="tx_edit_submit").click().run()

    assert not at.exception
    [patch] = fake.writes()
    assert (patch.path, patch.json) == (f"{TX}/tx-usd", {"amount": "25.00"})
    assert "Saved 2025-03-05 · Expense · Diner · 25.00 USD." in texts(at)


def test_a_recurring_template_of_a_yen_wallet_is_in_yen(fake: FakeLedgerClient) -> None:
    fake.recurring[0] = {
        **fake.recurring[0],
        "wallet": "w-jpy",
        "currency": "JPY",
        "amount": "9500",
    }
    at = app_on("planning").run()

    assert not at.exception
    table = next(t.value for t in at.dataframe if "Repeats" in t.value.columns)
    assert table["Amount"].tolist()[:2] == ["9,500 JPY", "3,000.00 EUR"]
    prefix = "plan_rec_edit_rec-rent"
    assert at.text_input(key=f"{prefix}_amount").label == "Amount (JPY)"
    assert at.text_input(key=f"{prefix}_amount").value == "9500"
    at.text_input(key=f"{prefix}_amount").input("9600.5")
    at.button(key=f"{prefix}_save").click().run()
    assert "Use no decimal places." in texts(at)
    at.text_input(key=f"{prefix}_amount").input("9600")
    at.button(key=f"{prefix}_save").click().run()

    [patch] = fake.writes()
    assert patch.json == {"amount": "9600"}


def test_without_the_apis_list_the_picker_offers_babels(fake: FakeLedgerClient) -> None:
    fake.fail("GET", "/currencies", ApiError(404, "not_found", "Not found."))
    at = app_on("setup").run()

    assert not at.exception
    picker = at.selectbox(key="setup_wallet_currency")
    assert picker.value == "EUR"
    assert "KWD — Kuwaiti Dinar" in picker.options
    assert not at.error
