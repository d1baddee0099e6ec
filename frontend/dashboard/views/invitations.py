"""Invitations (SPEC §16): on Home, the ones waiting for the signed-in user, with Accept and
Decline; under Account → Members, an owner's pending ones with Revoke."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, data, labels, session
from dashboard.api import ApiError
from dashboard.formatting import day, literal
from dashboard.views.common import Page, show_error


def invitation_text(invitation: dict[str, Any]) -> str:
    """ "You are invited to **Family** as editor by Ada." — the names shown literally. A
    group has no roles: "You are invited to the group **Trip** by Ada." """
    if invitation.get("kind") == "group":
        text = f"You are invited to the group **{literal(invitation['name'])}**"
    else:
        role = labels.ROLES.get(invitation["role"], invitation["role"]).lower()
        text = f"You are invited to **{literal(invitation['name'])}** as {role}"
    if invitation.get("invited_by"):
        text += f" by {literal(invitation['invited_by'])}"
    return text + "."


def for_me(page: Page) -> None:
    """The invitations waiting for the signed-in user (Home)."""
    try:
        invitations = data.get_all("/invitations")
    except ApiError as error:
        show_error(error)
        return
    if not invitations:
        return
    st.subheader("Invitations")
    for invitation in invitations:
        key = f"home_invitation_{invitation['id']}"
        with st.container(border=True):
            st.markdown(invitation_text(invitation))
            accept, decline = st.columns(2)
            if accept.button("Accept", type="primary", key=f"{key}_accept"):
                _accept(page, invitation)
            if decline.button("Decline", key=f"{key}_decline"):
                _decline(page, invitation)


def _accept(page: Page, invitation: dict[str, Any]) -> None:
    client = api.get_client()
    if invitation.get("kind") == "group":  # a group (SPEC §15): no ledger to switch to
        try:
            client.post(f"/invitations/{invitation['id']}/accept")
        except ApiError as error:
            show_error(error)
            return
        page.written(f"You joined the group {invitation['name']}; it is on the Groups page.")
    try:
        ledger = client.post(f"/invitations/{invitation['id']}/accept")
        session.set_ledgers(client.ledgers())
    except ApiError as error:
        show_error(error)
        return
    session.set_current_ledger_id(str(ledger["id"]))
    page.written(f"You joined {invitation['name']} and switched to it.")


def _decline(page: Page, invitation: dict[str, Any]) -> None:
    try:
        api.get_client().post(f"/invitations/{invitation['id']}/decline")
    except ApiError as error:
        show_error(error)
        return
    page.written(f"Declined the invitation to {invitation['name']}.")


def pending(page: Page) -> None:
    """The current ledger's pending invitations, for its owners (Account → Members)."""
    try:
        invitations = data.get_all(data.ledger_path("/invitations"))
    except ApiError as error:
        show_error(error)
        return
    if not invitations:
        return
    st.markdown("**Pending invitations**")
    table = pd.DataFrame(
        {
            "Email": [i["email"] for i in invitations],
            "Role": [labels.ROLES.get(i["role"], i["role"]) for i in invitations],
            "Invited": [day(i.get("created_at")) for i in invitations],
        }
    )
    st.dataframe(table, hide_index=True)
    by_id = {str(i["id"]): i for i in invitations}
    left, right = st.columns(2)
    chosen = left.selectbox(
        "Invitation",
        list(by_id),
        format_func=lambda iid: by_id[iid]["email"],
        key="account_invitation_pick",
        label_visibility="collapsed",
    )
    if not right.button("Revoke", key="account_invitation_revoke"):
        return
    try:
        api.get_client().delete(data.ledger_path(f"/invitations/{chosen}"))
    except ApiError as error:
        show_error(error)
        return
    page.written(f"Revoked the invitation to {by_id[chosen]['email']}.")
