"""The commit in SQL (`commit_sql`, PostgreSQL) makes the same transactions as the per-row
path (`transactions_insert`, SQLite and jobs in other currencies); ImportRow carries its
ledger (issue 21)."""

from decimal import Decimal

import pytest
from django.db import connection

from budget.exchange import commit_sql, import_services
from budget.exchange.models import ImportJob, ImportRow
from budget.exchange.tests.helpers import csv_text, validated
from budget.money import services
from budget.money.models import Transaction, TransactionSplit
from budget.money.rollup import rollup_drift

pytestmark = pytest.mark.django_db

HEADER = (
    "date,kind,amount,description,category,wallet,bucket,notes,tags,from_wallet,to_wallet,"
    "from_bucket,to_bucket,payee,external_id,split_of,split_bucket,split_description,"
    "foreign_amount,foreign_currency"
)
ROWS = (
    # expenses: with a bucket, without (Unallocated), with a payee new and known, a foreign
    # amount, tags and notes
    '2025-03-01,expense,12.50,"Market, ""fresh""",Groceries,Bank,Bills,"two\nlines",food|weekly,'
    ",,,,Corner Shop,fit-1,,,,,",
    "2025-03-01,expense,3.20,Bakery,Groceries,Cash,,,,,,,,corner shop,fit-2,,,,4.10,USD",
    "2025-03-02,expense,7.00,Kiosk,Groceries,Cash,,,,,,,,Known Payee,,,,,,",
    # incomes: into a bucket, and waiting to be split
    "2025-03-03,income,1000.00,Salary,Salary,Bank,Savings,,,,,,,ACME,,,,,,",
    "2025-03-04,income,250.00,Bonus,Salary,Bank,,,bonus,,,,,,,,,,,",
    # a transfer between wallets and buckets, an adjustment
    "2025-03-05,transfer,100.00,Move,,,,,,Bank,Cash,Savings,Fun,,,,,,,",
    "2025-03-06,adjustment,-5.00,Fix,,Cash,,,,,,,,,,,,,,",
    # a split expense (a line with its own bucket) and a split income
    "2025-03-07,expense,60.00,Supermarket,Groceries,Bank,Bills,,,,,,,,,S1,,Food,,",
    "2025-03-07,expense,30.00,Supermarket,Leisure,Bank,Bills,,,,,,,,,S1,Fun,Games,,",
    "2025-03-08,income,900.00,Pay,Salary,Bank,,,,,,,,,,S2,,,,",
    "2025-03-08,income,100.00,Pay,Other income,Bank,,,,,,,,,,S2,,,,",
)


def _made(job_id) -> list[tuple]:
    """A job's transactions as comparable rows (ids, stamps and the job left out), in the
    order they were written, with their split lines."""
    skip = {"id", "created_at", "updated_at", "import_job"}
    fields = [f.attname for f in Transaction._meta.concrete_fields if f.name not in skip]
    made = []
    for tx in Transaction.objects.filter(import_job_id=job_id).order_by("created_at", "id"):
        lines = list(
            TransactionSplit.objects.filter(transaction=tx)
            .order_by("position")
            .values_list("position", "category_id", "bucket_id", "amount", "base_amount")
        )
        made.append((tuple(getattr(tx, name) for name in fields), lines))
    return made


def _import(owner_api, h, commit, monkeypatch, *, set_based: bool) -> list[tuple]:
    monkeypatch.setattr(import_services, "SET_BASED", set_based)
    job = validated(owner_api, h.ledger, csv_text(*ROWS, header=HEADER))
    done = commit(owner_api, h.ledger, job["id"])
    assert done["status"] == "done", done
    assert done["created"] == len(ROWS) - 2
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    return _made(job["id"])


def test_the_sql_commit_makes_what_the_per_row_commit_makes(
    owner_api, household, commit, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the commit in SQL is PostgreSQL's")
    h = household
    known = services.payee_create(ledger=h.ledger, name="Known Payee")
    h.category("Leisure"), h.category("Other income")
    calls: list = []
    real = commit_sql.rows_copy

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(commit_sql, "rows_copy", counted)
    per_row = _import(owner_api, h, commit, monkeypatch, set_based=False)
    assert calls == []
    in_sql = _import(owner_api, h, commit, monkeypatch, set_based=True)
    assert calls, "the second import was not written in SQL"
    assert in_sql == per_row
    # What the file says arrived as it said (not only the same both ways).
    txs = Transaction.objects.filter(import_job__isnull=False).order_by("created_at", "id")
    first, second, third = txs[:3]
    assert (first.amount, first.notes, first.tags) == (
        Decimal("12.50"),
        "two\nlines",
        ["food", "weekly"],
    )
    assert first.payee_id == second.payee_id != known.pk
    assert third.payee_id == known.pk
    assert (second.foreign_amount, second.foreign_currency) == (Decimal("4.10"), "USD")
    assert [len(lines) for _, lines in in_sql] == [0, 0, 0, 0, 0, 0, 0, 2, 2]
    assert [tx.allocation_status for tx in txs[3:5]] == ["not_applicable", "allocated"]


def test_a_job_in_another_currency_is_committed_row_by_row(owner_api, household):
    if connection.vendor != "postgresql":
        pytest.skip("the commit in SQL is PostgreSQL's")
    h = household
    services.wallet_create(ledger=h.ledger, name="Dollars", kind="virtual", currency="USD")
    plain = validated(
        owner_api, h.ledger, csv_text("2025-03-02,expense,7.00,Kiosk,Groceries,Bank,,,")
    )
    dollars = validated(
        owner_api,
        h.ledger,
        csv_text(
            "2025-03-02,expense,7.00,Kiosk,Groceries,Dollars,6.50",
            header="date,kind,amount,description,category,wallet,base_amount",
        ),
    )
    assert commit_sql.set_based(ImportJob.objects.get(pk=plain["id"]))
    assert not commit_sql.set_based(ImportJob.objects.get(pk=dollars["id"]))


def test_each_checked_row_carries_its_ledger(owner_api, household):
    h = household
    job = validated(owner_api, h.ledger, csv_text(*ROWS, header=HEADER))
    rows = ImportRow.objects.filter(job_id=job["id"])
    assert rows.count() == len(ROWS) - 2
    assert set(rows.values_list("ledger_id", flat=True)) == {h.ledger.pk}


def test_the_representatives_are_read_by_line_whatever_the_statistics(owner_api, household):
    """One row per distinct set of references; each read by (job, line) from the index after
    the first lines are grouped once, a plan that statistics of other jobs' rows cannot
    turn into grouping every row again for each row (issue 21)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    h = household
    job = ImportJob.objects.get(
        pk=validated(owner_api, h.ledger, csv_text(*ROWS, header=HEADER))["id"]
    )
    statements: list[tuple] = []

    def spy(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        found = commit_sql.representatives(job, commit_sql.payees_of(job))
    lines = [line for line, _ in found]
    assert lines == sorted(lines)
    assert len(lines) == len(set(lines)) > 1
    sql, params = next((s, p) for s, p in statements if "GROUP BY" in s)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "CTE firsts" in plan, plan
    assert "AND (line = f.line))" in plan, plan


@pytest.mark.parametrize("size", [1, 2, 4, 8, 9, 50])
@pytest.mark.parametrize("skipping", [False, True])
def test_the_commit_writes_the_rows_in_runs_of_its_chunk_size(owner_api, household, size, skipping):
    """`chunk_ends`: the last line of each run of `size` rows to insert, and the last line
    (a duplicate left out when the commit skips them)."""
    if connection.vendor != "postgresql":
        pytest.skip("the commit in SQL is PostgreSQL's")
    h = household
    job = ImportJob.objects.get(
        pk=validated(owner_api, h.ledger, csv_text(*ROWS, header=HEADER))["id"]
    )
    lines = list(ImportRow.objects.filter(job=job).order_by("line").values_list("line", flat=True))
    if skipping:
        job.skip_duplicates = True
        ImportRow.objects.filter(job=job, line=lines[1]).update(duplicate_of=job.pk)
        lines.remove(lines[1])
    ends = lines[size - 1 :: size]
    if ends[-1:] != lines[-1:]:
        ends.append(lines[-1])
    assert commit_sql.chunk_ends(job, size) == ends
