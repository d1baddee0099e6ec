"""Transactions as a bank statement: the search box and the wallet on top, a wallet's running
balance from the API (``running_balance``), amounts signed and coloured, one scroll area."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.fake_ledger import LP, FakeLedgerClient, app_on, served, wallet_change

TX = f"{LP}/transactions"


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def test_the_search_box_on_top_filters_at_once(fake: FakeLedgerClient) -> None:
    at = app_on("transactions").run()
    assert at.text_input(key="tx_filter_q").max_chars == 200

    at.text_input(key="tx_filter_q").input("rent").run()

    assert not at.exception
    assert fake.gets(TX)[-1].params["q"] == "rent"
    assert at.dataframe[0].value["Description"].tolist() == ["Rent"]


def test_a_wallet_s_register_shows_the_api_s_running_balance(fake: FakeLedgerClient) -> None:
    at = app_on("transactions").run()

    at.selectbox(key="tx_filter_wallet").set_value("w-bank").run()

    assert not at.exception
    table = at.dataframe[0].value
    answer = fake._read(TX, {"wallet": "w-bank"})["items"]
    assert table["Description"].tolist() == ["Rent", "March salary", "ATM"]
    # Every row's balance is the API's, as money in the locale; the ATM transfer is money out.
    assert table["Balance"].tolist() == [
        f"{Decimal(item['running_balance']):,.2f} EUR" for item in answer
    ]
    assert table["Amount"].tolist()[2].startswith("-100.00")
    # Going down the statement, each balance is the one above less that row's change.
    balances = [Decimal(item["running_balance"]) for item in answer]
    changes = [wallet_change(item, "w-bank") for item in answer]
    for above, below, change in zip(balances, balances[1:], changes, strict=False):
        assert below == above - change


def test_without_one_wallet_there_is_no_balance_column(fake: FakeLedgerClient) -> None:
    at = app_on("transactions").run()

    assert "Balance" not in at.dataframe[0].value.columns
