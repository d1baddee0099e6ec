"""What every page does with an API error."""

import streamlit as st

from dashboard import session
from dashboard.api import ApiError, SessionExpired


def show_error(error: ApiError) -> None:
    """Show the API's message; an expired session goes back to sign in with the message."""
    if isinstance(error, SessionExpired):
        session.end(notice=str(error))
        st.rerun()
    st.error(str(error))
