"""Cached reads from the API for the pages, and the one way to say "data changed".

A cached answer is keyed by the signed-in user, the current ledger and a per-session data
version, so it is never shared between users or ledgers, and every write made through the
dashboard (`changed()`) makes the next read fresh. A short TTL covers writes made elsewhere
(another family member, a script, the worker).
"""

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard import api, session
from dashboard.api import ApiClient

DATA_VERSION_KEY = "data_version"
TTL_SECONDS = 30


def _version() -> int:
    return st.session_state.get(DATA_VERSION_KEY, 0)


def changed() -> None:
    """Call after every write: cached reads of this session start over."""
    st.session_state[DATA_VERSION_KEY] = _version() + 1


def ledger_path(path: str = "") -> str:
    """`/ledgers/<current ledger id><path>`."""
    return f"/ledgers/{session.current_ledger_id()}{path}"


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=2000)
def _get(
    user_id: str, ledger_id: str | None, version: int, path: str, params: tuple, _client: ApiClient
) -> Any:
    return _client.get(path, params=dict(params))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False, max_entries=500)
def _get_all(
    user_id: str, ledger_id: str | None, version: int, path: str, params: tuple, _client: ApiClient
) -> list[dict[str, Any]]:
    return _client.get_all(path, params=dict(params))


def _key(params: Mapping[str, Any] | None) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in (params or {}).items() if v is not None))


def get(path: str, params: Mapping[str, Any] | None = None) -> Any:
    """A cached GET (a report, a page of a list, one object)."""
    user = session.current_user()
    return _get(
        user["id"], session.current_ledger_id(), _version(), path, _key(params), api.get_client()
    )


def get_all(path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every item of a (short) paginated list, cached: wallets, buckets, categories."""
    user = session.current_user()
    return _get_all(
        user["id"], session.current_ledger_id(), _version(), path, _key(params), api.get_client()
    )


def wallets(archived: bool | None = None) -> list[dict[str, Any]]:
    return get_all(ledger_path("/wallets"), {"archived": archived})


def buckets(archived: bool | None = None) -> list[dict[str, Any]]:
    return get_all(ledger_path("/buckets"), {"archived": archived})


def categories(archived: bool | None = None) -> list[dict[str, Any]]:
    return get_all(ledger_path("/categories"), {"archived": archived})


def payees() -> list[dict[str, Any]]:
    """The ledger's payees (name, transaction_count), for autocomplete and the Payees tab."""
    return get_all(ledger_path("/payees"))


def rules() -> list[dict[str, Any]]:
    """The ledger's rules in the order they run."""
    return get_all(ledger_path("/rules"))


def unread_notifications() -> int:
    """How many notifications the signed-in user has not read (one small read per data
    version: the count, not the items)."""
    return int(get("/notifications", {"unread": "true", "page_size": 1})["count"])


def fresh_sidebar() -> tuple[int, bool]:
    """For the sidebar's timer: the unread count asked afresh (not cached), and whether the
    user's ledgers changed (one shared with them, one they left); a changed list is stored
    and cached reads start over."""
    client = api.get_client()
    answer = client.get("/notifications", params={"unread": "true", "page_size": 1})
    ledgers = client.ledgers()
    changed_ledgers = [item["id"] for item in ledgers] != [item["id"] for item in session.ledgers()]
    if changed_ledgers:
        session.set_ledgers(ledgers)
        changed()
    return int(answer["count"]), changed_ledgers


# --- currencies and rates (SPEC §14) ----------------------------------------------------------


def currencies() -> list[dict[str, Any]]:
    """Every ISO 4217 currency the API knows: ``{code, name, places}``. An API without the
    list (404: older than SPEC §14) gets Babel's, so a currency is still picked, not typed."""
    try:
        return get("/currencies")
    except api.ApiError as error:
        if error.status != 404:
            raise
    from dashboard.currencies import known_currencies

    return known_currencies()


def rates(currency: str | None = None) -> list[dict[str, Any]]:
    """The ledger's exchange rates (newest first), of one currency or all."""
    return get_all(ledger_path("/rates"), {"currency": currency or None})


def rate_lookup(currency: str, on: str) -> dict[str, Any]:
    """The rate a write in ``currency`` on ``on`` (ISO date) would use:
    ``{currency, base, date, rate|null, source, rate_date}``."""
    return get(ledger_path("/rates/lookup"), {"currency": currency, "date": on})
