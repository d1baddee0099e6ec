"""The Activity page and a transaction's History tab (SPEC §16), against the fake API."""

from collections.abc import Iterator

import pytest

from dashboard import activity
from dashboard.views import transactions
from tests.fake_ledger import LP, FakeLedgerClient, app_on, served, texts


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def test_an_entry_reads_as_when_who_what_and_changes() -> None:
    entry = {
        "at": "2025-03-04T09:15:00Z",
        "actor": {"id": "u", "email": "charles@example.com"},
        "via": "api_key:nightly sync",
        "action": "update",
        "object_type": "transaction",
        "object_id": "tx-1",
        "summary": "expense 1234.50 Rent",
        "changes": {"amount": ["1200.00", "1234.50"], "description": ["", "Rent"]},
        "count": 1,
    }
    assert activity.rows([entry]) == [
        {
            "When": "2025-03-04 09:15",
            "Who": "charles@example.com (API key nightly sync)",
            "What": "Changed transaction: expense 1234.50 Rent",
            "Changes": "amount: 1200.00 → 1234.50; description: — → Rent",
        }
    ]


def test_bulk_and_system_entries_say_how_many_and_who() -> None:
    bulk = {"action": "update", "object_type": "transaction", "object_id": None, "count": 7}
    assert activity.what({**bulk, "summary": ""}) == "Changed 7 transactions"
    assert activity.changes_text({"category": [None, "c-1"]}) == "category: c-1"
    assert activity.who({"actor": {"id": None, "email": ""}, "via": "system"}) == "the system"


def test_the_page_lists_the_log_newest_first(fake: FakeLedgerClient) -> None:
    at = app_on("activity").run()

    assert not at.exception
    table = at.dataframe[0].value
    assert table["What"].tolist() == [
        "Changed transaction: expense 1234.50 Rent",
        "Imported 120 transactions from bank.csv",
    ]
    assert table["Who"].tolist()[1] == "ada@example.com (import)"
    assert "2 entries." in texts(at)


def test_filters_go_to_the_api(fake: FakeLedgerClient) -> None:
    at = app_on("activity").run()
    at.selectbox(key="activity_type").set_value("transaction")
    at.selectbox(key="activity_actor").set_value("user-2").run()

    params = fake.gets(f"{LP}/activity")[-1].params
    assert params["object_type"] == "transaction"
    assert params["actor"] == "user-2"
    assert at.dataframe[0].value["Who"].tolist() == ["charles@example.com (API key nightly sync)"]


def test_a_viewer_reads_the_log_too(fake: FakeLedgerClient) -> None:
    at = app_on("activity", role="viewer").run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 2


def test_a_transaction_shows_its_own_history(fake: FakeLedgerClient) -> None:
    at = app_on("transactions").run()
    _view, generation = at.session_state[transactions.VIEW_KEY]
    at.session_state[transactions.table_key(generation)] = {
        "selection": {"rows": [0], "columns": [], "cells": []}
    }
    at.run()

    assert not at.exception
    call = fake.gets(f"{LP}/activity")[-1]
    assert call.params["object_id"] == "tx-1"
    history = next(t.value for t in at.dataframe if t.value.columns[0] == "When")
    assert history["Changes"].tolist() == ["amount: 1200.00 → 1234.50; description: — → Rent"]
