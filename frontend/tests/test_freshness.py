"""State stays fresh: the sidebar's timer asks for the unread count and the ledgers afresh,
and pages drop their cached reads when the worker has split pending incomes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import session
from tests.fake_ledger import FakeLedgerClient, app_on, served


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def _timer_run() -> None:
    import streamlit as st

    from dashboard import data

    unread, changed = data.fresh_sidebar()
    st.write(f"{unread} unread, ledgers changed: {changed}")


def _signed_in(at: AppTest, fake: FakeLedgerClient) -> AppTest:
    at.session_state[session.USER_KEY] = dict(fake.user)
    at.session_state[session.LEDGERS_KEY] = [dict(item) for item in fake.ledger_list]
    at.session_state[session.CURRENT_LEDGER_KEY] = fake.ledger_list[0]["id"]
    return at


def test_the_timer_reads_the_unread_count_afresh(fake: FakeLedgerClient) -> None:
    at = _signed_in(AppTest.from_function(_timer_run), fake).run()
    assert at.markdown[0].value == "2 unread, ledgers changed: False"

    fake.notifications[0]["read_at"] = "2025-03-05T10:00:00Z"
    at.run()

    assert at.markdown[0].value == "1 unread, ledgers changed: False"


def test_a_ledger_shared_with_you_reaches_the_switcher(fake: FakeLedgerClient) -> None:
    at = _signed_in(AppTest.from_function(_timer_run), fake).run()
    shared = {"id": "ledger-9", "name": "Grandma", "currency": "EUR", "role": "editor"}
    fake.ledger_list.append(shared)

    at.run()

    assert at.markdown[0].value == "2 unread, ledgers changed: True"
    assert [item["id"] for item in at.session_state[session.LEDGERS_KEY]][-1] == "ledger-9"


def test_transactions_watch_pending_incomes_until_the_worker_split_them(
    fake: FakeLedgerClient,
) -> None:
    at = app_on("transactions").run()

    assert any("updates by itself" in str(caption.value) for caption in at.caption)


def test_the_upload_box_says_the_api_s_limit_not_streamlit_s(fake: FakeLedgerClient) -> None:
    at = app_on("transactions").run()

    [bank_file] = [u for u in at.get("file_uploader") if str(u.key).startswith("imp_file_")]
    assert bank_file.proto.max_upload_size_mb == 50
