"""Account: profile and password, ledgers (create, rename, delete, export, restore), the members
of the current ledger, and API keys for scripts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, data, forms, session
from dashboard.api import ApiError, FieldError
from dashboard.forms import FormErrors
from dashboard.views.common import show_error

FLASH_KEY = "account_flash"
EXPORT_KEY = "account_export"
RESTORE_KEY = "account_restore"
NEW_KEY_KEY = "account_new_api_key"
CONFIRM_KEY = "account_confirm"
ROLES = {"owner": "Owner", "editor": "Editor", "viewer": "Viewer"}
ROLE_HELP = (
    "Owners can do everything, including members and deleting the ledger; editors change "
    "finance data; viewers only look."
)


def render() -> None:
    st.title("Account")
    forms.apply_resets()
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")
    try:
        session.set_ledgers(api.get_client().ledgers())
    except ApiError as error:
        show_error(error)

    profile, ledgers, members, keys = st.tabs(
        ["Profile", "Ledgers", "Members", "API keys"], key="account_tab", on_change="rerun"
    )
    with profile:
        left, right = st.columns(2, gap="large")
        with left:
            _profile()
        with right:
            _password()
    with ledgers:
        _ledgers()
        _backup()
    with members:
        _members()
    with keys:
        _api_keys()


def _written(message: str) -> None:
    data.changed()
    st.session_state[FLASH_KEY] = message
    st.rerun()


def _refresh_ledgers() -> None:
    """Ledgers changed: fetch them again (the current one stays if it still exists)."""
    session.set_ledgers(api.get_client().ledgers())


def _day(value: Any) -> str:
    return str(value)[:10] if value else ""


def _confirming(key: str) -> bool:
    return st.session_state.get(CONFIRM_KEY) == key


def _ask(key: str) -> None:
    st.session_state[CONFIRM_KEY] = key
    st.rerun()


def _cancel_button(key: str) -> None:
    if st.button("Cancel", key=f"{key}_cancel"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()


# --- profile and password ---------------------------------------------------------------------


def _profile() -> None:
    user = session.current_user()
    st.subheader("Profile")
    ledgers = session.ledgers()
    ids = [str(ledger["id"]) for ledger in ledgers]
    names = {str(ledger["id"]): _ledger_name(ledger) for ledger in ledgers}
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
    if not body:
        st.info("Nothing changed.")
        return
    try:
        answer = api.get_client().patch("/auth/me", json=body)
    except ApiError as error:
        forms.show_form_error(error)
        return
    st.session_state[session.USER_KEY] = answer if isinstance(answer, dict) else {**user, **body}
    _written("Saved your profile.")


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
    try:
        if problems:
            raise FormErrors(problems)
        api.get_client().post(
            "/auth/password", json={"current_password": current, "new_password": new}
        )
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later(
        dict.fromkeys(("account_pw_current", "account_pw_new", "account_pw_repeat"), "")
    )
    _written("Changed your password.")


# --- ledgers ----------------------------------------------------------------------------------


def _ledger_name(ledger: dict[str, Any]) -> str:
    return f"{ledger['name']} · {ledger['currency']}"


def _ledgers() -> None:
    ledgers = session.ledgers()
    current = session.current_ledger_id()
    st.subheader("Your ledgers")
    if ledgers:
        table = pd.DataFrame(
            {
                "Ledger": [ledger["name"] for ledger in ledgers],
                "Currency": [ledger["currency"] for ledger in ledgers],
                "Your role": [ROLES.get(ledger["role"], ledger["role"]) for ledger in ledgers],
                "Current": ["✓" if ledger["id"] == current else "" for ledger in ledgers],
            }
        )
        st.dataframe(table, hide_index=True)
        st.caption("Switch between ledgers in the sidebar. " + ROLE_HELP)
    else:
        st.info("You are not a member of any ledger. Create one below to start budgeting.")

    create, change = st.columns(2, gap="large")
    with create:
        st.subheader("Create a ledger")
        _ledger_create()
    owned = [ledger for ledger in ledgers if ledger["role"] == "owner"]
    with change:
        st.subheader("Rename or delete a ledger")
        if not owned:
            st.caption("Only a ledger's owners can rename or delete it; you own none.")
            return
        ids = [str(ledger["id"]) for ledger in owned]
        chosen = st.selectbox(
            "Ledger",
            ids,
            index=ids.index(current) if current in ids else 0,
            format_func={str(ledger["id"]): _ledger_name(ledger) for ledger in owned}.__getitem__,
            key="account_ledger_pick",
        )
        ledger = next(ledger for ledger in owned if str(ledger["id"]) == chosen)
        _ledger_rename(ledger)
        _ledger_delete(ledger)


def _ledger_create() -> None:
    with st.form("account_ledger_create"):
        name = st.text_input("Name", placeholder="Family budget", key="account_ledger_name")
        currency = st.text_input(
            "Currency",
            value="EUR",
            max_chars=3,
            help="An ISO 4217 code such as EUR, USD or GBP; one currency per ledger.",
            key="account_ledger_currency",
        )
        submitted = st.form_submit_button(
            "Create ledger", type="primary", key="account_ledger_create_submit"
        )
    if not submitted:
        return
    try:
        if not name.strip():
            raise FormErrors([FieldError(field="name", message="Enter a name.")])
        body = {"name": name.strip(), "currency": currency.strip().upper() or "EUR"}
        created = api.get_client().post("/ledgers", json=body)
        _refresh_ledgers()
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    session.set_current_ledger_id(str(created["id"]))
    forms.reset_later({"account_ledger_name": ""})
    _written(
        f"Created the ledger {created['name']} and switched to it. Set up its wallets and "
        "buckets on the Setup page."
    )


def _ledger_rename(ledger: dict[str, Any]) -> None:
    key = f"account_ledger_{ledger['id']}"
    with st.form(f"{key}_rename", border=False):
        name = st.text_input("New name", value=ledger["name"], key=f"{key}_name")
        submitted = st.form_submit_button("Rename", key=f"{key}_rename_submit")
    if not submitted:
        return
    new = name.strip()
    if not new or new == ledger["name"]:
        st.info("Enter a different name.")
        return
    try:
        api.get_client().patch(f"/ledgers/{ledger['id']}", json={"name": new})
        _refresh_ledgers()
    except ApiError as error:
        forms.show_form_error(error)
        return
    _written(f"Renamed the ledger {ledger['name']} to {new}.")


def _ledger_delete(ledger: dict[str, Any]) -> None:
    key = f"account_ledger_{ledger['id']}_delete"
    st.caption("Deleting a ledger removes all of its wallets, buckets and transactions.")
    if not _confirming(key):
        if st.button("Delete ledger", icon=":material/delete:", key=key):
            _ask(key)
        return
    st.warning(f"This deletes {ledger['name']} and everything in it, for every member.")
    typed = st.text_input(f"Type {ledger['name']} to confirm", key=f"{key}_typed")
    yes, no = st.columns(2)
    with no:
        _cancel_button(key)
    if yes.button(
        "Delete for good", type="primary", disabled=typed != ledger["name"], key=f"{key}_confirm"
    ):
        st.session_state.pop(CONFIRM_KEY, None)
        try:
            api.get_client().delete(f"/ledgers/{ledger['id']}")
            _refresh_ledgers()
        except ApiError as error:
            show_error(error)
            return
        _written(f"Deleted the ledger {ledger['name']}.")


# --- export and restore -----------------------------------------------------------------------


def _backup() -> None:
    st.divider()
    export, restore = st.columns(2, gap="large")
    with export:
        st.subheader("Export a ledger")
        _ledger_export()
    with restore:
        st.subheader("Restore a ledger")
        _ledger_restore()


def _ledger_export() -> None:
    ledgers = session.ledgers()
    if not ledgers:
        st.caption("Ledgers you belong to can be exported here.")
        return
    by_id = {str(ledger["id"]): ledger for ledger in ledgers}
    ids = list(by_id)
    current = session.current_ledger_id()
    chosen = st.selectbox(
        "Ledger",
        ids,
        index=ids.index(current) if current in ids else 0,
        format_func=lambda lid: _ledger_name(by_id[lid]),
        key="account_export_pick",
    )
    st.caption(
        "The whole ledger as one JSON file: wallets, buckets, categories, transactions and "
        "their splits. Keep it as a backup, or restore it (here, or on another server) as a "
        "new ledger."
    )
    # Fetched on request: a large ledger takes a moment, and the file is only wanted now
    # and then. A write anywhere in the dashboard makes a prepared file stale.
    signature = (chosen, st.session_state.get(data.DATA_VERSION_KEY, 0))
    prepared = st.session_state.get(EXPORT_KEY)
    if prepared is None or prepared["signature"] != signature:
        if st.button("Prepare export", icon=":material/data_object:", key="account_export_prepare"):
            try:
                content = api.get_client().download(f"/ledgers/{chosen}/export.json")
            except ApiError as error:
                show_error(error)
                return
            st.session_state[EXPORT_KEY] = {"signature": signature, "json": content}
            st.rerun()
        return
    name = by_id[chosen]["name"]
    st.download_button(
        f"Download {name} (JSON)",
        prepared["json"],
        file_name=f"{name}-{datetime.now(UTC).date().isoformat()}.json",
        mime="application/json",
        icon=":material/download:",
        type="primary",
        key="account_export_download",
    )


def _ledger_restore() -> None:
    st.caption(
        "A file from **Export a ledger** becomes a new ledger of the same name that you own, "
        "with every wallet, bucket, category and transaction in it. Nothing existing changes."
    )
    # A new key empties the uploader after a restore (its file can't be cleared otherwise).
    generation = st.session_state.get(RESTORE_KEY, 0)
    upload = st.file_uploader(
        "Ledger file (JSON)", type=["json"], key=f"account_restore_file_{generation}"
    )
    clicked = st.button(
        "Restore as a new ledger",
        icon=":material/restore:",
        disabled=upload is None,
        key="account_restore_submit",
    )
    if not clicked or upload is None:
        return
    try:
        created = api.get_client().post("/ledgers/import-json", json=upload.getvalue())
        _refresh_ledgers()
    except ApiError as error:
        forms.show_form_error(error)
        return
    session.set_current_ledger_id(str(created["id"]))
    st.session_state[RESTORE_KEY] = generation + 1
    _written(f"Restored the ledger {created['name']} from {upload.name} and switched to it.")


# --- members ----------------------------------------------------------------------------------


def _members() -> None:
    ledger = session.current_ledger()
    if ledger is None:
        st.info("You have no ledger yet. Create one on the Ledgers tab.")
        return
    st.subheader(f"Members of {ledger['name']}")
    try:
        members = data.get_all(data.ledger_path("/members"))
    except ApiError as error:
        show_error(error)
        return
    me = session.current_user()["id"]
    table = pd.DataFrame(
        {
            "Name": [m.get("full_name") or "" for m in members],
            "Email": [m["email"] for m in members],
            "Role": [ROLES.get(m["role"], m["role"]) for m in members],
            "Joined": [_day(m.get("joined_at")) for m in members],
        }
    )
    st.dataframe(table, hide_index=True)
    st.caption(ROLE_HELP)
    if ledger["role"] == "owner":
        others = [m for m in members if str(m["user_id"]) != str(me)]
        add, change = st.columns(2, gap="large")
        with add:
            st.subheader("Add a member")
            _member_add()
        with change:
            st.subheader("Change a member")
            if others:
                _member_change(others)
            else:
                st.caption("Add family members on the left; they need an account first.")
    st.divider()
    owners = [m for m in members if m["role"] == "owner"]
    if [str(m["user_id"]) for m in owners] == [str(me)]:
        st.caption(
            f"You are the only owner of {ledger['name']}: to leave it, first make another "
            "member an owner, or delete the ledger under Ledgers."
        )
        return
    _leave(ledger, me)


def _member_add() -> None:
    with st.form("account_member_add"):
        email = st.text_input(
            "Email", help="They need an account here first.", key="account_member_email"
        )
        role = st.selectbox(
            "Role",
            list(ROLES),
            index=1,
            format_func=ROLES.__getitem__,
            key="account_member_role",
        )
        submitted = st.form_submit_button("Add member", type="primary", key="account_member_submit")
    if not submitted:
        return
    try:
        if not email.strip():
            raise FormErrors([FieldError(field="email", message="Enter their email.")])
        api.get_client().post(
            data.ledger_path("/members"), json={"email": email.strip(), "role": role}
        )
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"account_member_email": ""})
    _written(f"Added {email.strip()} as {ROLES[role].lower()}.")


def _member_change(members: list[dict[str, Any]]) -> None:
    by_id = {str(m["user_id"]): m for m in members}
    chosen = st.selectbox(
        "Member",
        list(by_id),
        format_func=lambda uid: (
            f"{by_id[uid].get('full_name') or by_id[uid]['email']} ({by_id[uid]['email']})"
        ),
        key="account_member_pick",
    )
    member = by_id[chosen]
    path = data.ledger_path(f"/members/{chosen}")
    roles = list(ROLES)
    role = st.selectbox(
        "Role",
        roles,
        index=roles.index(member["role"]) if member["role"] in roles else 0,
        format_func=ROLES.__getitem__,
        key=f"account_member_{chosen}_role",
    )
    left, right = st.columns(2)
    if left.button(
        "Change role", disabled=role == member["role"], key=f"account_member_{chosen}_save"
    ):
        try:
            api.get_client().patch(path, json={"role": role})
        except ApiError as error:
            show_error(error)
            return
        _written(f"{member['email']} is now {ROLES[role].lower()}.")
    key = f"account_member_{chosen}_remove"
    if not _confirming(key):
        if right.button("Remove from ledger", key=key):
            _ask(key)
        return
    st.warning(f"Remove {member['email']} from this ledger? They lose access to it.")
    yes, no = st.columns(2)
    with no:
        _cancel_button(key)
    if yes.button("Yes, remove", type="primary", key=f"{key}_confirm"):
        st.session_state.pop(CONFIRM_KEY, None)
        try:
            api.get_client().delete(path)
        except ApiError as error:
            show_error(error)
            return
        _written(f"Removed {member['email']} from the ledger.")


def _leave(ledger: dict[str, Any], me: str) -> None:
    key = "account_leave"
    st.caption(
        f"Leaving {ledger['name']} removes your access to it; its data stays for the others. "
        "The last owner cannot leave."
    )
    if not _confirming(key):
        if st.button("Leave this ledger", icon=":material/logout:", key=key):
            _ask(key)
        return
    st.warning(f"Leave {ledger['name']}? Someone who owns it would have to add you again.")
    yes, no = st.columns(2)
    with no:
        _cancel_button(key)
    if yes.button("Yes, leave", type="primary", key=f"{key}_confirm"):
        st.session_state.pop(CONFIRM_KEY, None)
        try:
            api.get_client().delete(data.ledger_path(f"/members/{me}"))
            _refresh_ledgers()
        except ApiError as error:
            show_error(error)
            return
        _written(f"You left {ledger['name']}.")


# --- API keys ---------------------------------------------------------------------------------


def _api_keys() -> None:
    st.subheader("API keys")
    st.caption(
        "For scripts: send `Authorization: Bearer <key>`. A key acts as you, in every ledger "
        "you belong to."
    )
    new_key = st.session_state.get(NEW_KEY_KEY)
    if new_key:
        st.success(
            f"Your new key **{new_key['name']}**. Copy it now (use the copy button on the "
            "right): it is shown only this once.",
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
                "Created": [_day(k.get("created_at")) for k in keys],
                "Expires": [_day(k.get("expires_at")) or "never" for k in keys],
                "Last used": [_day(k.get("last_used_at")) or "never" for k in keys],
            }
        )
        st.dataframe(table, hide_index=True)
    else:
        st.info("No API keys yet. Create one for a script that imports or reads your budget.")

    create, revoke = st.columns(2, gap="large")
    with create:
        st.subheader("Create a key")
        _api_key_create()
    with revoke:
        st.subheader("Revoke a key")
        if keys:
            _api_key_revoke(keys)
        else:
            st.caption("Keys you create can be revoked here at any time.")


def _api_key_create() -> None:
    with st.form("account_key_create"):
        name = st.text_input("Name", placeholder="Bank import script", key="account_key_name")
        expires = st.toggle("Expires", key="account_key_expires")
        until = st.date_input(
            "Expires at the end of",
            value=datetime.now(UTC).date() + timedelta(days=365),
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
    data.changed()
    st.rerun()


def _api_key_revoke(keys: list[dict[str, Any]]) -> None:
    by_id = {str(k["id"]): k for k in keys}
    chosen = st.selectbox(
        "Key",
        list(by_id),
        format_func=lambda kid: f"{by_id[kid]['name']} ({by_id[kid]['prefix']}…)",
        key="account_key_pick",
    )
    key = f"account_key_{chosen}_revoke"
    if not _confirming(key):
        if st.button("Revoke", key=key):
            _ask(key)
        return
    st.warning(f"Revoke {by_id[chosen]['name']}? Scripts using it stop working at once.")
    yes, no = st.columns(2)
    with no:
        _cancel_button(key)
    if yes.button("Yes, revoke", type="primary", key=f"{key}_confirm"):
        st.session_state.pop(CONFIRM_KEY, None)
        try:
            api.get_client().delete(f"/auth/api-keys/{chosen}")
        except ApiError as error:
            show_error(error)
            return
        _written(f"Revoked the key {by_id[chosen]['name']}.")
