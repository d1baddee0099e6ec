"""What every page does with an API error, and how it shows a table with money."""

import pandas as pd
import streamlit as st

from dashboard import api, forms, session, tables
from dashboard.api import ApiError, SessionExpired

VIEWER_NOTE = "You can view this ledger; only its owners and editors can change it."


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
    message = st.session_state.pop(flash_key, None)
    if message:
        st.success(message, icon=":material/check_circle:")
    if not can_write:
        st.caption(VIEWER_NOTE)
    return ledger, can_write


def delete_confirmed(
    confirm_key: str, key: str, noun: str, label: str, path: str, in_use_hint: str = ""
) -> bool:
    """A delete button that asks first, then DELETEs `path`; True once it is deleted.

    `confirm_key` holds which item is being asked about, so one question is open at a time;
    `in_use_hint` is shown under the API's 409 when something still uses the item."""
    if st.session_state.get(confirm_key) != key:
        if st.button(f"Delete {noun}", icon=":material/delete:", key=f"{key}_delete"):
            st.session_state[confirm_key] = key
            st.rerun()
        return False
    st.warning(f"Delete the {noun} {label}? This cannot be undone.")
    yes, no = st.columns(2)
    if no.button("Cancel", key=f"{key}_delete_cancel"):
        st.session_state.pop(confirm_key, None)
        st.rerun()
    if not yes.button("Yes, delete it", type="primary", key=f"{key}_delete_confirm"):
        return False
    st.session_state.pop(confirm_key, None)
    try:
        api.get_client().delete(path)
    except ApiError as error:
        show_error(error)
        if in_use_hint and error.code == "in_use":
            st.info(in_use_hint)
        return False
    return True


def show_error(error: ApiError) -> None:
    """Show the API's message; an expired session goes back to sign in with the message."""
    if isinstance(error, SessionExpired):
        session.end(notice=str(error))
        st.rerun()
    st.error(str(error))


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
            st.metric(label, value, help=help_text, width="stretch")
