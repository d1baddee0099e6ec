"""POST /ledgers/{lid}/imports with the dates and amounts banks really write (SPEC §11):
`auto` date format and decimal separator, patterns, currency signs, debit/credit, negate.

Each file is made up here in the shape of a real bank's export; each test checks the file,
commits it and compares the transactions that came out."""

from datetime import date
from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.exchange.tests.helpers import upload, validated
from budget.money.models import Transaction
from budget.money.rollup import rollup_drift

pytestmark = pytest.mark.django_db

DEFAULTS = {"wallet": "Bank", "income_category": "Salary", "expense_category": "Groceries"}


def imported(owner_api, h, commit, content: str, **fields) -> list[tuple]:
    job = validated(owner_api, h.ledger, content, **(DEFAULTS | fields))
    done = commit(owner_api, h.ledger, job["id"])
    assert done["status"] == "done", done
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    return [
        (tx.kind, tx.date, tx.amount, tx.description)
        for tx in Transaction.objects.filter(ledger=h.ledger, import_job__isnull=False).order_by(
            "created_at", "id"
        )
    ]


def test_dollar_signs_thousands_and_parentheses(owner_api, household, commit):
    content = (
        "Date,Payee,Amount\n"
        '04/19/2019,Payroll,"$1,234.56"\n'
        "04/20/2019,Hardware store,($12.34)\n"
        '04/22/2019,Rent,"-$1,100.00"\n'
    )
    rows = imported(
        owner_api,
        household,
        commit,
        content,
        mapping='{"date": "Date", "description": "Payee", "signed_amount": "Amount"}',
    )
    assert rows == [
        ("income", date(2019, 4, 19), Decimal("1234.56"), "Payroll"),
        ("expense", date(2019, 4, 20), Decimal("12.34"), "Hardware store"),
        ("expense", date(2019, 4, 22), Decimal("1100.00"), "Rent"),
    ]


def test_date_times_lose_their_time(owner_api, household, commit):
    content = (
        "Transaction ID,Created,Name,Amount,Currency\n"
        "tx_01,2019-04-19T10:22:01Z,Corner café,-3.20,GBP\n"
        "tx_02,2019-04-19T23:59:59.500+01:00,Top up,50.00,GBP\n"
        "tx_03,2019-04-21T07:00:00Z,Bakery,-1.10,GBP\n"
    )
    mapping = '{"date": "Created", "description": "Name", "signed_amount": "Amount"}'
    rows = imported(owner_api, household, commit, content, mapping=mapping)
    assert rows == [
        ("expense", date(2019, 4, 19), Decimal("3.20"), "Corner café"),
        ("income", date(2019, 4, 19), Decimal("50.00"), "Top up"),
        ("expense", date(2019, 4, 21), Decimal("1.10"), "Bakery"),
    ]


def test_a_time_column_is_mapped_and_ignored(owner_api, household, commit):
    content = (
        "Transaction ID,Date,Time,Name,Amount\n"
        "tx_01,19/04/2019,10:22:01,Corner café,-3.20\n"
        "tx_02,20/04/2019,25:99:99,Bakery,-1.10\n"
    )
    mapping = '{"date": "Date", "time": "Time", "description": "Name", "signed_amount": "Amount"}'
    rows = imported(owner_api, household, commit, content, mapping=mapping)
    assert [row[1] for row in rows] == [date(2019, 4, 19), date(2019, 4, 20)]


def test_hungarian_dates_and_forint_amounts(owner_api, household, commit):
    content = (
        "Könyvelés dátuma;Közlemény;Összeg\n"
        "2019.04.19.;Fizetés;450 000,00 Ft\n"
        "2019.04.20.;Élelmiszer;-12 345,50 Ft\n"
    )
    mapping = '{"date": "Könyvelés dátuma", "description": "Közlemény", "signed_amount": "Összeg"}'
    job = validated(owner_api, household.ledger, content, mapping=mapping, **DEFAULTS)
    assert job["detected"].items() >= {"date_format": "YYYY.MM.DD", "decimal": ","}.items()
    assert job["preview"][1]["amount"] == "12345.50"
    done = commit(owner_api, household.ledger, job["id"])
    assert done["created"] == 2
    assert Transaction.objects.get(description="Fizetés").date == date(2019, 4, 19)


def test_amex_month_names_and_positive_charges_negated(owner_api, household, commit):
    content = (
        "Date,Description,Amount\n"
        "12-Dec-2019,BOOKSHOP LONDON,25.00\n"
        "14-Dec-2019,PAYMENT RECEIVED - THANK YOU,-300.00\n"
        "03-Jan-2020,TRAIN TICKETS,119.60\n"
    )
    rows = imported(
        owner_api,
        household,
        commit,
        content,
        mapping='{"date": "Date", "description": "Description", "signed_amount": "Amount"}',
        negate="true",
    )
    assert rows == [
        ("expense", date(2019, 12, 12), Decimal("25.00"), "BOOKSHOP LONDON"),
        ("income", date(2019, 12, 14), Decimal("300.00"), "PAYMENT RECEIVED - THANK YOU"),
        ("expense", date(2020, 1, 3), Decimal("119.60"), "TRAIN TICKETS"),
    ]


def test_without_negate_a_card_export_reads_the_other_way(owner_api, household):
    content = "Date,Description,Amount\n12-Dec-2019,BOOKSHOP,25.00\n"
    job = validated(
        owner_api,
        household.ledger,
        content,
        mapping='{"date": "Date", "description": "Description", "signed_amount": "Amount"}',
        **DEFAULTS,
    )
    assert job["preview"][0]["kind"] == "income"
    assert job["options"]["negate"] is False


DEBIT_CREDIT = (
    '{"date": "Date", "description": "Details", "debit": "Paid out", "credit": "Paid in"}'
)


def test_debit_and_credit_columns(owner_api, household, commit):
    content = (
        "Date,Details,Paid out,Paid in,Balance\n"
        '19 Apr 2019,Salary,,"2,500.00",2600.00\n'
        "20 Apr 2019,Groceries,-45.10,,2554.90\n"  # a sign in the column means nothing
        "21 Apr 2019,Refund,0.00,5.00,2559.90\n"  # zero counts as empty
    )
    rows = imported(owner_api, household, commit, content, mapping=DEBIT_CREDIT)
    assert rows == [
        ("income", date(2019, 4, 19), Decimal("2500.00"), "Salary"),
        ("expense", date(2019, 4, 20), Decimal("45.10"), "Groceries"),
        ("income", date(2019, 4, 21), Decimal("5.00"), "Refund"),
    ]


def test_negate_swaps_debit_and_credit(owner_api, household):
    content = "Date,Details,Paid out,Paid in\n2019-04-19,Card,12.00,\n"
    job = validated(
        owner_api, household.ledger, content, mapping=DEBIT_CREDIT, negate="true", **DEFAULTS
    )
    assert job["preview"][0]["kind"] == "income"


def test_a_row_needs_exactly_one_of_debit_and_credit(owner_api, household):
    content = (
        "Date,Details,Paid out,Paid in\n"
        "2019-04-19,Both,1.00,2.00\n"
        "2019-04-20,Neither,,\n"
        "2019-04-21,Zeros,0.00,0\n"
        "2019-04-22,Bad,abc,\n"
        "2019-04-23,Fine,1.00,\n"
    )
    body = upload(owner_api, household.ledger, content, mapping=DEBIT_CREDIT, **DEFAULTS).json()
    assert body["status"] == "validated"  # the last row is fine: a partial import (SPEC §11)
    assert body["valid_rows"] == 1
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (2, "credit"),
        (3, "debit"),
        (4, "debit"),
        (5, "debit"),
    ]
    assert body["preview"][0]["amount"] == "1.00"  # the bad row's cell as written


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ('{"date": "Date", "description": "Details", "debit": "Paid out"}', "together"),
        ('{"date": "Date", "debit": "Paid out", "credit": "Paid in", "signed_amount": "X"}', "two"),
        ('{"date": "Date", "debit": "Paid out", "credit": "Paid in", "amount": "X"}', "two"),
    ],
)
def test_debit_and_credit_go_together_and_alone(owner_api, household, mapping, message):
    content = "Date,Details,Paid out,Paid in,X\n2019-04-19,Card,12.00,,\n"
    response = upload(owner_api, household.ledger, content, mapping=mapping, **DEFAULTS)
    body = assert_error(response, 422, "validation_error", "mapping")
    assert message in body["errors"][0]["message"], body


def test_negate_needs_signed_amounts(owner_api, household):
    content = "date,kind,amount,description,category,wallet\n2025-03-01,expense,1.00,x,,\n"
    response = upload(owner_api, household.ledger, content, negate="true", **DEFAULTS)
    body = assert_error(response, 422, None, "negate")
    assert "signed_amount" in body["detail"]


def test_day_and_month_that_both_read_every_date_are_asked_for(owner_api, household):
    content = (
        "date,kind,amount,description,category,wallet\n"
        "03/04/2025,expense,1.00,a,Groceries,Bank\n"
        "05/06/2025,expense,2.00,b,Groceries,Bank\n"
    )
    response = upload(owner_api, household.ledger, content)
    body = assert_error(response, 422, None, "date_format")
    assert "line 2 has '03/04/2025' (3 April 2025 or 4 March 2025)" in body["detail"]
    assert not Transaction.objects.filter(ledger=household.ledger).exists()
    # Told, the same file reads.
    job = validated(owner_api, household.ledger, content, date_format="MM/DD/YYYY")
    assert [row["date"] for row in job["preview"]] == ["2025-03-04", "2025-05-06"]


def test_one_day_over_twelve_settles_the_order(owner_api, household):
    content = (
        "date,kind,amount,description,category,wallet\n"
        "03/04/2025,expense,1.00,a,Groceries,Bank\n"
        "03/13/2025,expense,2.00,b,Groceries,Bank\n"
    )
    job = validated(owner_api, household.ledger, content)
    assert job["detected"].items() >= {"date_format": "MM/DD/YYYY", "decimal": "."}.items()
    assert job["preview"][0]["date"] == "2025-03-04"


def test_a_date_pattern_reads_what_no_named_format_does(owner_api, household):
    content = (
        "date,kind,amount,description,category,wallet\n"
        "Booked 19|04|19 at 10h22,expense,1.00,a,Groceries,Bank\n"
    )
    job = validated(owner_api, household.ledger, content, date_format="Booked %d|%m|%y at %Hh%M")
    assert job["preview"][0]["date"] == "2019-04-19"
    assert job["options"]["date_format"] == "Booked %d|%m|%y at %Hh%M"


@pytest.mark.parametrize(
    ("date_format", "message"),
    [("%d/%m/%Y %A", "has %A; use only %d %m"), ("%d/%m", "needs a day"), ("julian", "auto")],
)
def test_a_bad_date_pattern_is_refused(owner_api, household, date_format, message):
    content = "date,kind,amount,description,category,wallet\n2025-03-01,expense,1,a,,Bank\n"
    response = upload(owner_api, household.ledger, content, date_format=date_format)
    body = assert_error(response, 422, "validation_error", "date_format")
    assert message in body["errors"][0]["message"], body


def test_cells_auto_cannot_read_are_row_errors(owner_api, household):
    content = (
        "date,kind,amount,description,category,wallet\n"
        "31/03/2025,expense,1.00,a,Groceries,Bank\n"
        "yesterday,expense,2.00,b,Groceries,Bank\n"
    )
    body = upload(owner_api, household.ledger, content).json()
    assert body["detected"]["date_format"] == "DD/MM/YYYY"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "date")]


def test_explicit_options_are_kept_and_reported(owner_api, household):
    content = 'date,kind,amount,description,category,wallet\n31.03.2025,expense,"1,50",a,,\n'
    job = validated(
        owner_api, household.ledger, content, date_format="DD.MM.YYYY", decimal=",", **DEFAULTS
    )
    assert job["detected"].items() >= {"date_format": "DD.MM.YYYY", "decimal": ","}.items()
    assert job["preview"][0]["amount"] == "1.50"
