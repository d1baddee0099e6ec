"""Home: who is signed in, the invitations waiting for them, and their ledgers (the switcher and
sign-out are in the sidebar)."""

import pandas as pd
import streamlit as st

from dashboard import api, labels, session
from dashboard.api import ApiError
from dashboard.formatting import literal
from dashboard.views import invitations
from dashboard.views.common import Page, show_error, show_flash

PAGE = Page(flash_key="home_flash")


def render() -> None:
    user = session.current_user()
    st.title("Home")
    show_flash(PAGE.flash_key)
    name = user.get("full_name") or user["email"]
    st.markdown(f"Signed in as **{literal(name)}** ({literal(user['email'])})")

    try:
        session.set_ledgers(api.get_client().ledgers())
    except ApiError as error:
        show_error(error)
    ledgers = session.ledgers()
    invitations.for_me(PAGE)

    st.subheader("Your ledgers")
    if ledgers:
        _ledger_table(ledgers)
        st.caption("Switch ledgers in the sidebar; manage them under Account.")
    else:
        st.info("You are not a member of any ledger yet. Create one under Account.")


def _ledger_table(ledgers: list[dict]) -> None:
    table = pd.DataFrame(
        {
            "Name": [ledger["name"] for ledger in ledgers],
            "Currency": [ledger["currency"] for ledger in ledgers],
            "Role": [labels.label(labels.ROLES, ledger["role"]) for ledger in ledgers],
        }
    )
    st.dataframe(table, hide_index=True)
