"""Planning: monthly budgets per expense category with their status (views/budgets.py), savings
goals with their progress (views/goals.py), and recurring transactions: pause, resume, run now
(views/recurring.py)."""

from __future__ import annotations

import streamlit as st

from dashboard.views import budgets, goals, recurring
from dashboard.views.common import Page, ledger_page

PAGE = Page(flash_key="plan_flash", confirm_key="plan_confirm_delete")


def render() -> None:
    frame = ledger_page("Planning", PAGE.flash_key)
    if frame is None:
        return
    ledger, can_write = frame
    currency = ledger["currency"]

    budgets_tab, goals_tab, recurring_tab = st.tabs(
        ["Budgets", "Goals", "Recurring"], key="plan_tab", on_change="rerun"
    )
    with budgets_tab:
        budgets.section(PAGE, currency, can_write)
    with goals_tab:
        goals.section(PAGE, currency, can_write)
    with recurring_tab:
        recurring.section(PAGE, currency, can_write)
