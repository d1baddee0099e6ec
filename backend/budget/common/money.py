"""Money and percentages: exact decimals with two places.

In the database both are integer hundredths (cents, or hundredths of a percent), so sums
are exact on PostgreSQL and on SQLite, whose DECIMAL columns are floating point. In Python
they are always `Decimal` with two places, and in JSON always a string.
"""

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.db import models
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("999999999999.99")


def to_decimal(value: Any) -> Decimal:
    """A Decimal with two places from a string, int or Decimal; refuses floats' inexactness
    by going through their shortest repr, and refuses a third decimal place."""
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
    if number != number.quantize(CENT, rounding="ROUND_DOWN"):
        raise ValueError("Use at most 2 decimal places.")
    return number.quantize(CENT)


def money(value: Any) -> Decimal:
    number = to_decimal(value)
    if abs(number) > MAX_AMOUNT:
        raise ValueError("The amount is too large (at most 999999999999.99).")
    return number


def percent(value: Any) -> Decimal:
    number = to_decimal(value)
    if number < 0 or number > 100:
        raise ValueError("A percentage is between 0 and 100.")
    return number


def money_str(value: Decimal) -> str:
    return f"{value:.2f}"


_AMOUNT_SCHEMA = {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$", "example": "12.30"}

# Pydantic types for schemas: input accepts a string or a JSON number, output is a string.
Money = Annotated[
    Decimal,
    BeforeValidator(money),
    PlainSerializer(money_str, return_type=str, when_used="json"),
    WithJsonSchema(_AMOUNT_SCHEMA),
]
# Output only: a balance or a report total may exceed what one transaction may carry.
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(money_str, return_type=str, when_used="json"),
    WithJsonSchema(_AMOUNT_SCHEMA),
]
Percent = Annotated[
    Decimal,
    BeforeValidator(percent),
    PlainSerializer(money_str, return_type=str, when_used="json"),
    WithJsonSchema({**_AMOUNT_SCHEMA, "example": "40.00"}),
]


class HundredthsField(models.BigIntegerField):
    """A Decimal with two places, stored as an integer number of hundredths."""

    description = "Exact decimal with two places, stored as integer hundredths"

    def from_db_value(self, value, expression, connection) -> Decimal | None:
        return None if value is None else Decimal(value).scaleb(-2).quantize(CENT)

    def to_python(self, value) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return to_decimal(value)

    def get_prep_value(self, value) -> int | None:
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value
        hundredths = to_decimal(value).scaleb(2)
        return int(hundredths)


class MoneyField(HundredthsField):
    description = "Money: exact decimal with two places, stored as integer cents"


class PercentField(HundredthsField):
    description = "Percentage 0-100 with two places, stored as integer hundredths"
