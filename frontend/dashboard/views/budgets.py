"""Planning → Budgets: the chosen month's budgets with their status, every budget, and the
forms to add, change or delete one."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from typing import Any

import streamlit as st

from dashboard import api, charts, data, forms, insights, plans
from dashboard.api import ApiError
from dashboard.formatting import format_money, literal, parse_money, places
from dashboard.forms import FormErrors
from dashboard.plans import DEFAULT_ALERT_PERCENT, NO_END, month_label, month_options, month_value
from dashboard.views.common import Page, add_and_change, money_table, show_error, today

YEARS_BACK = 10
ROLLOVER_HELP = (
    "What is left of a month's limit carries into the next month (an overspend too, "
    "lowering it), month after month from the first month."
)
REFRESH_HELP = (
    "Show what changed elsewhere (spending added on another device or by a family member, "
    "the daily jobs) now; otherwise it shows within half a minute."
)


GRID_MONTHS = 6


def _month_picker(today: date) -> tuple[int, int]:
    month_column, year_column, _, refresh_column = st.columns(
        [2, 1, 2, 1], vertical_alignment="bottom"
    )
    if refresh_column.button(
        "Refresh",
        icon=":material/refresh:",
        help=REFRESH_HELP,
        key="plan_refresh",
        width="stretch",
    ):
        data.changed()
        st.rerun()  # the sidebar's unread count too
    month = month_column.selectbox(
        "Month",
        list(range(1, 13)),
        index=today.month - 1,
        format_func=calendar.month_name.__getitem__,
        key="plan_month",
    )
    years = list(range(today.year + 1, today.year - YEARS_BACK - 1, -1))
    year = year_column.selectbox("Year", years, index=years.index(today.year), key="plan_year")
    return year, month


def section(page: Page, currency: str, can_write: bool) -> None:
    """The Budgets tab."""
    day = today()
    year, month = _month_picker(day)
    try:
        status = data.get(data.ledger_path("/budgets/status"), {"year": year, "month": month})
        budgets = data.get_all(data.ledger_path("/budgets"))
        categories = data.categories()
    except ApiError as error:
        show_error(error)
        return
    names = {str(c["id"]): c["name"] for c in categories}
    period = f"{calendar.month_name[month]} {year}"

    if status:
        st.altair_chart(charts.budget_bars(status, names, currency), width="stretch")
        money_table(plans.status_table(status, names), currency, width="stretch")
        groups = insights.group_subtotals(status)
        if len(groups):
            st.caption("Per category group")
            money_table(groups, currency, width="stretch")
        _status_note(status, names, period)
    elif budgets:
        st.info(f"No budget covers {period}.")
    else:
        st.info(
            "No budgets yet. Give an expense category a monthly limit"
            + (" below" if can_write else "")
            + " and see here how much of it is spent."
        )

    if budgets and st.toggle(
        f"By month: {GRID_MONTHS} months up to {period}", key="plan_budget_grid"
    ):
        _month_grid(year, month, names, currency)
    if budgets:
        with st.expander(f"All budgets ({len(budgets)})", key="plan_budgets_all"):
            money_table(plans.budget_table(budgets, names), currency, width="stretch")
    if not can_write:
        return

    expense = sorted(
        (c for c in categories if c["type"] == "expense" and not c["archived"]),
        key=lambda c: c["name"].lower(),
    )

    def change() -> None:
        by_id = {str(b["id"]): b for b in budgets}
        chosen = st.selectbox(
            "Budget",
            list(by_id),
            format_func=lambda bid: plans.budget_name(by_id[bid], names, currency),
            key="plan_budget_pick",
        )
        _budget_edit(page, by_id[chosen], names, currency, day)

    add_and_change(
        "Add a budget",
        lambda: _budget_add(page, expense, currency, day),
        "Change a budget",
        change,
        nothing_to_change=None if budgets else "Budgets you add can be changed or deleted here.",
    )


def _month_grid(year: int, month: int, names: Mapping[str, str], currency: str) -> None:
    """A row per category, a column per month: spent of the limit and what is left (one
    cached read per month)."""
    statuses = {}
    try:
        for when in plans.months_back(year, month, GRID_MONTHS):
            params = {"year": when[0], "month": when[1]}
            statuses[when] = data.get(data.ledger_path("/budgets/status"), params)
    except ApiError as error:
        show_error(error)
        return
    st.dataframe(
        plans.month_grid(statuses, names, currency),
        hide_index=True,
        column_config={"Category": st.column_config.Column("Category", pinned=True)},
        width="stretch",
    )


def _status_note(status: list[dict[str, Any]], names: Mapping[str, str], period: str) -> None:
    exceeded = [literal(charts.budget_name(i, names)) for i in status if i["state"] == "exceeded"]
    warning = [literal(charts.budget_name(i, names)) for i in status if i["state"] == "warning"]
    if exceeded:
        st.error(f"Over the limit in {period}: {', '.join(exceeded)}.", icon=":material/error:")
    if warning:
        st.warning(
            f"Close to the limit in {period}: {', '.join(warning)}.", icon=":material/warning:"
        )
    if not exceeded and not warning:
        st.caption(f"Every budget is within its limit in {period}.")


def _budget_fields(
    key: str,
    today: date,
    currency: str,
    initial: Mapping[str, Any],
) -> dict[str, Any]:
    """Limit, alert percent, first and last month (inside a form)."""
    values: dict[str, Any] = {}
    left, right = st.columns(2)
    values["amount"] = left.text_input(
        f"Monthly limit ({currency})",
        value=initial.get("amount", ""),
        placeholder="400.00",
        key=f"{key}_amount",
    )
    values["alert_percent"] = right.number_input(
        "Alert at (% of the limit)",
        min_value=1,
        max_value=100,
        value=int(initial.get("alert_percent", DEFAULT_ALERT_PERCENT)),
        step=1,
        help="A notification comes when spending reaches this share, and again over 100 %.",
        key=f"{key}_alert",
    )
    values["rollover"] = st.checkbox(
        "Roll over",
        value=bool(initial.get("rollover", False)),
        help=ROLLOVER_HELP,
        key=f"{key}_rollover",
    )
    start = initial.get("start_month") or month_value(today.year, today.month)
    end = initial.get("end_month")
    months = month_options(today, start, end)
    left, right = st.columns(2)
    values["start_month"] = left.selectbox(
        "First month",
        months,
        index=months.index(start),
        format_func=month_label,
        key=f"{key}_start",
    )
    ends = [NO_END, *months]
    values["end_month"] = right.selectbox(
        "Last month",
        ends,
        index=ends.index(end) if end in ends else 0,
        format_func=lambda m: month_label(m) if m else "No end",
        key=f"{key}_end",
    )
    return values


def _budget_add(page: Page, expense: list[dict[str, Any]], currency: str, today: date) -> None:
    if not expense:
        st.info("Budgets are for expense categories: add one under Setup first.")
        return
    with st.form("plan_budget_add", border=True):
        by_id = {str(c["id"]): c["name"] for c in expense}
        category = st.selectbox(
            "Expense category",
            list(by_id),
            index=None,
            format_func=by_id.__getitem__,
            placeholder="Choose a category",
            key="plan_budget_add_category",
        )
        values = _budget_fields("plan_budget_add", today, currency, {})
        submitted = st.form_submit_button(
            "Add budget", type="primary", key="plan_budget_add_submit"
        )
    if not submitted:
        return
    try:
        body = plans.budget_payload({"category": category, **values}, places(currency))
        if not body["end_month"]:
            body.pop("end_month")
        if not body.get("rollover"):
            body.pop("rollover", None)  # the API's default
        api.get_client().post(data.ledger_path("/budgets"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"plan_budget_add_amount": "", "plan_budget_add_category": None})
    page.written(
        f"Added a budget of {format_money(body['amount'], currency)} a month for "
        f"{by_id[body['category']]}."
    )


def _budget_edit(
    page: Page, budget: dict[str, Any], names: Mapping[str, str], currency: str, today: date
) -> None:
    bid = str(budget["id"])
    key = f"plan_budget_{bid}"
    initial = {
        "amount": str(parse_money(budget["amount"], places(currency))),
        "alert_percent": parse_money(budget["alert_percent"]),
        "rollover": bool(budget.get("rollover", False)),
        "start_month": str(budget["start_month"])[:7],
        "end_month": str(budget["end_month"])[:7] if budget.get("end_month") else None,
    }
    with st.form(key, border=False):
        values = _budget_fields(key, today, currency, initial)
        submitted = st.form_submit_button("Save budget", key=f"{key}_submit")
    label = charts.budget_name(budget, names)
    path = data.ledger_path(f"/budgets/{bid}")
    if submitted:
        try:
            body = plans.budget_payload(values, places(currency))
            original = {**initial, "amount": str(parse_money(budget["amount"]))}
            changes = {k: v for k, v in body.items() if plans.differs(v, original.get(k))}
            if not changes:
                st.info("Nothing changed.")
            else:
                api.get_client().patch(path, json=changes)
                page.written(f"Saved the budget for {label}.")
        except (ApiError, FormErrors) as error:
            forms.show_form_error(error)
    page.delete(key, "budget", f"for {label}", path, f"Deleted the budget for {label}.")
