"""Wallets in other currencies (SPEC §14) without Streamlit: money in its currency's places,
the tables with each row in its currency and the base beside it, and the sentences."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dashboard import cards, currencies, forms, localisation, tables
from dashboard.formatting import format_money, parse_money, places
from dashboard.forms import FormErrors
from tests.fake_ledger import CURRENCIES, FakeLedgerClient

# --- money in its currency's places -----------------------------------------------------------


@pytest.mark.parametrize(("code", "expected"), [("EUR", 2), ("JPY", 0), ("KWD", 3), ("XYZ", 2)])
def test_places_follow_iso_4217(code: str, expected: int) -> None:
    assert places(code) == expected


def test_the_fakes_currencies_agree_with_babel() -> None:
    assert {c["code"]: c["places"] for c in CURRENCIES} == {
        c["code"]: places(c["code"]) for c in CURRENCIES
    }


@pytest.mark.parametrize(
    ("value", "code", "expected"),
    [
        ("1200", "JPY", "1,200 JPY"),
        ("-15000", "JPY", "-15,000 JPY"),
        ("1.250", "KWD", "1.250 KWD"),
        ("1.255", "KWD", "1.255 KWD"),  # three places kept, not rounded to two
        ("12.3", "EUR", "12.30 EUR"),
    ],
)
def test_money_is_written_with_its_currencys_places(value: str, code: str, expected: str) -> None:
    assert format_money(value, code) == expected


@pytest.mark.parametrize(
    ("value", "code", "locale", "expected"),
    [
        ("1200", "JPY", "de_DE", "1.200\xa0¥"),
        ("1.255", "KWD", "en_GB", "KWD1.255"),
        ("1234.5", "EUR", "de_DE", "1.234,50\xa0€"),
    ],
)
def test_money_in_a_locale_keeps_the_currencys_places(
    value: str, code: str, locale: str, expected: str
) -> None:
    assert localisation.money(value, code, locale) == expected


def test_parse_money_keeps_the_places_it_is_given() -> None:
    assert parse_money("1.255", 3) == Decimal("1.255")
    assert parse_money("1200", 0) == Decimal("1200")
    assert parse_money("1.255") == Decimal("1.26")  # two by default, as before


def test_a_typed_amount_takes_the_currencys_places() -> None:
    assert forms.parse_amount("1.250", decimals=3) == Decimal("1.250")
    assert forms.parse_amount("1200", decimals=0) == Decimal("1200")
    with pytest.raises(FormErrors, match="Use no decimal places"):
        forms.parse_amount("1200.5", decimals=0)
    with pytest.raises(FormErrors, match="Use at most 3 decimal places"):
        forms.parse_amount("1.2345", decimals=3)


def test_the_payload_carries_the_other_amounts_with_their_places() -> None:
    values = {
        "date": date(2025, 3, 5),
        "amount": "1500",
        "wallet": "w-jpy",
        "category": "c-groceries",
        "base_amount": "9,30",
        "foreign_amount": "1.250",
        "foreign_currency": "kwd",
    }
    amounts = {"amount": 0, "base_amount": 2, "foreign_amount": 3}
    payload = forms.build_payload("expense", values, amounts)
    assert payload["amount"] == "1500"
    assert payload["base_amount"] == "9.30"
    assert (payload["foreign_amount"], payload["foreign_currency"]) == ("1.250", "KWD")


def test_a_foreign_amount_needs_its_currency_and_a_transfer_takes_to_amount() -> None:
    values = {"date": date(2025, 3, 5), "amount": "10", "wallet": "w", "category": "c"}
    with pytest.raises(FormErrors) as error:
        forms.build_payload("expense", {**values, "foreign_amount": "12"})
    assert [e.field for e in error.value.errors] == ["foreign_currency"]
    transfer = {"date": date(2025, 3, 5), "amount": "100", "from_wallet": "a", "to_wallet": "b"}
    payload = forms.build_payload("transfer", {**transfer, "to_amount": "15000"}, {"to_amount": 0})
    assert payload["to_amount"] == "15000"
    assert "to_amount" not in forms.build_payload("expense", {**values, "to_amount": "5"})


# --- the sentences ----------------------------------------------------------------------------


def test_the_rate_a_write_will_use_is_named_with_its_source_and_day() -> None:
    fake = FakeLedgerClient()
    fake.in_currencies()
    assert currencies.rate_text(fake.lookup("USD", "2025-03-05")) == (
        "1 USD = 0.92 EUR (your rate of 2025-03-01)"
    )
    assert currencies.rate_text(fake.lookup("JPY", "2025-03-05")) is None
    assert currencies.missing_rate_text("JPY", "EUR", "2025-03-05").startswith(
        "No JPY→EUR rate for 2025-03-05"
    )


def test_what_net_worth_leaves_out_and_the_revaluation_are_sentences() -> None:
    assert currencies.unconverted_text([{"currency": "JPY", "amount": "15000"}]) == [
        "No rate for JPY — 15,000 JPY is not in net worth."
    ]
    gain = currencies.revaluation_text("12.30", "EUR")
    assert gain.startswith("Unrealised exchange gain since booking: +12.30 EUR")
    assert currencies.revaluation_text("-3.50", "EUR").startswith(
        "Unrealised exchange loss since booking: -3.50 EUR"
    )
    assert currencies.revaluation_text("0.00", "EUR") is None


@pytest.mark.parametrize(
    ("typed", "mark", "expected"), [("0.92", ".", "0.92"), ("0,0061", ",", "0.0061")]
)
def test_a_rate_is_read_as_typed(typed: str, mark: str, expected: str) -> None:
    assert currencies.parse_rate(typed, mark) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "Enter a rate"),
        ("0", "above zero"),
        ("abc", "Enter a number"),
        ("1.0000000000001", "12"),
    ],
)
def test_a_bad_rate_says_why(typed: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        currencies.parse_rate(typed)


def test_rates_are_listed_newest_first() -> None:
    fake = FakeLedgerClient()
    fake.in_currencies()
    rows = currencies.rate_rows(fake.rates, "EUR")
    assert [r["Date"] for r in rows] == ["2025-03-01", "2025-02-15", "2025-02-01"]
    assert rows[0]["Rate"] == "1 USD = 0.92 EUR"


# --- tables and cards -------------------------------------------------------------------------


def _balances() -> dict:
    fake = FakeLedgerClient()
    fake.in_currencies()
    return fake._balances()


def test_wallets_all_in_the_base_currency_look_as_before() -> None:
    fake = FakeLedgerClient()
    wallets = fake._balances()["wallets"]
    frame = tables.wallet_table(wallets, base="EUR")
    assert list(frame.columns) == ["Wallet", "Kind", "Balance"]
    assert tables.for_display(frame, "EUR")["Balance"].tolist() == ["2,450.10 EUR", "80.00 EUR"]


def test_wallets_in_other_currencies_show_their_own_and_the_base() -> None:
    frame = tables.wallet_table(_balances()["wallets"], base="EUR")
    shown = tables.for_display(frame, "EUR")
    assert list(shown.columns) == ["Wallet", "Kind", "Currency", "Balance", "In EUR"]
    assert shown.to_dict("records")[2:] == [
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
    lines = tables.to_csv(frame).decode().splitlines()
    assert lines[-2:] == ["US account,Bank / card,USD,120.50,110.86", "Yen cash,Cash,JPY,15000,"]


def test_transactions_in_other_currencies_show_the_base_amount_beside() -> None:
    fake = FakeLedgerClient()
    fake.in_currencies()
    frame = tables.transaction_table(
        fake.transactions[:3], fake.wallets, fake.buckets, fake.categories, base="EUR"
    )
    shown = tables.for_display(frame, "EUR")
    assert shown["Amount"].tolist() == ["-20.00 USD", "100.00 EUR", "-1,234.50 EUR"]
    assert shown["In EUR"].tolist() == ["-18.40 EUR", "100.00 EUR", "-1,234.50 EUR"]
    assert tables.column_order(frame, ("Date", "Amount", "Bucket")) == [
        "Date",
        "Amount",
        "In EUR",
        "Bucket",
    ]
    card = cards.transaction_cards(shown, [-1, 0, -1])
    assert "-20.00 USD" in card
    assert "In EUR: -18.40 EUR" in card
    assert card.count("In EUR:") == 1  # a row in the base currency says it once


def test_a_transfer_into_a_yen_wallet_shows_what_arrived_in_its_register() -> None:
    fake = FakeLedgerClient()
    fake.in_currencies()
    items = [{**t, "running_balance": "15000"} for t in fake.transactions if t["id"] == "tx-jpy"]
    frame = tables.transaction_table(
        items, fake.wallets, fake.buckets, fake.categories, wallet="w-jpy", base="EUR"
    )
    shown = tables.for_display(frame, "EUR")
    assert shown.loc[0, "Amount"] == "15,000 JPY"
    assert shown.loc[0, "Balance"] == "15,000 JPY"
    assert shown.loc[0, "In EUR"] == "100.00 EUR"


def test_a_ledger_in_one_currency_has_no_extra_transaction_column() -> None:
    fake = FakeLedgerClient()
    frame = tables.transaction_table(
        fake.transactions, fake.wallets, fake.buckets, fake.categories, base="EUR"
    )
    assert "In EUR" not in frame.columns
    assert "In EUR" not in cards.transaction_cards(tables.for_display(frame, "EUR"), [0] * 4)


def test_splits_of_a_yen_expense_are_in_whole_yen() -> None:
    from dashboard import rules

    lines = [{"amount": "1000"}, {"amount": ""}, {"amount": ""}]
    assert rules.left_to_assign(Decimal("1501"), lines, 0) == Decimal("501")
    assert rules.left_text(Decimal("501"), "JPY", 0) == "501 JPY left to assign."
    shared = rules.split_rest_evenly(Decimal("1501"), lines, 0)
    assert [line["amount"] for line in shared] == ["1000", "251", "250"]
    assert rules.line_amount("12.5", 0) is None


def test_a_yen_ledgers_budget_and_goal_are_in_whole_yen() -> None:
    from dashboard import plans

    values = {"amount": "40000", "alert_percent": 80, "start_month": "2025-03"}
    assert plans.budget_payload(values, 0)["amount"] == "40000"
    with pytest.raises(FormErrors, match="Use no decimal places"):
        plans.budget_payload({**values, "amount": "400.50"}, 0)
    goal = {"name": "Trip", "bucket": "b-fun", "target_amount": "250000"}
    assert plans.goal_payload(goal, 0)["target_amount"] == "250000"
