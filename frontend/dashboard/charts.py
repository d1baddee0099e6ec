"""Altair charts of the report answers, without Streamlit.

Frame builders turn a report's list into a tidy DataFrame; amounts become floats only there,
for plotting, while every tooltip shows the exact amount formatted from the API's string.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from typing import Any

import altair as alt
import pandas as pd

from dashboard.formatting import format_money, format_percent, parse_money

INCOME = "Income"
EXPENSE = "Expense"
NET = "Net"
INCOME_COLOR = "#2e9e5b"
EXPENSE_COLOR = "#e0575b"
NET_COLOR = "#31333f"
POSITIVE_COLOR = "#4c78a8"
NEGATIVE_COLOR = "#e0575b"
FLOW_SCALE = alt.Scale(domain=[INCOME, EXPENSE], range=[INCOME_COLOR, EXPENSE_COLOR])
BAR_HEIGHT = 26
# Whole units with thousands separators: "12,000", never "12k" or "0.2k".
AXIS_FORMAT = ",.0f"

Item = Mapping[str, Any]


def _plot(value: Any) -> float:
    """The chart boundary: an exact amount becomes a float for plotting only."""
    return float(parse_money(value))


# --- frames -----------------------------------------------------------------------------------


def balance_frame(items: Iterable[Item], currency: str | None = None) -> pd.DataFrame:
    """name, balance (float), label (formatted), sign ("Positive"/"Negative") per wallet/bucket."""
    rows = [
        {
            "name": item["name"],
            "balance": _plot(item["balance"]),
            "label": format_money(item["balance"], currency),
            "sign": "Negative" if parse_money(item["balance"]) < 0 else "Positive",
        }
        for item in items
    ]
    return pd.DataFrame(rows, columns=["name", "balance", "label", "sign"])


def category_frame(categories: Iterable[Item], currency: str | None = None) -> pd.DataFrame:
    rows = [
        {
            "name": c["name"],
            "type": INCOME if c["type"] == "income" else EXPENSE,
            "total": _plot(c["total"]),
            "label": format_money(c["total"], currency),
        }
        for c in categories
    ]
    return pd.DataFrame(rows, columns=["name", "type", "total", "label"])


def daily_frame(days: Iterable[Item], currency: str | None = None) -> pd.DataFrame:
    """Long form: one row per day and flow (Income, Expense)."""
    rows = []
    for day in days:
        date = str(day["date"])
        for flow, key in ((INCOME, "income"), (EXPENSE, "expense")):
            rows.append(
                {
                    "date": date,
                    "day": int(date[-2:]),
                    "flow": flow,
                    "amount": _plot(day[key]),
                    "label": format_money(day[key], currency),
                }
            )
    return pd.DataFrame(rows, columns=["date", "day", "flow", "amount", "label"])


def period_frame(
    rows: Iterable[Item], key: str, currency: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(flows, net) for months or years; `period` is the axis label, `order` sorts it."""
    flows, net = [], []
    for row in rows:
        period = _period_label(key, row[key])
        for flow, field in ((INCOME, "income"), (EXPENSE, "expense")):
            flows.append(
                {
                    "period": period,
                    "order": int(row[key]),
                    "flow": flow,
                    "amount": _plot(row[field]),
                    "label": format_money(row[field], currency),
                }
            )
        net.append(
            {
                "period": period,
                "order": int(row[key]),
                "net": _plot(row["net"]),
                "label": format_money(row["net"], currency),
            }
        )
    flow_columns = ["period", "order", "flow", "amount", "label"]
    net_columns = ["period", "order", "net", "label"]
    return pd.DataFrame(flows, columns=flow_columns), pd.DataFrame(net, columns=net_columns)


def _period_label(key: str, value: Any) -> str:
    return calendar.month_abbr[int(value)] if key == "month" else str(value)


# --- charts -----------------------------------------------------------------------------------


# One fixed band per row, so labels never collide however many rows there are.
ROW_HEIGHT = alt.Step(BAR_HEIGHT)


def balance_bars(items: Iterable[Item], currency: str | None = None) -> alt.LayerChart:
    """Horizontal bars from a zero line: positive balances right, negative ones left in red."""
    frame = balance_frame(items, currency)
    base = alt.Chart(frame)
    bars = base.mark_bar(cornerRadius=2).encode(
        x=alt.X("balance:Q", title=None, axis=alt.Axis(format=AXIS_FORMAT)),
        y=alt.Y("name:N", sort="-x", title=None),
        color=alt.Color(
            "sign:N",
            scale=alt.Scale(
                domain=["Positive", "Negative"], range=[POSITIVE_COLOR, NEGATIVE_COLOR]
            ),
            legend=None,
        ),
        tooltip=[alt.Tooltip("name:N", title="Name"), alt.Tooltip("label:N", title="Balance")],
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color=NET_COLOR).encode(x="zero:Q")
    return alt.layer(bars, zero).properties(height=ROW_HEIGHT)


def category_bars(categories: Iterable[Item], currency: str | None = None) -> alt.Chart:
    """Horizontal bars per category, largest first, coloured income/expense."""
    frame = category_frame(categories, currency)
    return (
        alt.Chart(frame)
        .mark_bar(cornerRadius=2)
        .encode(
            x=alt.X("total:Q", title=None, axis=alt.Axis(format=AXIS_FORMAT)),
            y=alt.Y("name:N", sort="-x", title=None),
            color=alt.Color(
                "type:N", scale=FLOW_SCALE, legend=alt.Legend(title=None, orient="top")
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Category"),
                alt.Tooltip("type:N", title="Type"),
                alt.Tooltip("label:N", title="Total"),
            ],
        )
        .properties(height=ROW_HEIGHT)
    )


def daily_income_expense(days: Iterable[Item], currency: str | None = None) -> alt.Chart:
    """Income and expense side by side for every day of the month."""
    frame = daily_frame(days, currency)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("day:O", title="Day of month", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("flow:N", sort=[INCOME, EXPENSE]),
            y=alt.Y("amount:Q", title=None, axis=alt.Axis(format=AXIS_FORMAT)),
            color=alt.Color(
                "flow:N", scale=FLOW_SCALE, legend=alt.Legend(title=None, orient="top")
            ),
            tooltip=[
                alt.Tooltip("date:N", title="Date"),
                alt.Tooltip("flow:N", title="Flow"),
                alt.Tooltip("label:N", title="Amount"),
            ],
        )
        .properties(height=320)
    )


def monthly_bars_with_net(months: Iterable[Item], currency: str | None = None) -> alt.LayerChart:
    """Income and expense bars per month with the net as a line."""
    return _bars_with_net(*period_frame(months, "month", currency), title="Month")


def yearly_bars_with_net(years: Iterable[Item], currency: str | None = None) -> alt.LayerChart:
    """Income and expense bars per year with the net as a line."""
    return _bars_with_net(*period_frame(years, "year", currency), title="Year")


def _bars_with_net(flows: pd.DataFrame, net: pd.DataFrame, title: str) -> alt.LayerChart:
    order = net.sort_values("order")["period"].tolist()
    x = alt.X("period:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    bars = (
        alt.Chart(flows)
        .mark_bar()
        .encode(
            x=x,
            xOffset=alt.XOffset("flow:N", sort=[INCOME, EXPENSE]),
            y=alt.Y("amount:Q", title=None, axis=alt.Axis(format=AXIS_FORMAT)),
            color=alt.Color(
                "flow:N",
                scale=alt.Scale(
                    domain=[INCOME, EXPENSE, NET], range=[INCOME_COLOR, EXPENSE_COLOR, NET_COLOR]
                ),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=[
                alt.Tooltip("period:N", title=title),
                alt.Tooltip("flow:N", title="Flow"),
                alt.Tooltip("label:N", title="Amount"),
            ],
        )
    )
    line = (
        alt.Chart(net)
        .mark_line(color=NET_COLOR, point=alt.OverlayMarkDef(color=NET_COLOR, size=40))
        .encode(
            x=x,
            y=alt.Y("net:Q"),
            tooltip=[alt.Tooltip("period:N", title=title), alt.Tooltip("label:N", title=NET)],
        )
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#b0b3bb").encode(y="zero:Q")
    return alt.layer(bars, line, zero).properties(height=340)


# --- budgets ----------------------------------------------------------------------------------

BUDGET_OK = "OK"
BUDGET_WARNING = "Warning"
BUDGET_EXCEEDED = "Exceeded"
NOTHING_LEFT = "nothing left"
BUDGET_STATES = {"ok": BUDGET_OK, "warning": BUDGET_WARNING, "exceeded": BUDGET_EXCEEDED}
BUDGET_SCALE = alt.Scale(
    domain=[BUDGET_OK, BUDGET_WARNING, BUDGET_EXCEEDED],
    range=["#2e9e5b", "#f0a020", "#e0575b"],  # green, amber, red
)


def budget_name(item: Item, category_names: Mapping[str, str] | None = None) -> str:
    """The budget's category by name: from the item, else looked up by id."""
    names = category_names or {}
    return item.get("category_name") or names.get(str(item["category"]), "Unknown category")


def budget_frame(
    status: Iterable[Item],
    category_names: Mapping[str, str] | None = None,
    currency: str | None = None,
) -> pd.DataFrame:
    """name, used (float percent of the limit), alert (float percent, none when unknown),
    state (OK/Warning/Exceeded) and the exact labels (used, spent, limit, remaining) per
    budget of a month's status."""
    rows = [
        {
            "name": budget_name(item, category_names),
            # Nothing available (a rolled-over overspend): no percent; a full bar.
            "used": _plot(item["percent_used"]) if item["percent_used"] is not None else 100.0,
            "alert": _plot(item["alert_percent"]) if item.get("alert_percent") else None,
            "state": BUDGET_STATES.get(item["state"], str(item["state"])),
            "used_label": (
                format_percent(item["percent_used"])
                if item["percent_used"] is not None
                else NOTHING_LEFT
            ),
            "spent": format_money(item["spent"], currency),
            "limit": format_money(item.get("available", item["limit"]), currency),
            "remaining": format_money(item["remaining"], currency),
        }
        for item in status
    ]
    columns = ["name", "used", "alert", "state", "used_label", "spent", "limit", "remaining"]
    return pd.DataFrame(rows, columns=columns)


def budget_bars(
    status: Iterable[Item],
    category_names: Mapping[str, str] | None = None,
    currency: str | None = None,
) -> alt.LayerChart:
    """One horizontal bar per budget: the share of its limit spent, coloured by state, with
    the percentage at the bar's end, a tick at the budget's alert percentage and a rule at
    100 %."""
    frame = budget_frame(status, category_names, currency)
    top = max([100.0, *frame["used"].tolist()])
    base = alt.Chart(frame).encode(
        y=alt.Y("name:N", sort="-x", title=None),
        tooltip=[
            alt.Tooltip("name:N", title="Category"),
            alt.Tooltip("spent:N", title="Spent"),
            alt.Tooltip("limit:N", title="Limit"),
            alt.Tooltip("remaining:N", title="Remaining"),
            alt.Tooltip("used_label:N", title="Used"),
            alt.Tooltip("state:N", title="State"),
        ],
    )
    x = alt.X(
        "used:Q",
        title="Spent, % of the limit",
        # Room on the right for the label of the longest bar.
        scale=alt.Scale(domain=[0, top * 1.15], nice=False),
        axis=alt.Axis(format=",.0f"),
    )
    bars = base.mark_bar(cornerRadius=2).encode(
        x=x,
        color=alt.Color("state:N", scale=BUDGET_SCALE, legend=alt.Legend(title=None, orient="top")),
    )
    labels = base.mark_text(align="left", dx=4, color=NET_COLOR).encode(x=x, text="used_label:N")
    alerts = base.mark_tick(color=NET_COLOR, thickness=2).encode(x=alt.X("alert:Q"))
    limit = (
        alt.Chart(pd.DataFrame({"limit": [100.0]}))
        .mark_rule(color=NET_COLOR, strokeDash=[4, 3])
        .encode(x="limit:Q")
    )
    return alt.layer(bars, labels, alerts, limit).properties(height=ROW_HEIGHT)


# --- insights (SPEC §18) ----------------------------------------------------------------------

LOWEST_COLOR = "#e0575b"


def month_axis_label(value: str) -> str:
    """ "2025-03" → "Mar 2025"."""
    year, month = str(value)[:7].split("-")
    return f"{calendar.month_abbr[int(month)]} {year}"


def net_worth_frame(points: Iterable[Item], currency: str | None = None) -> pd.DataFrame:
    """month (first day, for a time axis), label, net_worth (float), amount (formatted)."""
    rows = [
        {
            "month": pd.Timestamp(f"{p['month']}-01"),
            "label": month_axis_label(p["month"]),
            "net_worth": _plot(p["net_worth"]),
            "amount": format_money(p["net_worth"], currency),
        }
        for p in points
    ]
    return pd.DataFrame(rows, columns=["month", "label", "net_worth", "amount"])


def net_worth_line(points: Iterable[Item], currency: str | None = None) -> alt.Chart:
    """Net worth at each month's end, as a line with a point per month."""
    frame = net_worth_frame(points, currency)
    return (
        alt.Chart(frame)
        .mark_line(point=True, color=POSITIVE_COLOR)
        .encode(
            x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("net_worth:Q", title=None, axis=alt.Axis(format=AXIS_FORMAT)),
            tooltip=[
                alt.Tooltip("label:N", title="Month"),
                alt.Tooltip("amount:N", title="Net worth"),
            ],
        )
        .properties(height=260)
    )


def forecast_frame(
    points: Iterable[Item], lowest: Item | None, currency: str | None = None
) -> pd.DataFrame:
    """month, label, balance (float), amount, income, expense (formatted), lowest (bool)."""
    low = str(lowest["month"]) if lowest else None
    rows = [
        {
            "month": pd.Timestamp(f"{p['month']}-01"),
            "label": month_axis_label(p["month"]),
            "balance": _plot(p["balance"]),
            "amount": format_money(p["balance"], currency),
            "income": format_money(p["expected_income"], currency),
            "expense": format_money(p["expected_expense"], currency),
            "lowest": str(p["month"]) == low,
        }
        for p in points
    ]
    columns = ["month", "label", "balance", "amount", "income", "expense", "lowest"]
    return pd.DataFrame(rows, columns=columns)


def forecast_line(
    points: Iterable[Item], lowest: Item | None, currency: str | None = None
) -> alt.LayerChart:
    """The projected balance per month, the lowest month marked with a red point and label."""
    frame = forecast_frame(points, lowest, currency)
    x = alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%b %Y"))
    y = alt.Y("balance:Q", title=None, axis=alt.Axis(format=AXIS_FORMAT))
    tooltip = [
        alt.Tooltip("label:N", title="Month"),
        alt.Tooltip("income:N", title="Expected income"),
        alt.Tooltip("expense:N", title="Expected expense"),
        alt.Tooltip("amount:N", title="Balance"),
    ]
    line = (
        alt.Chart(frame)
        .mark_line(point=True, color=POSITIVE_COLOR)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    low = alt.Chart(frame[frame["lowest"]])
    mark = low.mark_point(size=160, filled=True, color=LOWEST_COLOR).encode(
        x=x, y=y, tooltip=tooltip
    )
    text = low.mark_text(dy=-14, color=LOWEST_COLOR).encode(x=x, y=y, text=alt.value("Lowest"))
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#b0b3bb").encode(y="zero:Q")
    return alt.layer(line, mark, text, zero).properties(height=300)


def trend_frame(
    categories: Iterable[Item], months: list[str], currency: str | None = None
) -> pd.DataFrame:
    """category, month, total (float), amount (formatted), unusual — one row per category
    and month."""
    rows = [
        {
            "category": c["name"],
            "month": pd.Timestamp(f"{month}-01"),
            "label": month_axis_label(month),
            "total": _plot(total),
            "amount": format_money(total, currency),
            "unusual": "Unusual" if c["unusual"] else "Usual",
        }
        for c in categories
        for month, total in zip(months, c["months"], strict=False)
    ]
    columns = ["category", "month", "label", "total", "amount", "unusual"]
    return pd.DataFrame(rows, columns=columns)


def trend_lines(
    categories: Iterable[Item], months: list[str], currency: str | None = None
) -> alt.Chart:
    """One line per expense category over the months."""
    frame = trend_frame(categories, months, currency)
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("total:Q", title=None, axis=alt.Axis(format=AXIS_FORMAT)),
            color=alt.Color("category:N", legend=alt.Legend(title=None, orient="top")),
            strokeDash=alt.StrokeDash(
                "unusual:N",
                scale=alt.Scale(domain=["Unusual", "Usual"], range=[[1, 0], [4, 3]]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("label:N", title="Month"),
                alt.Tooltip("amount:N", title="Spent"),
            ],
        )
        .properties(height=320)
    )


def category_donut(
    categories: Iterable[Item], kind: str, currency: str | None = None
) -> alt.Chart | None:
    """A donut of the categories of one type ("income" or "expense"): each one's share of
    the month's total. None when the type has no category with a total."""
    shown = [c for c in categories if c["type"] == kind and parse_money(c["total"]) > 0]
    if not shown:
        return None
    whole = sum((parse_money(c["total"]) for c in shown), parse_money("0"))
    frame = pd.DataFrame(
        [
            {
                "name": c["name"],
                "total": _plot(c["total"]),
                "label": format_money(c["total"], currency),
                "share": f"{parse_money(c['total']) * 100 / whole:.1f} %",
            }
            for c in shown
        ],
        columns=["name", "total", "label", "share"],
    )
    return (
        alt.Chart(frame)
        .mark_arc(innerRadius=60)
        .encode(
            theta=alt.Theta("total:Q", stack=True),
            color=alt.Color("name:N", sort=alt.SortField("total", order="descending"), title=None),
            order=alt.Order("total:Q", sort="descending"),
            tooltip=[
                alt.Tooltip("name:N", title="Category"),
                alt.Tooltip("label:N", title="Total"),
                alt.Tooltip("share:N", title="Share"),
            ],
        )
        .properties(height=260)
    )
