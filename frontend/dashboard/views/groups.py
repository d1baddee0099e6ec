"""Groups (SPEC §15): shared expenses with people outside the ledger. The list says what you
owe or are owed in each group; a group's page has its expenses, a quick "add expense" with a
live split, balances, settle-up suggestions with "mark as paid" and pay links, its people,
and the setting that mirrors your share into one of your ledgers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, data, session
from dashboard.api import ApiError
from dashboard.formatting import format_money, literal, places
from dashboard.groups import (
    CONVERTED_NOTE,
    SPLIT_LABELS,
    SPLIT_MODES,
    balance_text,
    connect_choices,
    converted,
    expense_body,
    number,
    original_text,
    split_preview,
)
from dashboard.views.common import Page, money_table, show_error, show_flash, today

PAGE = Page(flash_key="groups_flash", confirm_key="groups_confirm")
PICK_KEY = "groups_pick"


def render() -> None:
    st.title("Groups")
    show_flash(PAGE.flash_key)
    st.caption(
        "Share costs with people outside your ledger: a trip, flatmates. Each group keeps its "
        "books in one currency; an expense paid in another is converted at the rate you give."
    )
    try:
        groups = data.get_all("/groups")
    except ApiError as error:
        show_error(error)
        return
    if groups:
        _group_list(groups)
    else:
        st.info("You are in no group yet. Create one below, or accept an invitation on Home.")
    with st.expander("New group", expanded=not groups):
        _group_create()
    if not groups:
        return
    by_id = {g["id"]: g for g in groups}
    if st.session_state.get(PICK_KEY) not in by_id:
        st.session_state[PICK_KEY] = groups[0]["id"]
    chosen = st.selectbox(
        "Group", list(by_id), format_func=lambda gid: literal(by_id[gid]["name"]), key=PICK_KEY
    )
    _group_page(by_id[chosen])


def _group_list(groups: list[dict[str, Any]]) -> None:
    table = pd.DataFrame(
        {
            "Group": [g["name"] for g in groups],
            "Currency": [g["currency"] for g in groups],
            "You": [balance_text(g["balance"], g["currency"]) for g in groups],
        }
    )
    st.dataframe(table, hide_index=True)


def _group_create() -> None:
    with st.form("groups_create_form", clear_on_submit=True):
        name = st.text_input("Name", max_chars=100, key="groups_create_name")
        currency = st.text_input("Currency", value="EUR", max_chars=3, key="groups_create_cur")
        if not st.form_submit_button("Create group", type="primary"):
            return
    try:
        group = api.get_client().post("/groups", {"name": name, "currency": currency})
    except ApiError as error:
        show_error(error)
        return
    st.session_state[PICK_KEY] = group["id"]
    PAGE.written(f"Created the group {name}.")


def _group_page(group: dict[str, Any]) -> None:
    gid = group["id"]
    try:
        people = data.get_all(f"/groups/{gid}/participants")
    except ApiError as error:
        show_error(error)
        return
    names = {p["id"]: p["name"] for p in people}
    st.markdown(
        f"**{literal(group['name'])}** · {balance_text(group['balance'], group['currency'])}"
    )
    tabs = st.tabs(
        ["Expenses", "Add expense", "Balances", "Settle up", "People", "My ledger", "Activity"]
    )
    with tabs[0]:
        _expenses(group, names)
    with tabs[1]:
        _expense_add(group, people)
    with tabs[2]:
        _balances(group)
    with tabs[3]:
        _settle_up(group)
    with tabs[4]:
        _people(group, people)
    with tabs[5]:
        _my_ledger(group)
    with tabs[6]:
        _activity(group)


ACTIONS = {"create": "added", "update": "changed", "delete": "deleted"}


def _activity(group: dict[str, Any]) -> None:
    """Who added, changed or deleted which expense, newest first."""
    try:
        entries = data.get(f"/groups/{group['id']}/activity", {"page_size": 50})["items"]
    except ApiError as error:
        show_error(error)
        return
    if not entries:
        st.caption("Nothing happened in this group yet.")
        return
    table = pd.DataFrame(
        {
            "When": [e["at"][:16].replace("T", " ") for e in entries],
            "Who": [e["actor"] or "(a removed account)" for e in entries],
            "Did": [ACTIONS.get(e["action"], e["action"]) for e in entries],
            "What": [e["summary"] for e in entries],
        }
    )
    st.dataframe(table, hide_index=True)


# --- Expenses -----------------------------------------------------------------------------


def _expenses(group: dict[str, Any], names: dict[str, str]) -> None:
    gid = group["id"]
    try:
        expenses = data.get(f"/groups/{gid}/expenses", {"page_size": 100})
    except ApiError as error:
        show_error(error)
        return
    items = expenses["items"]
    if not items:
        st.caption("No expenses yet.")
        return
    table = pd.DataFrame(
        {
            "Date": [e["date"] for e in items],
            "Title": [e["title"] for e in items],
            # In the group's currency; one paid in another says so beside it.
            "Amount": [Decimal(e.get("group_amount", e["amount"])) for e in items],
            "Paid in": [original_text(e) for e in items],
            "Paid by": [
                ", ".join(names.get(p["participant"], "?") for p in e["paid_by"]) for e in items
            ],
            "Split": [
                "payment" if e["is_payment"] else SPLIT_LABELS.get(e["split"]["mode"], "")
                for e in items
            ],
        }
    )
    money_table(table, group["currency"])
    if expenses["count"] > len(items):
        st.caption(f"The newest {len(items)} of {expenses['count']} expenses.")
    by_id = {e["id"]: e for e in items}
    chosen = st.selectbox(
        "Expense",
        list(by_id),
        format_func=lambda eid: f"{by_id[eid]['date']} {literal(by_id[eid]['title'])}",
        key="groups_expense_pick",
    )
    PAGE.delete(
        "groups_expense",
        "expense",
        by_id[chosen]["title"],
        f"/groups/{gid}/expenses/{chosen}",
        f"Deleted the expense {by_id[chosen]['title']}.",
    )


def _expense_add(group: dict[str, Any], people: list[dict[str, Any]]) -> None:
    """Not a form: the split below follows every change as it is typed."""
    gid, currency = group["id"], group["currency"]
    names = {p["id"]: p["name"] for p in people}
    title = st.text_input("What for", max_chars=200, key="groups_exp_title")
    paid_in, rate_column = st.columns(2)
    typed_currency = paid_in.text_input(
        "Currency paid in", value=currency, max_chars=3, key="groups_exp_currency"
    )
    spent_in = (typed_currency or currency).strip().upper()
    rate = None
    foreign = spent_in != currency
    if foreign:
        rate = number(
            rate_column.text_input(
                f"Rate: {currency} per 1 {spent_in}",
                key="groups_exp_rate",
                help="Frozen with the expense: shares and balances are in the group's currency.",
            )
        )
    left, right = st.columns(2)
    amount_text = left.text_input(f"Amount ({spent_in})", key="groups_exp_amount")
    day = right.date_input("Date", value=today(), key="groups_exp_date")
    amount = number(amount_text)
    payers = st.multiselect(
        "Who paid",
        list(names),
        default=[group["me"]] if group["me"] in names else [],
        format_func=lambda pid: literal(names[pid]),
        key="groups_exp_payers",
    )
    paid: dict[str, Decimal] = {}
    if len(payers) == 1 and amount is not None:
        paid = {payers[0]: amount}
    elif len(payers) > 1:
        columns = st.columns(len(payers))
        for column, pid in zip(columns, payers, strict=True):
            typed = column.text_input(f"{literal(names[pid])} paid", key=f"groups_exp_paid_{pid}")
            paid[pid] = number(typed) or Decimal(0)
    mode = st.radio(
        "Split",
        SPLIT_MODES,
        format_func=SPLIT_LABELS.__getitem__,
        horizontal=True,
        key="groups_exp_mode",
    )
    parts: list[tuple[str, Decimal | None]] = []
    for person in people:
        pid = person["id"]
        include, value = st.columns([2, 1])
        if not include.checkbox(literal(person["name"]), value=True, key=f"groups_exp_in_{pid}"):
            continue
        typed = None
        if mode != "equal":
            label = {"shares": "shares", "percent": "%", "exact": spent_in}[mode]
            typed = value.text_input(label, key=f"groups_exp_val_{mode}_{pid}")
        parts.append((pid, number(typed)))
    preview = split_preview(
        amount,
        mode,
        parts,
        rate=rate,
        currency=spent_in if foreign else "",
        group_currency=currency,
    )
    if foreign and amount is not None and rate is not None and not preview.problem:
        in_group = converted(amount, rate, places(currency))
        st.caption(f"{format_money(in_group, currency)} in the group's currency.")
    if preview.owed:
        table = pd.DataFrame(
            {"Person": [names[p] for p in preview.owed], "Owes": list(preview.owed.values())}
        )
        money_table(table, currency)
    if preview.problem:
        st.caption(preview.problem)  # our own words, no user text
    elif preview.remainder is not None:
        st.caption("Nothing left to assign.")
    paid_total = sum(paid.values(), Decimal(0))
    if amount is not None and payers and paid_total != amount:
        total, expected = format_money(paid_total, spent_in), format_money(amount, spent_in)
        st.caption(f"The payers add up to {total}, not {expected}.")
    ready = bool(title.strip()) and not preview.problem and payers and paid_total == amount
    if not st.button("Add expense", type="primary", disabled=not ready, key="groups_exp_add"):
        return
    body = expense_body(
        title=title.strip(),
        amount=amount,
        date=day.isoformat(),
        payers=paid,
        mode=mode,
        parts=parts,
        currency=spent_in if foreign else "",
        rate=rate,
        group_currency=currency,
    )
    try:
        api.get_client().post(f"/groups/{gid}/expenses", body)
    except ApiError as error:
        show_error(error)
        return
    for key in ("groups_exp_title", "groups_exp_amount", "groups_exp_rate"):
        st.session_state.pop(key, None)
    PAGE.written(f"Added {title.strip()}.")


# --- Balances and settling up -------------------------------------------------------------


def _balances(group: dict[str, Any]) -> None:
    try:
        rows = data.get(f"/groups/{group['id']}/balances")
    except ApiError as error:
        show_error(error)
        return
    table = pd.DataFrame(
        {
            "Person": [r["name"] for r in rows],
            "Paid": [Decimal(r["paid"]) for r in rows],
            "Share": [Decimal(r["owed"]) for r in rows],
            "Balance": [Decimal(r["balance"]) for r in rows],
        }
    )
    money_table(table, group["currency"])
    chart = pd.DataFrame(
        {"Person": [r["name"] for r in rows], "Balance": [float(r["balance"]) for r in rows]}
    )
    st.bar_chart(chart, x="Person", y="Balance", horizontal=True)
    st.caption("Positive: the group owes them; negative: they owe the group.")


def _settle_up(group: dict[str, Any]) -> None:
    gid, currency = group["id"], group["currency"]
    try:
        transfers = data.get(f"/groups/{gid}/settle-up")["transfers"]
    except ApiError as error:
        show_error(error)
        return
    if not transfers:
        st.caption("Everyone is settled up.")
        return
    st.caption("The fewest payments that settle everyone. The app never moves money.")
    for index, t in enumerate(transfers):
        text, pay, mark = st.columns([3, 1, 1])
        text.markdown(
            f"**{literal(t['from_name'])}** pays **{literal(t['to_name'])}** "
            f"{format_money(t['amount'], currency)}"
        )
        if t.get("pay_url"):
            pay.link_button("Pay", t["pay_url"])
        if mark.button("Mark as paid", key=f"groups_settle_{index}"):
            body = {
                "from": t["from"],
                "to": t["to"],
                "amount": t["amount"],
                "date": today().isoformat(),
            }
            try:
                api.get_client().post(f"/groups/{gid}/settlements", body)
            except ApiError as error:
                show_error(error)
                return
            PAGE.written(f"Recorded: {t['from_name']} paid {t['to_name']} {t['amount']}.")


# --- People -------------------------------------------------------------------------------


def _people(group: dict[str, Any], people: list[dict[str, Any]]) -> None:
    gid = group["id"]
    table = pd.DataFrame(
        {
            "Name": [p["name"] for p in people],
            "Linked": ["yes" if p["linked"] else "guest" for p in people],
            "Admin": ["yes" if p["admin"] else "" for p in people],
            "Payment link": [p.get("payment_link") or "" for p in people],
        }
    )
    st.dataframe(table, hide_index=True)
    me = next((p for p in people if p["id"] == group["me"]), None)
    if me is not None:
        with st.form("groups_link_form"):
            link = st.text_input(
                "My payment link (https://…, the amount is appended)",
                value=me.get("payment_link") or "",
                key="groups_my_link",
            )
            if st.form_submit_button("Save my payment link"):
                _write(
                    "PATCH",
                    f"/groups/{gid}/participants/{me['id']}",
                    {"payment_link": link.strip() or None},
                    "Saved your payment link.",
                )
    if not group["admin"]:
        st.caption("Only the group's creator and admins add or remove people.")
        return
    with st.form("groups_person_form", clear_on_submit=True):
        st.markdown("**Add a person**")
        name = st.text_input("Name", max_chars=100, key="groups_person_name")
        email = st.text_input(
            "Email (optional: they are invited and see the group once they accept)",
            key="groups_person_email",
        )
        if st.form_submit_button("Add person"):
            _write(
                "POST",
                f"/groups/{gid}/participants",
                {"name": name, "email": email.strip() or None},
                f"Added {name}.",
            )


def _write(method: str, path: str, body: dict[str, Any], done: str) -> None:
    client = api.get_client()
    try:
        client.post(path, body) if method == "POST" else client.patch(path, body)
    except ApiError as error:
        show_error(error)
        return
    PAGE.written(done)


# --- My ledger ----------------------------------------------------------------------------


def _my_ledger(group: dict[str, Any]) -> None:
    """Mirror my share into one of my ledgers: my share as an expense, what I paid as a
    transfer into a loan wallet whose balance is my balance in the group."""
    gid, me = group["id"], group["me"]
    path = f"/groups/{gid}/participants/{me}/ledger"
    try:
        connection = api.get_client().get(path)
    except ApiError as error:
        if error.status != 404:
            show_error(error)
            return
        connection = None
    ledgers = [x for x in session.ledgers() if x.get("role") in ("owner", "editor")]
    named = {x["id"]: x["name"] for x in session.ledgers()}
    if connection:
        st.markdown(
            f"Your share goes into **{literal(named.get(connection['ledger'], 'a ledger'))}**."
        )
        if st.button("Disconnect", key="groups_disconnect"):
            try:
                api.get_client().delete(path)
            except ApiError as error:
                show_error(error)
                return
            PAGE.written("Disconnected: what was mirrored stays in your ledger.")
    else:
        st.caption(
            "Not connected. Connect to see your share of every expense in one of your ledgers."
        )
    if not ledgers:
        st.caption("You edit no ledger to connect.")
        return
    lid = st.selectbox(
        "Ledger",
        [x["id"] for x in ledgers],
        format_func=lambda x: literal(named[x]),
        key="groups_conn_ledger",
    )
    try:
        wallets = data.get_all(f"/ledgers/{lid}/wallets", {"archived": False})
        categories = data.get_all(f"/ledgers/{lid}/categories", {"archived": False})
    except ApiError as error:
        show_error(error)
        return
    ledger_currency = next((x.get("currency", "") for x in ledgers if x["id"] == lid), "")
    choices = connect_choices(wallets, group["currency"], ledger_currency)
    loans, others = choices.loans, choices.pays
    if not loans or not others:
        st.info(
            f"The ledger needs a loan wallet in {group['currency']} (for the group) and a "
            "wallet you pay from."
        )
        return
    spend = {c["id"]: c["name"] for c in categories if c["type"] == "expense"}
    loan = st.selectbox(
        f"Loan wallet in {group['currency']} (its balance = your group balance)",
        list(loans),
        format_func=lambda x: literal(loans[x]),
        key="groups_conn_loan",
    )
    pay = st.selectbox(
        "I pay from", list(others), format_func=lambda x: literal(others[x]), key="groups_conn_pay"
    )
    if pay in choices.foreign:
        st.caption(CONVERTED_NOTE)
    category = st.selectbox(
        "Category of my share",
        [None, *spend],
        format_func=lambda x: (
            "By the expense's category name, else Other expenses"
            if x is None
            else literal(spend[x])
        ),
        key="groups_conn_category",
    )
    if st.button("Connect", type="primary", key="groups_connect"):
        body = {"ledger": lid, "loan_wallet": loan, "pay_wallet": pay, "category": category}
        try:
            api.get_client().put(path, body)
        except ApiError as error:
            show_error(error)
            return
        PAGE.written("Connected: new expenses of this group appear in your ledger.")
