"""The quick-add line (Overview and Transactions): one row, Enter saves, defaults from the last
transaction with the payee or category, amounts as the user's locale writes them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from dashboard import localisation
from dashboard.views import quick_add
from tests.fake_ledger import LP, FakeLedgerClient, app_on, served, texts, transaction

TX = f"{LP}/transactions"


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        client.payees.append({"id": "p-bakery", "name": "Bakery", "transaction_count": 1})
        client.transactions.append(
            transaction(
                "tx-bakery",
                "expense",
                "3.20",
                date="2025-02-20",
                category="c-groceries",
                wallet="w-cash",
                bucket="b-fun",
                payee="p-bakery",
                payee_name="Bakery",
            )
        )
        yield client


def _add(at, *, payee=None, category=None, amount="", wallet=None):
    at.date_input(key="qa_date").set_value(date(2025, 3, 5))
    if payee is not None:
        at.selectbox(key="qa_payee").set_value(payee)
    if category is not None:
        at.selectbox(key="qa_category").set_value(category)
    if wallet is not None:
        at.selectbox(key="qa_wallet").set_value(wallet)
    at.text_input(key="qa_amount").input(amount)
    return at.button(key="qa_submit").click().run()


def _posted(fake: FakeLedgerClient) -> list[dict]:
    return [call.json for call in fake.writes() if call.path == TX and call.method == "POST"]


@pytest.mark.parametrize("view", ["overview", "transactions"])
def test_the_line_is_at_the_top_of_both_pages(fake: FakeLedgerClient, view: str) -> None:
    at = app_on(view).run()

    assert not at.exception
    assert at.text_input(key="qa_amount").max_chars == 20
    assert at.selectbox(key="qa_payee").options[:2] == ["Bakery", "Landlord"]


def test_a_known_payee_brings_its_category_wallet_and_bucket(fake: FakeLedgerClient) -> None:
    at = _add(app_on("transactions").run(), payee="Bakery", amount="12,50")

    assert not at.exception
    assert _posted(fake) == [
        {
            "kind": "expense",
            "date": "2025-03-05",
            "amount": "12.50",
            "category": "c-groceries",
            "wallet": "w-cash",
            "bucket": "b-fun",
            "payee_name": "Bakery",
            "description": "",
            "notes": "",
            "tags": [],
        }
    ]
    # The line is empty again for the next one, and says what was added.
    assert at.text_input(key="qa_amount").value == ""
    assert at.selectbox(key="qa_payee").value is None
    assert "Added: 12.50 EUR Groceries at Bakery from Cash." in texts(at)


def test_a_payee_without_history_takes_the_category_s_last_wallet(
    fake: FakeLedgerClient,
) -> None:
    at = _add(app_on("overview").run(), payee="REWE", category="c-housing", amount="950")

    assert not at.exception
    body = _posted(fake)[0]
    assert body["payee_name"] == "REWE"
    assert (body["category"], body["wallet"], body["bucket"]) == (
        "c-housing",
        "w-bank",  # the rent's
        "b-unalloc",
    )


def test_the_category_s_default_bucket_comes_before_the_last_one(fake: FakeLedgerClient) -> None:
    next(c for c in fake.categories if c["id"] == "c-groceries")["default_bucket"] = "b-savings"
    at = _add(app_on("transactions").run(), payee="Bakery", amount="2")

    assert not at.exception
    assert _posted(fake)[0]["bucket"] == "b-savings"  # the bakery's last one was Fun


def test_an_archived_default_bucket_is_passed_over(fake: FakeLedgerClient) -> None:
    next(c for c in fake.categories if c["id"] == "c-housing")["default_bucket"] = "b-gone"
    at = _add(app_on("overview").run(), payee="REWE", category="c-housing", amount="950")

    assert not at.exception
    assert _posted(fake)[0]["bucket"] == "b-unalloc"


def test_an_income_category_makes_an_income(fake: FakeLedgerClient) -> None:
    at = _add(app_on("transactions").run(), category="c-salary", amount="1.234,56", wallet="w-bank")

    assert not at.exception
    body = _posted(fake)[0]
    assert (body["kind"], body["amount"], body["wallet"]) == ("income", "1234.56", "w-bank")
    assert "bucket" not in body  # split by the percentages, as the salary was


def test_without_a_category_to_go_by_it_asks_for_one_and_writes_nothing(
    fake: FakeLedgerClient,
) -> None:
    at = _add(app_on("transactions").run(), payee="Landlord", amount="5")

    assert not at.exception
    assert _posted(fake) == []
    assert "Choose a category: this payee has none yet." in texts(at)


def test_a_bad_amount_is_one_sentence_and_writes_nothing(fake: FakeLedgerClient) -> None:
    at = _add(app_on("transactions").run(), payee="Bakery", amount="12.345")

    assert _posted(fake) == []
    assert "Use at most 2 decimal places." in texts(at)


def test_viewers_get_no_line(fake: FakeLedgerClient) -> None:
    at = app_on("transactions", role="viewer").run()

    assert not at.exception
    assert not [box for box in at.text_input if box.key == "qa_amount"]


@pytest.mark.parametrize(
    ("text", "mark", "number"),
    [
        ("12,50", ".", "12.50"),
        ("1.234,56", ".", "1234.56"),
        ("1,234.56", ".", "1234.56"),
        ("1,234", ".", "1234"),
        ("1.234", ",", "1234"),
        ("12,5", ",", "12.5"),
        ("-3", ",", "-3"),
        ("1 234,56", ",", "1234.56"),
        ("1.2.3", ".", None),
        ("12,3,4", ".", None),
        ("abc", ".", None),
    ],
)
def test_amounts_read_as_the_locale_writes_them(text: str, mark: str, number: str | None) -> None:
    assert localisation.normalise_amount(text, mark) == number


def test_the_saved_note_names_amount_category_payee_and_wallet() -> None:
    payload = {"kind": "income", "amount": "10.00", "category": "c", "wallet": "w"}
    note = quick_add.saved_note({}, payload, {"c": "Salary"}, {"w": "Bank"}, "EUR")

    assert note == "Added: 10.00 EUR Salary to Bank."


def _money_in(locale: str) -> None:
    import streamlit as st

    from dashboard import session
    from dashboard.formatting import day, format_money

    st.session_state[session.USER_KEY] = {"id": "u", "locale": locale}
    st.write(f"{format_money('1234.5', 'EUR')} | {day('2026-12-04')}")


@pytest.mark.parametrize(
    ("locale", "shown"),
    [("de_DE", "1.234,50\xa0€ | 04.12.2026"), ("en_GB", "€1,234.50 | 4 Dec 2026")],
)
def test_money_and_dates_follow_the_user_s_locale(locale: str, shown: str) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_money_in, args=(locale,)).run()

    assert at.markdown[0].value == shown
