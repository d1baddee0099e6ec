"""Reads for exports: a ledger as CSV rows (streamed) or as one JSON document; and the
CSV import jobs of a ledger.

The exports read with `values_list()` and names joined in SQL, in chunks, so memory stays flat
whatever the ledger's size.
"""

import csv
import io
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from budget.common.money import money_str
from budget.exchange.csv_cells import csv_cell_neutralise
from budget.exchange.models import ImportJob, ImportProfile
from budget.ledgers.models import Ledger
from budget.money.models import (
    REFERENCE_FIELDS,
    SHARED_FIELDS,
    TRANSACTION_ONLY_FIELDS,
    Allocation,
    Bucket,
    Category,
    Payee,
    Transaction,
    Wallet,
)
from budget.money.selectors import ORDERINGS, transactions_of
from budget.planning.models import (
    Budget,
    BudgetAlert,
    Goal,
    RecurringTransaction,
    month_text,
)

FORMAT = "budget-ledger"
# 2: planning (recurring, budgets, goals; a transaction's recurring and recurring_date).
# 3: payees (SPEC §12). An older server refuses a newer document instead of silently
# leaving out what it does not know.
VERSION = 3

# SPEC §10's columns, then the transfer's four references: without them a transfer's
# wallets and buckets would be lost.
CSV_HEADER = (
    "date",
    "kind",
    "amount",
    "description",
    "category",
    "wallet",
    "bucket",
    "notes",
    "tags",
    "id",
    "allocation_status",
    "from_wallet",
    "to_wallet",
    "from_bucket",
    "to_bucket",
    "payee",  # by name, as the import reads it back (SPEC §12)
    *TRANSACTION_ONLY_FIELDS,
)
_CSV_COLUMNS = (
    "date",
    "kind",
    "amount",
    "description",
    "category__name",
    "wallet__name",
    "bucket__name",
    "notes",
    "tags",
    "id",
    "allocation_status",
    "from_wallet__name",
    "to_wallet__name",
    "from_bucket__name",
    "to_bucket__name",
    "payee__name",
    *TRANSACTION_ONLY_FIELDS,
)
CHUNK_SIZE = 2000  # rows fetched per database round trip
CSV_ROWS_PER_CHUNK = 500  # rows per piece of the streamed response


def _csv_cell(name: str, value: Any) -> str:
    """The amount is a number, written plain; every other cell is text, neutralised where a
    spreadsheet would run it (SPEC §19)."""
    if value is None:
        return ""
    if name == "amount":
        return money_str(value)
    if name == "tags":
        return csv_cell_neutralise("|".join(value or []))
    return csv_cell_neutralise(str(value))


def csv_chunks(*, ledger: Ledger, filters: Q = Q(), ordering: str = "date") -> Iterator[bytes]:
    """The export as UTF-8 pieces of CSV_ROWS_PER_CHUNK rows, header first."""
    rows = (
        transactions_of(ledger=ledger, filters=filters, ordering=ordering)
        .prefetch_related(None)
        .values_list(*_CSV_COLUMNS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for count, row in enumerate(rows, start=1):
        writer.writerow(
            [_csv_cell(name, value) for name, value in zip(_CSV_COLUMNS, row, strict=True)]
        )
        if count % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


# --- The whole ledger as JSON ---------------------------------------------------------------


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def _date(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _month(value: Any) -> str | None:
    return None if value is None else month_text(value)


def ledger_document(*, ledger: Ledger) -> dict[str, Any]:
    """Everything of the ledger, with its ids as local references (the restore maps them
    to new ones). Money and percents are strings; lists are in creation order.

    Members, API keys, notifications and import jobs belong to people or to the moment,
    not to the ledger's data, and stay out."""
    wallets = [
        {"id": _id(pk), "name": name, "kind": kind, "archived": archived}
        for pk, name, kind, archived in Wallet.objects.filter(ledger=ledger)
        .order_by("created_at", "id")
        .values_list("pk", "name", "kind", "archived")
    ]
    buckets = [
        {
            "id": _id(pk),
            "name": name,
            "allocation_percent": None if percent is None else money_str(percent),
            "is_system": is_system,
            "archived": archived,
        }
        for pk, name, percent, is_system, archived in Bucket.objects.filter(ledger=ledger)
        .order_by("created_at", "id")
        .values_list("pk", "name", "allocation_percent", "is_system", "archived")
    ]
    categories = [
        {"id": _id(pk), "name": name, "type": type_, "archived": archived}
        for pk, name, type_, archived in Category.objects.filter(ledger=ledger)
        .order_by("created_at", "id")
        .values_list("pk", "name", "type", "archived")
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "ledger": {"name": ledger.name, "currency": ledger.currency},
        "wallets": wallets,
        "buckets": buckets,
        "categories": categories,
        "payees": [
            {"id": _id(pk), "name": name}
            for pk, name in Payee.objects.filter(ledger=ledger)
            .order_by("created_at", "id")
            .values_list("pk", "name")
        ],
        "transactions": list(_transactions(ledger)),
        "recurring": _recurring(ledger),
        "budgets": _budgets(ledger),
        "goals": [
            {
                "id": _id(pk),
                "name": name,
                "bucket": _id(bucket),
                "target_amount": money_str(target),
                "target_date": _date(target_date),
            }
            for pk, name, bucket, target, target_date in Goal.objects.filter(ledger=ledger)
            .order_by("created_at", "id")
            .values_list("pk", "name", "bucket_id", "target_amount", "target_date")
        ],
    }


def _recurring(ledger: Ledger) -> list[dict[str, Any]]:
    """Templates with where their schedule stands (`last_date`, `next_date`), so the daily
    job of the restored ledger goes on where this one's stopped."""
    fields = (
        "id",
        *SHARED_FIELDS,
        *(f"{name}_id" for name in REFERENCE_FIELDS),
        "frequency",
        "interval",
        "start_date",
        "end_date",
        "active",
        "last_date",
        "next_date",
        "payee__name",
    )
    templates = []
    for row in (
        RecurringTransaction.objects.filter(ledger=ledger)
        .order_by("created_at", "id")
        .values(*fields)
    ):
        item = {name.removesuffix("_id").replace("__", "_"): value for name, value in row.items()}
        item["id"] = _id(item["id"])
        item["amount"] = money_str(item["amount"])
        item["tags"] = list(item["tags"] or [])
        for name in REFERENCE_FIELDS:
            item[name] = _id(item[name])
        for name in ("start_date", "end_date", "last_date", "next_date"):
            item[name] = _date(item[name])
        templates.append(item)
    return templates


def _budgets(ledger: Ledger) -> list[dict[str, Any]]:
    """Budgets with the alerts already sent, so the restored ledger does not announce
    again what its members were told (each alert goes out once per budget, month and
    threshold)."""
    alerts: dict[Any, list[dict[str, str]]] = {}
    for budget_id, month, threshold in (
        BudgetAlert.objects.filter(budget__ledger=ledger)
        .order_by("budget_id", "month", "threshold")
        .values_list("budget_id", "month", "threshold")
    ):
        alerts.setdefault(budget_id, []).append({"month": _month(month), "threshold": threshold})
    return [
        {
            "id": _id(pk),
            "category": _id(category),
            "amount": money_str(amount),
            "alert_percent": alert_percent,
            "start_month": _month(start),
            "end_month": _month(end),
            "alerts": alerts.get(pk, []),
        }
        for pk, category, amount, alert_percent, start, end in Budget.objects.filter(ledger=ledger)
        .order_by("created_at", "id")
        .values_list("pk", "category_id", "amount", "alert_percent", "start_month", "end_month")
    ]


def _transactions(ledger: Ledger) -> Iterator[dict[str, Any]]:
    allocations: dict[Any, list[dict[str, str]]] = {}
    for tx_id, bucket_id, amount in (
        Allocation.objects.filter(transaction__ledger=ledger)
        .order_by("transaction_id", "bucket__created_at", "bucket_id")
        .values_list("transaction_id", "bucket_id", "amount")
        .iterator(chunk_size=CHUNK_SIZE)
    ):
        allocations.setdefault(tx_id, []).append(
            {"bucket": _id(bucket_id), "amount": money_str(amount)}
        )
    fields = (
        "id",
        "date",
        *SHARED_FIELDS,
        *TRANSACTION_ONLY_FIELDS,
        "allocation_status",
        "recurring",
        "recurring_date",
        "payee__name",
    )
    rows = (
        Transaction.objects.filter(ledger=ledger)
        .order_by(*ORDERINGS["date"])
        .values_list(*fields, *(f"{name}_id" for name in REFERENCE_FIELDS))
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for row in rows:
        tx = dict(zip(fields, row[: len(fields)], strict=True))
        tx["id"] = _id(tx["id"])
        tx["date"] = tx["date"].isoformat()
        tx["amount"] = money_str(tx["amount"])
        tx["tags"] = list(tx["tags"] or [])
        tx["recurring"] = _id(tx["recurring"])
        tx["recurring_date"] = _date(tx["recurring_date"])
        tx["payee_name"] = tx.pop("payee__name")
        refs = dict(zip(REFERENCE_FIELDS, map(_id, row[len(fields) :]), strict=True))
        yield {**tx, **refs, "allocations": allocations.get(row[0], [])}


# --- CSV import jobs -------------------------------------------------------------------------


def import_jobs_of(*, ledger: Ledger) -> QuerySet[ImportJob]:
    """The ledger's import jobs, newest first, without their lists (errors, preview)."""
    return (
        ImportJob.objects.filter(ledger=ledger)
        .defer("errors", "duplicates", "preview")
        .order_by("-created_at", "-id")
    )


def import_job_get(*, ledger: Ledger, job_id: UUID) -> ImportJob | None:
    return ImportJob.objects.filter(ledger=ledger, pk=job_id).first()


def import_profiles_of(*, ledger: Ledger) -> QuerySet[ImportProfile]:
    return ImportProfile.objects.filter(ledger=ledger).order_by("name_key", "id")


def import_profile_get(*, ledger: Ledger, profile_id: UUID) -> ImportProfile | None:
    return ImportProfile.objects.filter(ledger=ledger, pk=profile_id).first()
