"""Setup → Rules: what a new transaction gets when its fields are left empty ("if the payee
is REWE, the category is Groceries"). The list in the order rules run, with pause, move and
delete; a form to add one that previews the transactions it would match; and applying a rule
to past transactions, first as a dry run."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, data, forms, rules
from dashboard.api import ApiError
from dashboard.formatting import format_money, literal
from dashboard.forms import FormErrors
from dashboard.views.common import Page, show_error

ADD_KEY = "setup_rule_add"
PREVIEW_KEY = "setup_rule_preview"
APPLY_KEY = "setup_rule_apply"
MAX_ROWS = 10


def objects() -> rules.Objects:
    return rules.Objects(data.wallets(), data.buckets(), data.categories(), data.payees())


def section(page: Page, currency: str, can_write: bool) -> None:
    """The Rules tab."""
    try:
        items = sorted(data.rules(), key=lambda r: (r.get("position", 0), r["name"].casefold()))
        known = objects()
    except ApiError as error:
        show_error(error)
        return
    st.caption(
        "Rules run in this order on every new transaction (typed, imported, recurring) and "
        "fill only what was left empty. Then an income or expense without a category takes "
        "the one most used with its payee."
    )
    if not items:
        st.info(
            "No rules yet. Add one below, or open a transaction and choose *Always "
            "categorise like this*."
        )
    for number, rule in enumerate(items, start=1):
        _rule_row(page, number, rule, items, known, can_write)
    if not can_write:
        return
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Add a rule")
        _rule_add(page, known, currency)
    with right:
        st.subheader("Apply a rule to past transactions")
        if items:
            _rule_apply(page, items)
        else:
            st.caption("Rules you add can be run over the transactions you already have.")


def _rule_row(
    page: Page,
    number: int,
    rule: dict[str, Any],
    items: list[dict[str, Any]],
    known: rules.Objects,
    can_write: bool,
) -> None:
    rid = str(rule["id"])
    paused = "" if rule.get("active", True) else " *(paused)*"
    with st.container(border=True):
        st.markdown(f"**{number}. {literal(rule['name'])}**{paused}")
        st.caption(literal(rules.describe(rule, known)))
        if not can_write:
            return
        up, down, pause, remove = st.columns(4)
        index = items.index(rule)
        if up.button("Move up", key=f"rule_up_{rid}", disabled=index == 0):
            _swap(page, rule, items[index - 1])
        if down.button("Move down", key=f"rule_down_{rid}", disabled=index == len(items) - 1):
            _swap(page, rule, items[index + 1])
        label = "Pause" if rule.get("active", True) else "Resume"
        if pause.button(label, key=f"rule_active_{rid}"):
            _patch(page, rule, {"active": not rule.get("active", True)}, f"{label}d")
        path = data.ledger_path(f"/rules/{rid}")
        with remove:
            page.delete(
                f"rule_delete_{rid}", "rule", rule["name"], path, f"Deleted {rule['name']}."
            )


def _patch(page: Page, rule: dict[str, Any], body: dict[str, Any], done: str) -> None:
    try:
        api.get_client().patch(data.ledger_path(f"/rules/{rule['id']}"), json=body)
    except ApiError as error:
        show_error(error)
        return
    page.written(f"{done} the rule {rule['name']}.")


def _swap(page: Page, rule: dict[str, Any], other: dict[str, Any]) -> None:
    """Moves ``rule`` to ``other``'s place (two rules with one position get distinct ones)."""
    mine, theirs = int(rule.get("position", 0)), int(other.get("position", 0))
    if mine == theirs:
        theirs = mine + (1 if rule is not other and theirs >= mine else -1)
    try:
        client = api.get_client()
        client.patch(data.ledger_path(f"/rules/{rule['id']}"), json={"position": theirs})
        client.patch(data.ledger_path(f"/rules/{other['id']}"), json={"position": mine})
    except ApiError as error:
        show_error(error)
        return
    page.written(f"Moved the rule {rule['name']}.")


def _rule_add(page: Page, known: rules.Objects, currency: str) -> None:
    name = st.text_input(
        "Name", max_chars=100, placeholder="Groceries at REWE", key=f"{ADD_KEY}_name"
    )
    match = st.radio(
        "Applies when",
        list(rules.MATCH_LABELS),
        format_func=rules.MATCH_LABELS.__getitem__,
        horizontal=True,
        key=f"{ADD_KEY}_match",
    )
    st.caption(
        "Text conditions ignore case. A pattern uses RE2 syntax and is searched anywhere "
        "(`^…$` to anchor). Amounts compare without sign; *between* takes `10 to 20`. "
        "Wallets, categories and payees are named."
    )
    conditions = _condition_rows(known)
    actions = _action_rows(known)
    stop = st.checkbox(
        "Stop here: later rules do not run on what this one matched", key=f"{ADD_KEY}_stop"
    )
    preview, add = st.columns(2)
    wants_preview = preview.button(
        "Preview matches", icon=":material/visibility:", key=f"{ADD_KEY}_preview"
    )
    wants_add = add.button("Add rule", type="primary", key=f"{ADD_KEY}_submit")
    if not (wants_preview or wants_add):
        return
    try:
        body = {
            "name": (name or "").strip() or "Rule",
            "active": True,
            "match": match,
            "conditions": rules.build_conditions(conditions, known),
            "actions": rules.build_actions(actions, known),
            "stop": stop,
        }
        if wants_preview:
            answer = api.get_client().post(data.ledger_path("/rules/preview"), json=body)
            _show_preview(answer, currency)
            return
        body["position"] = _next_position()
        api.get_client().post(data.ledger_path("/rules"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error, _label)
        return
    forms.reset_later({f"{ADD_KEY}_name": ""})
    page.written(f"Added the rule {body['name']}. Apply it to past transactions on the right.")


def _rows(kind: str, limit: int) -> int:
    """How many rows of ``kind`` (conditions or actions) the form shows; "Add" adds one."""
    key = f"{ADD_KEY}_{kind}_count"
    st.session_state.setdefault(key, 1)
    return min(int(st.session_state[key]), limit)


def _more(kind: str, label: str, count: int, limit: int) -> None:
    if st.button(
        label, icon=":material/add:", key=f"{ADD_KEY}_{kind}_more", disabled=count >= limit
    ):
        st.session_state[f"{ADD_KEY}_{kind}_count"] = count + 1
        st.rerun()


def _condition_rows(known: rules.Objects) -> list[dict[str, Any]]:
    """One row per condition: what to look at, how to compare (the choices follow the field)
    and the value."""
    count = _rows("condition", MAX_ROWS)
    rows = []
    for n in range(count):
        key = f"{ADD_KEY}_condition_{n}"
        field_col, op_col, value_col = st.columns([2, 2, 3], vertical_alignment="bottom")
        field_name = field_col.selectbox(
            "When"
            if n == 0
            else "and"
            if st.session_state.get(f"{ADD_KEY}_match") != "any"
            else "or",
            list(rules.CONDITION_OPS),
            format_func=rules.CONDITION_LABELS.__getitem__,
            index=1,  # the payee: what most rules look at
            key=f"{key}_field",
        )
        op = op_col.selectbox(
            "is",
            list(rules.CONDITION_OPS[field_name]),
            format_func=rules.OP_LABELS.__getitem__,
            key=f"{key}_op_{field_name}",
        )
        value = _value_box(value_col, field_name, f"{key}_value_{field_name}", known)
        rows.append({"field": field_name, "op": op, "value": value})
    _more("condition", "Add a condition", count, MAX_ROWS)
    return rows


def _value_box(column: Any, field_name: str, key: str, known: rules.Objects) -> str:
    groups = {"wallet": known.wallets, "category": known.categories, "payee": known.payees}
    if field_name == "kind":
        return column.selectbox("Value", list(forms.KINDS), key=key) or ""
    if field_name in groups:
        names = [i["name"] for i in groups[field_name] if not i.get("archived")]
        return column.selectbox("Value", names, index=None, key=key) or ""
    placeholder = {"amount": "12.50 or 10 to 20", "payee_name": "rewe"}.get(field_name, "")
    return column.text_input("Value", max_chars=rules.MAX_PATTERN, placeholder=placeholder, key=key)


def _action_rows(known: rules.Objects) -> list[dict[str, Any]]:
    """One row per action: what to set and to what (categories and buckets by name)."""
    count = _rows("action", MAX_ROWS)
    rows = []
    for n in range(count):
        key = f"{ADD_KEY}_action_{n}"
        field_col, value_col = st.columns([2, 5], vertical_alignment="bottom")
        field_name = field_col.selectbox(
            "Then",
            list(rules.ACTION_FIELDS),
            format_func=rules.ACTION_LABELS.__getitem__,
            key=f"{key}_field",
        )
        value_key = f"{key}_value_{field_name}"
        if field_name == "category":
            names = [c["name"] for c in known.categories if not c.get("archived")]
            value = value_col.selectbox("To", names, index=None, key=value_key) or ""
        elif field_name == "bucket":
            names = [b["name"] for b in known.buckets if not b.get("archived")]
            value = value_col.selectbox("To", names, index=None, key=value_key) or ""
        else:
            hint = "kids, school" if field_name == "tags" else ""
            value = value_col.text_input("To", max_chars=255, placeholder=hint, key=value_key)
        rows.append({"field": rules.ACTION_LABELS[field_name], "value": value})
    _more("action", "Add an action", count, MAX_ROWS)
    return rows


def _label(name: str) -> str:
    # "conditions.2.value" → "Condition 3, value": people count from one.
    parts = name.split(".")
    if len(parts) >= 2 and parts[0] in ("conditions", "actions") and parts[1].isdigit():
        noun = "Condition" if parts[0] == "conditions" else "Action"
        rest = f", {parts[2]}" if len(parts) > 2 else ""
        return f"{noun} {int(parts[1]) + 1}{rest}"
    return forms.field_label(name)


def _next_position() -> int:
    return max((int(r.get("position", 0)) for r in data.rules()), default=0) + 1


def _show_preview(answer: dict[str, Any], currency: str) -> None:
    matched = int(answer.get("matched", 0))
    if not matched:
        st.info("No transaction matches these conditions.")
        return
    st.success(f"{matched:,} transaction{'s' if matched != 1 else ''} match; the latest:")
    rows = [
        {
            "Date": t["date"],
            "Payee": t.get("payee_name") or "",
            "Description": t.get("description") or "",
            "Amount": format_money(t["amount"], currency),
        }
        for t in answer.get("transactions") or []
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _rule_apply(page: Page, items: list[dict[str, Any]]) -> None:
    by_id = {str(r["id"]): r for r in items}
    rid = st.selectbox(
        "Rule", list(by_id), format_func=lambda i: by_id[i]["name"], key=f"{APPLY_KEY}_rule"
    )
    left, right = st.columns(2)
    date_from = left.date_input("From", value=None, key=f"{APPLY_KEY}_from")
    date_to = right.date_input("To", value=None, key=f"{APPLY_KEY}_to")
    overwrite = st.checkbox(
        "Also replace what is already set (otherwise only empty fields are filled)",
        key=f"{APPLY_KEY}_overwrite",
    )
    body: dict[str, Any] = {"overwrite": overwrite}
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if isinstance(value, date):
            body[name] = value.isoformat()
    path = data.ledger_path(f"/rules/{rid}/apply")
    signature = (rid, tuple(sorted(body.items())), st.session_state.get(data.DATA_VERSION_KEY, 0))
    if st.button("Check what it would change", key=f"{APPLY_KEY}_dry"):
        try:
            answer = api.get_client().post(path, json={**body, "dry_run": True})
        except ApiError as error:
            show_error(error)
            return
        st.session_state[APPLY_KEY] = {"signature": signature, "answer": answer}
    checked = st.session_state.get(APPLY_KEY)
    if not checked or checked["signature"] != signature:
        st.caption("Check first: nothing is changed until you apply.")
        return
    matched, changed = int(checked["answer"]["matched"]), int(checked["answer"]["changed"])
    st.info(f"{matched:,} transactions match; {changed:,} would change.")
    if not changed:
        return
    if st.button(f"Apply to {changed:,} transactions", type="primary", key=f"{APPLY_KEY}_run"):
        try:
            answer = api.get_client().post(path, json={**body, "dry_run": False})
        except ApiError as error:
            show_error(error)
            return
        st.session_state.pop(APPLY_KEY, None)
        done = int(answer.get("changed", 0))
        page.written(f"Applied {by_id[rid]['name']}: {done:,} transactions changed.")
