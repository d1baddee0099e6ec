from decimal import Decimal

import pytest

from dashboard import api
from dashboard.formatting import format_money, parse_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.30", "12.30 EUR"),
        ("1234.5", "1,234.50 EUR"),
        ("-1234.5", "-1,234.50 EUR"),
        ("1234567.891", "1,234,567.89 EUR"),
        ("0", "0.00 EUR"),
        ("-0.001", "0.00 EUR"),
        ("999999999999.99", "999,999,999,999.99 EUR"),
        (Decimal("-0.5"), "-0.50 EUR"),
        (7, "7.00 EUR"),
    ],
)
def test_money_shows_two_decimals_thousands_and_currency(value: str, expected: str) -> None:
    assert format_money(value, "EUR") == expected


def test_money_without_currency_is_just_the_number() -> None:
    assert format_money("1000") == "1,000.00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.3", Decimal("12.30")),
        ("-12.30", Decimal("-12.30")),
        ("1,234.50", Decimal("1234.50")),
        ("1,234.50 EUR", Decimal("1234.50")),
        ("EUR -1,234.50", Decimal("-1234.50")),
        ("  +5 ", Decimal("5.00")),
        (".5", Decimal("0.50")),
        ("-0.00", Decimal("0.00")),
    ],
)
def test_money_strings_parse_to_two_place_decimals(text: str, expected: Decimal) -> None:
    parsed = parse_money(text)

    assert parsed == expected
    assert parsed.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Each of these rounds the other way through a float.
        ("2.675", Decimal("2.68")),
        ("1.005", Decimal("1.01")),
        ("-1.005", Decimal("-1.01")),
        ("0.125", Decimal("0.13")),
        ("1.0049999999999999", Decimal("1.00")),
    ],
)
def test_rounding_is_half_up_on_the_exact_decimal(text: str, expected: Decimal) -> None:
    assert parse_money(text) == expected


def test_formatting_rounds_like_parsing() -> None:
    assert format_money("2.675", "USD") == "2.68 USD"
    assert format_money("2.665", "USD") == "2.67 USD"


def test_formatted_money_parses_back() -> None:
    assert parse_money(format_money("-98765.43", "GBP")) == Decimal("-98765.43")


@pytest.mark.parametrize(
    "text", ["", "abc", "1.2.3", "12,34", "1,2345.00", "NaN", "Infinity", "--1"]
)
def test_text_that_is_not_money_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount of money"):
        parse_money(text)


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        parse_money(0.1)  # type: ignore[arg-type]


def test_api_offers_the_same_parser() -> None:
    assert api.parse_money is parse_money
