"""Setup → Wallets: the wallets with their balances; add one; rename, reconcile, archive or
delete one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import streamlit as st

from dashboard import api, data, forms, labels, tables
from dashboard.api import ApiError
from dashboard.formatting import format_money, parse_money
from dashboard.forms import FormErrors
from dashboard.views import setup_items
from dashboard.views.common import Page, add_and_change, money_table, show_error, today


def section(page: Page, currency: str, can_write: bool) -> None:
    """The Wallets tab."""
    try:
        wallets = data.wallets()
    except ApiError as error:
        show_error(error)
        return
    active = [w for w in wallets if not w["archived"]]
    show_archived = False
    if len(active) < len(wallets):
        show_archived = st.toggle("Show archived wallets", key="setup_wallets_archived")
    if active or show_archived:
        money_table(tables.wallet_table(wallets, show_archived), currency)
        total = sum((parse_money(w["balance"]) for w in active), Decimal("0.00"))
        st.caption(f"Net worth across active wallets: {format_money(total, currency)}")
    else:
        st.info(
            "No wallets yet. Add the places your money sits: a bank account, a card, cash, "
            "or a loan (money lent to or borrowed from someone)."
        )
    if not can_write:
        return

    def change() -> None:
        wallet = setup_items.pick("Wallet", wallets, "setup_wallet_pick")
        path = data.ledger_path(f"/wallets/{wallet['id']}")
        rename, reconcile, remove = st.tabs(
            ["Rename", "Reconcile", "Archive or delete"],
            key="setup_wallet_actions",
            on_change="rerun",
        )
        with rename:
            setup_items.rename(page, wallet, path, "wallet")
        with reconcile:
            _reconcile(page, wallet, path, currency)
        with remove:
            setup_items.archive_or_delete(page, wallet, path, "wallet")

    add_and_change(
        "Add a wallet",
        lambda: _wallet_add(page, currency),
        "Change a wallet",
        change,
        nothing_to_change=None
        if wallets
        else "Wallets you add can be renamed, reconciled, archived or deleted here.",
    )


def _wallet_add(page: Page, currency: str) -> None:
    with st.form("setup_wallet_add", border=True):
        name = st.text_input("Name", placeholder="Bank account", key="setup_wallet_name")
        kind = st.selectbox(
            "Kind",
            list(labels.WALLET_KIND_CHOICES),
            format_func=labels.WALLET_KIND_CHOICES.__getitem__,
            key="setup_wallet_kind",
        )
        left, right = st.columns(2)
        opening = left.text_input(
            f"Opening balance ({currency})",
            placeholder="0.00",
            help="What it holds today. For a loan: positive when they owe you.",
            key="setup_wallet_opening",
        )
        opening_date = right.date_input("Opening date", value=today(), key="setup_wallet_date")
        submitted = st.form_submit_button("Add wallet", type="primary", key="setup_wallet_submit")
    if not submitted:
        return
    try:
        body: dict[str, Any] = {"name": setup_items.name_of(name), "kind": kind}
        balance = forms.parse_balance(opening, field_name="opening_balance")
        if balance:
            body["opening_balance"] = str(balance)
            body["opening_date"] = opening_date.isoformat()
        api.get_client().post(data.ledger_path("/wallets"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"setup_wallet_name": "", "setup_wallet_opening": ""})
    page.written(f"Added the wallet {body['name']}.")


def _reconcile(page: Page, wallet: dict[str, Any], path: str, currency: str) -> None:
    st.caption(
        f"{wallet['name']} holds {format_money(wallet['balance'], currency)} here. Enter what "
        "it really holds (your bank statement, the cash you counted); the difference becomes "
        "an adjustment."
    )
    key = f"setup_reconcile_{wallet['id']}"
    with st.form(key, border=False):
        left, right = st.columns(2)
        actual = left.text_input(f"Actual balance ({currency})", key=f"{key}_actual")
        on = right.date_input("Date", value=today(), key=f"{key}_date")
        submitted = st.form_submit_button("Reconcile", key=f"{key}_submit")
    if not submitted:
        return
    try:
        amount = forms.parse_balance(actual, field_name="actual_balance", required=True)
        body = {"actual_balance": str(amount), "date": on.isoformat()}
        answer = api.get_client().post(f"{path}/reconcile", json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({f"{key}_actual": ""})
    page.written(reconcile_message(wallet["name"], answer, currency))


def reconcile_message(name: str, answer: dict[str, Any], currency: str) -> str:
    balance = format_money(answer["balance"], currency)
    adjustment = answer.get("adjustment")
    if not adjustment:
        return f"{name} already matches: it holds {balance}. Nothing to adjust."
    amount = parse_money(adjustment["amount"])
    sign = "+" if amount > 0 else ""
    return (
        f"Added an adjustment of {sign}{format_money(amount, currency)} to {name}; "
        f"it now holds {balance}."
    )
