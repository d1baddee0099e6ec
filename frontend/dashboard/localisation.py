"""Money and dates as the signed-in person's locale writes them (Babel), and amounts typed the
same way: "12,50" and "1.234,56" in German, "12.50" and "1,234.56" in English.

The locale is a setting of the user at the API (`locale` on /auth/me, Account → Profile); the
formatting helpers read it from the session, so pages call them without passing it along.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import streamlit as st
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, get_decimal_symbol

from dashboard import session
from dashboard.formatting import parse_money, places

DEFAULT_LOCALE = "en_GB"
# The API's choices (accounts.models.LOCALES): a label each, in the language itself.
LOCALES = {
    "en_GB": "English (United Kingdom)",
    "en_US": "English (United States)",
    "de_DE": "Deutsch (Deutschland)",
    "de_AT": "Deutsch (Österreich)",
    "de_CH": "Deutsch (Schweiz)",
    "fr_FR": "Français (France)",
    "nl_NL": "Nederlands (Nederland)",
    "es_ES": "Español (España)",
    "it_IT": "Italiano (Italia)",
    "pl_PL": "Polski (Polska)",
}


def chosen() -> str | None:
    """The locale the user chose in Account → Profile; None until they do (money then reads
    "1,234.50 EUR" and dates "2026-12-04", as before the setting existed and as scripts,
    tests and the e2e checks read them)."""
    try:
        user = st.session_state.get(session.USER_KEY) or {}
    except Exception:  # no script run context: a plain call
        return None
    return user["locale"] if user.get("locale") in LOCALES else None


def browser_locale() -> str | None:
    """The browser's language as a locale of the list (to suggest it), or None."""
    try:
        browser = st.context.locale
    except Exception:
        return None
    if not isinstance(browser, str) or not browser:
        return None
    wanted = browser.replace("-", "_")
    if wanted in LOCALES:
        return wanted
    language = wanted.split("_")[0]
    return next((code for code in LOCALES if code.startswith(f"{language}_")), None)


def current() -> str:
    return chosen() or DEFAULT_LOCALE


def money(
    value: str | int | Decimal, currency: str | None = None, locale: str | None = None
) -> str:
    """ "1.234,56 €" (de_DE), "€1,234.56" (en_GB), "JP¥1,200", "KWD 1.250": the currency's
    own places (SPEC §14); without a currency just the number with two."""
    decimals = places(currency)
    amount = parse_money(value, decimals)
    where = locale or current()
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if not currency:
        return format_decimal(amount, format=pattern, locale=where)
    try:
        return format_currency(amount, currency, locale=where)
    except (UnknownLocaleError, ValueError):
        return f"{format_decimal(amount, format=pattern, locale=where)} {currency}"


def day(value: date | str | None, locale: str | None = None) -> str:
    """A date the one way the locale writes it short: "04.12.2026", "4 Dec 2026"."""
    if not value:
        return ""
    when = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return format_date(when, format="medium", locale=locale or current())


def decimal_mark(locale: str | None = None) -> str:
    where = locale or chosen()
    return get_decimal_symbol(where) if where else "."


def currency_symbol(currency: str, locale: str | None = None) -> str:
    return Locale.parse(locale or current()).currency_symbols.get(currency, currency)


def normalise_amount(text: str, mark: str = ".") -> str | None:
    """Typed money → "1234.56" (sign kept, decimals as typed), or None when it is no number.

    ``mark`` is the locale's decimal mark. With both "." and "," the later one is the decimal
    mark, whatever the locale ("1.234,56" and "1,234.56" are both 1234.56). With one of them
    only: the locale's mark is the decimal mark; the other one groups thousands when it stands
    before groups of three digits ("1,234" in English, "1.234" in German) and is otherwise a
    decimal mark too ("12,50" is 12.50 everywhere).
    """
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", text or "")
    sign = ""
    if cleaned[:1] in ("+", "-"):
        sign, cleaned = cleaned[0], cleaned[1:]
    if "," in cleaned and "." in cleaned:
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
    elif "," in cleaned or "." in cleaned:
        found = "," if "," in cleaned else "."
        if found == mark or not re.fullmatch(rf"\d{{1,3}}(?:\{found}\d{{3}})+", cleaned):
            decimal = found
        else:
            decimal = "," if found == "." else "."
    else:
        decimal = mark
    group = "," if decimal == "." else "."
    pattern = rf"(\d{{1,3}}(?:\{group}\d{{3}})+|\d+)?(?:\{decimal}\d*)?"
    if not re.fullmatch(pattern, cleaned) or not any(ch.isdigit() for ch in cleaned):
        return None
    return sign + cleaned.replace(group, "").replace(decimal, ".")
