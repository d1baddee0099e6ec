"""Sign in and register."""

import streamlit as st

from dashboard import api, session
from dashboard.api import ApiError
from dashboard.views.common import show_error


def render() -> None:
    # The page uses the wide layout; keep the forms to a readable width in the middle.
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Budget")
        st.caption("Sign in to your budget, or register to start one.")
        notice = session.pop_notice()
        if notice:
            st.warning(notice)

        sign_in_tab, register_tab = st.tabs(["Sign in", "Register"])
        with sign_in_tab:
            _sign_in_form()
        with register_tab:
            _register_form()


def _sign_in_form() -> None:
    with st.form("sign_in"):
        email = st.text_input("Email", key="sign_in_email")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary", key="sign_in_submit")
    if submitted:
        if not email or not password:
            st.error("Enter your email and password.")
            return
        _start_session(email, password)


def _register_form() -> None:
    with st.form("register"):
        email = st.text_input("Email", key="register_email")
        full_name = st.text_input("Full name (optional)", key="register_full_name")
        password = st.text_input("Password", type="password", key="register_password")
        confirm = st.text_input("Repeat password", type="password", key="register_confirm")
        submitted = st.form_submit_button("Create account", type="primary", key="register_submit")
    if not submitted:
        return
    if not email or not password:
        st.error("Enter an email and a password.")
        return
    if password != confirm:
        st.error("The two passwords are not the same.")
        return
    try:
        api.get_client().register(email, password, full_name)
    except ApiError as error:
        show_error(error)
        return
    _start_session(email, password)


def _start_session(email: str, password: str) -> None:
    client = api.get_client()
    try:
        client.sign_in(email, password)
        user = client.me()
        ledgers = client.ledgers()
    except ApiError as error:
        show_error(error)
        return
    session.start(user, ledgers)
    st.rerun()
