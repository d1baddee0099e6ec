"""Planning → Goals: every goal as a card with its progress, and the forms to add, change or
delete one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import streamlit as st

from dashboard import api, data, forms, plans
from dashboard.api import ApiError
from dashboard.formatting import literal, parse_money, places
from dashboard.forms import FormErrors
from dashboard.views.common import Page, add_and_change, show_error


def section(page: Page, currency: str, can_write: bool) -> None:
    """The Goals tab."""
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

    def change() -> None:
        by_id = {str(g["id"]): g for g in goals}
        chosen = st.selectbox(
            "Goal", list(by_id), format_func=lambda gid: by_id[gid]["name"], key="plan_goal_pick"
        )
        _goal_edit(page, by_id[chosen], choices, bucket_names, currency)

    add_and_change(
        "Add a goal",
        lambda: _goal_add(page, choices, currency),
        "Change a goal",
        change,
        nothing_to_change=None if goals else "Goals you add can be changed or deleted here.",
    )


def _goal_card(goal: dict[str, Any], bucket_names: Mapping[str, str], currency: str) -> None:
    with st.container(border=True, key=f"plan_goal_card_{goal['id']}"):
        title, badge = st.columns([4, 1], vertical_alignment="center")
        bucket = goal.get("bucket_name") or bucket_names.get(str(goal["bucket"]), "?")
        title.markdown(f"**{literal(goal['name'])}** · saved in {literal(bucket)}")
        label, color = plans.goal_badge(goal)
        with badge:
            st.badge(label, color=color)
        progress = min(max(parse_money(goal["progress_percent"]), Decimal(0)), Decimal(100))
        st.progress(float(progress / 100), text=plans.goal_summary(goal, currency))
        st.caption(plans.goal_plan(goal, currency))


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


def _goal_add(page: Page, buckets: list[dict[str, Any]], currency: str) -> None:
    if not buckets:
        st.info("A goal saves in a bucket: add one under Setup first.")
        return
    with st.form("plan_goal_add", border=True):
        values = _goal_fields("plan_goal_add", buckets, currency, {})
        submitted = st.form_submit_button("Add goal", type="primary", key="plan_goal_add_submit")
    if not submitted:
        return
    try:
        body = plans.goal_payload(values, places(currency))
        if body["target_date"] is None:
            body.pop("target_date")
        api.get_client().post(data.ledger_path("/goals"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later(
        {"plan_goal_add_name": "", "plan_goal_add_target": "", "plan_goal_add_date": None}
    )
    page.written(f"Added the goal {body['name']}.")


def _goal_edit(
    page: Page,
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
        "target_amount": str(parse_money(goal["target_amount"], places(currency))),
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
            body = plans.goal_payload(values, places(currency))
            original = {
                "name": goal["name"],
                "bucket": str(goal["bucket"]),
                "target_amount": Decimal(str(goal["target_amount"])),
                "target_date": str(goal["target_date"]) if goal.get("target_date") else None,
            }
            changes = {k: v for k, v in body.items() if plans.differs(v, original.get(k))}
            if not changes:
                st.info("Nothing changed.")
            else:
                api.get_client().patch(path, json=changes)
                page.written(f"Saved the goal {body['name']}.")
        except (ApiError, FormErrors) as error:
            forms.show_form_error(error)
    page.delete(key, "goal", goal["name"], path, f"Deleted the goal {goal['name']}.")
