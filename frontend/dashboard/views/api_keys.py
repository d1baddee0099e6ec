"""Account → API keys: the user's keys for scripts; create one (shown once) or revoke one."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, data, forms
from dashboard.api import ApiError, FieldError
from dashboard.formatting import day, literal
from dashboard.forms import FormErrors
from dashboard.views.common import Page, add_and_change, show_error, today

NEW_KEY_KEY = "account_new_api_key"


def section(page: Page) -> None:
    """The API keys tab."""
    st.subheader("API keys")
    st.caption(
        "For scripts: send `Authorization: Bearer <key>`. A key acts as you, in every ledger "
        "you belong to."
    )
    new_key = st.session_state.get(NEW_KEY_KEY)
    if new_key:
        st.success(
            f"Your new key **{literal(new_key['name'])}**. Copy it now (use the copy button on "
            "the right): it is shown only this once.",
            icon=":material/key:",
        )
        st.code(new_key["key"], language=None)
        if st.button("I have copied it", key="account_key_done"):
            del st.session_state[NEW_KEY_KEY]
            st.rerun()
    try:
        keys = data.get_all("/auth/api-keys")
    except ApiError as error:
        show_error(error)
        return
    if keys:
        table = pd.DataFrame(
            {
                "Name": [k["name"] for k in keys],
                "Key": [f"{k['prefix']}…" for k in keys],
                "Created": [day(k.get("created_at")) for k in keys],
                "Expires": [day(k.get("expires_at")) or "never" for k in keys],
                "Last used": [day(k.get("last_used_at")) or "never" for k in keys],
            }
        )
        st.dataframe(table, hide_index=True)
    else:
        st.info("No API keys yet. Create one for a script that imports or reads your budget.")

    add_and_change(
        "Create a key",
        lambda: _api_key_create(page),
        "Revoke a key",
        lambda: _api_key_revoke(page, keys),
        nothing_to_change=None if keys else "Keys you create can be revoked here at any time.",
    )


def _api_key_create(page: Page) -> None:
    with st.form("account_key_create"):
        name = st.text_input("Name", placeholder="Bank import script", key="account_key_name")
        expires = st.toggle("Expires", key="account_key_expires")
        until = st.date_input(
            "Expires at the end of",
            value=today() + timedelta(days=365),
            key="account_key_until",
        )
        submitted = st.form_submit_button("Create key", type="primary", key="account_key_submit")
    if not submitted:
        return
    body: dict[str, Any] = {"name": name.strip()}
    if expires:
        body["expires_at"] = datetime.combine(until, time(23, 59, 59), tzinfo=UTC).isoformat()
    try:
        if not body["name"]:
            raise FormErrors([FieldError(field="name", message="Name the key.")])
        created = api.get_client().post("/auth/api-keys", json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    st.session_state[NEW_KEY_KEY] = {"name": created["name"], "key": created["key"]}
    forms.reset_later({"account_key_name": "", "account_key_expires": False})
    page.written()


def _api_key_revoke(page: Page, keys: list[dict[str, Any]]) -> None:
    by_id = {str(k["id"]): k for k in keys}
    chosen = st.selectbox(
        "Key",
        list(by_id),
        format_func=lambda kid: f"{by_id[kid]['name']} ({by_id[kid]['prefix']}…)",
        key="account_key_pick",
    )
    key = f"account_key_{chosen}_revoke"
    name = by_id[chosen]["name"]
    if not page.confirmed(
        key,
        ask="Revoke",
        question=f"Revoke {name}? Scripts using it stop working at once.",
        yes="Yes, revoke",
    ):
        return
    try:
        api.get_client().delete(f"/auth/api-keys/{chosen}")
    except ApiError as error:
        show_error(error)
        return
    page.written(f"Revoked the key {name}.")
