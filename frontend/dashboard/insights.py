"""Insight answers (net worth, forecast, trends; SPEC §18) → tables and sentences, without
Streamlit. Money stays an exact ``Decimal`` until it is shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from dashboard import labels
from dashboard.charts import month_axis_label
from dashboard.formatting import format_money, format_percent, parse_money

Item = Mapping[str, Any]


def forecast_table(points: Iterable[Item], lowest: Item | None) -> pd.DataFrame:
    """Month, Expected income, Expected expense, Balance, and "Lowest" beside the tightest."""
    low = str(lowest["month"]) if lowest else None
    rows = [
        {
            "Month": month_axis_label(p["month"]),
            "Expected income": parse_money(p["expected_income"]),
            "Expected expense": parse_money(p["expected_expense"]),
            "Balance": parse_money(p["balance"]),
            "Note": "Lowest" if str(p["month"]) == low else "",
        }
        for p in points
    ]
    columns = ["Month", "Expected income", "Expected expense", "Balance", "Note"]
    return pd.DataFrame(rows, columns=columns)


def occurrence_table(occurrences: Iterable[Item]) -> pd.DataFrame:
    """Date, Description, Kind, Amount (signed: what it does to the balance)."""
    rows = [
        {
            "Date": str(o["date"]),
            "Description": o["description"] or "—",
            "Kind": labels.label(labels.TRANSACTION_KINDS, o["kind"]),
            "Amount": signed(o),
        }
        for o in occurrences
    ]
    return pd.DataFrame(rows, columns=["Date", "Description", "Kind", "Amount"])


def signed(occurrence: Item) -> Decimal:
    amount = parse_money(occurrence["amount"])
    return -amount if occurrence["kind"] == "expense" else amount


def lowest_sentence(lowest: Item | None, currency: str) -> str:
    if not lowest:
        return ""
    balance = parse_money(lowest["balance"])
    when = month_axis_label(lowest["month"])
    if balance < 0:
        return f"Tightest month: {when}, with {format_money(balance, currency)} — below zero."
    return f"Tightest month: {when}, with {format_money(balance, currency)}."


def upcoming_bills(occurrences: Iterable[Item], today: date | str) -> list[Item]:
    """The expense occurrences still to come this month (`today`: the forecast's), by date."""
    month = str(today)[:7]
    return [o for o in occurrences if o["kind"] == "expense" and str(o["date"])[:7] <= month]


def trend_table(categories: Iterable[Item]) -> pd.DataFrame:
    """Category, Group, Last month, Average, Change, Unusual — in the API's order (unusual
    first)."""
    rows = [
        {
            "Category": c["name"],
            "Group": c.get("group") or "",
            "Last month": parse_money(c["last"]),
            "Average": parse_money(c["average"]),
            "Change": "—" if c["change_percent"] is None else _change(c["change_percent"]),
            "Unusual": "Unusual" if c["unusual"] else "",
        }
        for c in categories
    ]
    columns = ["Category", "Group", "Last month", "Average", "Change", "Unusual"]
    return pd.DataFrame(rows, columns=columns)


def _change(value: str) -> str:
    number = parse_money(value)
    return ("+" if number > 0 else "") + format_percent(number)


def savings_table(rows: Iterable[Item]) -> pd.DataFrame:
    """Month, Income, Expense, Savings rate ("25.0 %", or "—" without income)."""
    data = [
        {
            "Month": month_axis_label(r["month"]),
            "Income": parse_money(r["income"]),
            "Expense": parse_money(r["expense"]),
            "Savings rate": savings_rate_text(r["savings_rate"]),
        }
        for r in rows
    ]
    return pd.DataFrame(data, columns=["Month", "Income", "Expense", "Savings rate"])


def savings_rate_text(rate: str | None) -> str:
    """A rate from the API ("0.2500") as "25.0 %"; "—" when there was no income."""
    if rate is None:
        return "—"
    return f"{Decimal(str(rate)) * 100:,.1f} %"


def budget_spent_table(status: Iterable[Item]) -> pd.DataFrame:
    """Budget, Spent, Available, Left — the month's budgets in one small table."""
    rows = [
        {
            "Budget": item.get("category_name") or "",
            "Spent": parse_money(item["spent"]),
            "Available": parse_money(available(item)),
            "Left": parse_money(item["remaining"]),
        }
        for item in status
    ]
    return pd.DataFrame(rows, columns=["Budget", "Spent", "Available", "Left"])


def available(item: Item) -> str:
    """What a budget status row had to spend: `available` (with what rolled over), else the
    month's `limit` (an API from before rolling over)."""
    return item["available"] if "available" in item else item["limit"]


def group_subtotals(status: Iterable[Item]) -> pd.DataFrame:
    """Group, Spent, Available, Left: the budget grid summed per category group (budgets of
    ungrouped categories left out); empty when no category has a group."""
    sums: dict[str, list[Decimal]] = {}
    for item in status:
        group = item.get("category_group")
        if not group:
            continue
        row = sums.setdefault(group, [Decimal("0.00")] * 3)
        row[0] += parse_money(item["spent"])
        row[1] += parse_money(available(item))
        row[2] += parse_money(item["remaining"])
    rows = [
        {"Group": name, "Spent": spent, "Available": available, "Left": left}
        for name, (spent, available, left) in sorted(sums.items(), key=lambda i: i[0].lower())
    ]
    return pd.DataFrame(rows, columns=["Group", "Spent", "Available", "Left"])


def net_worth_change(points: list[Item], currency: str) -> str | None:
    """ "+1,200.00 EUR over 12 months" from the first point to the last; None for one point."""
    if len(points) < 2:
        return None
    change = parse_money(points[-1]["net_worth"]) - parse_money(points[0]["net_worth"])
    sign = "+" if change > 0 else ""
    return f"{sign}{format_money(change, currency)} since the end of " + month_axis_label(
        points[0]["month"]
    )
