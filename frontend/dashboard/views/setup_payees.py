"""Setup → Payees: who the ledger pays and is paid by, with how many transactions name each;
rename one, merge one into another (its transactions and rules follow), delete an unused one.
New payees are made where they are typed: in the transaction form and by imports."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, data, forms
from dashboard.api import ApiError
from dashboard.formatting import literal
from dashboard.views import setup_items
from dashboard.views.common import Page, add_and_change, show_error


def section(page: Page, can_write: bool) -> None:
    """The Payees tab."""
    try:
        payees = data.payees()
    except ApiError as error:
        show_error(error)
        return
    if not payees:
        st.info(
            "No payees yet. Type one in a transaction's Payee box, or import a bank file: "
            "the names it carries become payees, and rules can match them."
        )
    else:
        table = pd.DataFrame(
            [
                {"Payee": p["name"], "Transactions": int(p.get("transaction_count") or 0)}
                for p in sorted(payees, key=lambda p: p["name"].casefold())
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch", key="setup_payees_table")
    if not can_write:
        return
    add_and_change(
        "Add a payee",
        lambda: _payee_add(page),
        "Change a payee",
        lambda: _payee_change(page, payees),
        nothing_to_change=None if payees else "Payees can be renamed, merged or deleted here.",
    )


def _payee_add(page: Page) -> None:
    with st.form("setup_payee_add", border=True):
        name = st.text_input("Name", max_chars=100, placeholder="REWE", key="setup_payee_name")
        submitted = st.form_submit_button("Add payee", type="primary", key="setup_payee_submit")
    if not submitted:
        return
    try:
        body = {"name": setup_items.name_of(name)}
        api.get_client().post(data.ledger_path("/payees"), json=body)
    except (ApiError, forms.FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"setup_payee_name": ""})
    page.written(f"Added the payee {body['name']}.")


def _payee_change(page: Page, payees: list[dict[str, Any]]) -> None:
    items = [{**p, "archived": False} for p in sorted(payees, key=lambda p: p["name"].casefold())]
    payee = setup_items.pick("Payee", items, "setup_payee_pick")
    path = data.ledger_path(f"/payees/{payee['id']}")
    rename, merge, remove = st.tabs(
        ["Rename", "Merge", "Delete"], key="setup_payee_actions", on_change="rerun"
    )
    with rename:
        setup_items.rename(page, payee, path, "payee")
    with merge:
        _merge(page, payee, items)
    with remove:
        st.caption("Deleting works only for a payee no transaction uses: merge it instead.")
        hint = "Merge it into another payee: its transactions and rules move there."
        page.delete(
            f"setup_payee_{payee['id']}",
            "payee",
            payee["name"],
            path,
            f"Deleted the payee {payee['name']}.",
            hint,
        )


def _merge(page: Page, payee: dict[str, Any], items: list[dict[str, Any]]) -> None:
    others = [p for p in items if p["id"] != payee["id"]]
    if not others:
        st.caption("There is no other payee to merge into.")
        return
    st.caption(
        f"Every transaction and rule naming {literal(payee['name'])} moves to the payee you "
        "choose, and this one is deleted: for spellings of one shop, such as REWE and Rewe Markt."
    )
    into = setup_items.pick("Merge into", others, f"setup_payee_into_{payee['id']}")
    if not page.confirmed(
        f"setup_payee_merge_{payee['id']}",
        subject=f"{payee['id']}>{into['id']}",
        ask="Merge",
        icon=":material/merge:",
        question=(
            f"Move everything of {payee['name']} to {into['name']} and delete {payee['name']}?"
        ),
        yes="Yes, merge them",
    ):
        return
    try:
        answer = api.get_client().post(
            data.ledger_path(f"/payees/{payee['id']}/merge"), json={"into": str(into["id"])}
        )
    except ApiError as error:
        show_error(error)
        return
    moved = int(answer.get("moved", 0)) if isinstance(answer, dict) else 0
    page.written(
        f"Merged {payee['name']} into {into['name']}: "
        f"{moved} transaction{'s' if moved != 1 else ''} moved."
    )
