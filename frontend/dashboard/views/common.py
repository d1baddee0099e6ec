"""What every page does with an API error, and how it shows a table with money."""

import pandas as pd
import streamlit as st

from dashboard import session, tables
from dashboard.api import ApiError, SessionExpired


def show_error(error: ApiError) -> None:
    """Show the API's message; an expired session goes back to sign in with the message."""
    if isinstance(error, SessionExpired):
        session.end(notice=str(error))
        st.rerun()
    st.error(str(error))


def money_table(frame: pd.DataFrame, currency: str, **kwargs) -> None:
    """A table whose money columns read "1,234.50 EUR", right-aligned."""
    st.dataframe(
        tables.for_display(frame, currency),
        hide_index=True,
        column_config={
            column: st.column_config.TextColumn(column, alignment="right")
            for column in tables.money_columns(frame)
        },
        **kwargs,
    )
