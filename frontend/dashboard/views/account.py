"""Account: profile and password; security (views/security.py: email verification, two-factor
sign-in, signed-in devices); ledgers (views/ledgers.py: create, rename, delete, export,
restore), the members of the current ledger (views/members.py), and API keys for scripts
(views/api_keys.py)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import api, forms, labels, localisation, session
from dashboard.api import ApiError, FieldError
from dashboard.forms import FormErrors
from dashboard.views import api_keys, ledgers, members, security
from dashboard.views.common import Page, show_error, show_flash

PAGE = Page(flash_key="account_flash", confirm_key="account_confirm")


def render() -> None:
    st.title("Account")
    forms.apply_resets()
    show_flash(PAGE.flash_key)
    try:
        session.set_ledgers(api.get_client().ledgers())
    except ApiError as error:
        show_error(error)

    profile, security_tab, ledgers_tab, members_tab, keys_tab = st.tabs(
        ["Profile", "Security", "Ledgers", "Members", "API keys"],
        key="account_tab",
        on_change="rerun",
    )
    with profile:
        left, right = st.columns(2, gap="large")
        with left:
            _profile()
        with right:
            _password()
    with security_tab:
        security.section(PAGE)
    with ledgers_tab:
        ledgers.section(PAGE)
        ledgers.backup(PAGE)
    with members_tab:
        members.section(PAGE)
    with keys_tab:
        api_keys.section(PAGE)


def _profile() -> None:
    user = session.current_user()
    st.subheader("Profile")
    ledgers = session.ledgers()
    ids = [str(ledger["id"]) for ledger in ledgers]
    names = {str(ledger["id"]): labels.ledger_label(ledger) for ledger in ledgers}
    default = str(user.get("default_ledger_id") or "")
    with st.form("account_profile"):
        st.text_input("Email", value=user["email"], disabled=True, key="account_email")
        full_name = st.text_input(
            "Full name", value=user.get("full_name") or "", max_chars=150, key="account_full_name"
        )
        default_ledger = None
        if ids:
            default_ledger = st.selectbox(
                "Ledger to open after signing in",
                ids,
                index=ids.index(default) if default in ids else 0,
                format_func=names.__getitem__,
                key="account_default_ledger",
            )
        locales = ["", *localisation.LOCALES]
        # Until one is chosen, the browser's language is offered first.
        current_locale = user.get("locale") or ""
        if not current_locale and localisation.browser_locale():
            locales.remove(localisation.browser_locale())
            locales.insert(1, localisation.browser_locale())
        locale = st.selectbox(
            "Money and dates written as in",
            locales,
            index=locales.index(current_locale) if current_locale in locales else 0,
            format_func=_locale_label,
            key="account_locale",
        )
        emails = st.checkbox(
            "Email me budget alerts too",
            value=bool(user.get("email_notifications")),
            help="Alerts always appear under Notifications; this also sends them by email.",
            key="account_email_notifications",
        )
        submitted = st.form_submit_button(
            "Save profile", type="primary", key="account_profile_save"
        )
    if not submitted:
        return
    body: dict[str, Any] = {}
    if full_name.strip() != (user.get("full_name") or ""):
        body["full_name"] = full_name.strip()
    if default_ledger and default_ledger != default:
        body["default_ledger_id"] = default_ledger
    if emails != bool(user.get("email_notifications")):
        body["email_notifications"] = emails
    if locale != (user.get("locale") or ""):
        body["locale"] = locale
    if not body:
        st.info("Nothing changed.")
        return
    try:
        answer = api.get_client().patch("/auth/me", json=body)
    except ApiError as error:
        forms.show_form_error(error)
        return
    st.session_state[session.USER_KEY] = answer if isinstance(answer, dict) else {**user, **body}
    PAGE.written("Saved your profile.")


def _locale_label(locale: str) -> str:
    if not locale:
        return "Plain (1,234.50 EUR · 2026-12-04)"
    example = localisation.money("1234.5", "EUR", locale)
    return f"{localisation.LOCALES[locale]} · {example} · {localisation.day('2026-12-04', locale)}"


def _password() -> None:
    st.subheader("Password")
    with st.form("account_password"):
        current = st.text_input("Current password", type="password", key="account_pw_current")
        new = st.text_input("New password", type="password", key="account_pw_new")
        repeat = st.text_input("Repeat the new password", type="password", key="account_pw_repeat")
        submitted = st.form_submit_button("Change password", key="account_pw_submit")
    if not submitted:
        return
    problems = []
    if not current:
        problems.append(FieldError(field="current_password", message="Enter your password."))
    if not new:
        problems.append(FieldError(field="new_password", message="Enter a new password."))
    elif new != repeat:
        problems.append(FieldError(field="new_password", message="The two are not the same."))
    client = api.get_client()
    try:
        if problems:
            raise FormErrors(problems)
        client.post("/auth/password", json={"current_password": current, "new_password": new})
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later(
        dict.fromkeys(("account_pw_current", "account_pw_new", "account_pw_repeat"), "")
    )
    # The API ended every other session; this one goes on.
    PAGE.written("Changed your password. Every other device was signed out.")
