"""Account → Security: the email's verification, two-factor sign-in (a QR code drawn here,
backup codes shown once) and the signed-in devices (sign one out, or every one)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, forms, session
from dashboard.api import ApiError, FieldError
from dashboard.formatting import literal
from dashboard.forms import FormErrors
from dashboard.security import backup_codes_text, device_label, qr_png
from dashboard.views.common import Page, show_error

SETUP_KEY = "account_2fa_setup_answer"  # the secret being set up, until enabled
BACKUP_CODES_KEY = "account_2fa_backup_codes"  # shown once, right after enabling


def section(page: Page) -> None:
    """The Security tab."""
    _email(page)
    st.divider()
    _two_factor(page)
    st.divider()
    _sessions(page)


# --- email ------------------------------------------------------------------------------------


def _email(page: Page) -> None:
    st.subheader("Email")
    client = api.get_client()
    try:
        user = client.me()
    except ApiError as error:
        show_error(error)
        return
    st.session_state[session.USER_KEY] = {**session.current_user(), **user}
    if user.get("email_verified"):
        st.caption(f"**{literal(user['email'])}** is verified.")
        return
    st.warning(
        f"**{literal(user['email'])}** is not verified yet, so budget alerts are not mailed to "
        "it. Open the link we mailed you, or ask for a new one.",
        icon=":material/mark_email_unread:",
    )
    if st.button("Send a new link", key="account_verify_resend"):
        try:
            client.post("/auth/verify-email/resend")
        except ApiError as error:
            show_error(error)
            return
        page.written(f"Sent a new link to {user['email']}.")


# --- two-factor sign-in -----------------------------------------------------------------------


def _two_factor(page: Page) -> None:
    st.subheader("Two-factor sign-in")
    codes = st.session_state.get(BACKUP_CODES_KEY)
    if codes:
        _backup_codes(codes)
    client = api.get_client()
    try:
        status = client.get("/auth/2fa")
    except ApiError as error:
        show_error(error)
        return
    if status["enabled"]:
        st.caption(
            f"On: signing in asks for a code from your authenticator app. "
            f"{status['backup_codes_left']} of your backup codes are left."
        )
        _two_factor_disable(page)
        return
    setup = st.session_state.get(SETUP_KEY)
    if setup is None:
        st.caption(
            "Off. With it on, signing in also asks for a 6-digit code from an authenticator "
            "app on your phone (any TOTP app), so a stolen password alone opens nothing."
        )
        if st.button("Set up two-factor sign-in", key="account_2fa_setup"):
            try:
                st.session_state[SETUP_KEY] = client.post("/auth/2fa/setup")
            except ApiError as error:
                show_error(error)
                return
            st.rerun()
        return
    _two_factor_enable(page, setup)


def _two_factor_enable(page: Page, setup: dict[str, Any]) -> None:
    st.markdown("1. Scan this code with your authenticator app:")
    st.image(qr_png(setup["otpauth_url"]), width=220)
    st.caption("Or type this key into the app:")
    st.code(setup["secret"], language=None)
    with st.form("account_2fa_enable"):
        code = st.text_input(
            "2. Enter the 6 digits the app shows", max_chars=8, key="account_2fa_code"
        )
        submitted = st.form_submit_button("Turn on", type="primary", key="account_2fa_enable")
    if st.button("Cancel", key="account_2fa_cancel"):
        st.session_state.pop(SETUP_KEY, None)
        st.rerun()
    if not submitted:
        return
    try:
        if not code.strip():
            raise FormErrors([FieldError(field="code", message="Enter the code from the app.")])
        answer = api.get_client().post("/auth/2fa/enable", json={"code": code.strip()})
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    st.session_state.pop(SETUP_KEY, None)
    st.session_state[BACKUP_CODES_KEY] = list(answer["backup_codes"])
    forms.reset_later({"account_2fa_code": ""})
    page.written("Two-factor sign-in is on.")


def _backup_codes(codes: list[str]) -> None:
    st.success(
        "Your backup codes. Each signs you in once without the app (a lost phone). Save them "
        "now: they are shown only this once.",
        icon=":material/key:",
    )
    st.code(backup_codes_text(codes), language=None)
    left, right = st.columns(2)
    left.download_button(
        "Download as a file",
        backup_codes_text(codes),
        file_name="budget-backup-codes.txt",
        mime="text/plain",
        key="account_2fa_codes_download",
    )
    if right.button("I have saved them", key="account_2fa_codes_done"):
        st.session_state.pop(BACKUP_CODES_KEY, None)
        st.rerun()


def _two_factor_disable(page: Page) -> None:
    with st.expander("Turn two-factor sign-in off"), st.form("account_2fa_disable"):
        password = st.text_input("Password", type="password", key="account_2fa_off_password")
        code = st.text_input(
            "Code from the app, or a backup code", max_chars=20, key="account_2fa_off_code"
        )
        submitted = st.form_submit_button("Turn off", key="account_2fa_off_submit")
    if not submitted:
        return
    problems = []
    if not password:
        problems.append(FieldError(field="password", message="Enter your password."))
    if not code.strip():
        problems.append(FieldError(field="code", message="Enter a code."))
    try:
        if problems:
            raise FormErrors(problems)
        api.get_client().delete("/auth/2fa", json={"password": password, "code": code.strip()})
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"account_2fa_off_password": "", "account_2fa_off_code": ""})
    page.written("Two-factor sign-in is off.")


# --- sessions ---------------------------------------------------------------------------------


def _sessions(page: Page) -> None:
    st.subheader("Signed-in devices")
    client = api.get_client()
    try:
        # Not through the shared cache: "this device" differs per browser session.
        items = client.get_all("/auth/sessions")
    except ApiError as error:
        show_error(error)
        return
    if items:
        st.dataframe(
            pd.DataFrame(
                {
                    "Device": [device_label(s.get("user_agent")) for s in items],
                    "Signed in": [_when(s.get("created")) for s in items],
                    "Last used": [_when(s.get("last_used")) for s in items],
                    "This device": ["yes" if s.get("current") else "" for s in items],
                }
            ),
            hide_index=True,
        )
    others = [s for s in items if not s.get("current")]
    if others:
        _session_revoke(page, others)
    if page.confirmed(
        "account_sessions_revoke_all",
        ask="Sign out everywhere",
        question="Sign out on every device, this one included?",
        yes="Yes, sign out everywhere",
    ):
        try:
            client.post("/auth/sessions/revoke-all")
        except ApiError as error:
            show_error(error)
            return
        session.end(notice="You signed out on every device.")
        st.rerun()


def _session_revoke(page: Page, others: list[dict[str, Any]]) -> None:
    by_id = {str(s["id"]): s for s in others}
    chosen = st.selectbox(
        "Sign out a device",
        list(by_id),
        format_func=lambda sid: (
            f"{device_label(by_id[sid].get('user_agent'))}, last used "
            f"{_when(by_id[sid].get('last_used'))}"
        ),
        key="account_session_pick",
    )
    label = device_label(by_id[chosen].get("user_agent"))
    if not page.confirmed(
        f"account_session_{chosen}_revoke",
        ask="Sign it out",
        question=f"Sign out {label}? It must sign in again.",
        yes="Yes, sign it out",
    ):
        return
    try:
        api.get_client().delete(f"/auth/sessions/{chosen}")
    except ApiError as error:
        show_error(error)
        return
    page.written(f"Signed out {label}.")


def _when(value: object) -> str:
    """ "2025-03-05 08:00" from an ISO time (UTC), or "" without one."""
    if not value:
        return ""
    text = str(value)
    return text[:16].replace("T", " ")
