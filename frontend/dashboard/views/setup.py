"""Setup: the ledger's wallets with reconcile (views/setup_wallets.py), buckets with the
allocation percentages and their live total (views/setup_buckets.py), and categories
(views/setup_categories.py), payees (views/setup_payees.py), rules (views/setup_rules.py) and
exchange rates (views/setup_rates.py)."""

from __future__ import annotations

import streamlit as st

from dashboard.views import (
    setup_buckets,
    setup_categories,
    setup_payees,
    setup_rates,
    setup_rules,
    setup_wallets,
)
from dashboard.views.common import Page, ledger_page

PAGE = Page(flash_key="setup_flash", confirm_key="setup_confirm_delete")


def render() -> None:
    frame = ledger_page("Setup", PAGE.flash_key)
    if frame is None:
        return
    ledger, can_write = frame
    currency = ledger["currency"]

    # Tabs that track their state survive reruns that change what is drawn above them (a
    # success message): untracked tabs would jump back to the first one.
    wallets_tab, buckets_tab, categories_tab, payees_tab, rules_tab, rates_tab = st.tabs(
        ["Wallets", "Buckets", "Categories", "Payees", "Rules", "Rates"],
        key="setup_tab",
        on_change="rerun",
    )
    with wallets_tab:
        setup_wallets.section(PAGE, currency, can_write)
    with buckets_tab:
        setup_buckets.section(PAGE, currency, can_write)
    with categories_tab:
        setup_categories.section(PAGE, can_write)
    with payees_tab:
        setup_payees.section(PAGE, can_write)
    with rules_tab:
        setup_rules.section(PAGE, currency, can_write)
    with rates_tab:
        setup_rates.section(PAGE, currency, can_write)
