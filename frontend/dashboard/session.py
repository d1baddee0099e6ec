"""Tiny helpers around ``st.session_state``: who is signed in, which ledger is current."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:
    from dashboard.api import Tokens

CLIENT_KEY = "api_client"
TOKENS_KEY = "api_tokens"
USER_KEY = "user"
LEDGERS_KEY = "ledgers"
CURRENT_LEDGER_KEY = "current_ledger_id"
NOTICE_KEY = "sign_in_notice"

# The client holds only a connection pool; its tokens live under TOKENS_KEY and go on sign-out.
_KEPT_ON_SIGN_OUT = {CLIENT_KEY}


class SessionTokenStore:
    """The API client's token store, backed by the browser session's state."""

    def get(self) -> Tokens | None:
        return st.session_state.get(TOKENS_KEY)

    def set(self, tokens: Tokens) -> None:
        st.session_state[TOKENS_KEY] = tokens

    def clear(self) -> None:
        st.session_state.pop(TOKENS_KEY, None)


def start(user: dict[str, Any], ledgers: list[dict[str, Any]]) -> None:
    """Remember a freshly signed-in user; their default ledger becomes the current one."""
    st.session_state[USER_KEY] = user
    st.session_state.pop(CURRENT_LEDGER_KEY, None)
    set_ledgers(ledgers)


def end(notice: str | None = None) -> None:
    """Forget everything about the signed-in user; ``notice`` is shown on the sign-in page."""
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
