"""Staying signed in across reloads and tabs (dashboard/vault.py), and deep links after sign-in.
The cookie route itself runs in the browser tests (tests/e2e/test_session.py)."""

from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import session
from dashboard.api import ApiClient, Tokens
from dashboard.vault import COOKIE_NAME, VAULT, SessionVault, claim_script
from tests.conftest import EMAIL
from tests.fake_api import PASSWORD, FakeApiState
from tests.fake_ledger import FakeLedgerClient


def test_a_claim_code_gives_the_session_id_once() -> None:
    vault = SessionVault()
    session_id, code = vault.open(Tokens("a", "r"))

    assert vault.claim(code) == session_id
    assert vault.claim(code) is None
    assert vault.claim("made-up") is None


def test_rotated_tokens_replace_the_old_ones_and_close_forgets_them() -> None:
    vault = SessionVault()
    session_id, _ = vault.open(Tokens("a1", "r1"))

    vault.update(session_id, Tokens("a2", "r2"))
    assert vault.tokens(session_id) == Tokens("a2", "r2")

    vault.close(session_id)
    assert vault.tokens(session_id) is None
    assert vault.tokens(None) is None


def test_an_expired_session_is_forgotten() -> None:
    vault = SessionVault(lifetime_seconds=-1)
    session_id, code = vault.open(Tokens("a", "r"))

    assert vault.tokens(session_id) is None
    assert vault.claim(code) is None


def test_the_claim_script_posts_the_code_to_the_route_under_the_base_path() -> None:
    script = claim_script("abc", "/budget")

    assert "fetch('/budget/dashboard-session'" in script
    assert "body: 'abc'" in script


# --- resuming in a new browser session ------------------------------------------------------


def _resume_page(vault_id: str) -> None:
    import streamlit as st

    from dashboard import session
    from dashboard.views import sign_in

    sign_in.resume_remembered({"budget_session": vault_id})
    st.write("signed in" if session.is_signed_in() else "signed out")


@pytest.fixture
def remembered(api_state: FakeApiState, api_url: str) -> Iterator[tuple[str, Tokens]]:
    """A session remembered by an earlier tab, and the real client a new tab would use."""
    pair = api_state.issue_pair()
    tokens = Tokens(pair["access"], pair["refresh"])
    vault_id, _ = VAULT.open(tokens)
    client = ApiClient(api_url, timeout=2, tokens=session.SessionTokenStore())
    st.cache_data.clear()
    with patch("dashboard.api.get_client", return_value=client):
        yield vault_id, tokens
    VAULT.close(vault_id)


def test_a_new_tab_resumes_the_remembered_session_and_rotates_the_refresh_token(
    api_state: FakeApiState, remembered: tuple[str, Tokens]
) -> None:
    vault_id, old = remembered

    at = AppTest.from_function(_resume_page, args=(vault_id,), default_timeout=10).run()

    assert not at.exception
    assert at.markdown[0].value == "signed in"
    assert at.session_state[session.USER_KEY]["email"] == EMAIL
    fresh = VAULT.tokens(vault_id)
    assert fresh is not None
    assert fresh.refresh != old.refresh
    assert old.refresh not in api_state.valid_refresh  # the old one is used up


def test_a_refused_refresh_token_leaves_the_sign_in_form_and_forgets_the_session(
    api_state: FakeApiState, remembered: tuple[str, Tokens]
) -> None:
    vault_id, _ = remembered
    api_state.refresh_disabled = True

    at = AppTest.from_function(_resume_page, args=(vault_id,), default_timeout=10).run()

    assert not at.exception
    assert at.markdown[0].value == "signed out"
    assert VAULT.tokens(vault_id) is None


def test_an_unknown_cookie_is_ignored(api_state: FakeApiState, api_url: str) -> None:
    at = AppTest.from_function(_resume_page, args=("nobody",), default_timeout=10).run()

    assert not at.exception
    assert at.markdown[0].value == "signed out"
    assert api_state.calls == []


def test_signing_in_remembers_the_session_for_the_cookie(
    api_state: FakeApiState, api_url: str
) -> None:
    client = ApiClient(api_url, timeout=2, tokens=session.SessionTokenStore())
    st.cache_data.clear()
    with patch("dashboard.api.get_client", return_value=client):
        at = AppTest.from_file("../app.py", default_timeout=10).run()
        at.text_input(key="sign_in_email").input(EMAIL)
        at.text_input(key="sign_in_password").input(PASSWORD)
        at.button(key="sign_in_submit").click().run()

    assert not at.exception
    vault_id = at.session_state[session.VAULT_ID_KEY]
    assert VAULT.tokens(vault_id) == at.session_state[session.TOKENS_KEY]
    # The page posted its one-time code for the cookie (the claim is spent once drawn).
    assert session.CLAIM_KEY not in at.session_state
    assert COOKIE_NAME not in str(at.session_state)
    VAULT.close(vault_id)


# --- deep links -----------------------------------------------------------------------------


@pytest.mark.parametrize("url_path", ["transactions", "setup", "monthly", "notifications"])
def test_a_deep_link_shows_sign_in_then_opens_its_page(url_path: str) -> None:
    st.cache_data.clear()
    with patch("dashboard.api.get_client", return_value=FakeLedgerClient()):
        _deep_link(url_path)


def _deep_link(url_path: str) -> None:
    at = AppTest.from_file("../app.py", default_timeout=10).run()
    hashes = [h for h, info in at._registered_pages.items() if info["url_pathname"] == url_path]
    assert hashes, f"{url_path} has no address while signed out"
    at._page_hash = hashes[0]
    at.run()
    assert [tab.label for tab in at.tabs] == ["Sign in", "Register", "Forgot password"]

    at.text_input(key="sign_in_email").input(EMAIL)
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button(key="sign_in_submit").click().run()

    assert not at.exception
    assert at._page_hash == hashes[0]
    assert "Sign in" not in [tab.label for tab in at.tabs]
