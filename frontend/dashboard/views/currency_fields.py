"""The widgets of wallets in other currencies (SPEC §14): the currency picker, and the rate a
transaction in another currency will use (or that there is none)."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from dashboard import currencies, data
from dashboard.api import ApiError
from dashboard.formatting import literal
from dashboard.views.common import show_error


def currency_select(
    label: str,
    key: str,
    default: str | None = None,
    *,
    help: str | None = None,
    disabled: bool = False,
) -> str | None:
    """A select box of the API's currencies ("EUR — Euro"; type to search), not free text.
    Returns the chosen code."""
    try:
        known = data.currencies()
    except ApiError as error:
        show_error(error)
        return None
    names = {c["code"]: currencies.label(c) for c in known}
    codes = list(names)
    return st.selectbox(
        label,
        codes,
        index=codes.index(default) if default in names else None,
        format_func=lambda code: names.get(code, code),
        placeholder="Type to search: EUR, dollar, yen…",
        help=help,
        disabled=disabled,
        key=key,
    )


def rate_hint(currency: str, base: str, on: date | None) -> dict[str, Any] | None:
    """Under a transaction in ``currency``: the rate the API will use on ``on``, or that
    there is none (then the amount in the base currency is needed). Returns the lookup."""
    if currency == base or on is None:
        return None
    try:
        lookup = data.rate_lookup(currency, on.isoformat())
    except ApiError as error:
        show_error(error)
        return None
    text = currencies.rate_text(lookup)
    if text is None:
        st.warning(
            literal(currencies.missing_rate_text(currency, base, on)),
            icon=":material/currency_exchange:",
        )
    else:
        st.caption(f":material/currency_exchange: {literal(text)}")
    return lookup
