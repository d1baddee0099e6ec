"""Account → Ledgers: the user's ledgers; create, rename and delete one; export one as JSON and
restore such a file as a new ledger."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, config, data, forms, labels, session
from dashboard.api import ApiError, FieldError
from dashboard.formatting import literal
from dashboard.forms import FormErrors
from dashboard.views.common import Page, prepared_download, show_error, today
from dashboard.views.currency_fields import currency_select

CURRENCY_HELP = (
    "The ledger's base currency: buckets, budgets, goals and reports are in it. Wallets may "
    "hold other currencies (Setup → Wallets)."
)

EXPORT_KEY = "account_export"  # also the prefix of its buttons' keys
RESTORE_KEY = "account_restore"


def refresh_ledgers() -> None:
    """Ledgers changed: fetch them again (the current one stays if it still exists)."""
    session.set_ledgers(api.get_client().ledgers())


def section(page: Page) -> None:
    """The Ledgers tab."""
    ledgers = session.ledgers()
    current = session.current_ledger_id()
    st.subheader("Your ledgers")
    if ledgers:
        table = pd.DataFrame(
            {
                "Ledger": [ledger["name"] for ledger in ledgers],
                "Currency": [ledger["currency"] for ledger in ledgers],
                "Your role": [
                    labels.ROLES.get(ledger["role"], ledger["role"]) for ledger in ledgers
                ],
                "Current": ["✓" if ledger["id"] == current else "" for ledger in ledgers],
            }
        )
        st.dataframe(table, hide_index=True)
        st.caption("Switch between ledgers in the sidebar. " + labels.ROLE_HELP)
    else:
        st.info("You are not a member of any ledger. Create one below to start budgeting.")

    create, change = st.columns(2, gap="large")
    with create:
        st.subheader("Create a ledger")
        _ledger_create(page)
    owned = [ledger for ledger in ledgers if ledger["role"] == "owner"]
    with change:
        st.subheader("Change or delete a ledger")
        if not owned:
            st.caption("Only a ledger's owners can change or delete it; you own none.")
            return
        ids = [str(ledger["id"]) for ledger in owned]
        chosen = st.selectbox(
            "Ledger",
            ids,
            index=ids.index(current) if current in ids else 0,
            format_func={
                str(ledger["id"]): labels.ledger_label(ledger) for ledger in owned
            }.__getitem__,
            key="account_ledger_pick",
        )
        ledger = next(ledger for ledger in owned if str(ledger["id"]) == chosen)
        _ledger_edit(page, ledger)
        _ledger_delete(page, ledger)


def _ledger_create(page: Page) -> None:
    with st.form("account_ledger_create"):
        name = st.text_input("Name", placeholder="Family budget", key="account_ledger_name")
        currency = currency_select("Currency", "account_ledger_currency", "EUR", help=CURRENCY_HELP)
        submitted = st.form_submit_button(
            "Create ledger", type="primary", key="account_ledger_create_submit"
        )
    if not submitted:
        return
    try:
        if not name.strip():
            raise FormErrors([FieldError(field="name", message="Enter a name.")])
        if not currency:
            raise FormErrors([FieldError(field="currency", message="Choose a currency.")])
        body = {"name": name.strip(), "currency": currency}
        created = api.get_client().post("/ledgers", json=body)
        refresh_ledgers()
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    session.set_current_ledger_id(str(created["id"]))
    forms.reset_later({"account_ledger_name": ""})
    page.written(
        f"Created the ledger {created['name']} and switched to it. Set up its wallets and "
        "buckets on the Setup page."
    )


def _ledger_edit(page: Page, ledger: dict[str, Any]) -> None:
    """Its name and its (base) currency."""
    key = f"account_ledger_{ledger['id']}"
    with st.form(f"{key}_rename", border=False):
        name = st.text_input("New name", value=ledger["name"], key=f"{key}_name")
        currency = currency_select(
            "Currency", f"{key}_currency", ledger["currency"], help=CURRENCY_HELP
        )
        submitted = st.form_submit_button("Save", key=f"{key}_rename_submit")
    if not submitted:
        return
    new = name.strip()
    body: dict[str, Any] = {}
    if new and new != ledger["name"]:
        body["name"] = new
    if currency and currency != ledger["currency"]:
        body["currency"] = currency
    if not body:
        st.info("Enter a different name or choose another currency.")
        return
    try:
        api.get_client().patch(f"/ledgers/{ledger['id']}", json=body)
        refresh_ledgers()
    except ApiError as error:
        forms.show_form_error(error)
        return
    said = []
    if "name" in body:
        said.append(f"Renamed the ledger {ledger['name']} to {new}.")
    if "currency" in body:
        said.append(f"{new or ledger['name']} is now kept in {currency}.")
    page.written(" ".join(said))


def _ledger_delete(page: Page, ledger: dict[str, Any]) -> None:
    key = f"account_ledger_{ledger['id']}_delete"
    st.caption("Deleting a ledger removes all of its wallets, buckets and transactions.")
    if not page.confirmed(
        key,
        ask="Delete ledger",
        icon=":material/delete:",
        question=f"This deletes {ledger['name']} and everything in it, for every member.",
        typed=ledger["name"],
        yes="Delete for good",
    ):
        return
    try:
        api.get_client().delete(f"/ledgers/{ledger['id']}")
        refresh_ledgers()
    except ApiError as error:
        show_error(error)
        return
    page.written(f"Deleted the ledger {ledger['name']}.")


def backup(page: Page) -> None:
    """Export and restore, under the ledgers."""
    st.divider()
    export, restore = st.columns(2, gap="large")
    with export:
        st.subheader("Export a ledger")
        _ledger_export()
    with restore:
        st.subheader("Restore a ledger")
        _ledger_restore(page)


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
        format_func=lambda lid: labels.ledger_label(by_id[lid]),
        key="account_export_pick",
    )
    st.caption(
        "The whole ledger as one JSON file: wallets, buckets, categories, transactions and "
        "their splits. Keep it as a backup, or restore it (here, or on another server) as a "
        "new ledger."
    )
    # A write anywhere in the dashboard makes a prepared file stale.
    name = by_id[chosen]["name"]
    prepared_download(
        EXPORT_KEY,
        (chosen, st.session_state.get(data.DATA_VERSION_KEY, 0)),
        lambda: api.get_client().download(f"/ledgers/{chosen}/export.json"),
        prepare="Prepare export",
        prepare_icon=":material/data_object:",
        label=f"Download {literal(name)} (JSON)",
        file_name=f"{name}-{today().isoformat()}.json",
        mime="application/json",
    )


def _ledger_restore(page: Page) -> None:
    st.caption(
        "A file from **Export a ledger** becomes a new ledger of the same name that you own, "
        "with every wallet, bucket, category and transaction in it. Nothing existing changes."
    )
    # A new key empties the uploader after a restore (its file can't be cleared otherwise).
    generation = st.session_state.get(RESTORE_KEY, 0)
    upload = st.file_uploader(
        "Ledger file (JSON)",
        type=["json"],
        max_upload_size=config.RESTORE_MAX_MB,
        key=f"account_restore_file_{generation}",
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
        refresh_ledgers()
    except ApiError as error:
        forms.show_form_error(error)
        return
    session.set_current_ledger_id(str(created["id"]))
    st.session_state[RESTORE_KEY] = generation + 1
    page.written(f"Restored the ledger {created['name']} from {upload.name} and switched to it.")
