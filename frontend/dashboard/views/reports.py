"""Reports: monthly, yearly and historical — one page each, all from the report endpoints."""

from __future__ import annotations

import calendar
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, data, session, tables
from dashboard.api import ApiError
from dashboard.formatting import format_money, literal, parse_money
from dashboard.views import common
from dashboard.views.common import metric_row, money_table, show_error

ALL_WALLETS = "All wallets"
ALL_BUCKETS = "All buckets"
YEARS_BACK = 10


def render_monthly() -> None:
    st.title("Monthly report")
    currency = current_currency()
    if currency is None:
        return
    today = common.today()
    year_column, month_column, wallet_column, bucket_column = st.columns(4)
    try:
        with year_column:
            year = _year_picker("monthly", today.year)
        month = month_column.selectbox(
            "Month",
            list(range(1, 13)),
            index=today.month - 1,
            format_func=calendar.month_name.__getitem__,
            key="monthly_month",
        )
        filters, scope = _filters("monthly", wallet_column, bucket_column)
        report = data.get(
            data.ledger_path("/reports/monthly"), {"year": year, "month": month, **filters}
        )
    except ApiError as error:
        show_error(error)
        return

    period = f"{calendar.month_name[month]} {year}"
    if not _has_activity(report["totals"], report["categories"]):
        st.info(f"No activity in {period}{scope}.")
        return
    _totals(report["totals"], currency)

    _donuts(report["categories"], currency)

    categories_column, buckets_column = st.columns([3, 2], gap="large")
    with categories_column:
        st.subheader("Categories")
        if report["categories"]:
            st.altair_chart(charts.category_bars(report["categories"], currency), width="stretch")
            categories = tables.category_table(report["categories"])
            money_table(categories, currency, width="stretch")
            _download("Download categories (CSV)", categories, f"categories-{year}-{month:02d}")
        else:
            st.caption(f"No income or expense in {period}.")
    with buckets_column:
        st.subheader("Spending by bucket")
        if report["buckets"]:
            spent = tables.bucket_spent_table(report["buckets"])
            money_table(spent, currency, width="stretch")
            _download("Download bucket spending (CSV)", spent, f"buckets-{year}-{month:02d}")
        else:
            st.caption(f"No expenses in {period}.")

    st.subheader("Daily income and expense")
    st.altair_chart(charts.daily_income_expense(report["days"], currency), width="stretch")
    _download("Download days (CSV)", tables.day_table(report["days"]), f"days-{year}-{month:02d}")


def render_yearly() -> None:
    st.title("Yearly report")
    currency = current_currency()
    if currency is None:
        return
    year_column, wallet_column, bucket_column = st.columns(3)
    try:
        with year_column:
            year = _year_picker("yearly", common.today().year)
        filters, scope = _filters("yearly", wallet_column, bucket_column)
        report = data.get(data.ledger_path("/reports/yearly"), {"year": year, **filters})
    except ApiError as error:
        show_error(error)
        return

    if not _has_activity(report["totals"], report["categories"]):
        st.info(f"No activity in {year}{scope}.")
        return
    _totals(report["totals"], currency)

    st.subheader("Income and expense by month")
    st.altair_chart(charts.monthly_bars_with_net(report["months"], currency), width="stretch")
    months = tables.month_table(report["months"])
    with st.expander("Months as a table"):
        # All twelve months in view: the default height stops at ten rows.
        money_table(months, currency, width="stretch", height="content")
    _download("Download months (CSV)", months, f"months-{year}")

    st.subheader("Categories by month")
    if report["categories"]:
        categories = tables.category_month_table(report["categories"])
        money_table(categories, currency, pin_first=True, width="stretch")
        _download("Download categories (CSV)", categories, f"categories-{year}")
    else:
        st.caption(f"No income or expense in {year}.")


def render_historical() -> None:
    st.title("Historical report")
    currency = current_currency()
    if currency is None:
        return
    wallet_column, bucket_column, _ = st.columns(3)
    try:
        filters, scope = _filters("historical", wallet_column, bucket_column)
        report = data.get(data.ledger_path("/reports/historical"), filters)
    except ApiError as error:
        show_error(error)
        return

    period = report["period"]
    if period["from_year"] is None or not _has_activity(report["totals"], report["categories"]):
        if filters:
            st.info(f"No activity{scope}.")
        else:
            st.info("No transactions yet — add one on the Transactions page.")
        return
    first, last = period["from_year"], period["to_year"]
    span = str(first) if first == last else f"{first}-{last}"
    st.caption(
        f"All activity is in {first}."
        if first == last
        else f"Every year from the first transaction to the last: {first} to {last}."
    )
    _totals(report["totals"], currency)

    st.subheader("Income and expense by year")
    st.altair_chart(charts.yearly_bars_with_net(report["years"], currency), width="stretch")
    years = tables.year_table(report["years"])
    with st.expander("Years as a table"):
        money_table(years, currency, width="stretch", height="content")
    _download("Download years (CSV)", years, f"years-{span}")

    st.subheader("Categories by year")
    if report["categories"]:
        year_numbers = [row["year"] for row in report["years"]]
        categories = tables.category_year_table(report["categories"], year_numbers)
        money_table(categories, currency, width="stretch")
        _download("Download categories (CSV)", categories, f"categories-{span}")
    else:
        st.caption("No income or expense yet.")


def _donuts(categories: list[dict[str, Any]], currency: str) -> None:
    """Where the money went and where it came from: two donuts, never one mixing both."""
    expense = charts.category_donut(categories, "expense", currency)
    income = charts.category_donut(categories, "income", currency)
    if expense is None and income is None:
        return
    expense_column, income_column = st.columns(2, gap="large")
    with expense_column:
        st.subheader("Spending by category")
        if expense is None:
            st.caption("No expenses this month.")
        else:
            st.altair_chart(expense, width="stretch")
    with income_column:
        st.subheader("Income by category")
        if income is None:
            st.caption("No income this month.")
        else:
            st.altair_chart(income, width="stretch")


# --- shared pieces ----------------------------------------------------------------------------


def current_currency() -> str | None:
    """The current ledger's currency; None (and a note) without a ledger."""
    ledger = session.current_ledger()
    if ledger is None:
        st.info("You are not a member of any ledger yet.")
        return None
    return ledger["currency"]


def _year_picker(prefix: str, default: int) -> int:
    """Years from the ledger's first transaction (or ten years back) to next year, newest first."""
    first = data.get(data.ledger_path("/reports/historical"))["period"]["from_year"]
    start = min(first or default - YEARS_BACK, default - YEARS_BACK)
    years = list(range(default + 1, start - 1, -1))
    return st.selectbox("Year", years, index=years.index(default), key=f"{prefix}_year")


def _filters(prefix: str, wallet_column: Any, bucket_column: Any) -> tuple[dict[str, str], str]:
    """The wallet and bucket selectboxes: the chosen ids as report parameters, and " for Cash"."""
    wallets = data.wallets()
    buckets = data.buckets()
    wallet = _pick(wallet_column, "Wallet", ALL_WALLETS, wallets, f"{prefix}_wallet")
    bucket = _pick(bucket_column, "Bucket", ALL_BUCKETS, buckets, f"{prefix}_bucket")
    params = {key: value for key, value in (("wallet", wallet), ("bucket", bucket)) if value}
    names = {str(item["id"]): item["name"] for item in [*wallets, *buckets]}
    scope = " and ".join(literal(names[value]) for value in params.values())
    return params, f" for {scope}" if scope else ""


def _pick(column: Any, label: str, everything: str, items: list[dict[str, Any]], key: str) -> str:
    """One filter: "" stands for everything (None would make the box look clearable)."""
    names = {
        str(item["id"]): item["name"] + (" (archived)" if item.get("archived") else "")
        for item in items
    }
    options = ["", *names]
    # After a ledger switch the remembered id belongs to another ledger.
    if st.session_state.get(key) not in options:
        st.session_state.pop(key, None)
    return column.selectbox(
        label,
        options,
        format_func=lambda value: names.get(value, everything),
        key=key,
    )


def _has_activity(totals: dict[str, Any], categories: list[Any]) -> bool:
    # Transfers in / out are null without a wallet or bucket filter.
    return bool(categories) or any(
        parse_money(value) for value in totals.values() if value is not None
    )


def _totals(totals: dict[str, Any], currency: str) -> None:
    metric_row(
        [
            ("Income", format_money(totals["income"], currency), None),
            ("Expense", format_money(totals["expense"], currency), None),
            ("Net", format_money(totals["net"], currency), "Income minus expense."),
            (
                "Adjustments",
                format_money(totals["adjustments"], currency),
                "Opening balances and reconciliations: they change balances, "
                "not income or expense.",
            ),
            *_transfers(totals, currency),
        ]
    )


def _transfers(totals: dict[str, Any], currency: str) -> list[tuple[str, str, str | None]]:
    """With a wallet or bucket chosen, the money moved into and out of it by transfers."""
    if totals.get("transfers_in") is None:
        return []
    moved = (
        f"{format_money(totals['transfers_in'], currency)} / "
        f"{format_money(totals['transfers_out'], currency)}"
    )
    return [
        (
            "Transfers in / out",
            moved,
            "Money moved in from and out to other wallets or buckets: it changes the "
            "balance, never income or expense.",
        )
    ]


def _download(label: str, frame: pd.DataFrame, name: str) -> None:
    st.download_button(
        label,
        tables.to_csv(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download_{name}",
        icon=":material/download:",
    )
