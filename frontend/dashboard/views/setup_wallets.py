"""Setup → Wallets: the wallets with their balances (each in its currency, and in the base one
beside it when some are in another, SPEC §14); add one; rename, reconcile, change the currency
of (while it has no transactions), archive or delete one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import streamlit as st

from dashboard import api, currencies, data, forms, labels, tables
from dashboard.api import ApiError
from dashboard.formatting import format_money, literal, parse_money, places
from dashboard.forms import FormErrors
from dashboard.views import setup_items
from dashboard.views.common import Page, add_and_change, money_table, show_error, today
from dashboard.views.currency_fields import currency_select

CURRENCY_HELP = (
    "The currency the wallet holds (default: the ledger's). It can change only while the "
    "wallet has no transactions."
)


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
    if (active or show_archived) and tables.in_other_currencies(wallets, currency):
        _wallets_in_currencies(wallets, currency, show_archived)
    elif active or show_archived:
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
        rename, reconcile, money, remove = st.tabs(
            ["Rename", "Reconcile", "Currency", "Archive or delete"],
            key="setup_wallet_actions",
            on_change="rerun",
        )
        with rename:
            setup_items.rename(page, wallet, path, "wallet")
        with reconcile:
            _reconcile(page, wallet, path, wallet.get("currency") or currency)
        with money:
            _currency(page, wallet, path, currency)
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
    # Outside the form: the opening balance's label and places follow the currency chosen.
    chosen = currency_select("Currency", "setup_wallet_currency", currency, help=CURRENCY_HELP)
    own = chosen or currency
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
            f"Opening balance ({own})",
            placeholder="0" if not places(own) else "0." + "0" * places(own),
            help="What it holds today. For a loan: positive when they owe you.",
            key="setup_wallet_opening",
        )
        opening_date = right.date_input("Opening date", value=today(), key="setup_wallet_date")
        submitted = st.form_submit_button("Add wallet", type="primary", key="setup_wallet_submit")
    if not submitted:
        return
    try:
        body: dict[str, Any] = {"name": setup_items.name_of(name), "kind": kind}
        if chosen and chosen != currency:
            body["currency"] = chosen  # the ledger's currency is the default
        balance = forms.parse_balance(opening, field_name="opening_balance", decimals=places(own))
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
        amount = forms.parse_balance(
            actual, field_name="actual_balance", required=True, decimals=places(currency)
        )
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


def _wallets_in_currencies(wallets: list[dict[str, Any]], base: str, show_archived: bool) -> None:
    """The table with each wallet in its own currency and in the base one (from the balances
    report, which knows the rates), and net worth in the base currency."""
    try:
        balances = data.get(data.ledger_path("/reports/balances"))
    except ApiError as error:
        show_error(error)
        return
    worth = {str(w["id"]): w.get("balance_base") for w in balances["wallets"]}
    rows = [{**w, "balance_base": worth.get(str(w["id"]))} for w in wallets]
    money_table(tables.wallet_table(rows, show_archived, base), base)
    st.caption(f"Net worth in {base}: {format_money(balances['net_worth'], base)}")
    for sentence in currencies.unconverted_text(balances.get("unconverted") or []):
        st.caption(literal(sentence))


def _currency(page: Page, wallet: dict[str, Any], path: str, base: str) -> None:
    """The wallet's currency, while it has no transactions (the API refuses it after: 409)."""
    own = wallet.get("currency") or base
    try:
        used = data.get(
            data.ledger_path("/transactions"), {"wallet": wallet["id"], "page_size": 1}
        )["count"]
    except ApiError as error:
        show_error(error)
        return
    if used:
        st.caption(
            f"{literal(wallet['name'])} holds {own} and has transactions: its currency can no "
            "longer change. Open a new wallet in the other currency and transfer the money."
        )
    key = f"setup_wallet_{wallet['id']}_currency"
    with st.form(f"{key}_form", border=False):
        chosen = currency_select("Currency", key, own, help=CURRENCY_HELP, disabled=bool(used))
        submitted = st.form_submit_button(
            "Change currency", disabled=bool(used), key=f"{key}_submit"
        )
    if not submitted or not chosen:
        return
    if chosen == own:
        st.info(f"{wallet['name']} already holds {own}.")
        return
    try:
        api.get_client().patch(path, json={"currency": chosen})
    except ApiError as error:
        forms.show_form_error(error)
        return
    page.written(f"{wallet['name']} now holds {chosen}.")
