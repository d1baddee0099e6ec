"""What every page does with an API error, and how it shows a table with money."""

import pandas as pd
import streamlit as st

from dashboard import forms, session, tables
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
