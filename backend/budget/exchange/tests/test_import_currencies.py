"""Currencies in the CSV export and import (SPEC §14): the currency columns of the export,
read back exactly; a row's currency is its wallet's; amounts have the wallet currency's
decimals; a row in another currency without a rate is a row error."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Q

from budget.exchange.tests.helpers import csv_text, imports_path, upload, validated
from budget.ledgers.services import ledger_create
from budget.money import services
from budget.money.models import Transaction
from budget.money.rollup import rollup_drift
from budget.money.services import wallet_create
from budget.rates.tests.helpers import own_rate

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)


def _export(api, h) -> tuple[bytes, list[dict]]:
    response = api.get(f"/ledgers/{h.ledger.pk}/export.csv", {"ordering": "date"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return content, list(csv.DictReader(io.StringIO(content.decode())))


@pytest.fixture
def wallets(household):
    h = household
    yen = wallet_create(ledger=h.ledger, name="Yen", kind="virtual", currency="JPY")
    dinar = wallet_create(ledger=h.ledger, name="Dinar", kind="virtual", currency="KWD")
    own_rate(h.ledger, "JPY", MARCH, "0.0061")
    own_rate(h.ledger, "KWD", MARCH, "2.9871")
    return h, yen, dinar


def _tx(h, **data):
    return services.transaction_create(ledger=h.ledger, data={"date": MARCH, **data})


def test_export_writes_the_currency_columns_and_the_import_reads_them_back(
    owner_api, wallets, commit
):
    h, yen, dinar = wallets
    _tx(h, kind="income", amount=Decimal("5000"), wallet=yen.pk, category=h.salary.pk)
    _tx(h, kind="expense", amount=Decimal("1200"), wallet=yen.pk, category=h.groceries.pk)
    _tx(
        h,
        kind="income",
        amount=Decimal("1.250"),
        wallet=dinar.pk,
        category=h.salary.pk,
        base_amount=Decimal("3.70"),  # what the bank charged, not the rate's 3.73
    )
    _tx(
        h,
        kind="transfer",
        amount=Decimal("2000"),
        from_wallet=yen.pk,
        to_wallet=dinar.pk,
        to_amount=Decimal("4.125"),
    )
    _tx(
        h,
        kind="expense",
        amount=Decimal("0.500"),
        wallet=dinar.pk,
        category=h.groceries.pk,
        foreign_amount=Decimal("250"),
        foreign_currency="JPY",
    )
    content, before = _export(owner_api, h)
    columns = ("amount", "currency", "base_amount", "to_amount", "foreign_amount")
    assert [(*tuple(r[c] for c in columns), r["foreign_currency"]) for r in before] == [
        ("5000", "JPY", "30.50", "", "", ""),
        ("1200", "JPY", "7.32", "", "", ""),
        ("1.250", "KWD", "3.70", "", "", ""),
        ("2000", "JPY", "12.20", "4.125", "", ""),
        ("0.500", "KWD", "1.49", "", "250", "JPY"),
    ]
    services.transactions_delete(ledger=h.ledger, filters=Q())
    job = validated(owner_api, h.ledger, content)
    assert (job["total_rows"], job["valid_rows"]) == (5, 5)
    done = commit(owner_api, h.ledger, job["id"])
    assert done["status"] == "done", done
    _, after = _export(owner_api, h)
    ignored = ("id", "allocation_status")
    assert [{k: v for k, v in r.items() if k not in ignored} for r in after] == [
        {k: v for k, v in r.items() if k not in ignored} for r in before
    ]
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_the_base_amount_of_the_file_wins_over_the_rate(owner_api, wallets, commit):
    h, _yen, _ = wallets
    header = "date,kind,amount,description,category,wallet,currency,base_amount"
    content = csv_text("2025-03-01,expense,1000,Ramen,Groceries,Yen,JPY,6.00", header=header)
    job = validated(owner_api, h.ledger, content)
    commit(owner_api, h.ledger, job["id"])
    tx = Transaction.objects.get(import_job_id=job["id"])
    assert (tx.amount, tx.currency, tx.base_amount) == (Decimal("1000"), "JPY", Decimal("6.00"))


def _invalid(api, h, *lines, header) -> list[dict]:
    response = upload(api, h.ledger, csv_text(*lines, header=header))
    assert response.status_code == 201, response.content
    body = response.json()
    assert not Transaction.objects.filter(import_job_id=body["id"]).exists()
    return list(body["errors"])


def test_a_row_in_another_currency_than_its_wallet_is_a_row_error(owner_api, wallets):
    h, *_ = wallets
    header = "date,kind,amount,description,category,wallet,currency"
    errors = _invalid(
        owner_api,
        h,
        "2025-03-01,expense,12.50,Taxi,Groceries,Bank,USD",
        "2025-03-01,expense,12.50,Taxi,Groceries,Bank,EUR",
        "2025-03-01,expense,12.50,Taxi,Groceries,Bank,XYZ",
        header=header,
    )
    assert [(e["row"], e["field"], e["message"]) for e in errors] == [
        (2, "currency", "This row is in USD; the wallet Bank is in EUR."),
        (4, "currency", "Use an ISO 4217 currency code such as EUR or USD."),
    ]


def test_amounts_have_the_wallet_currency_s_decimals(owner_api, wallets, commit):
    h, *_ = wallets
    header = "date,kind,amount,description,category,wallet"
    errors = _invalid(
        owner_api,
        h,
        "2025-03-01,expense,12.50,Sushi,Groceries,Yen",
        "2025-03-01,expense,1.250,Tea,Groceries,Dinar",
        "2025-03-01,expense,1.2505,Tea,Groceries,Dinar",
        "2025-03-01,expense,12.345,Bread,Groceries,Bank",
        header=header,
    )
    assert [(e["row"], e["field"], e["message"]) for e in errors] == [
        (2, "amount", "Use whole amounts for JPY: it has no decimal places."),
        (4, "amount", "'1.2505' has more than 3 decimal places; nothing is rounded."),
        (5, "amount", "Use at most 2 decimal places."),
    ]
    job = validated(
        owner_api, h.ledger, csv_text("2025-03-01,expense,1.250,Tea,Groceries,Dinar", header=header)
    )
    commit(owner_api, h.ledger, job["id"])
    tx = Transaction.objects.get(import_job_id=job["id"])
    assert (tx.amount, tx.base_amount) == (Decimal("1.250"), Decimal("3.73"))  # 3.733875


def test_rows_alike_but_for_the_amount_s_places_are_checked_apart(owner_api, wallets):
    # The check works the rules out once per kind, references and amount shape
    # (rules.transaction_errors_memo): 12.00 and 12.50 have the same exponent but need 0 and
    # 1 places; the errors are those of each row on its own.
    h, *_ = wallets
    header = "date,kind,amount,description,category,wallet"
    errors = _invalid(
        owner_api,
        h,
        "2025-03-01,expense,12.00,Sushi,Groceries,Yen",
        "2025-03-01,expense,12.50,Sushi,Groceries,Yen",
        "2025-03-01,expense,12.00,Sushi,Groceries,Yen",
        "2025-03-01,expense,0,Sushi,Groceries,Yen",
        "2025-03-01,expense,12.340,Bread,Groceries,Bank",
        "2025-03-01,expense,12.345,Bread,Groceries,Bank",
        "2025-03-01,expense,12.30,Bread,Groceries,Bank",
        header=header,
    )
    assert [(e["row"], e["field"], e["message"]) for e in errors] == [
        (3, "amount", "Use whole amounts for JPY: it has no decimal places."),
        (5, "amount", "The amount must be greater than zero."),
        (7, "amount", "Use at most 2 decimal places."),
    ]


def test_a_row_without_a_rate_is_a_row_error(owner_api, wallets):
    h, *_ = wallets
    header = "date,kind,amount,description,category,wallet"
    errors = _invalid(
        owner_api,
        h,
        "2025-03-01,expense,1200,Sushi,Groceries,Yen",
        "2025-01-01,expense,1200,Sushi,Groceries,Yen",
        header=header,
    )
    assert [(e["row"], e["field"], e["message"]) for e in errors] == [
        (3, "base_amount", "No JPY→EUR rate for 2025-01-01; give base_amount or add a rate"),
    ]


def test_the_preview_writes_each_amount_with_its_wallet_s_decimals(owner_api, wallets):
    h, *_ = wallets
    header = "date,kind,amount,description,category,wallet,from_wallet,to_wallet,to_amount"
    content = csv_text(
        "2025-03-01,expense,1200,Sushi,Groceries,Yen,,,",
        "2025-03-01,expense,1.25,Tea,Groceries,Dinar,,,",
        "2025-03-01,expense,12.3,Bread,Groceries,Bank,,,",
        "2025-03-01,transfer,2000,Change,,,Yen,Dinar,4.125",
        "2025-03-01,expense,12.50,Ramen,Groceries,Yen,,,",  # too many decimals for JPY
        "2025-03-01,expense,oops,Tea,Groceries,Dinar,,,",  # not an amount
        header=header,
    )
    response = upload(owner_api, h.ledger, content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(r["row"], r["valid"], r["amount"], r["currency"]) for r in body["preview"]] == [
        (2, True, "1200", "JPY"),
        (3, True, "1.250", "KWD"),
        (4, True, "12.30", "EUR"),
        (5, True, "2000", "JPY"),
        (6, False, "12.50", "JPY"),  # as read, never rounded to "12"
        (7, False, "oops", "KWD"),  # the cell as written
    ]
    # The transactions answer the same amounts once imported.
    fetched = owner_api.get(imports_path(h.ledger, body["id"])).json()
    assert fetched["preview"] == body["preview"]
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(6, "amount"), (7, "amount")]


def test_the_preview_and_the_transactions_agree_in_a_yen_ledger(owner_api, user, commit):
    """A ledger in JPY (no decimals) with a KWD wallet (three): the preview, the stored
    split lines and the transactions keep every thousandth."""
    yen_book = ledger_create(name="Tokyo", owner=user, currency="JPY")
    wallet_create(ledger=yen_book, name="Dinar", kind="virtual", currency="KWD")
    own_rate(yen_book, "KWD", MARCH, "487.5")
    header = "date,kind,amount,description,category,wallet,split_of"
    content = csv_text(
        "2025-03-01,expense,0.750,Market,Groceries,Dinar,m1",
        "2025-03-01,expense,0.500,Market,Leisure,Dinar,m1",
        "2025-03-01,expense,2.125,Tea,Groceries,Dinar,",
        header=header,
    )
    job = validated(owner_api, yen_book, content)
    assert [(r["amount"], r["currency"]) for r in job["preview"]] == [
        ("1.250", "KWD"),
        ("2.125", "KWD"),
    ]
    done = commit(owner_api, yen_book, job["id"])
    assert done["status"] == "done", done
    listed = owner_api.get(f"/ledgers/{yen_book.pk}/transactions", {"ordering": "amount"})
    items = listed.json()["items"]
    assert [(t["amount"], t["currency"], t["base_amount"]) for t in items] == [
        ("1.250", "KWD", "609"),  # 609.375
        ("2.125", "KWD", "1036"),  # 1035.9375
    ]
    assert [line["amount"] for line in items[0]["splits"]] == ["0.750", "0.500"]
    assert [r["amount"] for r in job["preview"]] == [t["amount"] for t in items]
