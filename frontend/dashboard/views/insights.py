"""Reports → Forecast and Trends (SPEC §18): the projected balance with its tightest month,
and spending per category with the unusual ones first and the savings rate."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, insights
from dashboard.api import ApiError
from dashboard.formatting import format_money, literal
from dashboard.views.common import money_table, show_error
from dashboard.views.reports import current_currency

FORECAST_MONTHS = [3, 6, 12, 24]
TREND_MONTHS = [6, 12, 24]
TYPICAL_HELP = (
    "Also count your usual income and spending that is not recurring: the monthly average "
    "of the last six complete months."
)


def render_forecast() -> None:
    st.title("Forecast")
    currency = current_currency()
    if currency is None:
        return
    months_column, typical_column = st.columns([1, 2], vertical_alignment="bottom")
    months = months_column.selectbox(
        "Months ahead", FORECAST_MONTHS, index=2, key="forecast_months"
    )
    typical = typical_column.toggle(
        "Include typical spending", value=False, help=TYPICAL_HELP, key="forecast_typical"
    )
    try:
        forecast = data.get(
            data.ledger_path("/reports/forecast"),
            {"months": months, "include_typical": "true" if typical else "false"},
        )
    except ApiError as error:
        show_error(error)
        return
    st.caption(
        "From today's balance (all wallets) and your recurring transactions still to come; "
        "this month counts only what is still ahead."
    )
    lowest = forecast.get("lowest")
    sentence = insights.lowest_sentence(lowest, currency)
    if lowest and sentence:
        below = lowest["balance"].startswith("-")
        (st.warning if below else st.info)(sentence, icon=":material/trending_down:")
    st.altair_chart(charts.forecast_line(forecast["points"], lowest, currency), width="stretch")
    money_table(insights.forecast_table(forecast["points"], lowest), currency, width="stretch")
    if typical and forecast.get("typical"):
        usual = forecast["typical"]
        st.caption(
            f"Typical month: income {format_money(usual['income'], currency)}, "
            f"expense {format_money(usual['expense'], currency)}."
        )

    st.subheader("Recurring transactions ahead")
    if forecast["occurrences"]:
        money_table(insights.occurrence_table(forecast["occurrences"]), currency, width="stretch")
    else:
        st.info(
            "No recurring transactions ahead — add rent, salary or subscriptions under "
            "Planning to see them here."
        )


def render_trends() -> None:
    st.title("Trends")
    currency = current_currency()
    if currency is None:
        return
    months = st.selectbox("Months", TREND_MONTHS, index=1, key="trends_months")
    try:
        trends = data.get(data.ledger_path("/reports/trends"), {"months": months})
    except ApiError as error:
        show_error(error)
        return
    categories = trends["categories"]
    unusual = [c for c in categories if c["unusual"]]
    if unusual:
        names = ", ".join(literal(c["name"]) for c in unusual)
        st.warning(
            f"Unusual last month: {names} — well above their usual spending.",
            icon=":material/priority_high:",
        )
    if not categories:
        st.info("No spending in these months yet.")
    else:
        st.subheader("Spending by category")
        st.caption(
            "Complete months only; a category is unusual when its last month is above its "
            "average plus twice the usual variation of the months before."
        )
        money_table(insights.trend_table(categories), currency, width="stretch")
        st.altair_chart(charts.trend_lines(categories, trends["months"], currency), width="stretch")

    st.subheader("Savings rate")
    st.caption("What was left of each month's income after its expenses.")
    money_table(insights.savings_table(trends["savings_rate"]), currency, width="stretch")
