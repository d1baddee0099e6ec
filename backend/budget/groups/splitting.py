"""The arithmetic of shared expenses (SPEC §15), pure functions on Decimals: splitting an
amount by weights, and settle-up suggestions. Amounts are counted in integer minor units of
their currency (`places` decimals: 2 for cents, 0 for yen, 3 for fils, SPEC §14), so no
minor unit is ever lost or made."""

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

from budget.common.money import places_message

ZERO = Decimal("0.00")


def _step(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def _units(amount: Decimal, places: int) -> int:
    return int(amount.scaleb(places))


def _money(units: int, places: int) -> Decimal:
    return Decimal(units).scaleb(-places).quantize(_step(places))


def split_by_weights(
    amount: Decimal, weights: Sequence[Fraction], places: int = 2
) -> list[Decimal]:
    """`amount` * weight / Σ weights for each weight, floored to the minor unit; the units
    still missing go one each to the largest remainders, ties to the earlier weight. The
    parts add up to `amount` exactly."""
    units = _units(amount, places)
    total = sum(weights, Fraction(0))
    exact = [units * w / total for w in weights]
    parts = [math.floor(e) for e in exact]
    missing = units - sum(parts)  # < len(weights): each remainder is below one unit
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:missing]:
        parts[i] += 1
    return [_money(p, places) for p in parts]


def converted(amount: Decimal, rate: Decimal, places: int = 2) -> Decimal:
    """`amount` in the group's currency at `rate` (group units per unit): the exact product
    rounded half away from zero to the group currency's minor unit, once (amounts here are
    positive, so ROUND_HALF_UP is away from zero)."""
    with localcontext() as context:
        context.prec = 60  # exact: ≤ 14 digits of amount times ≤ 24 of rate
        return (amount * rate).quantize(_step(places), rounding=ROUND_HALF_UP)


class SplitError(ValueError):
    """A split that cannot be made; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def split_weights(
    mode: str, amount: Decimal, values: Sequence[Any], places: int = 2, code: str = ""
) -> list[Fraction]:
    """The weights of a split's parts (SPEC §15): `equal` ignores the values; `shares` are
    positive; `percent` values add up to exactly 100; `exact` values add up to exactly
    the amount, each with at most the `places` decimals of the amount's currency `code`."""
    if not values:
        raise SplitError("split.parts", "Name at least one participant to split between.")
    if mode == "equal":
        return [Fraction(1)] * len(values)
    weights = []
    for index, value in enumerate(values):
        field = f"split.parts.{index}.value"
        if value is None:
            raise SplitError(field, f"A {mode} split needs a value for every participant.")
        number = Decimal(value)
        if mode == "shares" and number <= 0:
            raise SplitError(field, "A share is a positive number.")
        if mode in ("percent", "exact") and number < 0:
            raise SplitError(field, "A value cannot be negative.")
        if mode == "exact" and number != number.quantize(_step(places), rounding="ROUND_DOWN"):
            raise SplitError(field, places_message(places, code))
        weights.append(Fraction(number))
    total = sum(weights, Fraction(0))
    if mode == "percent" and total != 100:
        raise SplitError("split.parts", f"The percentages add up to {_plain(total)}, not 100.")
    if mode == "exact" and total != Fraction(amount):
        raise SplitError(
            "split.parts", f"The amounts add up to {_plain(total)}, not {amount:.{places}f}."
        )
    return weights


def _plain(value: Fraction) -> str:
    return str(Decimal(value.numerator) / Decimal(value.denominator))


def settle_up(
    balances: Sequence[tuple[Any, Decimal]], places: int = 2
) -> list[tuple[Any, Any, Decimal]]:
    """Transfers `(from, to, amount)` that bring every balance to zero (Σ balances must be
    zero): the debtors and the creditors each in the order given, the first debtor paying
    the first creditor as much as one of them needs, and so on. At most n - 1 transfers for
    n non-zero balances; the same balances give the same transfers; and paying any one
    suggestion leaves exactly the others as the suggestions for the new balances (both
    sides of a paid transfer shrink by the same amount at the same place in the walk)."""
    debtors = [[who, -_units(b, places)] for who, b in balances if b < 0]
    creditors = [[who, _units(b, places)] for who, b in balances if b > 0]
    transfers = []
    i = j = 0
    while i < len(debtors) and j < len(creditors):
        amount = min(debtors[i][1], creditors[j][1])
        transfers.append((debtors[i][0], creditors[j][0], _money(amount, places)))
        debtors[i][1] -= amount
        creditors[j][1] -= amount
        if debtors[i][1] == 0:
            i += 1
        if creditors[j][1] == 0:
            j += 1
    return transfers
