"""Activity: who did what in the current ledger, newest first (SPEC §16) — filter by kind of
object, member and dates; page through. Every member reads it; nobody can change it."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import activity, data
from dashboard.api import ApiError
from dashboard.views.common import ledger_page, show_error

PAGE_SIZE = 50
FLASH_KEY = "activity_flash"
PAGE_KEY = "activity_page"


def render() -> None:
    frame = ledger_page("Activity", FLASH_KEY)
    if frame is None:
        return
    st.caption(
        "Every change to this ledger, by whom and how they were signed in (password or an API "
        "key), with the fields it changed. An import or a bulk edit is one line."
    )
    params = _filters()
    if params is None:
        return
    page = int(st.session_state.get(PAGE_KEY, 1))
    try:
        answer = data.get(
            data.ledger_path("/activity"), {**params, "page": page, "page_size": PAGE_SIZE}
        )
    except ApiError as error:
        show_error(error)
        return
    count = int(answer["count"])
    if not count:
        st.info("Nothing matches these filters." if params else "Nothing has happened yet.")
        return
    table(answer["items"], key="activity_table")
    pages = max(1, math.ceil(count / PAGE_SIZE))
    if pages > 1:
        st.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, step=1, key=PAGE_KEY)
    st.caption(f"{count:,} entr{'ies' if count != 1 else 'y'}.")


def table(entries: list[dict[str, Any]], *, key: str) -> None:
    """The entries as a table (user text shown as text, never as Markdown)."""
    st.dataframe(
        pd.DataFrame(activity.rows(entries), columns=["When", "Who", "What", "Changes"]),
        hide_index=True,
        width="stretch",
        key=key,
    )


def _filters() -> dict[str, str] | None:
    try:
        members = data.get_all(data.ledger_path("/members"))
    except ApiError as error:
        show_error(error)
        return None
    types = [None, *activity.OBJECT_TYPES]
    people = {str(m["user_id"]): m["email"] for m in members}
    left, middle, right, last = st.columns(4)
    object_type = left.selectbox(
        "What",
        types,
        format_func=lambda t: "Everything" if t is None else activity.OBJECT_TYPES[t],
        key="activity_type",
    )
    actor = middle.selectbox(
        "Who",
        [None, *people],
        format_func=lambda p: "Everyone" if p is None else people[p],
        key="activity_actor",
    )
    date_from = right.date_input("From", value=None, key="activity_from")
    date_to = last.date_input("To", value=None, key="activity_to")
    if isinstance(date_from, date) and isinstance(date_to, date) and date_from > date_to:
        st.error("The end is before the start.")
        return None
    params = {
        "object_type": object_type,
        "actor": actor,
        "date_from": date_from.isoformat() if isinstance(date_from, date) else None,
        "date_to": date_to.isoformat() if isinstance(date_to, date) else None,
    }
    return {k: v for k, v in params.items() if v}


def history(transaction_id: str) -> None:
    """A transaction's own history, for the Transactions page."""
    try:
        answer = data.get(
            data.ledger_path("/activity"),
            {"object_type": "transaction", "object_id": transaction_id, "page_size": 20},
        )
    except ApiError as error:
        show_error(error)
        return
    if not answer["items"]:
        st.caption("No recorded changes (it was imported, or made before the log existed).")
        return
    table(answer["items"], key=f"activity_history_{transaction_id}")
