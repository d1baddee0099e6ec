"""Notifications: the signed-in user's messages (budget alerts, recurring transactions not
made for want of an exchange rate), newest first, unread ones marked; mark one or all of
them read. The unread count is in the sidebar of every page. Every kind is shown alike: the
server's title and message, as plain text."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import streamlit as st

from dashboard import api, data, session
from dashboard.api import ApiError
from dashboard.formatting import literal
from dashboard.views.common import show_error, show_flash, written

PATH = "/notifications"
PAGE_SIZE = 20
FLASH_KEY = "notifications_flash"
PAGE_KEY = "notifications_page"
UNREAD_ONLY_KEY = "notifications_unread_only"
READ_ALL_KEY = "notifications_read_all"
REFRESH_KEY = "notifications_refresh"


def render() -> None:
    st.title("Notifications")
    show_flash(FLASH_KEY)
    try:
        unread = data.unread_notifications()
    except ApiError as error:
        show_error(error)
        return

    left, refresh, read_all = st.columns([4, 1, 1], vertical_alignment="center")
    with left:
        unread_only = st.toggle("Unread only", key=UNREAD_ONLY_KEY)
        st.caption(unread_label(unread))
    if refresh.button(
        "Refresh",
        icon=":material/refresh:",
        help="Look for new notifications now (otherwise the page looks within half a minute).",
        key=REFRESH_KEY,
        width="stretch",
    ):
        written(FLASH_KEY)
    if read_all.button(
        "Mark all read",
        icon=":material/done_all:",
        disabled=unread == 0,
        key=READ_ALL_KEY,
        width="stretch",
    ):
        try:
            answer = api.get_client().post(f"{PATH}/read-all")
        except ApiError as error:
            show_error(error)
            return
        count = int(answer.get("read", 0)) if isinstance(answer, dict) else 0
        written(FLASH_KEY, f"Marked {count} notification{'s' if count != 1 else ''} read.")

    _list(unread_only)


def unread_label(count: int) -> str:
    if count == 0:
        return "Everything is read."
    return f"{count:,} unread notification{'s' if count != 1 else ''}."


def nav_label(count: int) -> str:
    """The sidebar link: "Notifications (3)", or just "Notifications"."""
    return f"Notifications ({count:,})" if count else "Notifications"


def _fetch(unread_only: bool, page: int) -> dict[str, Any]:
    params: dict[str, Any] = {"page": page, "page_size": PAGE_SIZE}
    if unread_only:
        params["unread"] = "true"
    return data.get(PATH, params)


def _list(unread_only: bool) -> None:
    page = int(st.session_state.get(PAGE_KEY, 1))
    try:
        answer = _fetch(unread_only, page)
        pages = max(1, math.ceil(int(answer["count"]) / PAGE_SIZE))
        if page > pages:  # fewer than before: marked read, or "unread only" switched on
            page = pages
            st.session_state[PAGE_KEY] = page  # the pager is not drawn yet
            answer = _fetch(unread_only, page)
    except ApiError as error:
        show_error(error)
        return
    if not answer["items"]:
        if unread_only:
            st.info("No unread notifications.")
        else:
            st.info(
                "No notifications yet. When spending reaches a budget's alert percentage or "
                "goes over its limit, or a recurring transaction could not be made for want "
                "of an exchange rate, you hear about it here."
            )
        return

    listing = st.container()
    if pages > 1:
        chosen = st.pagination(pages, default=page, max_visible_pages=7, key=PAGE_KEY)
        if chosen != page:
            try:
                answer = _fetch(unread_only, chosen)
            except ApiError as error:
                show_error(error)
                return
    ledgers = {ledger["id"]: ledger["name"] for ledger in session.ledgers()}
    with listing:
        for item in answer["items"]:
            _item(item, ledgers)


def when(created_at: Any) -> str:
    """An API timestamp in the dashboard's local time: "4 Mar 2025, 10:05"."""
    try:
        moment = datetime.fromisoformat(str(created_at).replace("Z", "+00:00")).astimezone()
    except ValueError:
        return str(created_at)
    return f"{moment.day} {moment:%b %Y, %H:%M}"


def _item(item: Mapping[str, Any], ledgers: Mapping[str, str]) -> None:
    nid = str(item["id"])
    unread = item.get("read_at") is None
    with st.container(border=True, key=f"notification_{nid}"):
        text, action = st.columns([5, 1], vertical_alignment="center")
        with text:
            if unread:
                st.badge("New", color="blue")
            # Written by the server, but naming what users named (a category, a ledger).
            title = literal(item["title"])
            st.markdown(f"**{title}**" if unread else title)
            if item.get("message"):
                st.markdown(literal(item["message"]))
            details = [when(item["created_at"])]
            ledger = ledgers.get(str(item.get("ledger")))
            if ledger and len(ledgers) > 1:
                details.append(literal(ledger))
            if not unread:
                details.append("read")
            st.caption(" · ".join(details))
        if unread and action.button("Mark read", key=f"notification_read_{nid}"):
            try:
                api.get_client().post(f"{PATH}/{nid}/read")
            except ApiError as error:
                show_error(error)
                return
            written(FLASH_KEY)
