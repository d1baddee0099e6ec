from collections.abc import Iterator
from typing import Any
from unittest.mock import MagicMock, patch

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import session
from dashboard.api import ApiClient, ApiError, FieldError
from dashboard.views import ledgers
from tests.conftest import EMAIL
from tests.fake_api import PASSWORD, FakeApiState
from tests.fake_ledger import EXPORT_CSV, EXPORT_JSON, LP, FakeLedgerClient, app_on, served, texts

RESTORE = "/ledgers/import-json"
DOCUMENT = b'{"format": "budget-ledger", "version": 1, "ledger": {"name": "Family"}, "x": 1.10}'


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


@pytest.fixture
def downloads() -> Iterator[MagicMock]:
    """Every st.download_button call of the page (drawn as usual), to see the bytes it offers."""
    with patch.object(st, "download_button", wraps=st.download_button) as spy:
        yield spy


def _offered(downloads: MagicMock, key: str) -> dict[str, Any]:
    calls = [c for c in downloads.call_args_list if c.kwargs.get("key") == key]
    assert calls, f"no download button {key!r}"
    label, content = calls[-1].args[:2]
    return {"label": label, "data": content, **calls[-1].kwargs}


# --- the client's download, over HTTP ----------------------------------------------------------


def test_a_download_returns_the_servers_bytes_and_sends_the_params(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.sign_in(EMAIL, PASSWORD)
    api_state.expire_access_tokens()

    content = client.download("/test/download", params={"kind": "income", "q": "rent"})

    assert content == b"date,amount\r\nkind=income&q=rent\r\n"
    assert len(api_state.calls_to("/test/download")) == 2  # once more after the refresh


def test_a_refused_download_is_an_api_error(client: ApiClient) -> None:
    client.sign_in(EMAIL, PASSWORD)

    with pytest.raises(ApiError) as caught:
        client.download("/test/no-such-export")

    assert caught.value.status == 404
    assert str(caught.value) == "Not found."


def test_an_encoded_document_is_posted_as_it_is(client: ApiClient, api_state: FakeApiState) -> None:
    client.sign_in(EMAIL, PASSWORD)

    answer = client.post("/test/echo", json=b'{"amount": "12.30"}')

    assert answer["received"] == {"amount": "12.30"}
    assert api_state.calls_to("/test/echo")[0].headers["Content-Type"] == "application/json"


# --- transactions: the CSV of the filtered list ---------------------------------------------


def _transactions() -> AppTest:
    return app_on("transactions").run()


def test_the_csv_is_the_servers_export_of_the_filtered_list(
    fake: FakeLedgerClient, downloads: MagicMock
) -> None:
    at = _transactions()
    at.selectbox(key="tx_filter_kind").select("expense")
    at.text_input(key="tx_filter_q").input("rent")
    at.button(key="tx_filter_apply").click().run()
    at.button(key="tx_export_prepare").click().run()

    assert not at.exception
    [export] = fake.gets(f"{LP}/export.csv")
    assert export.params == {"kind": "expense", "q": "rent", "ordering": "-date"}
    offered = _offered(downloads, "tx_export_download")
    assert offered["data"] == EXPORT_CSV
    assert offered["mime"] == "text/csv"
    assert offered["label"] == "Download CSV (1 row)"
    assert offered["file_name"].startswith("transactions-")
    # Nothing is paged through in the dashboard any more.
    assert all(int(c.params.get("page_size", 50)) == 50 for c in fake.gets(f"{LP}/transactions"))


def test_the_csv_follows_the_tables_order(fake: FakeLedgerClient) -> None:
    at = _transactions()
    at.selectbox(key="tx_filter_ordering").select("amount")
    at.button(key="tx_filter_apply").click().run()
    at.button(key="tx_export_prepare").click().run()

    assert fake.gets(f"{LP}/export.csv")[0].params == {"ordering": "amount"}


def test_new_filters_make_a_prepared_csv_stale(fake: FakeLedgerClient) -> None:
    at = _transactions()
    at.button(key="tx_export_prepare").click().run()
    assert at.get("download_button")

    at.selectbox(key="tx_filter_kind").select("income")
    at.button(key="tx_filter_apply").click().run()

    assert not at.get("download_button")
    assert at.button(key="tx_export_prepare")


def test_a_failed_export_shows_the_api_detail(fake: FakeLedgerClient) -> None:
    fake.fail("GET", f"{LP}/export.csv", ApiError(503, "unavailable", "Try again in a minute."))
    at = _transactions()
    at.button(key="tx_export_prepare").click().run()

    assert not at.exception
    assert [e.value for e in at.error] == ["Try again in a minute."]
    assert not at.get("download_button")


def test_a_viewer_can_export_too(fake: FakeLedgerClient, downloads: MagicMock) -> None:
    at = app_on("transactions", role="viewer").run()
    at.button(key="tx_export_prepare").click().run()

    assert _offered(downloads, "tx_export_download")["data"] == EXPORT_CSV


# --- account: a whole ledger as JSON, and restoring one ---------------------------------------


def _account(**kwargs: Any) -> AppTest:
    return app_on("account", **kwargs).run()


def test_the_current_ledger_exports_as_the_servers_json(
    fake: FakeLedgerClient, downloads: MagicMock
) -> None:
    at = _account()
    assert at.selectbox(key="account_export_pick").value == "ledger-1"
    at.button(key="account_export_prepare").click().run()

    assert not at.exception
    assert [c.path for c in fake.calls if c.path.endswith("/export.json")] == [f"{LP}/export.json"]
    offered = _offered(downloads, "account_export_download")
    assert offered["data"] == EXPORT_JSON
    assert offered["mime"] == "application/json"
    assert offered["label"] == "Download Family (JSON)"
    assert offered["file_name"].startswith("Family-")


def test_another_ledger_can_be_exported(fake: FakeLedgerClient, downloads: MagicMock) -> None:
    fake.exports["/ledgers/ledger-2/export.json"] = b'{"ledger": "Club"}'
    at = _account()
    at.selectbox(key="account_export_pick").select("ledger-2").run()
    at.button(key="account_export_prepare").click().run()

    assert _offered(downloads, "account_export_download")["data"] == b'{"ledger": "Club"}'


def test_a_refused_ledger_export_shows_the_detail(fake: FakeLedgerClient) -> None:
    fake.fail("GET", f"{LP}/export.json", ApiError(404, "not_found", "No such ledger."))
    at = _account()
    at.button(key="account_export_prepare").click().run()

    assert "No such ledger." in [e.value for e in at.error]
    assert not [b for b in at.get("download_button") if b.key == "account_export_download"]


def test_restoring_a_file_makes_a_new_ledger_and_switches_to_it(fake: FakeLedgerClient) -> None:
    at = _account()
    assert at.button(key="account_restore_submit").disabled
    at.get("file_uploader")[0].set_value(("family.json", DOCUMENT, "application/json"))
    at.run()
    at.button(key="account_restore_submit").click().run()

    assert not at.exception
    [restore] = fake.writes()
    assert (restore.method, restore.path) == ("POST", RESTORE)
    assert restore.json == DOCUMENT  # sent byte for byte: 1.10 stays 1.10
    assert at.session_state[session.CURRENT_LEDGER_KEY] == "ledger-3"
    assert "Restored the ledger Family from family.json and switched to it." in texts(at)
    assert at.get("file_uploader")[0].key == "account_restore_file_1"  # emptied


def test_a_document_the_server_refuses_shows_each_problem(fake: FakeLedgerClient) -> None:
    fake.fail(
        "POST",
        RESTORE,
        ApiError(
            422,
            "validation_error",
            "This is not a ledger export.",
            [FieldError(field="format", message="Expected budget-ledger.")],
        ),
    )
    at = _account()
    at.get("file_uploader")[0].set_value(("notes.json", b"{}", "application/json"))
    at.run()
    at.button(key="account_restore_submit").click().run()

    assert not at.exception
    [error] = at.error
    assert "This is not a ledger export." in error.value
    assert "**Format**: Expected budget-ledger." in error.value
    assert at.session_state[session.CURRENT_LEDGER_KEY] == "ledger-1"
    assert ledgers.RESTORE_KEY not in at.session_state


def test_bad_json_shows_the_servers_sentence(fake: FakeLedgerClient) -> None:
    fake.fail("POST", RESTORE, ApiError(400, "bad_request", "The request body is not valid JSON."))
    at = _account()
    at.get("file_uploader")[0].set_value(("broken.json", b"{", "application/json"))
    at.run()
    at.button(key="account_restore_submit").click().run()

    assert [e.value for e in at.error] == ["The request body is not valid JSON."]
