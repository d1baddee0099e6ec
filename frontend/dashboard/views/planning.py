"""Planning: monthly budgets per expense category with their status, savings goals with their
progress, and recurring transactions (pause, resume, run now)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, charts, data, forms
from dashboard.api import ApiError, FieldError
from dashboard.formatting import format_money, format_percent, parse_money
from dashboard.forms import FormErrors
from dashboard.views.common import delete_confirmed, ledger_page, money_table, show_error

FLASH_KEY = "plan_flash"
CONFIRM_KEY = "plan_confirm_delete"
RECURRING_KIND_KEY = "plan_recurring_kind"
NO_END = ""
YEARS_BACK = 10
# The months a budget can start or end in: a few years around today.
MONTHS_BACK, MONTHS_AHEAD = 36, 36
DEFAULT_ALERT_PERCENT = 80
REFRESH_HELP = (
    "Show what changed elsewhere (spending added on another device or by a family member, "
    "the daily jobs) now; otherwise it shows within half a minute."
)
FREQUENCIES = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}
FREQUENCY_LABELS = {"daily": "Daily", "weekly": "Weekly", "monthly": "Monthly", "yearly": "Yearly"}


def render() -> None:
    page = ledger_page("Planning", FLASH_KEY)
    if page is None:
        return
    ledger, can_write = page
    currency = ledger["currency"]

    budgets_tab, goals_tab, recurring_tab = st.tabs(
        ["Budgets", "Goals", "Recurring"], key="plan_tab", on_change="rerun"
    )
    with budgets_tab:
        _budgets(currency, can_write)
    with goals_tab:
        _goals(currency, can_write)
    with recurring_tab:
        _recurring(currency, can_write)


def _written(message: str) -> None:
    data.changed()
    st.session_state[FLASH_KEY] = message
    st.rerun()


def _today() -> date:
    return datetime.now(UTC).astimezone().date()


def _confirm_delete(key: str, noun: str, label: str, path: str, done: str) -> None:
    """A delete button that asks first; ``done`` is the message after deleting."""
    if delete_confirmed(CONFIRM_KEY, key, noun, label, path):
        _written(done)


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


# --- budgets ----------------------------------------------------------------------------------


def status_table(status: Iterable[Mapping[str, Any]], names: Mapping[str, str]) -> pd.DataFrame:
    """Category, Limit, Spent, Remaining (money as Decimal), Used ("85.00 %"), State."""
    rows = [
        {
            "Category": charts.budget_name(item, names),
            "Limit": parse_money(item["limit"]),
            "Spent": parse_money(item["spent"]),
            "Remaining": parse_money(item["remaining"]),
            "Used": format_percent(item["percent_used"]),
            "State": charts.BUDGET_STATES.get(item["state"], str(item["state"])),
        }
        for item in status
    ]
    return pd.DataFrame(rows, columns=["Category", "Limit", "Spent", "Remaining", "Used", "State"])


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


def _budgets(currency: str, can_write: bool) -> None:
    today = _today()
    year, month = _month_picker(today)
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
        money_table(status_table(status, names), currency, width="stretch")
        _status_note(status, names, period)
    elif budgets:
        st.info(f"No budget covers {period}.")
    else:
        st.info(
            "No budgets yet. Give an expense category a monthly limit"
            + (" below" if can_write else "")
            + " and see here how much of it is spent."
        )

    if budgets:
        with st.expander(f"All budgets ({len(budgets)})", key="plan_budgets_all"):
            money_table(budget_table(budgets, names), currency, width="stretch")
    if not can_write:
        return

    expense = sorted(
        (c for c in categories if c["type"] == "expense" and not c["archived"]),
        key=lambda c: c["name"].lower(),
    )
    add, change = st.columns(2, gap="large")
    with add:
        st.subheader("Add a budget")
        _budget_add(expense, currency, today)
    with change:
        st.subheader("Change a budget")
        if not budgets:
            st.caption("Budgets you add can be changed or deleted here.")
            return
        by_id = {str(b["id"]): b for b in budgets}
        chosen = st.selectbox(
            "Budget",
            list(by_id),
            format_func=lambda bid: _budget_name(by_id[bid], names, currency),
            key="plan_budget_pick",
        )
        _budget_edit(by_id[chosen], names, currency, today)


def _status_note(status: list[dict[str, Any]], names: Mapping[str, str], period: str) -> None:
    exceeded = [charts.budget_name(i, names) for i in status if i["state"] == "exceeded"]
    warning = [charts.budget_name(i, names) for i in status if i["state"] == "warning"]
    if exceeded:
        st.error(f"Over the limit in {period}: {', '.join(exceeded)}.", icon=":material/error:")
    if warning:
        st.warning(
            f"Close to the limit in {period}: {', '.join(warning)}.", icon=":material/warning:"
        )
    if not exceeded and not warning:
        st.caption(f"Every budget is within its limit in {period}.")


def _budget_name(budget: Mapping[str, Any], names: Mapping[str, str], currency: str) -> str:
    category = charts.budget_name(budget, names)
    amount = format_money(budget["amount"], currency)
    return f"{category} · {amount} from {month_label(budget['start_month'])}"


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


def budget_payload(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values → the API body (``category`` included when the form has it).

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
        body["amount"] = str(forms.parse_amount(values.get("amount", "")))
    except FormErrors as error:
        errors += error.errors
    body["alert_percent"] = int(values["alert_percent"])
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


def _budget_add(expense: list[dict[str, Any]], currency: str, today: date) -> None:
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
        body = budget_payload({"category": category, **values})
        if not body["end_month"]:
            body.pop("end_month")
        api.get_client().post(data.ledger_path("/budgets"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"plan_budget_add_amount": "", "plan_budget_add_category": None})
    _written(
        f"Added a budget of {format_money(body['amount'], currency)} a month for "
        f"{by_id[body['category']]}."
    )


def _budget_edit(
    budget: dict[str, Any], names: Mapping[str, str], currency: str, today: date
) -> None:
    bid = str(budget["id"])
    key = f"plan_budget_{bid}"
    initial = {
        "amount": f"{parse_money(budget['amount']):.2f}",
        "alert_percent": parse_money(budget["alert_percent"]),
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
            body = budget_payload(values)
            original = {**initial, "amount": str(parse_money(budget["amount"]))}
            changes = {k: v for k, v in body.items() if _differs(v, original.get(k))}
            if not changes:
                st.info("Nothing changed.")
            else:
                api.get_client().patch(path, json=changes)
                _written(f"Saved the budget for {label}.")
        except (ApiError, FormErrors) as error:
            forms.show_form_error(error)
    _confirm_delete(key, "budget", f"for {label}", path, f"Deleted the budget for {label}.")


def _differs(new: Any, old: Any) -> bool:
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


def _goals(currency: str, can_write: bool) -> None:
    try:
        goals = data.get_all(data.ledger_path("/goals"))
        buckets = data.buckets()
    except ApiError as error:
        show_error(error)
        return
    bucket_names = {str(b["id"]): b["name"] for b in buckets}
    if not goals:
        st.info(
            "No goals yet. A goal names what a bucket saves for (a holiday, a car) and by "
            "when; its progress is the bucket's balance."
        )
    for goal in goals:
        _goal_card(goal, bucket_names, currency)
    if not can_write:
        return

    choices = [b for b in buckets if not b.get("is_system") and not b["archived"]]
    add, change = st.columns(2, gap="large")
    with add:
        st.subheader("Add a goal")
        _goal_add(choices, currency)
    with change:
        st.subheader("Change a goal")
        if not goals:
            st.caption("Goals you add can be changed or deleted here.")
            return
        by_id = {str(g["id"]): g for g in goals}
        chosen = st.selectbox(
            "Goal", list(by_id), format_func=lambda gid: by_id[gid]["name"], key="plan_goal_pick"
        )
        _goal_edit(by_id[chosen], choices, bucket_names, currency)


def _goal_card(goal: dict[str, Any], bucket_names: Mapping[str, str], currency: str) -> None:
    with st.container(border=True, key=f"plan_goal_card_{goal['id']}"):
        title, badge = st.columns([4, 1], vertical_alignment="center")
        bucket = goal.get("bucket_name") or bucket_names.get(str(goal["bucket"]), "?")
        title.markdown(f"**{goal['name']}** · saved in {bucket}")
        label, color = goal_badge(goal)
        with badge:
            st.badge(label, color=color)
        progress = min(max(parse_money(goal["progress_percent"]), Decimal(0)), Decimal(100))
        st.progress(float(progress / 100), text=goal_summary(goal, currency))
        st.caption(goal_plan(goal, currency))


def _goal_fields(
    key: str, buckets: list[dict[str, Any]], currency: str, initial: Mapping[str, Any]
) -> dict[str, Any]:
    by_id = {str(b["id"]): b["name"] for b in buckets}
    current = initial.get("bucket")
    if current and current not in by_id:
        by_id[current] = initial.get("bucket_name", "Unknown bucket")
    values: dict[str, Any] = {}
    values["name"] = st.text_input(
        "Name", value=initial.get("name", ""), placeholder="Summer holiday", key=f"{key}_name"
    )
    values["bucket"] = st.selectbox(
        "Bucket",
        list(by_id),
        index=list(by_id).index(current) if current in by_id else None,
        format_func=by_id.__getitem__,
        placeholder="Choose a bucket",
        help="The goal's progress is this bucket's balance.",
        key=f"{key}_bucket",
    )
    left, right = st.columns(2)
    values["target_amount"] = left.text_input(
        f"Target ({currency})",
        value=initial.get("target_amount", ""),
        placeholder="2000.00",
        key=f"{key}_target",
    )
    values["target_date"] = right.date_input(
        "Target date (optional)", value=initial.get("target_date"), key=f"{key}_date"
    )
    return values


def goal_payload(values: Mapping[str, Any]) -> dict[str, Any]:
    """The goal form's values → the API body; FormErrors names every field that is wrong."""
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
            forms.parse_amount(values.get("target_amount", ""), field_name="target_amount")
        )
    except FormErrors as error:
        errors += error.errors
    when = values.get("target_date")
    body["target_date"] = when.isoformat() if isinstance(when, date) else None
    if errors:
        raise FormErrors(errors)
    return body


def _goal_add(buckets: list[dict[str, Any]], currency: str) -> None:
    if not buckets:
        st.info("A goal saves in a bucket: add one under Setup first.")
        return
    with st.form("plan_goal_add", border=True):
        values = _goal_fields("plan_goal_add", buckets, currency, {})
        submitted = st.form_submit_button("Add goal", type="primary", key="plan_goal_add_submit")
    if not submitted:
        return
    try:
        body = goal_payload(values)
        if body["target_date"] is None:
            body.pop("target_date")
        api.get_client().post(data.ledger_path("/goals"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later(
        {"plan_goal_add_name": "", "plan_goal_add_target": "", "plan_goal_add_date": None}
    )
    _written(f"Added the goal {body['name']}.")


def _goal_edit(
    goal: dict[str, Any],
    buckets: list[dict[str, Any]],
    bucket_names: Mapping[str, str],
    currency: str,
) -> None:
    gid = str(goal["id"])
    key = f"plan_goal_{gid}"
    initial = {
        "name": goal["name"],
        "bucket": str(goal["bucket"]),
        "bucket_name": goal.get("bucket_name")
        or bucket_names.get(str(goal["bucket"]), "Unknown bucket"),
        "target_amount": f"{parse_money(goal['target_amount']):.2f}",
        "target_date": date.fromisoformat(str(goal["target_date"]))
        if goal.get("target_date")
        else None,
    }
    with st.form(key, border=False):
        values = _goal_fields(key, buckets, currency, initial)
        submitted = st.form_submit_button("Save goal", key=f"{key}_submit")
    path = data.ledger_path(f"/goals/{gid}")
    if submitted:
        try:
            body = goal_payload(values)
            original = {
                "name": goal["name"],
                "bucket": str(goal["bucket"]),
                "target_amount": Decimal(str(goal["target_amount"])),
                "target_date": str(goal["target_date"]) if goal.get("target_date") else None,
            }
            changes = {k: v for k, v in body.items() if _differs(v, original.get(k))}
            if not changes:
                st.info("Nothing changed.")
            else:
                api.get_client().patch(path, json=changes)
                _written(f"Saved the goal {body['name']}.")
        except (ApiError, FormErrors) as error:
            forms.show_form_error(error)
    _confirm_delete(key, "goal", goal["name"], path, f"Deleted the goal {goal['name']}.")


# --- recurring --------------------------------------------------------------------------------


def every(frequency: str, interval: int) -> str:
    """A schedule in words: "Monthly", or "Every 2 weeks"."""
    if int(interval) == 1:
        return FREQUENCY_LABELS.get(frequency, frequency)
    return f"Every {int(interval)} {FREQUENCIES.get(frequency, frequency)}s"


def recurring_name(template: Mapping[str, Any]) -> str:
    """What a template is called: its description, or its kind when it has none."""
    return template.get("description") or forms.KIND_LABELS.get(template["kind"], template["kind"])


def recurring_table(templates: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Description, Kind, Amount (Decimal), Repeats, Next date, Status."""
    rows = [
        {
            "Description": t.get("description") or "",
            "Kind": forms.KIND_LABELS.get(t["kind"], t["kind"]),
            "Amount": parse_money(t["amount"]),
            "Repeats": every(t["frequency"], t["interval"]),
            "Next date": str(t["next_date"]) if t.get("next_date") else "—",
            "Status": _status(t),
        }
        for t in templates
    ]
    columns = ["Description", "Kind", "Amount", "Repeats", "Next date", "Status"]
    return pd.DataFrame(rows, columns=columns)


def _status(template: Mapping[str, Any]) -> str:
    if not template.get("next_date"):
        return "Finished"
    return "Active" if template.get("active") else "Paused"


def run_message(name: str, answer: Mapping[str, Any]) -> str:
    created = int(answer.get("created", 0))
    text = f"Ran {name}: {created} transaction{'s' if created != 1 else ''} created"
    if answer.get("next_date"):
        return f"{text}; the next is due on {answer['next_date']}."
    return f"{text}; nothing more is due."


def _recurring(currency: str, can_write: bool) -> None:
    try:
        templates = data.get_all(data.ledger_path("/recurring"))
    except ApiError as error:
        show_error(error)
        return
    if templates:
        money_table(recurring_table(templates), currency, width="stretch")
        st.caption(
            "Every transaction due up to today is created by itself (a daily job catches up "
            "after a pause of the server); paused ones create nothing."
        )
    else:
        st.info(
            "No recurring transactions yet. Rent, salary, subscriptions: add them once and "
            "they are created on every due date."
        )
    if not can_write:
        return

    add, change = st.columns(2, gap="large")
    with change:
        st.subheader("Pause, run or delete")
        if templates:
            _recurring_actions(templates, currency)
        else:
            st.caption("Recurring transactions you add can be paused, run or deleted here.")
    with add:
        st.subheader("Add a recurring transaction")
        _recurring_add(currency)


def _recurring_actions(templates: list[dict[str, Any]], currency: str) -> None:
    by_id = {str(t["id"]): t for t in templates}

    def show(tid: str) -> str:
        t = by_id[tid]
        amount = format_money(t["amount"], currency)
        return f"{recurring_name(t)} · {amount} · {every(t['frequency'], t['interval']).lower()}"

    tid = st.selectbox("Recurring transaction", list(by_id), format_func=show, key="plan_rec_pick")
    template = by_id[tid]
    name = recurring_name(template)
    path = data.ledger_path(f"/recurring/{tid}")
    key = f"plan_rec_{tid}"
    active = bool(template.get("active"))
    pause, run = st.columns(2)
    if pause.button(
        "Pause" if active else "Resume",
        icon=":material/pause:" if active else ":material/play_arrow:",
        key=f"{key}_toggle",
    ):
        try:
            answer = api.get_client().patch(path, json={"active": not active})
        except ApiError as error:
            show_error(error)
            return
        if active:
            _written(f"Paused {name}: it creates nothing until you resume it.")
        else:
            following = answer.get("next_date") if isinstance(answer, dict) else None
            _written(
                f"Resumed {name}" + (f"; the next is due on {following}." if following else ".")
            )
    if run.button(
        "Run now",
        icon=":material/play_circle:",
        disabled=not active,
        help="Creates every occurrence due up to today." if active else "Resume it first.",
        key=f"{key}_run",
    ):
        try:
            answer = api.get_client().post(f"{path}/run")
        except ApiError as error:
            show_error(error)
            return
        _written(run_message(name, answer))
    st.caption("Deleting keeps the transactions it already made.")
    _confirm_delete(key, "recurring transaction", name, path, f"Deleted {name}.")


def _recurring_lists() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    return data.wallets(), data.buckets(), data.categories()


def _reference_options(
    kind: str, name: str, wallets: list[dict], buckets: list[dict], categories: list[dict]
) -> tuple[list[str | None], dict[str, str], str | None]:
    """(choices, id → name, the label of "none" when the field may stay empty)."""
    if name.endswith("wallet"):
        items = [w for w in wallets if not w["archived"]]
        none = None if name == "wallet" else "—"
    elif name.endswith("bucket"):
        # The system bucket first: it is where money waits until it is given a purpose.
        items = sorted(
            (b for b in buckets if not b["archived"]), key=lambda b: not b.get("is_system")
        )
        none = "Split by the bucket percentages" if kind == "income" else "—"
        if kind in ("expense", "adjustment") and name == "bucket":
            none = None
    else:
        type_ = forms.CATEGORY_TYPE[kind]
        items = [c for c in categories if c["type"] == type_ and not c["archived"]]
        none = "—" if kind == "transfer" else None
    names = {str(item["id"]): item["name"] for item in items}
    choices: list[str | None] = [None, *names] if none else list(names)
    return choices, names, none


def _recurring_add(currency: str) -> None:
    try:
        wallets, buckets, categories = _recurring_lists()
    except ApiError as error:
        show_error(error)
        return
    kind = st.segmented_control(
        "Kind",
        forms.KINDS,
        default="expense",
        required=True,
        format_func=forms.KIND_LABELS.__getitem__,
        key=RECURRING_KIND_KEY,
    )
    st.caption(forms.KIND_HELP[kind])
    prefix = f"plan_rec_add_{kind}"
    system = next((str(b["id"]) for b in buckets if b.get("is_system")), None)
    with st.form(f"plan_rec_add_form_{kind}", border=True):
        values: dict[str, Any] = {}
        values["amount"] = st.text_input(
            f"Amount ({currency})", placeholder="12.50", key=f"{prefix}_amount"
        )
        values["description"] = st.text_input(
            "Description", max_chars=255, placeholder="Rent", key=f"{prefix}_description"
        )
        for name in forms.KIND_REFERENCES[kind]:
            choices, names, none = _reference_options(kind, name, wallets, buckets, categories)
            default = None
            if name == "bucket" and kind in ("expense", "adjustment"):
                default = system
            elif name == "wallet" and len(names) == 1:
                default = next(iter(names))
            index = choices.index(default) if default in choices else (0 if none else None)
            label = forms.field_label(name)
            values[name] = st.selectbox(
                "Category (optional)" if name == "category" and none else label,
                choices,
                index=index,
                format_func=lambda value, n=names, e=none: e if value is None else n[value],
                placeholder=f"Choose a {label.lower()}",
                key=f"{prefix}_{name}",
            )
        left, right = st.columns(2)
        frequency = left.selectbox(
            "Repeats",
            list(FREQUENCY_LABELS),
            index=2,
            format_func=FREQUENCY_LABELS.__getitem__,
            key=f"{prefix}_frequency",
        )
        interval = right.number_input(
            "Every",
            min_value=1,
            max_value=1000,
            value=1,
            step=1,
            key=f"{prefix}_interval",
            help="2 with Weekly: every other week.",
        )
        left, right = st.columns(2)
        values["date"] = left.date_input("Start date", value=_today(), key=f"{prefix}_start")
        end = right.date_input("End date (optional)", value=None, key=f"{prefix}_end")
        values["tags"] = st.text_input(
            "Tags",
            placeholder="home, bills",
            help="Separate tags with commas.",
            key=f"{prefix}_tags",
        )
        submitted = st.form_submit_button(
            "Add recurring transaction", type="primary", key="plan_rec_add_submit"
        )
    st.caption("Occurrences from the start date up to today are created at once.")
    if not submitted:
        return
    try:
        body = recurring_payload(kind, values, frequency, int(interval), end)
        created = api.get_client().post(data.ledger_path("/recurring"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({f"{prefix}_amount": "", f"{prefix}_description": "", f"{prefix}_tags": ""})
    following = created.get("next_date") if isinstance(created, dict) else None
    _written(
        f"Added {recurring_name(body)} ({every(frequency, interval).lower()})"
        + (f"; the next is due on {following}." if following else ".")
    )


def recurring_payload(
    kind: str, values: Mapping[str, Any], frequency: str, interval: int, end: date | None
) -> dict[str, Any]:
    """The recurring form → the API body: a transaction's fields (checked as for a new
    transaction, `forms.build_payload`) with ``start_date`` for ``date``, and the schedule."""
    errors: list[FieldError] = []
    try:
        body = forms.build_payload(kind, {**values, "notes": ""})
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


def _start_date(error: FieldError) -> FieldError:
    if error.field == "date":
        return FieldError(field="start_date", message=error.message)
    return error
