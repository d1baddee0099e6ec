"""Transactions → Filters: the filter form, and the filters in force (kept in the session, so
they outlive a rerun and start the table at its first page when they change)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import streamlit as st

from dashboard import forms, labels
from dashboard.forms import FormErrors, Lists

FILTERS_KEY = "tx_filters"
PAGE_KEY = "tx_page"
MAX_SEARCH_LENGTH = 200  # the API's limit for `q`
ORDERINGS = {
    "-date": "Newest first",
    "date": "Oldest first",
    "-amount": "Largest amount first",
    "amount": "Smallest amount first",
}
# "Any" in a filter box: a real option, since a box holding None shows a placeholder instead.
ANY = ""
FILTER_DEFAULTS = {
    "tx_filter_date_from": None,
    "tx_filter_date_to": None,
    "tx_filter_kind": ANY,
    "tx_filter_ordering": "-date",
    "tx_filter_category": ANY,
    "tx_filter_wallet": ANY,
    "tx_filter_bucket": ANY,
    "tx_filter_q": "",
    "tx_filter_tag": "",
    "tx_filter_min_amount": "",
    "tx_filter_max_amount": "",
}


def active_filters() -> dict[str, str]:
    return dict(st.session_state.get(FILTERS_KEY, {}))


def search_row(lists: Lists) -> None:
    """On top of the register: the search box and the wallet whose register it is. Both
    apply at once (Enter in the search box); the other filters wait in the form below."""
    active = active_filters()
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        st.text_input(
            "Search",
            value=active.get("q", ""),
            placeholder="Description, notes or payee",
            max_chars=MAX_SEARCH_LENGTH,
            key="tx_filter_q",
            on_change=_apply_top,
        )
    with right:
        _filter_select(
            st,
            "Wallet",
            lists.wallets,
            "wallets",
            active,
            lists.names,
            "All wallets",
            on_change=_apply_top,
        )


def _apply_top() -> None:
    """The search box or the wallet changed: the filters in force take them at once."""
    params = active_filters()
    for name, key in (("q", "tx_filter_q"), ("wallet", "tx_filter_wallet")):
        value = (st.session_state.get(key) or "").strip()
        if value:
            params[name] = value
        else:
            params.pop(name, None)
    if params != active_filters():
        st.session_state[FILTERS_KEY] = params
        st.session_state[PAGE_KEY] = 1


def form(lists: Lists) -> dict[str, str]:
    """The filter form; returns the API parameters in force."""
    active = active_filters()
    shown = {k: v for k, v in active.items() if k not in ("ordering", "q", "wallet")}
    title = f"Filters ({len(shown)} active)" if shown else "Filters"
    names = lists.names
    with (
        st.expander(
            title, icon=":material/filter_list:", expanded=bool(shown), key="tx_filters_open"
        ),
        st.form("tx_filter_form", border=False),
    ):
        row = st.columns(4)
        date_from = row[0].date_input(
            "From", value=_date(active.get("date_from")), key="tx_filter_date_from"
        )
        date_to = row[1].date_input(
            "To", value=_date(active.get("date_to")), key="tx_filter_date_to"
        )
        kind = row[2].selectbox(
            "Kind",
            [ANY, *forms.KINDS],
            index=_index([ANY, *forms.KINDS], active.get("kind")),
            format_func=lambda k: labels.TRANSACTION_KINDS.get(k, "Any kind"),
            key="tx_filter_kind",
        )
        orderings = list(ORDERINGS)
        ordering = row[3].selectbox(
            "Order",
            orderings,
            index=_index(orderings, active.get("ordering", "-date")),
            format_func=ORDERINGS.__getitem__,
            key="tx_filter_ordering",
        )
        row = st.columns(2)
        category = _filter_select(
            row[0], "Category", lists.categories, "categories", active, names, "Any category"
        )
        bucket = _filter_select(row[1], "Bucket", lists.buckets, "buckets", active, names)
        row = st.columns(3)
        tag = row[0].text_input(
            "Tag", value=active.get("tag", ""), max_chars=50, key="tx_filter_tag"
        )
        min_amount = row[1].text_input(
            "Min amount",
            value=active.get("min_amount", ""),
            max_chars=20,
            key="tx_filter_min_amount",
        )
        max_amount = row[2].text_input(
            "Max amount",
            value=active.get("max_amount", ""),
            max_chars=20,
            key="tx_filter_max_amount",
        )
        buttons = st.columns([1, 1, 4])
        apply = buttons[0].form_submit_button(
            "Apply filters", type="primary", key="tx_filter_apply"
        )
        clear = buttons[1].form_submit_button("Clear filters", key="tx_filter_clear")

    if clear:
        forms.reset_later(FILTER_DEFAULTS)
        _set_filters({})
    if apply:
        typed = {
            "date_from": date_from,
            "date_to": date_to,
            "kind": kind,
            "category": category,
            "wallet": st.session_state.get("tx_filter_wallet") or ANY,
            "bucket": bucket,
            "q": st.session_state.get("tx_filter_q") or "",
            "tag": tag,
            "min_amount": min_amount,
            "max_amount": max_amount,
            "ordering": ordering,
        }
        try:
            params = forms.filter_params(typed)
        except FormErrors as error:
            forms.show_form_error(error)
            return active
        _set_filters(params)
    return active


def _set_filters(params: dict[str, str]) -> None:
    if params != active_filters():
        st.session_state[FILTERS_KEY] = params
        forms.reset_later({PAGE_KEY: 1})
        st.rerun()


def _filter_select(
    column: Any,
    label: str,
    items: list[dict[str, Any]],
    group: str,
    active: Mapping[str, str],
    names: forms.Names,
    any_label: str | None = None,
    on_change: Any = None,
) -> str | None:
    ordered = sorted(items, key=lambda item: (item["archived"], item.get("type", ""), item["name"]))
    options = [ANY, *(str(item["id"]) for item in ordered)]
    archived = {str(item["id"]) for item in items if item["archived"]}
    types = {str(item["id"]): item.get("type") for item in items}

    def show(value: str | None) -> str:
        if value == ANY:
            return any_label or f"Any {label.lower()}"
        text = names.lookup(group, value)
        if types.get(value):
            text += f" ({types[value]})"
        return f"{text} — archived" if value in archived else text

    return column.selectbox(
        label,
        options,
        index=_index(options, active.get(label.lower())),
        format_func=show,
        key=f"tx_filter_{label.lower()}",
        on_change=on_change,
    )


def _index(options: list[Any], value: Any) -> int:
    return options.index(value) if value in options else 0


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
