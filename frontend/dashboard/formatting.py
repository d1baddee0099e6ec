"""Money as the dashboard shows it: an exact Decimal with its currency's places (two for most,
none for JPY, three for KWD: ISO 4217's minor unit, SPEC §14) and the currency."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import UnknownCurrencyError, get_currency_precision

CENT = Decimal("0.01")

# Optional sign, digits with optional "," thousands groups, optional fraction, and an optional
# ISO 4217 code before or after, so a string this module printed parses back.
_MONEY_RE = re.compile(
    r"^\s*(?:[A-Za-z]{3}\s+)?(?P<sign>[-+])?\s*"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s+[A-Za-z]{3})?\s*$"
)


def places(currency: str | None) -> int:
    """The minor unit of an ISO 4217 currency: 0 (JPY, KRW), 2 (most), 3 (KWD, BHD, JOD)."""
    if not currency:
        return 2
    try:
        return get_currency_precision(currency.upper())
    except (UnknownCurrencyError, ValueError):
        return 2


def parse_money(value: str | int | Decimal, decimals: int = 2) -> Decimal:
    """Turn a money value from the API or a person into a Decimal with exactly ``decimals``
    places (two unless the currency has another minor unit, `places`).

    Floats are refused: they cannot hold most cent amounts exactly.
    """
    if isinstance(value, bool | float):
        raise TypeError(f"Money must be a string, int or Decimal, not {type(value).__name__}.")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    else:
        match = _MONEY_RE.match(value)
        if match is None:
            raise ValueError(f"{value!r} is not an amount of money.")
        amount = Decimal(match["number"].replace(",", ""))
        if match["sign"] == "-":
            amount = -amount
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount of money.")
    try:
        cents = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is too large an amount of money.") from exc
    # "-0.00" would print as a negative zero.
    return cents if cents else abs(cents)


def format_money(value: str | int | Decimal, currency: str | None = None) -> str:
    """Money as the user's locale writes it, with the currency's symbol and its places
    ("1.234,50 €", "€1,234.50", "¥1,200", "KWD 1.250"); without a locale (a script, a test)
    "1,234.50 EUR", "1,200 JPY", "1.250 KWD"."""
    from dashboard import localisation

    locale = localisation.chosen()
    if locale is not None:
        return localisation.money(value, currency, locale)
    decimals = places(currency)
    text = f"{parse_money(value, decimals):,.{decimals}f}"
    return f"{text} {currency}" if currency else text


def day(value: object) -> str:
    """The day of an API date or timestamp as the user's locale writes it ("4 Dec 2026",
    "04.12.2026"); ISO ("2026-12-04") without a locale; "" for none."""
    if not value:
        return ""
    from dashboard import localisation

    locale = localisation.chosen()
    text = str(value)[:10]
    return localisation.day(text, locale) if locale is not None else text


def format_percent(value: str | int | Decimal) -> str:
    """A percentage from the API ("85.5", "85.50") as "85.50 %"."""
    return f"{parse_money(value):,.2f} %"


# --- user text in Streamlit's Markdown --------------------------------------------------------

ZERO_WIDTH_SPACE = "\u200b"
# Characters that mean something wherever they stand: emphasis, code, links and images, HTML
# and autolinks, tables, strikethrough, `$` math, and the escape character itself.
_ANYWHERE = re.compile(r"([\\`*_\[\]<$|~])")
# An entity ("&amp;", "&#60;") would show as the character it names.
_ENTITY = re.compile(r"&(?=#?\w+;)")
# A colon before a name: `:emoji:` shortcodes, `:material/icon:` and `:red[…]` directives.
# Streamlit replaces shortcodes and icons after Markdown has dropped its escapes, so a
# zero-width space, not a backslash, keeps them apart.
_COLON = re.compile(r":(?=[\w+-]+(?:/[\w-]+)?[:\[])")
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
# At the start of a line: headings, block quotes, bullet and numbered list items, setext
# underlines and thematic breaks.
_LINE_START = re.compile(r"^(\u00a0*(?:\d+(?=[.)]))?)([-+=#>.)])", re.MULTILINE)


def literal(text: object) -> str:
    """``text`` (a name, a description, a message from the API) as Markdown that shows it
    exactly as written: in st.markdown, st.caption, alerts, widget labels and the like.

    Only what Markdown (as Streamlit reads it: GFM, math, emoji, directives) would give a
    meaning is escaped, so an ordinary sentence stays as it is. A line's indentation becomes
    no-break spaces, so it starts no code block. A bare URL or email address stays what GFM
    makes of it, a link that shows its own target; a link whose text hides it cannot be made.
    """
    if text is None:
        return ""
    escaped = _ANYWHERE.sub(r"\\\1", str(text))
    escaped = _ENTITY.sub(r"\\&", escaped)
    escaped = _COLON.sub(":" + ZERO_WIDTH_SPACE, escaped)
    escaped = _INDENT.sub(lambda match: "\u00a0" * len(match.group()), escaped)
    return _LINE_START.sub(r"\1\\\2", escaped)
