"""Sign in (with the code of an authenticator app when two-factor sign-in is on), register,
ask for a password-reset link; and the two links the API mails: `?reset=<token>` (set a new
password) and `?verify=<token>` (confirm the email)."""

from typing import Any

import streamlit as st

from dashboard import api, session
from dashboard.api import ApiError
from dashboard.security import LINK_CODES, OTP_INVALID, OTP_REQUIRED, RESET_PARAM, VERIFY_PARAM
from dashboard.views.common import show_error

# Set once the API asked for a code: the sign-in form then shows the code field.
NEEDS_OTP_KEY = "sign_in_needs_otp"
# What a link of a mail came to (kind, message), shown after the link left the address bar.
LINK_RESULT_KEY = "sign_in_link_result"
ASK_AGAIN = " Ask for a new link under **Forgot password**."


def render() -> None:
    # The page uses the wide layout; keep the forms to a readable width in the middle.
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Budget")
        st.caption("Sign in to your budget, or register to start one.")
        notice = session.pop_notice()
        if notice:
            st.warning(notice)
        _verify_link()
        _link_result()
        if st.query_params.get(RESET_PARAM):
            _reset_form(st.query_params[RESET_PARAM])
            return

        sign_in_tab, register_tab, forgot_tab = st.tabs(["Sign in", "Register", "Forgot password"])
        with sign_in_tab:
            _sign_in_form()
        with register_tab:
            _register_form()
        with forgot_tab:
            _forgot_form()


def _sign_in_form() -> None:
    needs_otp = st.session_state.get(NEEDS_OTP_KEY, False)
    with st.form("sign_in"):
        email = st.text_input("Email", key="sign_in_email")
        password = st.text_input("Password", type="password", key="sign_in_password")
        otp = None
        if needs_otp:
            st.info("Two-factor sign-in is on for this account: enter the code from your app.")
            otp = st.text_input(
                "Code from your authenticator app",
                max_chars=20,
                help="The 6 digits your app shows now, or one of your backup codes.",
                key="sign_in_otp",
            )
        keep = st.checkbox(
            "Keep me signed in on this device",
            value=True,
            key="sign_in_keep",
        )
        submitted = st.form_submit_button("Sign in", type="primary", key="sign_in_submit")
    if submitted:
        if not email or not password:
            st.error("Enter your email and password.")
            return
        _start_session(email, password, (otp or "").strip() or None, keep=keep)


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
    _start_session(email, password, keep=True)


def _forgot_form() -> None:
    st.caption("We mail you a link to set a new password. It works once, for 60 minutes.")
    with st.form("forgot"):
        email = st.text_input("Email", key="forgot_email")
        submitted = st.form_submit_button("Send the link", type="primary", key="forgot_submit")
    if not submitted:
        return
    if not email.strip():
        st.error("Enter the email you signed up with.")
        return
    try:
        answer = api.get_client().password_reset(email.strip())
    except ApiError as error:
        show_error(error)
        return
    detail = (answer or {}).get("detail") if isinstance(answer, dict) else None
    st.success(
        detail or "If an account uses this email, a link to set a new password is on its way."
    )


def _reset_form(token: str) -> None:
    st.subheader("Set a new password")
    with st.form("reset"):
        new = st.text_input("New password", type="password", key="reset_new")
        repeat = st.text_input("Repeat the new password", type="password", key="reset_repeat")
        submitted = st.form_submit_button("Set password", type="primary", key="reset_submit")
    if st.button("Back to sign-in", key="reset_cancel"):
        del st.query_params[RESET_PARAM]
        st.rerun()
    if not submitted:
        return
    if not new:
        st.error("Enter a new password.")
        return
    if new != repeat:
        st.error("The two passwords are not the same.")
        return
    try:
        api.get_client().password_reset_confirm(token, new)
    except ApiError as error:
        if error.code in LINK_CODES:
            st.error(error.detail + ASK_AGAIN)
        else:
            show_error(error)
        return
    st.session_state[LINK_RESULT_KEY] = (
        "success",
        "Your new password is set, and every device was signed out. Sign in with it.",
    )
    del st.query_params[RESET_PARAM]
    st.rerun()


def _verify_link() -> None:
    """Opens a `?verify=` link once: the API is asked, the link leaves the address bar and
    the answer stays on the page."""
    token = st.query_params.get(VERIFY_PARAM)
    if not token:
        return
    try:
        api.get_client().verify_email(token)
        result = ("success", "Your email is verified: budget alerts can now be mailed to it.")
    except ApiError as error:
        detail = error.detail
        if error.code in LINK_CODES:
            detail += " Sign in and ask for a new one under Account → Security."
        result = ("error", detail)
    st.session_state[LINK_RESULT_KEY] = result
    del st.query_params[VERIFY_PARAM]


def _link_result() -> None:
    result = st.session_state.get(LINK_RESULT_KEY)
    if result is None:
        return
    kind, message = result
    (st.success if kind == "success" else st.error)(message)


def resume_remembered(cookies: Any) -> None:
    """A reload or a new tab: the browser's cookie names a remembered session, which signs
    this tab in (the refresh token is rotated on the way). Anything wrong: the sign-in form."""
    vault_id = session.resumable_id(cookies)
    if vault_id is None:
        return
    session.adopt(vault_id)
    client = api.get_client()
    try:
        client.resume()
        user = client.me()
        ledgers = client.ledgers()
    except ApiError:
        client.tokens.clear()
        return
    session.start(user, ledgers)


def _start_session(
    email: str, password: str, otp: str | None = None, *, keep: bool = False
) -> None:
    client = api.get_client()
    try:
        if otp:
            client.sign_in(email, password, otp)
        else:
            client.sign_in(email, password)
        user = client.me()
        ledgers = client.ledgers()
    except ApiError as error:
        if error.code == OTP_REQUIRED:
            st.session_state[NEEDS_OTP_KEY] = True
            st.rerun()
        if error.code == OTP_INVALID:
            st.session_state[NEEDS_OTP_KEY] = True
        show_error(error)
        return
    st.session_state.pop(NEEDS_OTP_KEY, None)
    st.session_state.pop(LINK_RESULT_KEY, None)
    session.start(user, ledgers)
    if keep:
        session.remember()
    st.rerun()
