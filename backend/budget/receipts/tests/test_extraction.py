import datetime as dt
from decimal import Decimal

import pytest

from budget.receipts.extraction import amounts_in, date_find, merchant_find, receipt_read


@pytest.mark.parametrize(
    ("line", "amounts"),
    [
        ("Milk 1.29", ["1.29"]),
        ("Milch 1,29 €", ["1.29"]),
        ("TOTAL 1,234.56", ["1234.56"]),
        ("SUMME EUR 1.234,56", ["1234.56"]),
        ("2 x 0.99  1.98", ["0.99", "1.98"]),
        ("Tel 030 1234567", []),
        ("14.03.2025", []),
    ],
)
def test_amounts_in_a_line(line, amounts):
    assert amounts_in(line) == [Decimal(a) for a in amounts]


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("Milk 1.00\nSubtotal 9.00\nVAT 19% 1.44\nTOTAL 9.00\nCash 20.00\nChange 11.00", "9.00"),
        ("Brot 2,50\nZwischensumme 12,40\nSUMME 12,40\nBar 50,00\nRückgeld 37,60", "12.40"),
        ("Kaffee 3,20\nGesamt\n3,20", "3.20"),  # the amount on the next line
        ("Soap 2.00\nAmount due 7.45", "7.45"),
        ("Nudeln 1,99\nZu zahlen 14,99 EUR", "14.99"),
        ("Tea 1.50\nSum 4.50\nGrand Total 5.00", "5.00"),  # the stronger label
        ("Eggs 2.10\nBread 3.40\nCash 10.00", "3.40"),  # no label: largest, not cash
        ("Café\nTOTAL TTC 18,90", "18.90"),
    ],
)
def test_the_total_is_on_the_labelled_line_else_the_largest_amount(text, total):
    assert receipt_read(text, default_currency="EUR").amount == Decimal(total)


@pytest.mark.parametrize(
    ("text", "month_first", "date"),
    [
        ("Datum: 14.03.2025", False, "2025-03-14"),
        ("14.03.25 12:30", False, "2025-03-14"),
        ("Date: 2025-03-14", False, "2025-03-14"),
        ("14/03/2025", False, "2025-03-14"),
        ("03/14/2025", False, "2025-03-14"),  # only one way to read it
        ("04/03/2025", False, "2025-03-04"),  # both ways: day first outside dollars
        ("04/03/2025", True, "2025-04-03"),
        ("14 March 2025", False, "2025-03-14"),
        ("14. März 2025", False, "2025-03-14"),
        ("March 14, 2025", False, "2025-03-14"),
        ("Mar 14 2025", False, "2025-03-14"),
        ("3. Okt 2024", False, "2024-10-03"),
    ],
)
def test_dates_in_english_and_german_formats(text, month_first, date):
    assert date_find(text, month_first=month_first)[0] == dt.date.fromisoformat(date)


def test_no_date_is_none():
    assert date_find("Milk 1.29\n31.02.2025") == (None, 0.0)


@pytest.mark.parametrize(
    ("text", "merchant"),
    [
        ("CORNER GROCERY\n12 High Street\nDate: 2025-01-02", "Corner Grocery"),
        ("Kassenbon\nBäckerei Schmidt\nTel. 030 1234", "Bäckerei Schmidt"),
        ("*** Welcome ***\nBlue Bottle Cafe\n", "Blue Bottle Cafe"),
        ("12.50\n14.03.2025", ""),
    ],
)
def test_the_merchant_is_the_first_strong_line(text, merchant):
    assert merchant_find(text.splitlines())[0] == merchant


@pytest.mark.parametrize(
    ("text", "currency"),
    [("TOTAL £4.50", "GBP"), ("Summe 4,50 €", "EUR"), ("Total $4.50", "USD"), ("4.50", "CHF")],
)
def test_currency_from_a_symbol_or_code_else_the_ledgers(text, currency):
    assert receipt_read(text, default_currency="CHF").currency == currency
