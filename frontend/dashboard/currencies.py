"""Wallets in other currencies (SPEC §14), the words the pages use for them, without
Streamlit: a currency's label in a picker, the rate a write will use, what net worth leaves
out, and the revaluation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from dashboard.formatting import day, format_money, parse_money, places

Item = Mapping[str, Any]
SOURCES = {"ledger": "your rate", "reference": "the reference rate"}
RATES_PAGE = "Setup → Rates"


def known_currencies() -> list[dict[str, Any]]:
    """ISO 4217 currencies in use as Babel knows them: ``{code, name, places}`` by code."""
    from babel.numbers import get_currency_name, list_currencies

    return [
        {"code": code, "name": get_currency_name(code, locale="en"), "places": places(code)}
        for code in sorted(list_currencies())
    ]


def label(currency: Item) -> str:
    """ "EUR — Euro": how a picker lists a currency."""
    return f"{currency['code']} — {currency['name']}"


def currency_of(wallets: Iterable[Item], wallet_id: Any, base: str) -> str:
    """The currency of a wallet (the base one when unknown or not set)."""
    found = next((w for w in wallets if str(w["id"]) == str(wallet_id)), None)
    return (found or {}).get("currency") or base


def others(wallets: Iterable[Item], base: str) -> list[str]:
    """The currencies of the active wallets that are not the base one, sorted."""
    codes = {w.get("currency") or base for w in wallets if not w.get("archived")}
    return sorted(codes - {base})


def rate_text(lookup: Item) -> str | None:
    """The rate a write will use, as a sentence: "1 USD = 0.92 EUR (your rate of 1 Mar
    2025)"; None when there is none."""
    rate = lookup.get("rate")
    if rate is None:
        return None
    source = SOURCES.get(lookup.get("source") or "", "the rate")
    when = day(lookup.get("rate_date"))
    of = f" of {when}" if when else ""
    worth = f"{Decimal(str(rate)).normalize():f} {lookup['base']}"
    return f"1 {lookup['currency']} = {worth} ({source}{of})"


def missing_rate_text(currency: str, base: str, on: Any) -> str:
    return (
        f"No {currency}→{base} rate for {day(on)} (nor the 7 days before). Give the amount in "
        f"{base} below, or add a rate under {RATES_PAGE}."
    )


def converted(amount: Decimal, rate: Any, base: str) -> str:
    """What ``amount`` is in the base currency at ``rate``, rounded once (half away from
    zero, as the API rounds)."""
    value = parse_money(amount * Decimal(str(rate)), places(base))
    return format_money(value, base)


def unconverted_text(unconverted: Iterable[Item]) -> list[str]:
    """One sentence per currency without a rate: "No rate for JPY — 15,000 JPY is not in net
    worth."."""
    return [
        f"No rate for {item['currency']} — {format_money(item['amount'], item['currency'])} "
        "is not in net worth."
        for item in unconverted
    ]


def revaluation_text(revaluation: Any, base: str) -> str | None:
    """ "Unrealised exchange gain since booking: +12.30 €" (or loss); None for none."""
    if revaluation is None:
        return None
    amount = parse_money(revaluation, places(base))
    if not amount:
        return None
    kind = "gain" if amount > 0 else "loss"
    sign = "+" if amount > 0 else ""
    return (
        f"Unrealised exchange {kind} since booking: {sign}{format_money(amount, base)} — what "
        "the wallets in other currencies are worth at today's rates against what they were "
        "booked at."
    )


def balance_sentence(wallet: Item, base: str) -> str:
    """A wallet's balance, with its worth in the base currency when it is in another one."""
    own = wallet.get("currency") or base
    text = format_money(wallet["balance"], own)
    if own == base:
        return text
    worth = wallet.get("balance_base")
    if worth is None:
        return f"{text} (no rate to {base})"
    return f"{text} (≈ {format_money(worth, base)})"


MAX_RATE_DIGITS = 12


def parse_rate(text: str, mark: str = ".") -> Decimal:
    """A typed rate ("0.92", "0,92" with a decimal comma) → Decimal: above zero, at most 12
    significant digits (SPEC §14). ValueError with the sentence to show otherwise."""
    from dashboard.localisation import normalise_amount

    number = normalise_amount((text or "").strip(), mark)
    if not (text or "").strip():
        raise ValueError("Enter a rate.")
    if number is None:
        raise ValueError(f"Enter a number such as 0{mark}92.")
    rate = Decimal(number)
    if rate <= 0:
        raise ValueError("Enter a rate above zero.")
    if len(rate.normalize().as_tuple().digits) > MAX_RATE_DIGITS:
        raise ValueError(f"Use at most {MAX_RATE_DIGITS} significant digits.")
    return rate


def rate_rows(rates: Iterable[Item], base: str) -> list[dict[str, str]]:
    """The Rates table: Currency, Date, Rate ("1 USD = 0.92 EUR"), newest first."""
    ordered = sorted(rates, key=lambda r: (str(r["date"]), r["currency"]), reverse=True)
    return [
        {
            "Currency": r["currency"],
            "Date": day(r["date"]),
            "Rate": f"1 {r['currency']} = {Decimal(str(r['rate'])).normalize():f} {base}",
        }
        for r in ordered
    ]
