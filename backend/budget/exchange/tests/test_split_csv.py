"""Split transactions in CSV (SPEC §13): the export writes a row per line with `split_of`;
the import joins such rows back into one split transaction."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Q
from tests.helpers import assert_ledger_of_parent

from budget.exchange.tests.helpers import csv_text, imports_path, upload, validated
from budget.money import services
from budget.money.models import Allocation, Transaction, TransactionSplit
from budget.money.rollup import rollup_drift

pytestmark = pytest.mark.django_db

SPLIT_HEADER = "date,kind,amount,description,category,wallet,bucket,split_of,split_bucket"


@pytest.fixture
def split_book(household):
    h = household
    leisure = h.category("Leisure")
    market = services.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "expense",
            "date": date(2025, 3, 2),
            "amount": Decimal("90.00"),
            "description": "Supermarket",
            "wallet": h.bank.pk,
            "bucket": h.bills.pk,
            "tags": ["weekly"],
            "splits": [
                {"category": h.groceries.pk, "amount": Decimal("60.00"), "description": "Food"},
                {"category": leisure.pk, "amount": Decimal("30.00"), "bucket": h.fun.pk},
            ],
        },
    )
    services.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "income",
            "date": date(2025, 3, 1),
            "amount": Decimal("1000.00"),
            "description": "Pay",
            "wallet": h.bank.pk,
            "splits": [
                {"category": h.salary.pk, "amount": Decimal("900.00")},
                {"category": h.category("Other income").pk, "amount": Decimal("100.00")},
            ],
        },
    )
    services.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "expense",
            "date": date(2025, 3, 3),
            "amount": Decimal("5.00"),
            "wallet": h.cash.pk,
            "category": h.groceries.pk,
        },
    )
    return h, market


def _export(api, h, **params) -> list[dict]:
    response = api.get(f"/ledgers/{h.ledger.pk}/export.csv", {"ordering": "date", **params})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_export_writes_a_row_per_line(owner_api, split_book):
    h, market = split_book
    rows = _export(owner_api, h)
    assert [
        (r["description"], r["category"], r["amount"], r["bucket"], r["split_bucket"]) for r in rows
    ] == [
        ("Pay", "Salary", "900.00", "", ""),
        ("Pay", "Other income", "100.00", "", ""),
        ("Supermarket", "Groceries", "60.00", "Bills", ""),
        ("Supermarket", "Leisure", "30.00", "Bills", "Fun"),
        ("", "Groceries", "5.00", "Unallocated", ""),
    ]
    assert [r["split_of"] for r in rows[2:4]] == [str(market.pk)] * 2
    assert [r["split_description"] for r in rows[2:4]] == ["Food", ""]
    assert rows[4]["split_of"] == ""
    # A spreadsheet's sum of the column is the money that moved.
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("1095.00")


def test_export_newest_first_keeps_each_transactions_lines_together(owner_api, split_book):
    h, _ = split_book
    rows = _export(owner_api, h, ordering="-date")
    assert [(r["description"], r["category"]) for r in rows] == [
        ("", "Groceries"),
        ("Supermarket", "Groceries"),
        ("Supermarket", "Leisure"),
        ("Pay", "Salary"),
        ("Pay", "Other income"),
    ]


def test_export_filtered_by_a_lines_category_has_every_line(owner_api, split_book):
    h, _ = split_book
    rows = _export(owner_api, h, category=str(h.category("Leisure").pk))
    assert [r["category"] for r in rows] == ["Groceries", "Leisure"]


def test_export_queries_do_not_grow_with_the_lines(
    owner_api, split_book, django_assert_max_num_queries
):
    h, _ = split_book
    with django_assert_max_num_queries(6):
        response = owner_api.get(f"/ledgers/{h.ledger.pk}/export.csv")
        b"".join(response.streaming_content)


def test_export_then_import_gives_the_same_split_transactions(owner_api, split_book, commit):
    h, _ = split_book
    before = _export(owner_api, h)
    content = b"".join(owner_api.get(f"/ledgers/{h.ledger.pk}/export.csv").streaming_content)
    services.transactions_delete(ledger=h.ledger, filters=Q())
    job = validated(owner_api, h.ledger, content)
    assert (job["total_rows"], job["valid_rows"]) == (3, 3)  # transactions, not lines
    done = commit(owner_api, h.ledger, job["id"])
    assert done["status"] == "done", done
    after = _export(owner_api, h)
    ignored = ("id", "split_of", "allocation_status")
    assert [{k: v for k, v in r.items() if k not in ignored} for r in after] == [
        {k: v for k, v in r.items() if k not in ignored} for r in before
    ]
    assert Transaction.objects.filter(ledger=h.ledger).count() == 3
    assert TransactionSplit.objects.count() == 4
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    # Undoing the import takes the lines with their transactions.
    assert owner_api.delete(imports_path(h.ledger, job["id"])).status_code == 204
    assert not Transaction.objects.filter(ledger=h.ledger).exists()
    assert not TransactionSplit.objects.exists()
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_import_reports_a_bad_line_on_its_own_row(owner_api, household):
    content = csv_text(
        "2025-03-02,expense,60.00,Market,Groceries,Bank,,s1,",
        "2025-03-02,expense,30.00,Market,Salary,Bank,,s1,",
        "2025-03-02,expense,30.00,Market,Leisure,Bank,,s2,Nowhere",
        "2025-03-02,income,30.00,Market,Leisure,Bank,,s2,",
        "2025-03-03,expense,5.00,Alone,Groceries,Bank,,s3,",
        "2025-03-04,expense,7.00,Fine,Groceries,Bank,,,",
        header=SPLIT_HEADER,
    )
    response = upload(owner_api, household.ledger, content)
    assert response.status_code == 201, response.content
    job = response.json()
    assert (job["total_rows"], job["valid_rows"]) == (4, 1)
    assert [(e["row"], e["field"]) for e in job["errors"]] == [
        (3, "category"),
        (4, "split_bucket"),
        (5, "kind"),
        (6, "splits"),
    ]
    assert "needs an expense category, not income" in job["errors"][0]["message"]
    assert "2 to 50 lines" in job["errors"][3]["message"]


def test_an_imports_split_lines_and_allocations_carry_the_ledger(owner_api, household, commit):
    """README "Distributing by ledger": the rows an import commit writes (split lines,
    then the allocations of its incomes) carry their transaction's ledger_id."""
    content = csv_text(
        "2025-03-02,expense,60.00,Market,Groceries,Bank,,s1,",
        "2025-03-02,expense,30.00,Market,Leisure,Bank,,s1,Fun",
        "2025-03-01,income,900.00,Pay,Salary,Bank,,s2,",
        "2025-03-01,income,100.00,Pay,Other income,Bank,,s2,",
        "2025-03-03,income,50.00,Gift,Other income,Bank,,,",
        header=SPLIT_HEADER,
    )
    job = validated(owner_api, household.ledger, content)
    done = commit(owner_api, household.ledger, job["id"])

    assert done["status"] == "done", done
    lines = assert_ledger_of_parent(TransactionSplit, "transaction", at_least=4)
    parts = assert_ledger_of_parent(Allocation, "transaction", at_least=6)  # 2 incomes, 3 buckets
    assert {own for own, _ in lines + parts} == {household.ledger.pk}
