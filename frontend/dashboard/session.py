"""Tiny helpers around ``st.session_state``: who is signed in, which ledger is current."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from dashboard.vault import VAULT

if TYPE_CHECKING:
    from dashboard.api import Tokens

CLIENT_KEY = "api_client"
TOKENS_KEY = "api_tokens"
USER_KEY = "user"
LEDGERS_KEY = "ledgers"
CURRENT_LEDGER_KEY = "current_ledger_id"
NOTICE_KEY = "sign_in_notice"
# A remembered session (see vault.py): its id, and the claim code the page still has to post.
VAULT_ID_KEY = "vault_session_id"
CLAIM_KEY = "vault_claim_code"
RESUME_TRIED_KEY = "vault_resume_tried"

# The client holds only a connection pool; its tokens live under TOKENS_KEY and go on sign-out.
_KEPT_ON_SIGN_OUT = {CLIENT_KEY}


class SessionTokenStore:
    """The API client's token store, backed by the browser session's state; a remembered
    session reads and writes the vault, so every tab uses the latest rotated pair."""

    def get(self) -> Tokens | None:
        return VAULT.tokens(st.session_state.get(VAULT_ID_KEY)) or st.session_state.get(TOKENS_KEY)

    def set(self, tokens: Tokens) -> None:
        st.session_state[TOKENS_KEY] = tokens
        vault_id = st.session_state.get(VAULT_ID_KEY)
        if vault_id and not VAULT.update(vault_id, tokens):
            # The vault's Redis is down: its pair is now stale (this refresh token replaced
            # it), so this tab goes on with its own pair instead of reading that one back.
            st.session_state.pop(VAULT_ID_KEY, None)

    def clear(self) -> None:
        st.session_state.pop(TOKENS_KEY, None)
        VAULT.close(st.session_state.pop(VAULT_ID_KEY, None))


def remember() -> None:
    """Keep this sign-in across reloads and tabs: the page then posts the claim code for the
    cookie (app.py). Without tokens (a test's fake client) there is nothing to keep; with the
    vault's Redis down the sign-in lasts as long as this tab."""
    tokens = st.session_state.get(TOKENS_KEY)
    if tokens is None:
        return
    opened = VAULT.open(tokens)
    if opened is None:
        return
    vault_id, code = opened
    st.session_state[VAULT_ID_KEY] = vault_id
    st.session_state[CLAIM_KEY] = code


def pop_claim_code() -> str | None:
    return st.session_state.pop(CLAIM_KEY, None)


def resumable_id(cookies: Any) -> str | None:
    """The remembered session this browser's cookie names, asked once per browser session."""
    from dashboard.vault import cookie_session_id

    if is_signed_in() or st.session_state.get(RESUME_TRIED_KEY):
        return None
    st.session_state[RESUME_TRIED_KEY] = True
    vault_id = cookie_session_id(cookies)
    return vault_id if VAULT.tokens(vault_id) is not None else None


def adopt(vault_id: str) -> None:
    """This browser session uses the remembered session ``vault_id`` from now on."""
    st.session_state[VAULT_ID_KEY] = vault_id


def start(user: dict[str, Any], ledgers: list[dict[str, Any]]) -> None:
    """Remember a freshly signed-in user; their default ledger becomes the current one."""
    st.session_state[USER_KEY] = user
    st.session_state.pop(CURRENT_LEDGER_KEY, None)
    set_ledgers(ledgers)


def end(notice: str | None = None) -> None:
    """Forget everything about the signed-in user; ``notice`` is shown on the sign-in page.
    A remembered session ends too (the cookie then names nothing)."""
    VAULT.close(st.session_state.get(VAULT_ID_KEY))
    for key in list(st.session_state.keys()):
        if key not in _KEPT_ON_SIGN_OUT:
            del st.session_state[key]
    if notice:
        st.session_state[NOTICE_KEY] = notice


def pop_notice() -> str | None:
    return st.session_state.pop(NOTICE_KEY, None)


def is_signed_in() -> bool:
    return USER_KEY in st.session_state


def current_user() -> dict[str, Any]:
    return st.session_state[USER_KEY]


def ledgers() -> list[dict[str, Any]]:
    return st.session_state.get(LEDGERS_KEY, [])


def set_ledgers(ledgers: list[dict[str, Any]]) -> None:
    """Store the user's ledgers, keeping the current ledger valid if it disappeared."""
    st.session_state[LEDGERS_KEY] = ledgers
    ids = [ledger["id"] for ledger in ledgers]
    if st.session_state.get(CURRENT_LEDGER_KEY) not in ids:
        default = st.session_state.get(USER_KEY, {}).get("default_ledger_id")
        st.session_state[CURRENT_LEDGER_KEY] = default if default in ids else next(iter(ids), None)


def current_ledger_id() -> str | None:
    return st.session_state.get(CURRENT_LEDGER_KEY)


def set_current_ledger_id(ledger_id: str) -> None:
    st.session_state[CURRENT_LEDGER_KEY] = ledger_id


def current_ledger() -> dict[str, Any] | None:
    ledger_id = current_ledger_id()
    return next((ledger for ledger in ledgers() if ledger["id"] == ledger_id), None)
