"""Planning without Streamlit: months as the API writes them, the budget, goal and recurring
tables, what a goal asks for, and the planning forms' API bodies (checked before sending)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from dashboard import charts, forms, labels, tables
from dashboard.api import FieldError
from dashboard.formatting import format_money, format_percent, parse_money, places
from dashboard.forms import FormErrors

NO_END = ""
# The months a budget can start or end in: a few years around today.
MONTHS_BACK, MONTHS_AHEAD = 36, 36
DEFAULT_ALERT_PERCENT = 80


# --- months -----------------------------------------------------------------------------------


def month_value(year: int, month: int) -> str:
    """The API's month: "2025-03"."""
    return f"{year:04d}-{month:02d}"


def month_label(value: str | None) -> str:
    """The API's month in words: "2025-03" → "March 2025"."""
    if not value:
        return "—"
    year, month = (int(part) for part in str(value)[:7].split("-"))
    return f"{calendar.month_name[month]} {year}"


def month_options(today: date, *also: str | None) -> list[str]:
    """Months from MONTHS_BACK before today's month to MONTHS_AHEAD after, and any of
    ``also`` (a budget's own months, which may lie further out), in order."""
    first = today.year * 12 + today.month - 1 - MONTHS_BACK
    months = [
        month_value(m // 12, m % 12 + 1)
        for m in range(first, first + MONTHS_BACK + 1 + MONTHS_AHEAD)
    ]
    extra = [str(value)[:7] for value in also if value]
    return sorted(set(months + extra))


# --- budgets ----------------------------------------------------------------------------------


def status_table(status: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> pd.DataFrame:
    """Category, Limit, Spent, Remaining (money as Decimal), Used ("85.00 %"), State; with a
    budget that rolls over, also Carried and Available after the Limit (remaining and used are
    then measured against what is available)."""
    status = list(status)
    rolling = any(item.get("rollover") for item in status)
    rows = []
    for item in status:
        row: dict[str, Any] = {
            "Category": charts.budget_name(item, names),
            "Limit": parse_money(item["limit"]),
        }
        if rolling:
            row["Carried"] = parse_money(item.get("carried") or "0")
            row["Available"] = parse_money(item.get("available") or item["limit"])
        used = item["percent_used"]
        row |= {
            "Spent": parse_money(item["spent"]),
            "Remaining": parse_money(item["remaining"]),
            "Used": charts.NOTHING_LEFT if used is None else format_percent(used),
            "State": charts.BUDGET_STATES.get(item["state"], str(item["state"])),
        }
        rows.append(row)
    columns = ["Category", "Limit", "Spent", "Remaining", "Used", "State"]
    if rolling:
        columns[2:2] = ["Carried", "Available"]
    return pd.DataFrame(rows, columns=columns)


def months_back(year: int, month: int, count: int) -> list[tuple[int, int]]:
    """``count`` months ending with (year, month), oldest first."""
    index = year * 12 + month - 1
    return [(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


def month_grid(
    statuses: Mapping[tuple[int, int], Iterable[Mapping[str, Any]]],
    names: Mapping[str, str],
    currency: str,
) -> pd.DataFrame:
    """Budgets by month: a row per budget's category, a column per month (oldest first), each
    cell "spent of limit · left" ("340.00 of 400.00 · 60.00 left", "… · 34.50 over"); empty
    where no budget covered the month."""
    rows: dict[str, dict[str, str]] = {}
    columns = []
    for (year, month), status in statuses.items():
        column = month_label(month_value(year, month))
        columns.append(column)
        for item in status:
            name = charts.budget_name(item, names)
            left = parse_money(item["remaining"])
            rest = f"{format_money(abs(left), currency)} {'left' if left >= 0 else 'over'}"
            limit = item.get("available") or item["limit"]
            rows.setdefault(name, {})[column] = (
                f"{format_money(item['spent'], currency)} of {format_money(limit, currency)}"
                f" · {rest}"
            )
    frame = pd.DataFrame(
        [{"Category": name, **cells} for name, cells in sorted(rows.items())],
        columns=["Category", *columns],
    )
    return frame.fillna("")


def budget_table(budgets: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> pd.DataFrame:
    """Category, Monthly limit, Alert at, From, Until — every budget, whatever the month."""
    rows = [
        {
            "Category": charts.budget_name(b, names),
            "Monthly limit": parse_money(b["amount"]),
            "Alert at": f"{int(parse_money(b['alert_percent']))} %",
            "From": month_label(b["start_month"]),
            "Until": month_label(b.get("end_month")) if b.get("end_month") else "No end",
        }
        for b in budgets
    ]
    return pd.DataFrame(rows, columns=["Category", "Monthly limit", "Alert at", "From", "Until"])


def budget_name(budget: Mapping[str, Any], names: Mapping[str, str], currency: str) -> str:
    """A budget in a list: "Housing · 400.00 EUR from March 2025"."""
    category = charts.budget_name(budget, names)
    amount = format_money(budget["amount"], currency)
    return f"{category} · {amount} from {month_label(budget['start_month'])}"


def budget_payload(values: Mapping[str, Any], decimals: int = 2) -> dict[str, Any]:
    """The form's values → the API body (``category`` included when the form has it); the
    limit with ``decimals``, the places of the ledger's currency.

    Raises FormErrors for a missing category, a malformed limit or an end before the start.
    """
    errors: list[FieldError] = []
    body: dict[str, Any] = {}
    if "category" in values:
        if values["category"]:
            body["category"] = str(values["category"])
        else:
            errors.append(FieldError(field="category", message="Choose an expense category."))
    try:
        body["amount"] = str(forms.parse_amount(values.get("amount", ""), decimals=decimals))
    except FormErrors as error:
        errors += error.errors
    body["alert_percent"] = int(values["alert_percent"])
    if "rollover" in values:
        body["rollover"] = bool(values["rollover"])
    body["start_month"] = values["start_month"]
    end = values.get("end_month") or None
    if end and end < values["start_month"]:
        errors.append(
            FieldError(field="end_month", message="The last month cannot be before the first.")
        )
    body["end_month"] = end
    if errors:
        raise FormErrors(errors)
    return body


def differs(new: Any, old: Any) -> bool:
    """Whether an edit form's value differs from the stored one (money compared exactly,
    empty and None alike)."""
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return parse_money(str(new)) != parse_money(str(old))
    if new is None or old is None:
        return (new or None) != (old or None)
    return str(new) != str(old)


# --- goals ------------------------------------------------------------------------------------


def goal_summary(goal: Mapping[str, Any], currency: str) -> str:
    """Saved of target: "1,200.00 EUR of 5,000.00 EUR (24.00 %)"."""
    saved = format_money(goal["saved"], currency)
    target = format_money(goal["target_amount"], currency)
    return f"{saved} of {target} ({format_percent(goal['progress_percent'])})"


def goal_badge(goal: Mapping[str, Any]) -> tuple[str, str]:
    """(label, colour) of a goal's badge."""
    if parse_money(goal["saved"]) >= parse_money(goal["target_amount"]):
        return "Reached", "green"
    if goal.get("on_track"):
        return "On track", "green"
    return "Behind", "orange"


def goal_plan(goal: Mapping[str, Any], currency: str) -> str:
    """What the goal asks for: "By 30 June 2026: 316.67 EUR a month" (or no date)."""
    if not goal.get("target_date"):
        return "No target date."
    when = date.fromisoformat(str(goal["target_date"]))
    by = f"By {when.day} {calendar.month_name[when.month]} {when.year}"
    needed = goal.get("monthly_needed")
    if needed is None or parse_money(needed) == 0:
        return f"{by}: nothing more to put aside."
    return f"{by}: {format_money(needed, currency)} a month."


def goal_payload(values: Mapping[str, Any], decimals: int = 2) -> dict[str, Any]:
    """The goal form's values → the API body (the target with ``decimals``, the places of the
    ledger's currency); FormErrors names every field that is wrong."""
    errors: list[FieldError] = []
    body: dict[str, Any] = {"name": (values.get("name") or "").strip()}
    if not body["name"]:
        errors.append(FieldError(field="name", message="Enter a name."))
    if values.get("bucket"):
        body["bucket"] = str(values["bucket"])
    else:
        errors.append(FieldError(field="bucket", message="Choose a bucket."))
    try:
        body["target_amount"] = str(
            forms.parse_amount(
                values.get("target_amount", ""), field_name="target_amount", decimals=decimals
            )
        )
    except FormErrors as error:
        errors += error.errors
    when = values.get("target_date")
    body["target_date"] = when.isoformat() if isinstance(when, date) else None
    if errors:
        raise FormErrors(errors)
    return body


# --- recurring --------------------------------------------------------------------------------


def every(frequency: str, interval: int) -> str:
    """A schedule in words: "Monthly", or "Every 2 weeks"."""
    if int(interval) == 1:
        return labels.label(labels.FREQUENCIES, frequency)
    return f"Every {int(interval)} {labels.label(labels.FREQUENCY_UNITS, frequency)}s"


def recurring_name(template: Mapping[str, Any]) -> str:
    """What a template is called: its description, or its kind when it has none."""
    return template.get("description") or labels.label(labels.TRANSACTION_KINDS, template["kind"])


def recurring_table(templates: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Description, Kind, Amount (Decimal, in the template's currency when it names one),
    Repeats, Next date, Status."""
    templates = list(templates)
    rows = [
        {
            "Description": t.get("description") or "",
            "Kind": labels.label(labels.TRANSACTION_KINDS, t["kind"]),
            "Amount": parse_money(t["amount"], places(t.get("currency"))),
            "Repeats": every(t["frequency"], t["interval"]),
            "Next date": str(t["next_date"]) if t.get("next_date") else "—",
            "Status": recurring_status(t),
        }
        for t in templates
    ]
    columns = ["Description", "Kind", "Amount", "Repeats", "Next date", "Status"]
    frame = pd.DataFrame(rows, columns=columns)
    if templates and all(t.get("currency") for t in templates):
        frame.attrs[tables.CURRENCIES_ATTR] = {"Amount": [t["currency"] for t in templates]}
    return frame


def recurring_status(template: Mapping[str, Any]) -> str:
    if not template.get("next_date"):
        return "Finished"
    return "Active" if template.get("active") else "Paused"


def run_message(name: str, answer: Mapping[str, Any]) -> str:
    """What "Run now" did: "Ran Rent: 1 transaction created; nothing more is due."."""
    created = int(answer.get("created", 0))
    text = f"Ran {name}: {created} transaction{'s' if created != 1 else ''} created"
    if answer.get("next_date"):
        return f"{text}; the next is due on {answer['next_date']}."
    return f"{text}; nothing more is due."


def recurring_payload(
    kind: str,
    values: Mapping[str, Any],
    frequency: str,
    interval: int,
    end: date | None,
    decimals: int = 2,
) -> dict[str, Any]:
    """The recurring form → the API body: a transaction's fields (checked as for a new
    transaction, `forms.build_payload`; the amount with ``decimals``, its wallet's currency's
    places) with ``start_date`` for ``date``, and the schedule."""
    errors: list[FieldError] = []
    try:
        body = forms.build_payload(kind, {**values, "notes": ""}, {"amount": decimals})
    except FormErrors as error:
        errors = [_start_date(e) for e in error.errors]
        body = {}
    start = values.get("date")
    if isinstance(start, date) and end is not None and end < start:
        errors.append(FieldError(field="end_date", message="The end is before the start."))
    if errors:
        raise FormErrors(errors)
    body["start_date"] = body.pop("date")
    body.update(frequency=frequency, interval=interval, active=True)
    if end is not None:
        body["end_date"] = end.isoformat()
    return body


# What the edit form may change on a template (its kind and start stay).
RECURRING_EDITABLE = (
    "amount",
    "description",
    "payee_name",
    *forms.REFERENCE_FIELDS,
    "frequency",
    "interval",
    "end_date",
)


def recurring_changes(template: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of the edit form's ``body`` (as `recurring_payload` built it) that differ
    from ``template``: amounts as Decimals, references as ids, a cleared end date as None."""
    changes: dict[str, Any] = {}
    for name in RECURRING_EDITABLE:
        if name not in body and name not in ("end_date", *forms.REFERENCE_FIELDS):
            continue
        new, old = body.get(name), template.get(name)
        if name == "payee_name" and not new and not old:
            continue
        if name in forms.REFERENCE_FIELDS and name not in forms.KIND_REFERENCES[template["kind"]]:
            continue
        if name == "amount":
            # Compared as numbers; sent as typed (with its currency's places: "9600" yen).
            if Decimal(str(new)) != Decimal(str(old)):
                changes[name] = str(new)
            continue
        if differs(new, old):
            changes[name] = new
    return changes


def _start_date(error: FieldError) -> FieldError:
    if error.field == "date":
        return FieldError(field="start_date", message=error.message)
    return error
