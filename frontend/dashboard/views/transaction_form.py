"""A transaction's form, for adding one and for editing one (Transactions) and for a recurring
transaction's fields (Planning → Recurring): which fields a kind shows, their defaults, and
the wallet, bucket and category boxes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard import api, data, forms, labels
from dashboard.api import ApiError
from dashboard.forms import FormErrors, Lists
from dashboard.views.common import Page, today

ADD_KIND_KEY = "tx_add_kind"
_KEPT_ON_KIND_CHANGE = ("date", "amount", "description", "notes", "tags")


def kind_choice(key: str) -> str:
    """The kind of a new transaction (an expense unless chosen), with what it means."""
    kind = st.segmented_control(
        "Kind",
        forms.KINDS,
        default="expense",
        required=True,
        format_func=labels.TRANSACTION_KINDS.__getitem__,
        key=key,
    )
    st.caption(labels.TRANSACTION_KIND_HELP[kind])
    return kind


def defaults(kind: str, lists: Lists) -> dict[str, Any]:
    """A new transaction's values: today, and the wallet and bucket most take."""
    values: dict[str, Any] = {"date": today(), "amount": "", "description": "", "notes": ""}
    values["tags"] = ""
    wallets = lists.active_wallets()
    if kind in ("income", "expense", "adjustment") and len(wallets) == 1:
        values["wallet"] = str(wallets[0]["id"])
    if kind in ("expense", "adjustment"):
        values["bucket"] = lists.system_bucket_id()
    return values


def _transaction_fields(
    kind: str, prefix: str, initial: Mapping[str, Any], lists: Lists, currency: str
) -> dict[str, Any]:
    """The widgets of one kind's form; returns the values typed. Keys: ``<prefix>_<field>``."""
    values: dict[str, Any] = {}
    left, right = st.columns(2)
    with left:
        values["date"] = st.date_input("Date", value=initial.get("date"), key=f"{prefix}_date")
        amount_label = f"Amount ({currency})"
        amount_help = None
        if kind == "adjustment":
            amount_label = f"Amount ({currency}, + adds, - removes)"
            amount_help = "A signed amount: -20.00 takes 20 away from the wallet and bucket."
        values["amount"] = st.text_input(
            amount_label,
            value=initial.get("amount", ""),
            placeholder="-12.50" if kind == "adjustment" else "12.50",
            help=amount_help,
            key=f"{prefix}_amount",
        )
        values["description"] = st.text_input(
            "Description",
            value=initial.get("description", ""),
            max_chars=255,
            key=f"{prefix}_description",
        )
        values["tags"] = st.text_input(
            "Tags",
            value=initial.get("tags", ""),
            placeholder="holiday, kids",
            help="Separate tags with commas.",
            key=f"{prefix}_tags",
        )
    with right:
        for name in forms.KIND_REFERENCES[kind]:
            values[name] = reference_select(kind, name, prefix, initial.get(name), lists)
    values["notes"] = st.text_area(
        "Notes", value=initial.get("notes", ""), max_chars=2000, height=68, key=f"{prefix}_notes"
    )
    return values


def reference_select(
    kind: str, name: str, prefix: str, current: str | None, lists: Lists
) -> str | None:
    """The box for one wallet, bucket or category field of ``kind`` (key ``<prefix>_<name>``);
    an archived ``current`` stays on offer."""
    names = lists.names
    label = forms.field_label(name)
    none_label: str | None = None
    if name.endswith("wallet"):
        options = [str(w["id"]) for w in lists.active_wallets()]
        group = "wallets"
        if name != "wallet":
            none_label = "—"
    elif name.endswith("bucket"):
        options = [str(b["id"]) for b in lists.active_buckets()]
        group = "buckets"
        if kind == "income":
            none_label = "Split by the bucket percentages"
        elif name != "bucket":
            none_label = "—"
    else:
        type_ = forms.CATEGORY_TYPE[kind]
        options = [str(c["id"]) for c in lists.active_categories(type_)]
        group = "categories"
        if kind == "transfer":
            none_label = "—"
            label = "Category (optional)"
    if current and current not in options:
        options.append(current)  # an archived one this transaction already uses
    choices: list[str | None] = [None, *options] if none_label else list(options)
    index = choices.index(current) if current in choices else (0 if none_label else None)

    def show(value: str | None) -> str:
        if value is None:
            return none_label or ""
        return names.lookup(group, value)

    hint = None
    if not options and name == "category":
        hint = f"No active {forms.CATEGORY_TYPE[kind]} categories: add one under Setup."
    elif not options:
        hint = f"No active {group}: add one under Setup."
    return st.selectbox(
        label,
        choices,
        index=index,
        format_func=show,
        placeholder=f"Choose a {label.lower()}",
        help=hint,
        key=f"{prefix}_{name}",
    )


def add_form(page: Page, lists: Lists, currency: str) -> None:
    """The form for a new transaction of the kind chosen above it."""
    if not lists.active_wallets():
        st.info(
            "Add a wallet first (Setup → Wallets): every income, expense and adjustment "
            "needs a wallet the money sits in."
        )
    kind = kind_choice(ADD_KIND_KEY)
    prefix = f"tx_add_{kind}"
    with st.form(f"tx_add_form_{kind}", border=False):
        values = _transaction_fields(kind, prefix, defaults(kind, lists), lists, currency)
        submitted = st.form_submit_button("Add transaction", type="primary", key="tx_add_submit")
    if not submitted:
        return
    try:
        payload = forms.build_payload(kind, values)
        created = api.get_client().post(data.ledger_path("/transactions"), json=payload)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    # The next one often shares the date and wallet; what is typed fresh each time goes.
    forms.reset_later({f"{prefix}_{name}": "" for name in ("amount", "description", "notes")})
    forms.reset_later({f"{prefix}_tags": ""})
    label = forms.transaction_label(created, currency) if isinstance(created, dict) else kind
    page.written(f"Added {label}.")


def edit_form(page: Page, tx: dict[str, Any], tid: str, lists: Lists, currency: str) -> None:
    """The selected transaction's form; changing its kind clears what the new kind lacks."""
    kind = st.segmented_control(
        "Kind",
        forms.KINDS,
        default=tx["kind"],
        required=True,
        format_func=labels.TRANSACTION_KINDS.__getitem__,
        key=f"tx_edit_{tid}_kind",
    )
    if kind != tx["kind"]:
        st.caption(
            f"Saving turns this {tx['kind']} into a {kind}: fields a {kind} has no use for "
            "are cleared."
        )
    prefix = f"tx_edit_{tid}_{kind}"
    initial = forms.form_values(tx)
    if kind != tx["kind"]:
        initial = {**defaults(kind, lists), **{k: initial[k] for k in _KEPT_ON_KIND_CHANGE}}
    with st.form(f"tx_edit_form_{tid}_{kind}", border=False):
        values = _transaction_fields(kind, prefix, initial, lists, currency)
        submitted = st.form_submit_button("Save changes", type="primary", key="tx_edit_submit")
    if not submitted:
        return
    try:
        body = forms.changes(tx, forms.build_payload(kind, values))
        if not body:
            st.info("Nothing changed.")
            return
        api.get_client().patch(data.ledger_path(f"/transactions/{tid}"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    page.written(f"Saved {forms.transaction_label({**tx, **_shown(body)}, currency)}.")


def _shown(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("kind", "date", "amount", "description") if k in body}
