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

from django.db.models import Exists, OuterRef, Q, QuerySet

from budget.common.money import money_str, percent_str
from budget.exchange.csv_cells import csv_cell_neutralise
from budget.exchange.models import ImportJob, ImportProfile
from budget.ledgers.models import Ledger
from budget.money.models import (
    CURRENCY_FIELDS,
    REFERENCE_FIELDS,
    SHARED_FIELDS,
    TRANSACTION_ONLY_FIELDS,
    Allocation,
    Bucket,
    Category,
    Payee,
    Transaction,
    TransactionSplit,
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
from budget.rates.models import LedgerRate
from budget.rates.values import rate_text

# The document's fields of a transaction and template: SPEC §2's. (The currency fields of
# SPEC §14 are not written yet: a restored ledger is in one currency.)
DOCUMENT_FIELDS = tuple(name for name in SHARED_FIELDS if name not in CURRENCY_FIELDS)

FORMAT = "budget-ledger"
# 2: planning (recurring, budgets, goals; a transaction's recurring and recurring_date).
# 3: a transaction's split lines (SPEC §13) and payees (SPEC §12).
# An older server refuses a newer document instead of silently leaving parts of it out.
VERSION = 3

# A split transaction (SPEC §13) is a row per line: its category and amount are the line's,
# `split_of` the transaction's id (the import joins the rows back into one transaction), and
# the line's own bucket and description follow.
SPLIT_COLUMNS = ("split_of", "split_bucket", "split_description")
CSV_CURRENCY_COLUMNS = ("currency", "base_amount", *CURRENCY_FIELDS)

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
    *SPLIT_COLUMNS,
    # SPEC §14, last so that readers of the older header keep working: the amount's
    # currency, its value in the ledger's, and the transfer's and the receipt's amounts.
    *CSV_CURRENCY_COLUMNS,
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
# Read after the columns above: each amount is written with its own currency's decimals.
_CSV_MONEY = ("currency", "base_amount", *CURRENCY_FIELDS, "to_wallet__currency")
_CATEGORY, _AMOUNT = _CSV_COLUMNS.index("category__name"), _CSV_COLUMNS.index("amount")
CHUNK_SIZE = 2000  # rows fetched per database round trip
CSV_ROWS_PER_CHUNK = 500  # rows per piece of the streamed response


def _csv_cell(name: str, value: Any, currency: str | None = None) -> str:
    """The amount is a number, written plain (with `currency`'s decimals); every other cell
    is text, neutralised where a spreadsheet would run it (SPEC §19)."""
    if value is None:
        return ""
    if name == "amount":
        return money_str(value, currency)
    if name == "tags":
        return csv_cell_neutralise("|".join(value or []))
    return csv_cell_neutralise(str(value))


def csv_chunks(*, ledger: Ledger, filters: Q = Q(), ordering: str = "date") -> Iterator[bytes]:
    """The export as UTF-8 pieces of CSV_ROWS_PER_CHUNK rows, header first. Split lines are
    read in a second stream in the same order as the transactions, so memory stays flat."""
    transactions = transactions_of(ledger=ledger, filters=filters, ordering=ordering)
    rows = (
        transactions.prefetch_related(None)
        .annotate(is_split=Exists(TransactionSplit.objects.filter(transaction=OuterRef("pk"))))
        .values_list(*_CSV_COLUMNS, *_CSV_MONEY, "is_split")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    line_order = [
        f"-transaction__{f[1:]}" if f.startswith("-") else f"transaction__{f}"
        for f in ORDERINGS[ordering]
    ]
    lines = (
        TransactionSplit.objects.filter(transaction__in=transactions.values("pk"))
        .order_by(*line_order, "position")
        .values_list(
            "transaction_id",
            "category__name",
            "amount",
            "bucket__name",
            "description",
            "base_amount",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    count = 0
    line = next(lines, None)
    base = ledger.currency
    for *everything, is_split in rows:
        row, money = everything[: len(_CSV_COLUMNS)], everything[len(_CSV_COLUMNS) :]
        currency, base_amount, to_amount, foreign, foreign_currency, receiving = money
        written: list[tuple[list, tuple, Any]] = [(row, ("", "", ""), base_amount)]
        if is_split:
            tx_id = row[_CSV_COLUMNS.index("id")]
            written = []
            # Both streams share one order: this transaction's lines come next.
            while line is not None and line[0] == tx_id:
                _, category, amount, bucket, description, line_base = line
                line_row = list(row)
                line_row[_CATEGORY], line_row[_AMOUNT] = category, amount
                written.append((line_row, (tx_id, bucket, description), line_base))
                line = next(lines, None)
            # Split between the two queries (the export is not one snapshot): as it was read.
            written = written or [(row, ("", "", ""), base_amount)]
        for values, split, row_base in written:
            writer.writerow(
                [
                    _csv_cell(name, value, currency)
                    for name, value in zip(_CSV_COLUMNS, values, strict=True)
                ]
                + [_csv_cell("split", value) for value in split]
                + [
                    currency,
                    _csv_cell("amount", row_base, base),
                    _csv_cell("amount", to_amount, receiving or base),
                    _csv_cell("amount", foreign, foreign_currency),
                    foreign_currency,
                ]
            )
            count += 1
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
        {
            "id": _id(pk),
            "name": name,
            "kind": kind,
            # SPEC §14: only a wallet in another currency says so (a document of a ledger in
            # one currency is as before).
            **({"currency": currency} if currency != ledger.currency else {}),
            "archived": archived,
        }
        for pk, name, kind, currency, archived in Wallet.objects.filter(ledger=ledger)
        .order_by("created_at", "id")
        .values_list("pk", "name", "kind", "currency", "archived")
    ]
    buckets = [
        {
            "id": _id(pk),
            "name": name,
            "allocation_percent": None if percent is None else percent_str(percent),
            "is_system": is_system,
            "archived": archived,
        }
        for pk, name, percent, is_system, archived in Bucket.objects.filter(ledger=ledger)
        .order_by("created_at", "id")
        .values_list("pk", "name", "allocation_percent", "is_system", "archived")
    ]
    categories = [
        {
            "id": _id(pk),
            "name": name,
            "type": type_,
            "group": group or None,
            "default_bucket": _id(default_bucket),
            "archived": archived,
        }
        for pk, name, type_, group, default_bucket, archived in Category.objects.filter(
            ledger=ledger
        )
        .order_by("created_at", "id")
        .values_list("pk", "name", "type", "group", "default_bucket_id", "archived")
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
        # SPEC §14: the ledger's own exchange rates (the reference rates are the system's).
        "rates": [
            {"currency": currency, "date": day.isoformat(), "rate": rate_text(rate)}
            for currency, day, rate in LedgerRate.objects.filter(ledger=ledger)
            .order_by("currency", "date")
            .values_list("currency", "date", "rate")
        ],
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
        *DOCUMENT_FIELDS,
        *(f"{name}_id" for name in REFERENCE_FIELDS),
        "frequency",
        "interval",
        "start_date",
        "end_date",
        "active",
        "last_date",
        "next_date",
        "payee__name",
        *CURRENCY_FIELDS,
        "wallet__currency",
        "from_wallet__currency",
        "to_wallet__currency",
    )
    templates = []
    for row in (
        RecurringTransaction.objects.filter(ledger=ledger)
        .order_by("created_at", "id")
        .values(*fields)
    ):
        item = {name.removesuffix("_id").replace("__", "_"): value for name, value in row.items()}
        item["id"] = _id(item["id"])
        # SPEC §14: the amount in its wallet's currency; to_amount and the receipt's amount
        # written only when set (a template of a ledger in one currency is as before).
        currency = item.pop("wallet_currency") or item.pop("from_wallet_currency")
        item.pop("from_wallet_currency", None)
        receiving = item.pop("to_wallet_currency")
        item["amount"] = money_str(item["amount"], currency or ledger.currency)
        for name, code in (("to_amount", receiving), ("foreign_amount", item["foreign_currency"])):
            if item[name] is None:
                del item[name]
            else:
                item[name] = money_str(item[name], code or ledger.currency)
        if not item["foreign_currency"]:
            del item["foreign_currency"]
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
        BudgetAlert.objects.filter(ledger=ledger)
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
            "rollover": rollover,
            "start_month": _month(start),
            "end_month": _month(end),
            "alerts": alerts.get(pk, []),
        }
        for pk, category, amount, alert_percent, rollover, start, end in Budget.objects.filter(
            ledger=ledger
        )
        .order_by("created_at", "id")
        .values_list(
            "pk", "category_id", "amount", "alert_percent", "rollover", "start_month", "end_month"
        )
    ]


_CURRENCY_COLUMNS = ("currency", "base_amount", *CURRENCY_FIELDS, "to_wallet__currency")


def _currency_fields(item: dict, *, currency: str, base: str) -> None:
    """SPEC §14's fields of a transaction, in place: written only where they say something
    (another currency, a to_amount, a foreign amount), so a document of a ledger in one
    currency is as before."""
    base_amount, to_amount = item.pop("base_amount"), item.pop("to_amount")
    foreign, foreign_currency = item.pop("foreign_amount"), item.pop("foreign_currency")
    to_currency = item.pop("to_wallet__currency")
    if currency != base:
        item["currency"] = currency
        item["base_amount"] = money_str(base_amount, base)
    if to_amount is not None:
        item["to_amount"] = money_str(to_amount, to_currency)
    if foreign is not None:
        item["foreign_amount"] = money_str(foreign, foreign_currency)
        item["foreign_currency"] = foreign_currency


def _transactions(ledger: Ledger) -> Iterator[dict[str, Any]]:
    allocations: dict[Any, list[dict[str, str]]] = {}
    for tx_id, bucket_id, amount in (
        Allocation.objects.filter(ledger=ledger)
        .order_by("transaction_id", "bucket__created_at", "bucket_id")
        .values_list("transaction_id", "bucket_id", "amount")
        .iterator(chunk_size=CHUNK_SIZE)
    ):
        allocations.setdefault(tx_id, []).append(
            {"bucket": _id(bucket_id), "amount": money_str(amount)}
        )
    splits: dict[Any, list[dict[str, Any]]] = {}
    for tx_id, category_id, bucket_id, amount, base, currency, description in (
        TransactionSplit.objects.filter(ledger=ledger)
        .order_by("transaction_id", "position")
        .values_list(
            "transaction_id",
            "category_id",
            "bucket_id",
            "amount",
            "base_amount",
            "transaction__currency",
            "description",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    ):
        line = {"category": _id(category_id), "amount": money_str(amount, currency)}
        if base != amount:
            line["base_amount"] = money_str(base)
        splits.setdefault(tx_id, []).append(
            {**line, "bucket": _id(bucket_id), "description": description}
        )
    fields = (
        "id",
        "date",
        *DOCUMENT_FIELDS,
        *TRANSACTION_ONLY_FIELDS,
        "allocation_status",
        "recurring",
        "recurring_date",
        "payee__name",
        *_CURRENCY_COLUMNS,
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
        currency = tx.pop("currency")
        tx["amount"] = money_str(tx["amount"], currency)
        _currency_fields(tx, currency=currency, base=ledger.currency)
        tx["tags"] = list(tx["tags"] or [])
        tx["recurring"] = _id(tx["recurring"])
        tx["recurring_date"] = _date(tx["recurring_date"])
        tx["payee_name"] = tx.pop("payee__name")
        refs = dict(zip(REFERENCE_FIELDS, map(_id, row[len(fields) :]), strict=True))
        yield {
            **tx,
            **refs,
            "allocations": allocations.get(row[0], []),
            "splits": splits.get(row[0], []),
        }


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
