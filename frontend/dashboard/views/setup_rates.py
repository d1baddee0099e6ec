"""Setup → Rates: the ledger's exchange rates (SPEC §14) — how many units of the base currency
one unit of another currency is worth on a day. List them (newest first, by currency), add
one, delete one, and check which rate a transaction on a day would use."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, currencies, data, forms, localisation
from dashboard.api import ApiError, FieldError
from dashboard.formatting import day, literal
from dashboard.forms import FormErrors
from dashboard.views.common import Page, add_and_change, show_error, today
from dashboard.views.currency_fields import currency_select

ALL = "All currencies"


def section(page: Page, base: str, can_write: bool) -> None:
    """The Rates tab."""
    st.caption(
        f"A rate says how many {base} one unit of another currency is worth on a day. A "
        f"transaction in a wallet of another currency is valued in {base} at the rate of its "
        "day (or of the 7 days before), yours first, else the reference rate the server "
        "imported; without one, give its amount in "
        f"{base} yourself. Booked transactions keep their value when rates change later."
    )
    try:
        rates = data.rates()
    except ApiError as error:
        show_error(error)
        return
    codes = sorted({r["currency"] for r in rates})
    if rates:
        shown = st.selectbox("Show the rates of", [ALL, *codes], key="setup_rates_filter")
        chosen = rates if shown == ALL else [r for r in rates if r["currency"] == shown]
        table = pd.DataFrame(
            currencies.rate_rows(chosen, base), columns=["Currency", "Date", "Rate"]
        )
        st.dataframe(table, hide_index=True, width="stretch", key="setup_rates_table")
    else:
        st.info(
            "No rates of your own yet. Add one for each currency your wallets hold, or let "
            "the server's reference rates serve."
        )
    _check(base)
    if not can_write:
        return
    add_and_change(
        "Add a rate",
        lambda: _rate_add(page, base),
        "Delete a rate",
        lambda: _rate_delete(page, rates, base),
        nothing_to_change=None if rates else "Rates you add can be deleted here.",
    )


def _check(base: str) -> None:
    """What rate would be used on a day: the lookup the API does for a write."""
    st.subheader("Which rate applies?")
    with st.form("setup_rates_check", border=False):
        left, right = st.columns(2)
        with left:
            currency = currency_select("Currency", "setup_rates_check_currency", None)
        on = right.date_input("On", value=today(), key="setup_rates_check_date")
        asked = st.form_submit_button("Look up the rate", key="setup_rates_check_submit")
    if not asked or not currency:
        return
    if currency == base:
        st.info(f"{base} is the ledger's own currency: no rate is needed.")
        return
    try:
        lookup = data.rate_lookup(currency, on.isoformat())
    except ApiError as error:
        show_error(error)
        return
    text = currencies.rate_text(lookup)
    if text is None:
        st.warning(
            literal(
                f"No {currency}→{base} rate for {day(on)} nor the 7 days before: a transaction "
                f"then needs its amount in {base}. Add a rate below."
            )
        )
    else:
        st.success(literal(f"On {day(on)}: {text}."))


def _rate_add(page: Page, base: str) -> None:
    with st.form("setup_rate_add", border=True):
        currency = currency_select("Currency", "setup_rate_currency", None)
        left, right = st.columns(2)
        on = left.date_input("Date", value=today(), key="setup_rate_date")
        mark = localisation.decimal_mark()
        typed = right.text_input(
            f"Rate ({base} per unit)",
            placeholder=f"0{mark}92",
            help=f"How many {base} one unit of the currency is worth that day.",
            key="setup_rate_rate",
        )
        submitted = st.form_submit_button("Add rate", type="primary", key="setup_rate_submit")
    if not submitted:
        return
    try:
        errors = []
        if not currency:
            errors.append(FieldError(field="currency", message="Choose a currency."))
        elif currency == base:
            errors.append(
                FieldError(field="currency", message=f"{base} is the ledger's own currency.")
            )
        try:
            rate = currencies.parse_rate(typed, mark)
        except ValueError as problem:
            errors.append(FieldError(field="rate", message=str(problem)))
        if errors:
            raise FormErrors(errors)
        body = {"currency": currency, "date": on.isoformat(), "rate": str(rate)}
        api.get_client().post(data.ledger_path("/rates"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"setup_rate_rate": ""})
    page.written(f"Added the rate 1 {currency} = {rate} {base} on {day(on)}.")


def _rate_delete(page: Page, rates: list[dict[str, Any]], base: str) -> None:
    by_id = {str(r["id"]): r for r in rates}
    labels = {
        rid: f"{r['currency']} · {day(r['date'])} · {r['rate']} {base}" for rid, r in by_id.items()
    }
    chosen = st.selectbox(
        "Rate", list(by_id), format_func=labels.__getitem__, key="setup_rate_pick"
    )
    rate = by_id[chosen]
    st.caption(
        "Booked transactions keep the value they were given; only new ones and the balances change."
    )
    page.delete(
        f"setup_rate_{chosen}",
        "rate",
        labels[chosen],
        data.ledger_path(f"/rates/{chosen}"),
        f"Deleted the {rate['currency']} rate of {day(rate['date'])}.",
    )
