"""Account → Members: who belongs to the current ledger, with which role; owners invite members
(and revoke pending invitations), change or remove them; anyone but the last owner may leave."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, data, forms, labels, session
from dashboard.api import ApiError, FieldError
from dashboard.formatting import day, literal
from dashboard.forms import FormErrors
from dashboard.views import invitations
from dashboard.views.common import Page, add_and_change, show_error
from dashboard.views.ledgers import refresh_ledgers


def section(page: Page) -> None:
    """The Members tab."""
    ledger = session.current_ledger()
    if ledger is None:
        st.info("You have no ledger yet. Create one on the Ledgers tab.")
        return
    st.subheader(f"Members of {literal(ledger['name'])}")
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
            "Role": [labels.ROLES.get(m["role"], m["role"]) for m in members],
            "Joined": [day(m.get("joined_at")) for m in members],
        }
    )
    st.dataframe(table, hide_index=True)
    st.caption(labels.ROLE_HELP)
    if ledger["role"] == "owner":
        invitations.pending(page)
        others = [m for m in members if str(m["user_id"]) != str(me)]
        add_and_change(
            "Invite a member",
            lambda: _member_add(page),
            "Change a member",
            lambda: _member_change(page, others),
            nothing_to_change=None
            if others
            else "Invite family members on the left; they join when they accept.",
        )
    st.divider()
    owners = [m for m in members if m["role"] == "owner"]
    if [str(m["user_id"]) for m in owners] == [str(me)]:
        st.caption(
            f"You are the only owner of {literal(ledger['name'])}: to leave it, first make "
            "another member an owner, or delete the ledger under Ledgers."
        )
        return
    _leave(page, ledger, me)


def _member_add(page: Page) -> None:
    with st.form("account_member_add"):
        email = st.text_input(
            "Email",
            help="They get an invitation to accept on their Home page; someone without an "
            "account sees it once they register with this address.",
            key="account_member_email",
        )
        role = st.selectbox(
            "Role",
            list(labels.ROLES),
            index=1,
            format_func=labels.ROLES.__getitem__,
            key="account_member_role",
        )
        submitted = st.form_submit_button("Invite", type="primary", key="account_member_submit")
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
    page.written(
        f"Invitation sent to {email.strip()} as {labels.ROLES[role].lower()}. They become a "
        "member when they accept it."
    )


def _member_change(page: Page, members: list[dict[str, Any]]) -> None:
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
    roles = list(labels.ROLES)
    role = st.selectbox(
        "Role",
        roles,
        index=roles.index(member["role"]) if member["role"] in roles else 0,
        format_func=labels.ROLES.__getitem__,
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
        page.written(f"{member['email']} is now {labels.ROLES[role].lower()}.")
    key = f"account_member_{chosen}_remove"
    if not page.confirmed(
        key,
        ask="Remove from ledger",
        ask_in=right,
        question=f"Remove {member['email']} from this ledger? They lose access to it.",
        yes="Yes, remove",
    ):
        return
    try:
        api.get_client().delete(path)
    except ApiError as error:
        show_error(error)
        return
    page.written(f"Removed {member['email']} from the ledger.")


def _leave(page: Page, ledger: dict[str, Any], me: str) -> None:
    key = "account_leave"
    st.caption(
        f"Leaving {literal(ledger['name'])} removes your access to it; its data stays for the "
        "others. The last owner cannot leave."
    )
    if not page.confirmed(
        key,
        ask="Leave this ledger",
        icon=":material/logout:",
        question=f"Leave {ledger['name']}? Someone who owns it would have to add you again.",
        yes="Yes, leave",
    ):
        return
    try:
        api.get_client().delete(data.ledger_path(f"/members/{me}"))
        refresh_ledgers()
    except ApiError as error:
        show_error(error)
        return
    page.written(f"You left {ledger['name']}.")
