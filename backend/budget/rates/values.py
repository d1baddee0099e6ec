"""A rate as people and files write it, and as the API writes it back.

One rule for the API and the import: a decimal above 0 with at most `SIGNIFICANT` significant
digits that fits the columns (at most 15 decimal places, below 10^15).
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from budget.ledgers.currencies import ISO_4217
from budget.rates.models import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS

SIGNIFICANT = 12
_INTEGER_DIGITS = RATE_MAX_DIGITS - RATE_DECIMAL_PLACES


def rate_parse(value: Any) -> Decimal:
    """The Decimal of a rate given as a string or a JSON number; ValueError saying what is
    wrong otherwise."""
    if isinstance(value, bool | float):  # a float is already inexact: never guess its digits
        raise ValueError('Expected a rate as a string, such as "1.0856".')
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as error:
        raise ValueError('Expected a rate such as "1.0856".') from error
    if not number.is_finite() or number <= 0:
        raise ValueError("A rate is a number above 0.")
    number = number.normalize()
    if len(number.as_tuple().digits) > SIGNIFICANT:
        raise ValueError(f"A rate has at most {SIGNIFICANT} significant digits.")
    if number.as_tuple().exponent < -RATE_DECIMAL_PLACES:
        raise ValueError(f"A rate has at most {RATE_DECIMAL_PLACES} decimal places.")
    if number.adjusted() >= _INTEGER_DIGITS:
        raise ValueError(f"A rate is below 10^{_INTEGER_DIGITS}.")
    return number


def rate_text(value: Decimal) -> str:
    """A rate written plainly: no exponent, no trailing zeros ("1.0856", "160", "0.0061")."""
    return format(value.normalize(), "f")


def currency_parse(value: Any) -> str:
    """An ISO 4217 code in capitals. The ledgers' table until a common one exists."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if len(code) != 3 or code not in ISO_4217:
        raise ValueError("Use an ISO 4217 currency code such as EUR or USD.")
    return code
