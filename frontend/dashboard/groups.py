"""Shared expenses (SPEC §15) without widgets: the live split preview of the "add expense"
form (the API's rounding: cents, largest remainder, ties in the order of the parts), what a
balance means for the signed-in person, and the body of a new expense."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Any

from dashboard.formatting import format_money, places

# The API's split modes (budget.groups.models.SplitMode), in the order the form offers them.
SPLIT_MODES = ("equal", "shares", "percent", "exact")
SPLIT_LABELS = {
    "equal": "Equally",
    "shares": "By shares",
    "percent": "By percent",
    "exact": "Exact amounts",
}
HUNDRED = Decimal(100)


@dataclass
class Preview:
    """Each included person's part, what is left to assign (percent or exact), and why the
    split cannot be sent yet (None when it can)."""

    owed: dict[str, Decimal] = field(default_factory=dict)
    remainder: Decimal | None = None
    problem: str | None = None


def number(text: str | None) -> Decimal | None:
    """A typed decimal ("2", "33.5", "12,30"), or None when empty or not a number."""
    if text is None or not str(text).strip():
        return None
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def split_by_weights(amount: Decimal, weights: list[Fraction], decimals: int = 2) -> list[Decimal]:
    """The API's rule: each share floored to the minor unit (`decimals` places: the cent, the
    whole yen), the missing units one each to the largest remainders, ties to the earlier
    part; the parts add up to `amount`."""
    units = int(amount.scaleb(decimals))
    total = sum(weights, Fraction(0))
    exact = [units * w / total for w in weights]
    parts = [math.floor(e) for e in exact]
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: units - sum(parts)]:
        parts[i] += 1
    step = Decimal(1).scaleb(-decimals)
    return [Decimal(p).scaleb(-decimals).quantize(step) for p in parts]


def converted(amount: Decimal, rate: Decimal, decimals: int = 2) -> Decimal:
    """The API's conversion of an expense in another currency into the group's: amount *
    rate rounded half away from zero to the group currency's minor unit, once."""
    with localcontext() as context:
        context.prec = 60
        step = Decimal(1).scaleb(-decimals)
        return (amount * rate).quantize(step, rounding=ROUND_HALF_UP)


def split_preview(
    amount: Decimal | None,
    mode: str,
    parts: list[tuple[str, Decimal | None]],
    rate: Decimal | None = None,
    currency: str = "",
    group_currency: str = "",
) -> Preview:
    """What each person in `parts` (id, typed value) would owe of `amount`; with a `rate`
    (an expense in another currency), in the group's currency: the converted amount split
    by the same weights (exact amounts are typed in the expense's currency). Amounts have
    their currency's decimals (SPEC §14)."""
    spent, owed_places = places(currency or group_currency), places(group_currency)
    if amount is None or amount <= 0:
        return Preview(problem="Enter an amount above zero.")
    if amount != amount.quantize(Decimal(1).scaleb(-spent), rounding="ROUND_DOWN"):
        if spent == 0:
            return Preview(problem="Use whole amounts: this currency has no decimal places.")
        return Preview(problem=f"Use at most {spent} decimal places.")
    if currency and rate is None:
        return Preview(problem=f"Enter the rate of {currency}.")
    if rate is not None and rate <= 0:
        return Preview(problem="A rate is above zero.")
    group_amount = amount if rate is None else converted(amount, rate, owed_places)
    if group_amount <= 0:
        return Preview(problem="At this rate the expense comes to zero.")
    if not parts:
        return Preview(problem="Choose who shares the expense.")
    if mode == "equal":
        weights = [Fraction(1)] * len(parts)
    else:
        values = [value for _, value in parts]
        if mode in ("percent", "exact"):  # an empty box is 0, so what is left shows live
            values = [Decimal(0) if v is None else v for v in values]
        if any(v is None for v in values):
            return Preview(problem="Enter a value for everyone included.")
        if any(v < 0 for v in values) or (mode == "shares" and any(v == 0 for v in values)):
            return Preview(problem="Shares are positive; percents and amounts not negative.")
        weights = [Fraction(v) for v in values]
        target = HUNDRED if mode == "percent" else amount
        remainder = target - sum(values, Decimal(0))
        if mode in ("percent", "exact") and remainder != 0:
            unit = " %" if mode == "percent" else ""
            if remainder > 0:
                problem = f"{remainder:,.{2 if unit else spent}f}{unit} left to assign."
            else:
                problem = f"{-remainder:,.{2 if unit else spent}f}{unit} too much."
            return Preview(remainder=remainder, problem=problem)
        if sum(weights) == 0:
            return Preview(problem="The values add up to zero.")
    owed = split_by_weights(group_amount, weights, owed_places)
    remainder = Decimal("0.00") if mode in ("percent", "exact") else None
    return Preview(owed=dict(zip([p for p, _ in parts], owed, strict=True)), remainder=remainder)


def balance_text(balance: str | Decimal, currency: str) -> str:
    """The signed-in person's balance in words: "You are owed 12.00 EUR"."""
    value = Decimal(str(balance))
    if value > 0:
        return f"You are owed {format_money(value, currency)}"
    if value < 0:
        return f"You owe {format_money(-value, currency)}"
    return "Settled up"


def expense_body(
    *,
    title: str,
    amount: Decimal,
    date: str,
    payers: dict[str, Decimal],
    mode: str,
    parts: list[tuple[str, Decimal | None]],
    category_name: str = "",
    currency: str = "",
    rate: Decimal | None = None,
    group_currency: str = "",
) -> dict[str, Any]:
    """The JSON of POST /groups/{gid}/expenses; money as strings with the expense currency's
    decimals. `currency` and `rate` only for an expense in another currency than the group's."""
    spent = places(currency or group_currency)
    body: dict[str, Any] = {
        "title": title,
        "amount": f"{amount:.{spent}f}",
        "date": date,
        "paid_by": [{"participant": p, "amount": f"{a:.{spent}f}"} for p, a in payers.items()],
        "split": {
            "mode": mode,
            "parts": [
                {"participant": p}
                if mode == "equal" or (value is None and mode == "shares")
                else {"participant": p, "value": str(value if value is not None else 0)}
                for p, value in parts
            ],
        },
    }
    if category_name:
        body["category_name"] = category_name
    if currency and rate is not None:
        body["currency"] = currency
        body["rate"] = str(rate)
    return body


def original_text(expense: dict[str, Any]) -> str:
    """An expense in another currency as it was paid: "100.05 USD at 0.9235"; else ""."""
    if expense.get("rate") is None:
        return ""
    return f"{format_money(expense['amount'], expense['currency'])} at {expense['rate']}"


CONVERTED_NOTE = "Paid amounts are converted at the rate of each expense's date."


@dataclass
class ConnectChoices:
    """The wallets the "My ledger" form offers (SPEC §15): loan wallets in the group's
    currency, and any other wallet to pay from (id → label, the currency named when it is
    not the group's); `foreign` holds the pay wallets in another currency."""

    loans: dict[str, str]
    pays: dict[str, str]
    foreign: set[str]


def connect_choices(
    wallets: list[dict[str, Any]], group_currency: str, ledger_currency: str
) -> ConnectChoices:
    def currency(wallet: dict[str, Any]) -> str:
        return wallet.get("currency") or ledger_currency

    loans = {
        w["id"]: w["name"] for w in wallets if w["kind"] == "loan" and currency(w) == group_currency
    }
    others = [w for w in wallets if w["kind"] != "loan"]
    foreign = {w["id"] for w in others if currency(w) != group_currency}
    pays = {
        w["id"]: f"{w['name']} ({currency(w)})" if w["id"] in foreign else w["name"] for w in others
    }
    return ConnectChoices(loans, pays, foreign)
