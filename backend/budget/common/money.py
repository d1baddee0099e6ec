"""Money and percentages: exact decimals.

In the database money is integer thousandths and a percentage integer hundredths, so sums
are exact on PostgreSQL and on SQLite, whose DECIMAL columns are floating point. Thousandths
hold every currency's minor unit (0, 2 or 3 decimals, SPEC §14). In Python both are always
`Decimal` — two places when the value is a whole number of cents, as before currencies had
places, three otherwise — and in JSON always a string with exactly its currency's decimals.

Base-currency amounts (buckets, reports, budgets, goals, `base_amount`) are written with the
decimals of the request's ledger currency: `LedgerAuth` / `ledger_access` set it here, and a
middleware resets it at the start of every request (threads are reused). Amounts in a
wallet's own currency are written by their schemas' serializers with that currency.
"""

from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.db import models
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from budget.common.currencies import MAX_PLACES, places

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("999999999999.99")

# The base currency of the ledger the request works in; "" (two places) outside one.
_base_currency: ContextVar[str] = ContextVar("base_currency", default="")


def base_currency_set(code: str) -> None:
    _base_currency.set(code or "")


def base_currency() -> str:
    return _base_currency.get()


def _exact(number: Decimal) -> Decimal:
    """Two places when `number` is whole cents, three otherwise."""
    cents = number.quantize(CENT, rounding="ROUND_DOWN")
    return cents if cents == number else number.quantize(MILLI)


def places_message(allowed: int, code: str = "") -> str:
    if allowed == 0:
        if not code:
            return "Use whole amounts: no decimal places."
        return f"Use whole amounts for {code}: it has no decimal places."
    if allowed == 2 or not code:  # no currency named: the bare rule
        return f"Use at most {allowed} decimal places."
    return f"Use at most {allowed} decimal places for {code}."


def to_decimal(value: Any, *, allowed: int = 2, code: str = "") -> Decimal:
    """A Decimal from a string, int or Decimal with at most `allowed` places; refuses floats'
    inexactness by going through their shortest repr, and refuses more places."""
    if isinstance(value, bool):
        raise ValueError('Expected an amount such as "12.30".')
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as error:
        raise ValueError('Expected an amount such as "12.30".') from error
    if not number.is_finite():
        raise ValueError("Expected a finite amount.")
    if number.adjusted() >= 18:  # far above any limit; quantize would overflow the context
        raise ValueError("The number is too large.")
    step = Decimal(1).scaleb(-allowed)
    if number != number.quantize(step, rounding="ROUND_DOWN"):
        raise ValueError(places_message(allowed, code))
    return _exact(number)


def amount_check(value: Decimal, code: str) -> Decimal:
    """The one per-currency rule: an amount has at most its currency's decimals. ValueError
    with the sentence a 422 shows otherwise."""
    return to_decimal(value, allowed=places(code), code=code)


def money(value: Any) -> Decimal:
    """An amount in the request's base currency (at most its decimals)."""
    code = base_currency()
    number = to_decimal(value, allowed=places(code), code=code)
    return _limit(number)


def money_any(value: Any) -> Decimal:
    """An amount in some currency: at most three places here; the service checks it
    against its currency with `amount_check`."""
    number = to_decimal(value, allowed=MAX_PLACES)
    return _limit(number)


def _limit(number: Decimal) -> Decimal:
    if abs(number) > MAX_AMOUNT:
        raise ValueError("The amount is too large (at most 999999999999.99).")
    return number


def percent(value: Any) -> Decimal:
    number = to_decimal(value)
    if number < 0 or number > 100:
        raise ValueError("A percentage is between 0 and 100.")
    return number.quantize(CENT)


def money_str(value: Decimal, code: str | None = None) -> str:
    """`value` with the decimals of `code`, or of the request's base currency."""
    return f"{value:.{places(base_currency() if code is None else code)}f}"


def percent_str(value: Decimal) -> str:
    return f"{value:.2f}"


_AMOUNT_SCHEMA = {"type": "string", "pattern": r"^-?\d+(\.\d{1,3})?$", "example": "12.30"}
_PERCENT_SCHEMA = {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$", "example": "40.00"}


def _money_out(value: Decimal) -> str:
    return money_str(value)


# Pydantic types for schemas: input accepts a string or a JSON number, output is a string.
# In the base currency:
Money = Annotated[
    Decimal,
    BeforeValidator(money),
    PlainSerializer(_money_out, return_type=str, when_used="json"),
    WithJsonSchema(_AMOUNT_SCHEMA),
]
# In a wallet's currency, checked by the service (`amount_check`); the Out schema writes it
# with its currency's decimals.
AnyMoney = Annotated[
    Decimal,
    BeforeValidator(money_any),
    PlainSerializer(_money_out, return_type=str, when_used="json"),
    WithJsonSchema(_AMOUNT_SCHEMA),
]
# Output only: a balance or a report total may exceed what one transaction may carry.
# Written as a string in any dump: the API's responses are dumped in python mode and then
# encoded, so a "json"-only serializer would never see them.
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(_money_out, return_type=str, when_used="always"),
    WithJsonSchema(_AMOUNT_SCHEMA),
]
Percent = Annotated[
    Decimal,
    BeforeValidator(percent),
    PlainSerializer(percent_str, return_type=str, when_used="json"),
    WithJsonSchema(_PERCENT_SCHEMA),
]


class _ScaledField(models.BigIntegerField):
    """A Decimal stored as an integer number of 10**-SCALE units."""

    SCALE = 2

    def from_db_value(self, value, expression, connection) -> Decimal | None:
        return None if value is None else _exact(Decimal(value).scaleb(-self.SCALE))

    def to_python(self, value) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return to_decimal(value, allowed=self.SCALE)

    def get_prep_value(self, value) -> int | None:
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value
        return int(to_decimal(value, allowed=self.SCALE).scaleb(self.SCALE))


class MoneyField(_ScaledField):
    """Money in any currency, stored as integer thousandths (three places hold every
    currency's minor unit)."""

    SCALE = MAX_PLACES
    description = "Money: exact decimal, stored as integer thousandths"


class PercentField(_ScaledField):
    SCALE = 2
    description = "Percentage 0-100 with two places, stored as integer hundredths"


def money_units(value: Decimal) -> int:
    """What a MoneyField stores for `value`: raw SQL and F() arithmetic use it."""
    return int(Decimal(value).scaleb(MoneyField.SCALE))


def money_from_units(value: int | Decimal | None) -> Decimal:
    """A MoneyField's stored integer (or a SQL sum of them) as a Decimal."""
    return ZERO if value is None else _exact(Decimal(value).scaleb(-MoneyField.SCALE))
