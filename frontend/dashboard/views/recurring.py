"""Planning → Recurring: every recurring transaction with its schedule; pause, resume, run now
or delete one, and the form to add one (a transaction's fields, as on Transactions, and a
schedule)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import streamlit as st

from dashboard import api, currencies, data, forms, labels, plans
from dashboard.api import ApiError
from dashboard.formatting import format_money, places
from dashboard.forms import FormErrors
from dashboard.plans import every, recurring_name
from dashboard.views import transaction_form
from dashboard.views.common import Page, add_and_change, money_table, show_error

RECURRING_KIND_KEY = "plan_recurring_kind"


def section(page: Page, currency: str, can_write: bool) -> None:
    """The Recurring tab."""
    try:
        templates = data.get_all(data.ledger_path("/recurring"))
    except ApiError as error:
        show_error(error)
        return
    if templates:
        money_table(plans.recurring_table(templates), currency, width="stretch")
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

    add_and_change(
        "Add a recurring transaction",
        lambda: _recurring_add(page, currency),
        "Change, pause, run or delete",
        lambda: _recurring_actions(page, templates, currency),
        nothing_to_change=None
        if templates
        else "Recurring transactions you add can be changed, paused, run or deleted here.",
    )


def _recurring_actions(page: Page, templates: list[dict[str, Any]], currency: str) -> None:
    by_id = {str(t["id"]): t for t in templates}

    def show(tid: str) -> str:
        t = by_id[tid]
        amount = format_money(t["amount"], t.get("currency") or currency)
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
            page.written(f"Paused {name}: it creates nothing until you resume it.")
        else:
            following = answer.get("next_date") if isinstance(answer, dict) else None
            page.written(
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
        page.written(plans.run_message(name, answer))
    _recurring_edit(page, template, path, currency)
    st.caption("Deleting keeps the transactions it already made.")
    page.delete(key, "recurring transaction", name, path, f"Deleted {name}.")


def _recurring_edit(page: Page, template: dict[str, Any], path: str, currency: str) -> None:
    """The template's amount, description, payee, wallet/bucket/category and schedule; only
    what changed is sent. Occurrences already made stay as they are."""
    try:
        lists = forms.Lists(data.wallets(), data.buckets(), data.categories(), data.payees())
    except ApiError as error:
        show_error(error)
        return
    kind = template["kind"]
    prefix = f"plan_rec_edit_{template['id']}"
    own = template.get("currency") or currency
    with st.form(f"{prefix}_form", border=True):
        st.markdown("**Change it**")
        values: dict[str, Any] = {"date": date.fromisoformat(str(template["start_date"]))}
        left, right = st.columns(2)
        values["amount"] = left.text_input(
            f"Amount ({own})",
            value=f"{Decimal(str(template['amount'])):.{places(own)}f}",
            max_chars=20,
            key=f"{prefix}_amount",
        )
        values["description"] = right.text_input(
            "Description",
            value=template.get("description") or "",
            max_chars=255,
            key=f"{prefix}_description",
        )
        if kind in forms.PAYEE_KINDS:
            values["payee_name"] = transaction_form.payee_select(
                prefix, template.get("payee_name"), lists
            )
        for name in forms.KIND_REFERENCES[kind]:
            current = template.get(name)
            values[name] = transaction_form.reference_select(
                kind, name, prefix, str(current) if current else None, lists
            )
        left, middle, right = st.columns(3)
        frequencies = list(labels.FREQUENCIES)
        frequency = left.selectbox(
            "Repeats",
            frequencies,
            index=frequencies.index(template["frequency"]),
            format_func=labels.FREQUENCIES.__getitem__,
            key=f"{prefix}_frequency",
        )
        interval = middle.number_input(
            "Every",
            min_value=1,
            max_value=1000,
            value=int(template["interval"]),
            step=1,
            key=f"{prefix}_interval",
        )
        end = right.date_input(
            "End date (optional)",
            value=date.fromisoformat(str(template["end_date"]))
            if template.get("end_date")
            else None,
            key=f"{prefix}_end",
        )
        submitted = st.form_submit_button("Save changes", type="primary", key=f"{prefix}_save")
    if not submitted:
        return
    try:
        body = plans.recurring_payload(
            kind,
            {**values, "tags": ", ".join(template.get("tags") or [])},
            frequency,
            int(interval),
            end,
            places(_wallet_currency(lists, values, currency)),
        )
    except FormErrors as error:
        forms.show_form_error(error)
        return
    changes = plans.recurring_changes(template, body)
    if not changes:
        st.info("Nothing changed.")
        return
    try:
        api.get_client().patch(path, json=changes)
    except ApiError as error:
        forms.show_form_error(error)
        return
    page.written(f"Saved {recurring_name({**template, **changes})}.")


def _recurring_add(page: Page, currency: str) -> None:
    try:
        lists = forms.Lists(data.wallets(), data.buckets(), data.categories(), data.payees())
    except ApiError as error:
        show_error(error)
        return
    kind = transaction_form.kind_choice(RECURRING_KIND_KEY)
    prefix = f"plan_rec_add_{kind}"
    initial = transaction_form.defaults(kind, lists)
    with st.form(f"plan_rec_add_form_{kind}", border=True):
        values: dict[str, Any] = {}
        label = (
            "Amount (the wallet's currency)"
            if transaction_form.in_currencies(lists, currency)
            else f"Amount ({currency})"
        )
        values["amount"] = st.text_input(label, placeholder="12.50", key=f"{prefix}_amount")
        values["description"] = st.text_input(
            "Description", max_chars=255, placeholder="Rent", key=f"{prefix}_description"
        )
        if kind in forms.PAYEE_KINDS:
            values["payee_name"] = transaction_form.payee_select(prefix, None, lists)
        for name in forms.KIND_REFERENCES[kind]:
            values[name] = transaction_form.reference_select(
                kind, name, prefix, initial.get(name), lists
            )
        left, right = st.columns(2)
        frequency = left.selectbox(
            "Repeats",
            list(labels.FREQUENCIES),
            index=2,
            format_func=labels.FREQUENCIES.__getitem__,
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
        values["date"] = left.date_input("Start date", value=initial["date"], key=f"{prefix}_start")
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
        decimals = places(_wallet_currency(lists, values, currency))
        body = plans.recurring_payload(kind, values, frequency, int(interval), end, decimals)
        created = api.get_client().post(data.ledger_path("/recurring"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({f"{prefix}_amount": "", f"{prefix}_description": "", f"{prefix}_tags": ""})
    forms.reset_later({f"{prefix}_payee": None})
    following = created.get("next_date") if isinstance(created, dict) else None
    page.written(
        f"Added {recurring_name(body)} ({every(frequency, interval).lower()})"
        + (f"; the next is due on {following}." if following else ".")
    )


def _wallet_currency(lists: forms.Lists, values: dict[str, Any], base: str) -> str:
    """The currency of the wallet a template's amount is in (SPEC §14)."""
    wallet = values.get("wallet") or values.get("from_wallet")
    return currencies.currency_of(lists.wallets, wallet, base)
