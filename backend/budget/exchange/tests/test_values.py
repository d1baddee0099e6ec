"""Dates and amounts as banks write them (SPEC §11): `budget.exchange.values`, no database."""

import contextlib
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from budget.common.money import MAX_AMOUNT
from budget.exchange.values import (
    NAMED_FORMATS,
    AmbiguousDates,
    date_format_check,
    date_format_get,
    parse_amount,
    parse_date,
    values_detect,
)

# --- Amounts: a table of what banks write -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimal", "amount"),
    [
        ("12.30", ".", "12.30"),
        ("-12.30", ".", "-12.30"),
        ("+12.30", ".", "12.30"),
        ("+ 12.00", ".", "12.00"),
        ("- 12.00", ".", "-12.00"),
        ("12.34-", ".", "-12.34"),
        ("(12.34)", ".", "-12.34"),
        ("($1,234.56)", ".", "-1234.56"),
        ("$1,234.56", ".", "1234.56"),
        ("-$5.00", ".", "-5.00"),
        ("$-5.00", ".", "-5.00"),
        ("£12", ".", "12.00"),
        ("¥1,000", ".", "1000.00"),
        ("US$ 3.50", ".", "3.50"),
        ("12.00 CR", ".", "12.00"),
        ("12.00DR", ".", "-12.00"),
        ("12.00 dr", ".", "-12.00"),
        ("EUR -12.30", ".", "-12.30"),
        ("-12.30 EUR", ".", "-12.30"),
        ("CHF 1'234.50", ".", "1234.50"),
        ("1'234'567.89", ".", "1234567.89"),
        ("1 234.56", ".", "1234.56"),
        ("\u22125.00", ".", "-5.00"),  # the typographic minus sign
        (".50", ".", "0.50"),
        ("1.500", ".", "1.50"),  # a trailing zero is no third decimal place
        ("-12,30 €", ",", "-12.30"),
        ("1.234,56", ",", "1234.56"),
        ("1 234,56", ",", "1234.56"),
        ("1\u00a0234,56", ",", "1234.56"),
        ("1\u202f234,56", ",", "1234.56"),
        ("1'234,56", ",", "1234.56"),
        ("12.345.678,9", ",", "12345678.90"),
        ("1.500", ",", "1500.00"),
        ("12,30 Ft", ",", "12.30"),
        ("0,50 zł", ",", "0.50"),
    ],
)
def test_amount_cells_banks_write(text, decimal, amount):
    assert parse_amount(text, decimal) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "decimal"),
    [
        ("--5", "."),
        ("(-5)", "."),  # two signs, even if they agree
        ("-5 DR", "."),
        ("(5) CR", "."),
        ("$5 EUR", "."),  # two currencies
        ("5 XYZ", "."),  # not an ISO 4217 code
        ("1,23.50", "."),  # a thousands group of two digits
        ("1,234 567.00", "."),  # two kinds of thousands separator
        ("1.234,56", "."),
        ("1,234.56", ","),
        ("0.500", ","),  # a group never starts with 0
        ("01.000", ","),
        ("1e3", "."),
        ("\u0661\u0662", "."),  # only ASCII digits
        ("$", "."),
        ("", "."),
        ("12.", "."),
    ],
)
def test_cells_that_are_no_amount(text, decimal):
    with pytest.raises(ValueError, match="is not an amount"):
        parse_amount(text, decimal)


@pytest.mark.parametrize("text", ["12.3456", "$0.0001", "(1,234.5678)"])
def test_a_fourth_decimal_place_is_an_error_never_rounded(text):
    # Three places read (a KWD wallet takes them); the wallet's currency decides (SPEC §14).
    with pytest.raises(ValueError, match="more than 3 decimal places"):
        parse_amount(text, ".")


def test_a_third_decimal_place_reads_exactly():
    assert parse_amount("1.250", ".") == Decimal("1.25")
    assert str(parse_amount("(1,234.567)", ".")) == "-1234.567"
    assert str(parse_amount("12.30", ".")) == "12.30"


def test_a_decimal_comma_read_with_a_point_says_how_to_read_it():
    with pytest.raises(ValueError, match="choose decimal ','"):
        parse_amount("1.234,50", ".")


# --- Amounts: any value in any style reads back exactly ---------------------------------------

cents = st.integers(min_value=-int(MAX_AMOUNT * 100), max_value=int(MAX_AMOUNT * 100))
POINT_GROUPS = ["", ",", "'", " ", "\u00a0", "\u202f"]
COMMA_GROUPS = ["", ".", "'", " ", "\u00a0", "\u202f"]
NEGATIVE = ["-{}", "{}-", "({})", "{} DR", "- {}", "\u2212{}", "{} dr"]
POSITIVE = ["{}", "+{}", "+ {}", "{} CR", "{}+"]
CURRENCY = ["{}", "${}", "£{}", "{} EUR", "CHF {}", "{}€", "¥{}"]


def _number_text(value: Decimal, decimal: str, group: str, places: int) -> str:
    whole, _, fraction = f"{abs(value):,.2f}".partition(".")
    whole = whole.replace(",", group)
    fraction = fraction[:places] if places else ""
    return whole + (decimal + fraction if fraction else "")


@settings(max_examples=300, deadline=None)
@given(
    amount=cents,
    decimal=st.sampled_from([".", ","]),
    group_index=st.integers(0, 5),
    places=st.sampled_from([0, 1, 2]),
    sign=st.integers(0, 6),
    currency=st.sampled_from(CURRENCY),
)
@example(amount=-123456, decimal=".", group_index=1, places=2, sign=2, currency="${}")
def test_any_amount_in_any_style_reads_back_exactly(
    amount, decimal, group_index, places, sign, currency
):
    value = Decimal(amount).scaleb(-2)
    assume(value == value.quantize(Decimal(1).scaleb(-places)) or places == 2)
    group = (POINT_GROUPS if decimal == "." else COMMA_GROUPS)[group_index]
    number = _number_text(value, decimal, group, places)
    styles = NEGATIVE if value < 0 else POSITIVE
    text = styles[sign % len(styles)].format(currency.format(number))
    assert parse_amount(text, decimal) == value
    detected = values_detect([(2, {"amount": text})])["decimal"]
    # Either separator reads the cell to the same value ("12" reads with both), except a
    # whole amount grouped with points ("1.134" for 1134): on its own a third decimal place
    # counts as a row error with '.', never as a thousand, and the error says to choose ','.
    if detected != decimal and (decimal, group, places) != (",", ".", 0):
        assert parse_amount(text, detected) == value, text


@settings(max_examples=100, deadline=None)
@given(st.lists(cents, min_size=1, max_size=8), st.sampled_from([".", ","]))
def test_auto_decimal_reads_every_cell_and_prefers_the_point(amounts, decimal):
    values = [Decimal(a).scaleb(-2) for a in amounts]
    group = "," if decimal == "." else "."
    texts = [("-" if v < 0 else "") + _number_text(v, decimal, group, 2) for v in values]
    detected = values_detect(enumerate(({"amount": t} for t in texts), 2))["decimal"]
    if decimal == ".":
        assert detected == "."
    else:
        # A comma file reads as a point file only when every cell fits both (none here: every
        # cell has two decimals after its comma).
        assert detected == ","
    assert [parse_amount(t, detected) for t in texts] == values


def test_a_lone_third_decimal_place_does_not_make_a_decimal_comma():
    # Read with ',' "1.001" would be 1001: the point reads it as well, so it is a row error.
    assert values_detect([(2, {"amount": "1.001"})])["decimal"] == "."


# --- Dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date_format", "day"),
    [
        ("2019-04-19", "iso", date(2019, 4, 19)),
        ("2019-04-19T10:22:01Z", "iso", date(2019, 4, 19)),
        ("2019-04-19T23:59:59.123+01:00", "iso", date(2019, 4, 19)),
        ("2019-04-19 10:22", "iso", date(2019, 4, 19)),
        ("19/04/2019 10:22:01", "DD/MM/YYYY", date(2019, 4, 19)),
        ("4/19/2019 9:05 PM", "MM/DD/YYYY", date(2019, 4, 19)),
        ("2019.04.19.", "YYYY.MM.DD", date(2019, 4, 19)),
        ("2019.04.19", "YYYY.MM.DD", date(2019, 4, 19)),
        ("12-Dec-2019", "DD-Mon-YYYY", date(2019, 12, 12)),
        ("12-DEC-19", "DD-Mon-YY", date(2019, 12, 12)),
        ("19 Apr 2019", "DD Mon YYYY", date(2019, 4, 19)),
        ("19 April 2019", "DD Mon YYYY", date(2019, 4, 19)),
        ("Sept 3, 2019", "Mon DD, YYYY", date(2019, 9, 3)),
        ("20190419", "YYYYMMDD", date(2019, 4, 19)),
        ("1/23'19", "MM/DD'YY", date(2019, 1, 23)),
        ("31.3.2025", "DD.MM.YYYY", date(2025, 3, 31)),
        ("01/02/68", "DD/MM/YY", date(2068, 2, 1)),
        ("01/02/69", "DD/MM/YY", date(1969, 2, 1)),
        ("01/02/00", "DD/MM/YY", date(2000, 2, 1)),
        ("Booked 19|04|2019 at 10h22", "Booked %d|%m|%Y at %Hh%M", date(2019, 4, 19)),
        ("19 April 2019, 09:15 pm", "%d %B %Y, %I:%M %p", date(2019, 4, 19)),
        ("2019-04-19 10:22:01 +0200", "%Y-%m-%d %H:%M:%S %z", date(2019, 4, 19)),
        ("100%  19.04.19", "100%% %d.%m.%y", date(2019, 4, 19)),
    ],
)
def test_dates_banks_write(text, date_format, day):
    assert parse_date(text, date_format) == day


@pytest.mark.parametrize(
    ("text", "date_format", "message"),
    [
        ("31/02/2025", "DD/MM/YYYY", "not a real date"),
        ("2025-03-01", "DD/MM/YYYY", "not a date in the format DD/MM/YYYY (e.g. 31/03/2025)"),
        ("2019-04-19 25:00", "iso", "not a date"),
        ("12-Dez-2019", "DD-Mon-YYYY", "not a real date"),  # month names are English
        ("19.04.2019 13:00 PM", "%d.%m.%Y %I:%M %p", "not a real date"),
        ("\u0662\u0660\u0662\u0665-03-01", "iso", "not a date"),
    ],
)
def test_cells_that_are_no_date(text, date_format, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_date(text, date_format)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("%d/%m/%Y %A", "%A"),
        ("%d/%m/%Y %", "a lone %"),
        ("%d/%m", "needs a day"),
        ("%m/%Y", "needs a day"),
        ("%d %b %m %Y", "twice"),
        ("YYYY|MM|DD", "no date format"),
    ],
)
def test_a_date_pattern_with_other_directives_is_refused(pattern, message):
    with pytest.raises(ValueError, match=message):
        date_format_check(pattern)


@pytest.mark.parametrize("name", ["auto", *NAMED_FORMATS, "%d.%m.%Y"])
def test_the_names_and_patterns_are_accepted(name):
    assert date_format_check(name) == name


def _strftime(day: date, name: str) -> str:
    """The date written in a named format by Python's own strftime (in the C locale month
    names are English)."""
    return day.strftime(NAMED_FORMATS[name])


def _year_range(name: str) -> st.SearchStrategy[date]:
    if "%y" in NAMED_FORMATS[name]:
        return st.dates(date(1969, 1, 1), date(2068, 12, 31))
    return st.dates(date(1000, 1, 1), date(9999, 12, 31))


@settings(max_examples=400, deadline=None)
@given(data=st.data(), name=st.sampled_from(list(NAMED_FORMATS)), time=st.integers(0, 3))
def test_any_date_in_each_format_reads_back(data, name, time):
    day = data.draw(_year_range(name))
    text = _strftime(day, name)
    text += ["", " 10:22:01", "T23:59:59Z", " 9:05 PM"][time]
    assert parse_date(text, name) == day
    assert date_format_get(name).read(text.upper()) == day


def _readers(texts: list[str]) -> list[str]:
    return [n for n in NAMED_FORMATS if all(date_format_get(n).read(t) for t in texts)]


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=st.sampled_from(list(NAMED_FORMATS)))
@example(data=None, name="DD/MM/YYYY")
def test_auto_asks_exactly_when_two_formats_read_every_date_differently(data, name):
    if data is None:  # the example of SPEC §11
        days, texts = [date(2025, 4, 3)], ["03/04/2025"]
    else:
        days = data.draw(st.lists(_year_range(name), min_size=1, max_size=6))
        texts = [_strftime(day, name) for day in days]
    readers = _readers(texts)
    read = {n: [date_format_get(n).read(t) for t in texts] for n in readers}
    disagree = any(read[a] != read[b] for a in readers for b in readers)
    records = [(line, {"date": text}) for line, text in enumerate(texts, 2)]
    if disagree:
        with pytest.raises(AmbiguousDates, match="Choose the date_format"):
            values_detect(records)
    else:
        chosen = values_detect(records)["date_format"]
        assert chosen == readers[0]
        assert read[chosen] == days


def test_the_ambiguity_names_a_line_and_both_readings():
    with pytest.raises(AmbiguousDates) as caught:
        values_detect([(2, {"date": "05/05/2025"}), (3, {"date": "03/04/2025"})])
    assert str(caught.value) == (
        "The dates read as DD/MM/YYYY and as MM/DD/YYYY alike, but give different days: line 3 "
        "has '03/04/2025' (3 April 2025 or 4 March 2025). Choose the date_format."
    )


def test_one_unambiguous_date_settles_the_whole_file():
    records = [(2, {"date": "03/04/2025"}), (3, {"date": "13/04/2025"})]
    assert values_detect(records)["date_format"] == "DD/MM/YYYY"


def test_without_a_format_for_every_cell_auto_takes_the_one_reading_most():
    records = [(2, {"date": "31/03/2025"}), (3, {"date": "01/04/2025"}), (4, {"date": "soon"})]
    assert values_detect(records)["date_format"] == "DD/MM/YYYY"
    assert values_detect([(2, {"date": "soon"})])["date_format"] == "iso"


def test_detection_takes_cells_by_column_index_too():
    rows = [(2, ["x", "19/04/2019 10:22:01", "1.234,50"]), (3, None), (4, ["y", "", ""])]
    assert values_detect(rows, columns={"date": 1, "signed_amount": 2}) == {
        "date_format": "DD/MM/YYYY",
        "decimal": ",",
    }


def test_an_option_that_is_not_auto_comes_back_as_given():
    rows = [(2, {"date": "nonsense", "amount": "nonsense"})]
    assert values_detect(rows, date_format="%d.%m.%Y", decimal=",") == {
        "date_format": "%d.%m.%Y",
        "decimal": ",",
    }


def test_past_the_cache_of_distinct_dates_detection_counts_the_same(monkeypatch):
    records = [(n, {"date": f"{1 + n % 28:02d}/04/2025"}) for n in range(2, 200)]
    records.append((200, {"date": "04/31/2025"}))  # neither DD/MM nor MM/DD: both fail once
    expected = values_detect(records)
    monkeypatch.setattr("budget.exchange.values._CACHE_LIMIT", 3)
    assert values_detect(records) == expected == {"date_format": "DD/MM/YYYY", "decimal": "."}


def test_date_times_are_remembered_by_their_date():
    from budget.exchange.values import DateDetector

    detector = DateDetector()
    for second in range(60):
        detector.add(2 + second, f"2019-04-19T10:22:{second:02d}Z")
    assert len(detector._read) == 1
    assert detector.result() == "iso"


_CELL_CHARS = st.sampled_from(list("0123456789.,' -+()$€£CRDUEhFr:T/APM\u00a0\u2212Zxz%"))


@settings(max_examples=300, deadline=None)
@given(st.text(_CELL_CHARS, max_size=24), st.sampled_from([".", ","]))
def test_any_cell_is_an_amount_or_a_value_error(text, decimal):
    # Bad input is a row error, never a crash (which would answer 500).
    try:
        amount = parse_amount(text, decimal)
    except ValueError:
        return
    # At most 3 places (KWD, SPEC §14); the currency's own places are checked later.
    assert amount == amount.quantize(Decimal("0.001"))
    assert abs(amount) <= MAX_AMOUNT


@settings(max_examples=300, deadline=None)
@given(st.text(_CELL_CHARS, max_size=24), st.sampled_from([*NAMED_FORMATS, "%d%m%y %I%p"]))
def test_any_cell_is_a_date_or_a_value_error(text, date_format):
    with contextlib.suppress(ValueError):
        parse_date(text, date_format)
    with contextlib.suppress(AmbiguousDates):
        values_detect([(2, {"date": text, "amount": text})])
