"""Base amounts (SPEC §14): what a transaction is worth in its ledger's currency.

A transaction in the base currency is worth its amount. One in another currency is worth
what the request says (`base_amount`, what the bank really charged), else its amount at the
rate of its date, rounded once, half away from zero, to the base currency's minor unit —
and then frozen: a later rate never moves a booked transaction. A transfer with one side in
the base currency is worth that side's amount. A missing rate is never taken to be 1.

`base_amounts_fill` does this for a whole batch with one rate lookup; every path that
writes transactions (create, bulk, import, recurring, the groups' mirror, update) goes
through it.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from budget.common.currencies import places
from budget.money.models import Kind

# Significant digits of the conversion: far more than any amount times any rate needs.
PRECISION = 40


def rates_find():
    """The rate lookup (SPEC §14): `settings.RATES_FIND`, the rates app's `rates_find` — named
    in the settings, not imported, as money stands below the apps that build on it."""
    return import_string(settings.RATES_FIND)


def tx_currency(data: dict[str, Any], wallets: dict, base: str) -> str:
    """The currency of a transaction's `amount`: its wallet's (a transfer's from_wallet's),
    or the base currency without a wallet."""
    wallet = wallets.get(data.get("wallet") or data.get("from_wallet"))
    return (wallet.currency if wallet is not None else "") or base


def to_currency(data: dict[str, Any], wallets: dict, base: str) -> str | None:
    """The receiving wallet's currency of a transfer between wallets, else None."""
    if data.get("kind") != Kind.TRANSFER or not data.get("to_wallet"):
        return None
    wallet = wallets.get(data["to_wallet"])
    return (wallet.currency if wallet is not None else "") or base


def convert(amount: Decimal, rate: Decimal, base: str) -> Decimal:
    """`amount` times `rate`, rounded once, half away from zero, to `base`'s minor unit."""
    with localcontext() as context:
        context.prec = PRECISION
        value = amount * rate
        step = Decimal(1).scaleb(-places(base))
        rounded = value.quantize(step, rounding=ROUND_HALF_UP)
    return rounded.quantize(Decimal("0.01")) if places(base) <= 2 else rounded


def rates_across(
    *, ledger_id, base: str, source: str, target: str, days
) -> tuple[dict[date, Decimal], dict[date, str]]:
    """How many `target` units one `source` unit is worth on each of `days`, by the ledger's
    lookup (SPEC §14): its rates go into its base currency, so the rate is source→base over
    target→base (one of them is 1 when it is the base), computed with `PRECISION` digits
    for `convert` to round once. Returns the rates, and for each day without one the
    missing-rate message. One rate lookup for all the days."""
    days = sorted(set(days))
    found = rates_find()(
        ledger_id=ledger_id,
        base=base,
        wanted=[(currency, day) for day in days for currency in (source, target)],
    )
    rates, missing = {}, {}
    for day in days:
        into, out_of = found.get((source, day)), found.get((target, day))
        if into is None or out_of is None:
            lacking = source if into is None else target
            missing[day] = missing_rate_message(lacking, base, day)
            continue
        with localcontext() as context:
            context.prec = PRECISION
            rates[day] = into / out_of
    return rates, missing


def missing_rate_message(currency: str, base: str, day: date) -> str:
    return f"No {currency}→{base} rate for {day.isoformat()}; give base_amount or add a rate"


def base_amounts_fill(
    *, ledger_id, base: str, items: list[dict[str, Any]], wallets: dict
) -> list[tuple[int, dict[str, str]]]:
    """Sets `currency` and `base_amount` of each (valid) item in place: a given
    `base_amount` is kept for an amount in another currency, and None is computed. Returns
    (index, error) for each item whose rate is missing. One rate lookup for the batch."""
    wanted, plan = [], []
    for index, data in enumerate(items):
        currency = tx_currency(data, wallets, base)
        data["currency"] = currency
        receiving = to_currency(data, wallets, base)
        if currency == base:
            data["base_amount"] = data["amount"]
        elif receiving == base and data.get("to_amount") is not None:
            data["base_amount"] = data["to_amount"]
        elif data.get("base_amount") is None:
            wanted.append((currency, data["date"]))
            plan.append(index)
    errors = []
    if wanted:
        rates = rates_find()(ledger_id=ledger_id, base=base, wanted=wanted)
        for index in plan:
            data = items[index]
            rate = rates.get((data["currency"], data["date"]))
            if rate is None:
                message = missing_rate_message(data["currency"], base, data["date"])
                errors.append((index, {"field": "base_amount", "message": message}))
            else:
                data["base_amount"] = convert(data["amount"], rate, base)
    for data in items:
        if data.get("splits") and data.get("base_amount") is not None:
            shares = lines_base(
                [line["amount"] for line in data["splits"]],
                data["amount"],
                data["base_amount"],
                base,
            )
            for line, share in zip(data["splits"], shares, strict=True):
                line["base_amount"] = share
    return errors


def lines_base(amounts: list[Decimal], total: Decimal, base_total: Decimal, base: str):
    """The base amount of each split line: `base_total` shared in proportion to the lines'
    amounts by largest remainder, in the base currency's minor units (the lines' own
    amounts when the transaction's amount is its base amount)."""
    if total == base_total:
        return list(amounts)
    unit = places(base)
    whole = int(base_total.scaleb(unit))
    scaled = [int(a.scaleb(3)) for a in amounts]
    denominator = int(total.scaleb(3))
    floors, order = [], []
    for index, amount in enumerate(scaled):
        floor, remainder = divmod(whole * amount, denominator)
        floors.append(floor)
        order.append((-remainder, index))
    for _, index in sorted(order)[: whole - sum(floors)]:
        floors[index] += 1
    step = Decimal("0.01") if unit <= 2 else Decimal("0.001")
    return [Decimal(f).scaleb(-unit).quantize(step) for f in floors]
