"""AppTest helpers for the signed-in pages: a signed-in app, opening a page, a fake client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import session
from tests.report_data import LEDGER_ID

APP = "../app.py"
USER = {
    "id": "user-1",
    "email": "ada@example.com",
    "full_name": "Ada Lovelace",
    "default_ledger_id": LEDGER_ID,
    "date_joined": "2025-01-01T00:00:00Z",
}
LEDGERS = [
    {"id": "ledger-1", "name": "Family", "currency": "USD", "role": "editor"},
    {"id": LEDGER_ID, "name": "Ada's budget", "currency": "EUR", "role": "owner"},
]


@contextmanager
def serving(client: Any) -> Iterator[Any]:
    """Every page gets ``client`` from get_client(); cached reads of earlier tests are dropped."""
    st.cache_data.clear()
    with patch("dashboard.api.get_client", return_value=client):
        yield client
    st.cache_data.clear()


def signed_in_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=10)
    at.session_state[session.USER_KEY] = USER
    at.session_state[session.LEDGERS_KEY] = LEDGERS
    at.session_state[session.CURRENT_LEDGER_KEY] = LEDGER_ID
    return at


def open_page(at: AppTest, url_path: str) -> AppTest:
    """Run the app, then switch to the st.navigation page registered under ``url_path``.

    AppTest.switch_page only finds file-based pages; these pages are functions, so the page
    is picked by the hash Streamlit registered for its url_path.
    """
    at.run()
    hashes = [
        page_hash
        for page_hash, info in at._registered_pages.items()
        if info.get("url_pathname") == url_path
    ]
    assert hashes, f"no page with url_path {url_path!r} is registered"
    at._page_hash = hashes[0]
    return at.run()


def charts(at: AppTest) -> list[Any]:
    """The Altair/Vega-Lite charts on the page."""
    return at.get("vega_lite_chart")


def text(at: AppTest) -> str:
    """Everything the page says in markdown, captions and alerts."""
    elements = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success]
    return "\n".join(str(element.value) for element in elements)
