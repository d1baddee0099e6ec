"""Home: who is signed in, their ledgers, the ledger switcher and sign-out."""

import pandas as pd
import streamlit as st

from dashboard import api, session
from dashboard.api import ApiError
from dashboard.views.common import show_error

ROLE_LABELS = {"owner": "Owner", "editor": "Editor", "viewer": "Viewer"}


def render() -> None:
    user = session.current_user()
    st.title("Home")
    name = user.get("full_name") or user["email"]
    st.markdown(f"Signed in as **{name}** ({user['email']})")

    try:
        session.set_ledgers(api.get_client().ledgers())
    except ApiError as error:
        show_error(error)
    ledgers = session.ledgers()

    st.subheader("Your ledgers")
    if ledgers:
        _ledger_table(ledgers)
        _ledger_switcher(ledgers)
    else:
        st.info("You are not a member of any ledger yet.")

    if st.button("Sign out", key="sign_out"):
        api.get_client().sign_out()
        session.end()
        st.rerun()


def _ledger_table(ledgers: list[dict]) -> None:
    table = pd.DataFrame(
        {
            "Name": [ledger["name"] for ledger in ledgers],
            "Currency": [ledger["currency"] for ledger in ledgers],
            "Role": [ROLE_LABELS.get(ledger["role"], ledger["role"]) for ledger in ledgers],
        }
    )
    st.dataframe(table, hide_index=True)


def _ledger_switcher(ledgers: list[dict]) -> None:
    names = {ledger["id"]: f"{ledger['name']} ({ledger['currency']})" for ledger in ledgers}
    ids = list(names)
    current = session.current_ledger_id()
    st.selectbox(
        "Current ledger",
        ids,
        index=ids.index(current) if current in ids else 0,
        format_func=names.__getitem__,
        key="ledger_switcher",
        on_change=lambda: session.set_current_ledger_id(st.session_state["ledger_switcher"]),
    )
