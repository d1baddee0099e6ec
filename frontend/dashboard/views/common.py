"""The kit every page is built from: the page's frame (title, success message, viewer note),
"written", confirm-then-act, today, what a page does with an API error, and how it shows a
table with money."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NoReturn

import pandas as pd
import streamlit as st

from dashboard import api, data, forms, session, tables
from dashboard.api import ApiError, SessionExpired
from dashboard.formatting import literal

VIEWER_NOTE = "You can view this ledger; only its owners and editors can change it."


@dataclass(frozen=True)
class Page:
    """A page's keys in the session: its success message and its open question. Its
    sections get it, so "written" and confirm-then-delete work the same on every page."""

    flash_key: str
    confirm_key: str = ""

    def written(self, message: str | None = None) -> NoReturn:
        written(self.flash_key, message)

    def confirmed(self, key: str, **question: Any) -> bool:
        return confirmed(self.confirm_key, key, **question)

    def delete(
        self, key: str, noun: str, label: str, path: str, done: str, in_use_hint: str = ""
    ) -> None:
        """A delete button that asks first; ``done`` is the message after deleting."""
        if delete_confirmed(self.confirm_key, key, noun, label, path, in_use_hint):
            self.written(done)


def today() -> date:
    """Today, for the date fields' defaults and the file names of downloads: the API's today
    (its TIME_ZONE, as its rules use it; every answer says it), else, before any answer, the
    dashboard host's local date."""
    server_today = getattr(api.get_client(), "server_today", None)
    return server_today or datetime.now(UTC).astimezone().date()


def ledger_page(title: str, flash_key: str) -> tuple[dict, bool] | None:
    """The top of a page about the current ledger: the title, the last write's success
    message and, for viewers, a note. Returns (ledger, can_write), or None without a ledger."""
    st.title(title)
    ledger = session.current_ledger()
    if ledger is None:
        st.info("You have no ledger yet. Create one on the Account page.")
        return None
    can_write = ledger.get("role") != "viewer"
    forms.apply_resets()
    show_flash(flash_key)
    if not can_write:
        st.caption(VIEWER_NOTE)
    return ledger, can_write


def show_flash(flash_key: str) -> None:
    """The success message the last write left (see `written`), once."""
    message = st.session_state.pop(flash_key, None)
    if message:
        # Messages name what was written, in the user's own words: shown literally.
        st.success(literal(message), icon=":material/check_circle:")


def written(flash_key: str, message: str | None = None) -> NoReturn:
    """After a write: cached reads start over, and the page runs again showing ``message``."""
    data.changed()
    if message:
        st.session_state[flash_key] = message
    st.rerun()


def confirmed(
    confirm_key: str,
    key: str,
    *,
    ask: str,
    question: str,
    yes: str,
    subject: str | None = None,
    icon: str | None = None,
    typed: str | None = None,
    ask_in: Any = st,
) -> bool:
    """A button that asks before it acts: True on the run where the answer is yes.

    ``confirm_key`` holds what is being asked about (``subject``, or ``key``), so one
    question is open at a time. ``question`` is shown literally; with ``typed`` the yes button
    waits until that text is typed. The buttons are ``key``, ``<key>_cancel`` and
    ``<key>_confirm``; ``ask_in`` is where the first one goes (a column)."""
    asked = subject if subject is not None else key
    if st.session_state.get(confirm_key) != asked:
        if ask_in.button(ask, icon=icon, key=key):
            st.session_state[confirm_key] = asked
            st.rerun()
        return False
    st.warning(literal(question))
    matches = True
    if typed is not None:
        entered = st.text_input(f"Type {literal(typed)} to confirm", key=f"{key}_typed")
        matches = entered == typed
    yes_column, no_column = st.columns(2)
    if no_column.button("Cancel", key=f"{key}_cancel"):
        st.session_state.pop(confirm_key, None)
        st.rerun()
    if not yes_column.button(yes, type="primary", disabled=not matches, key=f"{key}_confirm"):
        return False
    st.session_state.pop(confirm_key, None)
    return True


def delete_confirmed(
    confirm_key: str, key: str, noun: str, label: str, path: str, in_use_hint: str = ""
) -> bool:
    """A delete button that asks first, then DELETEs `path`; True once it is deleted.

    `in_use_hint` is shown under the API's 409 when something still uses the item."""
    if not confirmed(
        confirm_key,
        f"{key}_delete",
        ask=f"Delete {noun}",
        question=f"Delete the {noun} {label}? This cannot be undone.",
        yes="Yes, delete it",
        icon=":material/delete:",
    ):
        return False
    try:
        api.get_client().delete(path)
    except ApiError as error:
        show_error(error)
        if in_use_hint and error.code == "in_use":
            st.info(in_use_hint)
        return False
    return True


def add_and_change(
    add_title: str,
    add: Callable[[], object],
    change_title: str,
    change: Callable[[], object],
    *,
    nothing_to_change: str | None = None,
) -> None:
    """The foot of a list that can be written: on the left a form to add one; on the right
    what changes one, or the hint ``nothing_to_change`` while there is nothing to change."""
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(add_title)
        add()
    with right:
        st.subheader(change_title)
        if nothing_to_change is None:
            change()
        else:
            st.caption(nothing_to_change)


def prepared_download(
    key: str,
    signature: tuple,
    fetch: Callable[[], bytes],
    *,
    prepare: str,
    prepare_icon: str,
    label: str,
    file_name: str,
    mime: str,
) -> None:
    """A file fetched from the API on request (a large ledger's export takes a moment, and it
    is wanted now and then), then offered for download until ``signature`` changes (another
    choice, or any write). The buttons are ``<key>_prepare`` and ``<key>_download``."""
    prepared = st.session_state.get(key)
    if prepared is None or prepared["signature"] != signature:
        if st.button(prepare, icon=prepare_icon, key=f"{key}_prepare"):
            try:
                content = fetch()
            except ApiError as error:
                show_error(error)
                return
            st.session_state[key] = {"signature": signature, "content": content}
            st.rerun()
        return
    st.download_button(
        label,
        prepared["content"],
        file_name=file_name,
        mime=mime,
        icon=":material/download:",
        type="primary",
        key=f"{key}_download",
    )


def show_error(error: ApiError) -> None:
    """Show the API's message; an expired session goes back to sign in with the message."""
    if isinstance(error, SessionExpired):
        session.end(notice=str(error))
        st.rerun()
    # The API's messages quote names users gave (a wallet, a category): shown literally.
    st.error(literal(str(error)))


def money_table(
    frame: pd.DataFrame,
    currency: str,
    *,
    pin_first: bool = False,
    column_config: dict | None = None,
    **kwargs,
) -> None:
    """A table whose money columns read "1,234.50 EUR", right-aligned.

    ``pin_first`` keeps the first column in view when a wide table scrolls sideways.
    """
    config = {
        column: st.column_config.TextColumn(column, alignment="right")
        for column in tables.money_columns(frame)
    }
    if pin_first and len(frame.columns):
        first = frame.columns[0]
        config[first] = st.column_config.Column(first, pinned=True)
    config.update(column_config or {})
    st.dataframe(
        tables.for_display(frame, currency), hide_index=True, column_config=config, **kwargs
    )


def metric_row(metrics: list[tuple[str, str, str | None]]) -> None:
    """Metrics side by side as (label, value, help); a value too long for its share of the
    row (a ledger with millions) moves the next metric to a new line instead of being cut."""
    with st.container(horizontal=True, gap="medium"):
        for label, value, help_text in metrics:
            st.metric(literal(label), value, help=help_text, width="stretch")


# While incomes wait for the worker, a page looks again this often and redraws once they are
# split; the worker usually needs a second or two.
PENDING_POLL_SECONDS = 3


def watch_allocation(pending: str, watching_key: str) -> None:
    """While incomes are pending: the page says so and looks every few seconds; when the
    worker has split them, cached reads are dropped and the whole page runs again with fresh
    data (without this it kept showing them as pending until something else made it run)."""
    st.caption(
        ":material/hourglass_top: New incomes are being split across your buckets; this page "
        "updates by itself when that is done."
    )
    st.session_state[watching_key] = False
    _watch(data.ledger_path("/reports/balances"), pending, watching_key)


@st.fragment(run_every=PENDING_POLL_SECONDS)
def _watch(path: str, pending: str, watching_key: str) -> None:
    if not st.session_state.get(watching_key):
        # The page's own run: it has just read the balances.
        st.session_state[watching_key] = True
        return
    try:
        fresh = api.get_client().get(path)
    except SessionExpired as error:
        show_error(error)
        return
    except ApiError:
        return  # a hiccup: look again next time
    if fresh.get("pending_allocation") != pending:
        data.changed()
        st.rerun()
