"""The CSV import job (SPEC §9): check a file, commit it in a worker, undo it.

- `import_validate` reads the upload row by row (memory stays flat whatever its size),
  checks each row with the rules every transaction follows (`budget.money.rules`), keeps
  the checked rows in the database (`ImportRow`: the worker that commits them may run in
  another container, so not on the web process's disk) and marks possible duplicates with
  one SQL UPDATE. The ledger itself is not touched.
- `import_commit` hands a validated job to a Django-Q2 task; `import_run` is that task's
  work: every row in ONE database transaction, through `transactions_create(bulk=True)` in
  chunks, so the rollup, the ledger's version and allocation stay right. A worker killed
  half-way leaves nothing behind; the job then looks stale and can be committed again.
- `import_delete` undoes a finished import (its transactions and their allocations, nothing
  else) — a large one in a worker (`import_undo`), in batches — or discards one that was
  never committed.
"""

import gc
import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from pydantic import ValidationError as PydanticValidationError

from budget.accounts.models import User
from budget.common import activity
from budget.common.errors import Conflict, Invalid, PayloadTooLarge
from budget.common.handlers import clean_message
from budget.common.tasks import enqueue_on_commit
from budget.exchange import commit_sql, duplicates
from budget.exchange.csv_rows import (
    CURRENCY_AMOUNTS,
    FileProblem,
    Names,
    Options,
    ParsedRow,
    RowParser,
    preview_row,
)
from budget.exchange.formats.csv import delimiter_of
from budget.exchange.models import LIST_LIMIT, ImportJob, ImportRow, ImportStatus
from budget.exchange.progress import is_stale, progress_set
from budget.exchange.schemas import ImportedText, imported_text_fits
from budget.exchange.signals import import_finished
from budget.exchange.sources import Record, Source, source_open
from budget.exchange.values import AUTO, AmbiguousDates, values_detect
from budget.ledgers.models import Ledger
from budget.ledgers.services import ledger_lock
from budget.money import services as money_services
from budget.money.conversion import base_amounts_fill, tx_currency
from budget.money.models import (
    REFERENCE_FIELDS,
    Bucket,
    Category,
    CategoryType,
    Payee,
    Transaction,
    Wallet,
)
from budget.money.rollup import GroupedLegs
from budget.money.rules import (
    References,
    batch_errors,
    reference_error,
    transaction_errors,
    transaction_errors_memo,
)

logger = logging.getLogger(__name__)

ROWS_PER_INSERT = 5000  # rows checked (rules, references) and stored (COPY) at a time
COMMIT_CHUNK = 10_000  # rows per transactions_create call: fewer, larger rollup upserts
PREVIEW_ROWS = 20
# PostgreSQL commits a job whose wallets are all in the ledger's currency with one
# INSERT … SELECT (`commit_sql`); False forces the per-row path (tests compare the two).
SET_BASED = True
MAX_ATTEMPTS = 3  # runs the sweep starts before it gives a job up (its worker keeps dying)


def _state_conflict(detail: str) -> Conflict:
    return Conflict(detail, code="import_state")


# --- Checking a file ------------------------------------------------------------------------


def _ledger_names(ledger: Ledger) -> tuple[Names, References, dict[UUID, str]]:
    """Every wallet, bucket and category of the ledger (archived ones too, so the rules can
    say they are archived): by name for reading the file, by id for the rules."""
    names, refs, by_id = Names(base=ledger.currency), References(base=ledger.currency), {}
    for noun, model, lookup in (
        ("wallet", Wallet, refs.wallets),
        ("bucket", Bucket, refs.buckets),
        ("category", Category, refs.categories),
    ):
        for obj in model.objects.filter(ledger=ledger):
            names.add(noun, obj)
            lookup[obj.pk] = obj
            by_id[obj.pk] = obj.name
            if noun == "bucket" and obj.is_system:
                refs.system_bucket = obj
    return names, refs, by_id


def _default(names: Names, noun: str, field: str, text: str | None, type_: str | None = None):
    if not text:
        return None
    obj = names.find(noun, text)
    if obj is None:
        raise Invalid(f"No {noun} named '{text}' in this ledger.", field=field)
    message = reference_error(obj, noun=noun, category_type=type_)
    if message:
        raise Invalid(message, field=field)
    return obj.pk


def _options(raw: dict[str, Any], names: Names) -> Options:
    return Options(
        mapping=raw.get("mapping") or {},
        date_format=raw.get("date_format") or AUTO,
        decimal=raw.get("decimal") or AUTO,
        negate=bool(raw.get("negate")),
        delimiter=delimiter_of(raw.get("delimiter")),
        format=raw.get("format") or "auto",
        encoding=raw.get("encoding") or "auto",
        header_line=raw.get("header_line") or "auto",
        wallet=_default(names, "wallet", "wallet", raw.get("wallet")),
        income_category=_default(
            names, "category", "income_category", raw.get("income_category"), CategoryType.INCOME
        ),
        expense_category=_default(
            names,
            "category",
            "expense_category",
            raw.get("expense_category"),
            CategoryType.EXPENSE,
        ),
    )


def _options_json(options: Options) -> dict[str, Any]:
    def ref(value: UUID | None) -> str | None:
        return None if value is None else str(value)

    return {
        "mapping": options.mapping,
        "date_format": options.date_format,
        "decimal": options.decimal,
        "negate": options.negate,
        "delimiter": options.delimiter,
        "format": options.format,
        "encoding": options.encoding,
        "header_line": options.header_line,
        "wallet": ref(options.wallet),
        "income_category": ref(options.income_category),
        "expense_category": ref(options.expense_category),
    }


def _field_errors(
    data: dict[str, Any], refs: References, memo: dict | None = None
) -> list[dict[str, str]]:
    """The rules of every new transaction: the limits of the text fields, then
    `transaction_errors` (kind, references, archived, amounts), once per distinct set of
    what they read with `memo` (the check's, for its one `refs`)."""
    texts = {
        "description": data["description"],
        "notes": data["notes"],
        "tags": data["tags"],
        "external_id": data.get("external_id") or "",
    }
    try:
        if not imported_text_fits(texts):
            ImportedText(**texts)
    except PydanticValidationError as error:
        return [
            {"field": str(e["loc"][0]) if e["loc"] else "row", "message": clean_message(e["msg"])}
            for e in error.errors()
        ]
    if memo is None:
        return transaction_errors(data, refs)
    return transaction_errors_memo(data, refs, memo)


@lru_cache(maxsize=4096)
def _id_text(value: Any) -> str:
    # Cached: 100 000 rows name the same few wallets, buckets and categories.
    return str(value)


_STORED = ("line", "date", "kind", "amount", "wallet_id", "description", "external_id", "data")


def _stored(line: int, data: dict[str, Any]) -> tuple:
    """A checked row as stored: the columns of _STORED."""
    rest = {"notes": data["notes"], "tags": data["tags"], "payee_name": data.get("payee_name")}
    for name in REFERENCE_FIELDS:  # a loop, not a comprehension: 100 000 rows
        if value := data.get(name):
            rest[name] = _id_text(value)
    # SPEC §14: written only when the file gave them.
    for name in CURRENCY_AMOUNTS:
        if (value := data.get(name)) is not None:
            rest[name] = str(value)
    if data.get("foreign_currency"):
        rest["foreign_currency"] = data["foreign_currency"]
    if data.get("splits"):
        rest["splits"] = [
            {
                "category": str(line["category"]),
                "amount": f"{line['amount']:f}",  # exact: the wallet's currency may have 3
                "bucket": str(line["bucket"]) if line["bucket"] else None,
                "description": line["description"],
            }
            for line in data["splits"]
        ]
    wallet = data.get("wallet") or data.get("from_wallet")
    return (
        line,
        data["date"],
        str(data["kind"]),
        data["amount"],
        wallet,
        data["description"],
        data.get("external_id") or "",
        rest,
    )


def _rows_store(job: ImportJob, rows: list[tuple]) -> None:
    """Stores checked rows: with COPY on PostgreSQL (100 000 rows in about a second, several
    times faster than INSERT), with bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        ImportRow.objects.bulk_create(
            ImportRow(
                job_id=job.pk, ledger_id=job.ledger_id, **dict(zip(_STORED, row, strict=True))
            )
            for row in rows
        )
        return
    amount = ImportRow._meta.get_field("amount")
    columns = ", ".join(
        ImportRow._meta.get_field(name).column for name in ("job", "ledger", *_STORED)
    )
    copy_sql = f"COPY {ImportRow._meta.db_table} ({columns}) FROM STDIN"
    dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for line, day, kind, value, wallet, description, external_id, data in rows:
            # The amount passed the currency's places (at most MoneyField.SCALE): its units
            # directly; anything else as the field prepares it (which refuses it).
            units = value.scaleb(amount.SCALE)
            copy.write_row(
                (
                    job.pk,
                    job.ledger_id,
                    line,
                    day,
                    kind,
                    int(units)
                    if units == units.to_integral_value()
                    else amount.get_prep_value(value),
                    wallet,
                    description,
                    external_id,
                    dumps(data),
                )
            )


class _Tally:
    """Counts and the first LIST_LIMIT errors of a check; the valid rows it buffers."""

    def __init__(self) -> None:
        self.total = 0
        self.valid = 0
        self.error_count = 0
        self.errors: list[dict[str, Any]] = []
        self.preview: list[dict[str, Any]] = []
        self.pending: list[tuple] = []
        self.first: date | None = None
        self.last: date | None = None
        # transaction_errors by what it reads (rules.transaction_errors_memo).
        self.rules_memo: dict[tuple, list[dict[str, str]]] = {}

    def error(self, line: int, errors: list[dict[str, str]]) -> None:
        self.error_count += len(errors)
        room = LIST_LIMIT - len(self.errors)
        self.errors += [{"row": line, **e} for e in errors[:room]]

    def dated(self, day: date) -> None:
        self.first = day if self.first is None else min(self.first, day)
        self.last = day if self.last is None else max(self.last, day)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a file is checked. 100 000 rows
    allocate millions of dicts and lists, which set off about a dozen full collections, each
    walking every object of the process (Django's included): a quarter of the check's CPU
    (1.1 of 4.3 s, `bench/profile_import.py`'s file). The rows' objects form no cycles
    (dicts, lists, strings, dates: reference counting frees them as always); the few cyclic
    ones made meanwhile, here or by another thread, are collected once it is back on.
    Process-wide, so only for the length of one check."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def import_validate(
    *, ledger: Ledger, user: User, upload: UploadedFile, options: dict[str, Any]
) -> ImportJob:
    """Checks every row of `upload` and stores the job; 413/422 when the file as a whole
    cannot be read (nothing is stored then)."""
    with _collector_paused():
        return _validate(ledger=ledger, user=user, upload=upload, options=options)


def _validate(
    *, ledger: Ledger, user: User, upload: UploadedFile, options: dict[str, Any]
) -> ImportJob:
    if upload.size is not None and upload.size > settings.IMPORT_MAX_BYTES:
        megabytes = settings.IMPORT_MAX_BYTES / 1024 / 1024
        raise PayloadTooLarge(
            f"The file is {upload.size} bytes; an import takes at most {megabytes:g} MB. "
            "Split it into smaller files."
        )
    names, refs, names_by_id = _ledger_names(ledger)
    parsed_options = _options(options, names)
    upload.seek(0)
    try:
        source = source_open(upload.file, options=parsed_options, max_rows=settings.IMPORT_MAX_ROWS)
        _structured_defaults(source, parsed_options)
        parser = RowParser(options=parsed_options, names=names)
        if AUTO in (parsed_options.date_format, parsed_options.decimal):
            _values_detect(source, parsed_options)
        # What the file was read as (SPEC §11), answered as the job's `detected`.
        detected = {
            **source.detected,
            "date_format": parsed_options.date_format,
            "decimal": parsed_options.decimal,
        }
        with transaction.atomic():
            job = ImportJob.objects.create(
                ledger=ledger,
                created_by=user,
                filename=(upload.name or "")[:255],
                options=_options_json(parsed_options),
                detected=detected,
                status=ImportStatus.VALIDATED,
            )
            tally = _check_rows(job, source, parser, refs, names_by_id)
            _detected_store(job, source)
            _finish_check(job, tally)
    except FileProblem as problem:
        if problem.too_large:
            raise PayloadTooLarge(problem.message) from problem
        raise Invalid(problem.message, field=problem.field) from problem
    return job


def _values_detect(source: Source, options: Options) -> None:
    """Resolves an `auto` date format and decimal separator: they need every date and amount
    of the file, so a first pass reads its records (keeping only counts and the distinct
    dates) before the check reads them again."""
    records, columns = source.value_cells()
    try:
        detected = values_detect(
            records, date_format=options.date_format, decimal=options.decimal, columns=columns
        )
    except AmbiguousDates as error:
        raise FileProblem(str(error), field="date_format") from error
    options.date_format, options.decimal = detected["date_format"], detected["decimal"]


def _structured_defaults(source: Source, options: Options) -> None:
    """OFX and CAMT write ISO dates and amounts with a decimal point whatever the options
    say (the source hands them over so); none of OFX, QIF or CAMT names our wallet."""
    if source.format in ("ofx", "camt"):
        options.date_format, options.decimal = "iso", "."
    if source.format in ("ofx", "qif", "camt") and not options.wallet:
        raise FileProblem(
            f"An {source.format.upper()} file does not say which of the ledger's wallets it "
            "belongs to; choose it with the option `wallet`.",
            field="wallet",
        )


def _detected_store(job: ImportJob, source: Source) -> None:
    """After the check: what reading the whole file found out (CAMT's `skipped`), and the
    delimiter used, in the job's options too."""
    job.detected = {**job.detected, **source.detected}
    job.options = {**job.options, "delimiter": source.detected.get("delimiter")}


def _groups(records: Iterator[Record]) -> Iterator[list[Record]]:
    """The records one transaction each: a record alone, or the consecutive records of one
    split transaction (the same `split_of`, SPEC §13)."""
    group: list[Record] = []
    for record in records:
        key = record.fields.get("split_of", "").strip()
        if group and (not key or key != group[0].fields.get("split_of", "").strip()):
            yield group
            group = []
        if key:
            group.append(record)
        else:
            yield [record]
    if group:
        yield group


def _parse(record: Record, parser: RowParser) -> ParsedRow:
    if record.errors:
        return ParsedRow(None, record.errors, record.fields)
    parsed = parser.parse(record.fields)
    if parsed.data is not None and "external_id" not in parsed.data:
        parsed.data["external_id"] = parsed.cells.get("external_id", "").strip()
    return parsed


def _split_parse(
    group: list[Record], parser: RowParser, refs: References
) -> tuple[ParsedRow, list[tuple[int, list[dict[str, str]]]]]:
    """The records of a split transaction as one transaction, and the errors per row: a
    line's own errors go to its row (`splits.2.amount` is the amount of the third row)."""
    rows = [_parse(record, parser) for record in group]
    by_row: list[list[dict[str, str]]] = [list(row.errors) for row in rows]
    joined = None
    if not any(by_row):
        joined, join_errors = parser.splits_join(rows)
        for index, error in join_errors:
            by_row[index].append(error)
        if not any(by_row):
            for error in _field_errors(joined, refs):
                parts = error["field"].split(".")
                if parts[0] == "splits" and len(parts) == 3 and parts[1].isdigit():
                    name = {"bucket": "split_bucket"}.get(parts[2], parts[2])
                    by_row[int(parts[1])].append({**error, "field": name})
                else:
                    by_row[0].append(error)
    errors = [(record.row, e) for record, e in zip(group, by_row, strict=True) if e]
    first = rows[0]
    return ParsedRow(None if errors else joined, first.errors, first.cells), errors


def _check_rows(job, source: Source, parser: RowParser, refs: References, names_by_id) -> _Tally:
    tally = _Tally()
    chunk: list[tuple[int, ParsedRow, list | None]] = []
    for group in _groups(source.records()):
        tally.total += 1
        if len(group) == 1 and not group[0].fields.get("split_of", "").strip():
            chunk.append((group[0].row, _parse(group[0], parser), None))
        else:
            chunk.append((group[0].row, *_split_parse(group, parser, refs)))
        if len(chunk) >= ROWS_PER_INSERT:
            _check_chunk(job, chunk, tally, parser, refs, names_by_id)
            chunk = []
    _check_chunk(job, chunk, tally, parser, refs, names_by_id)
    if tally.total == 0:
        raise FileProblem("The file has a header but no rows.")
    if tally.pending:
        _rows_store(job, tally.pending)
    tally.pending = []
    return tally


def _check_chunk(
    job,
    chunk: list[tuple[int, ParsedRow, list | None]],
    tally: _Tally,
    parser: RowParser,
    refs,
    names_by_id,
) -> None:
    """Checks a chunk of read rows: the rules and the payee history fill what the rows left
    empty (once for the chunk: SPEC §12), then the import's default categories, then the
    category's default bucket (`transactions_prepare`), then the rules of every
    transaction. A split transaction (its rows joined, `by_row` its errors
    per row) was checked whole when it was joined; rules fill none of its categories."""
    readable = [
        parsed.data for _, parsed, by_row in chunk if parsed.data is not None and by_row is None
    ]
    if readable:
        money_services.transactions_prepare(
            ledger=job.ledger, items=readable, defaults=parser.category_default
        )
        _payees_known(job.ledger, refs, readable)
    checked = []
    for line, parsed, by_row in chunk:
        if by_row is None:
            if parsed.data is None:
                errors = parsed.errors
            else:
                errors = parsed.errors or _field_errors(parsed.data, refs, tally.rules_memo)
            by_row = [(line, errors)] if errors else []
        else:
            errors = [e for _, row_errors in by_row for e in row_errors]
        checked.append((line, parsed, by_row, errors))
    _rates_check(job, checked, refs)
    for line, parsed, by_row, errors in checked:
        if len(tally.preview) < PREVIEW_ROWS:
            tally.preview.append(
                preview_row(
                    line,
                    parsed,
                    valid=not errors,
                    names_by_id=names_by_id,
                    currency=_row_currency(parsed, parser, refs),
                )
            )
        if errors:
            for row, row_errors in by_row:
                tally.error(row, row_errors)
            continue
        tally.valid += 1
        tally.dated(parsed.data["date"])
        # Kept whatever the other rows: a commit with skip_invalid imports the valid ones.
        tally.pending.append(_stored(line, parsed.data))
        if len(tally.pending) >= ROWS_PER_INSERT:
            _rows_store(job, tally.pending)
            tally.pending = []


def _row_currency(parsed: ParsedRow, parser: RowParser, refs: References) -> str:
    """The currency of a row's amount (SPEC §14): its wallet's (a transfer's from_wallet's),
    the ledger's without one; for a row that could not be read, that of the wallet its
    cells name, if any."""
    if parsed.data is not None:
        return tx_currency(parsed.data, refs.wallets, refs.base)
    cells = parsed.cells
    name = cells.get("wallet") or cells.get("from_wallet") or str(parser.options.wallet or "")
    wallet = parser.names.find("wallet", name) if name else None
    return (wallet.currency if wallet is not None else "") or refs.base


def _rates_check(job, checked: list[tuple], refs: References) -> None:
    """SPEC §14: a valid row in another currency without base_amount needs a rate of its
    date; one lookup for the chunk (on copies: the commit converts again), a row error
    without one."""
    # Only a row in another currency than the ledger's can lack a rate (the others' base
    # amount is their amount): the rest are not copied nor looked at.
    valid = [
        position
        for position, entry in enumerate(checked)
        if not entry[3] and tx_currency(entry[1].data, refs.wallets, refs.base) != refs.base
    ]
    if not valid:
        return
    copies = [dict(checked[position][1].data) for position in valid]
    for copy in copies:
        copy.pop("splits", None)
    found = base_amounts_fill(
        ledger_id=job.ledger_id, base=job.ledger.currency, items=copies, wallets=refs.wallets
    )
    for index, error in found:
        line, parsed, _, _ = checked[valid[index]]
        checked[valid[index]] = (line, parsed, [(line, [error])], [error])


def _payees_known(ledger: Ledger, refs: References, items: list[dict[str, Any]]) -> None:
    """The payees a rule gave rows (by id), for the reference check."""
    ids = {item["payee"] for item in items if item.get("payee")} - set(refs.payees)
    if ids:
        refs.payees.update((p.pk, p) for p in Payee.objects.filter(ledger=ledger, pk__in=ids))


def _invalid_rows(job: ImportJob) -> str:
    bad = job.total_rows - job.valid_rows
    return (
        f"{bad} of {job.total_rows} row{'s' if job.total_rows > 1 else ''} "
        f"{'are' if bad > 1 else 'is'} invalid"
    )


def _finish_check(job: ImportJob, tally: _Tally) -> None:
    """The job's status and lists: `invalid` only when no row is valid; else `validated`,
    with every error listed and the duplicates of the valid rows (SPEC §11)."""
    job.total_rows, job.valid_rows = tally.total, tally.valid
    job.error_count, job.errors = tally.error_count, tally.errors
    if not tally.valid:
        job.status = ImportStatus.INVALID
        job.detail = f"{_invalid_rows(job)}; correct the file and upload it again."
    else:
        job.total = tally.valid
        job.duplicate_count = duplicates.duplicates_mark(
            job=job, first=tally.first, last=tally.last
        )
        job.duplicates = [
            {"row": line, "transaction": str(tx_id)}
            for line, tx_id in ImportRow.objects.filter(job=job, duplicate_of__isnull=False)
            .order_by("line")
            .values_list("line", "duplicate_of")[:LIST_LIMIT]
        ]
        duplicate_of = {d["row"]: d["transaction"] for d in job.duplicates}
        for row in tally.preview:
            row["duplicate"] = duplicate_of.get(row["row"])
        job.detail = f"{tally.valid} row{'s are' if tally.valid > 1 else ' is'} ready to import."
        if tally.error_count:
            job.detail += (
                f" {_invalid_rows(job)}: commit with skip_invalid to import the valid rows "
                "only, or correct the file and upload it again."
            )
    job.preview = tally.preview
    job.save()


# --- Committing -----------------------------------------------------------------------------


def _locked(job: ImportJob) -> ImportJob:
    """The job re-read under a row lock. On PostgreSQL a worker running the import holds
    that lock, so instead of waiting for it this answers 409 at once."""
    locked = ImportJob.objects.select_for_update(skip_locked=True).filter(pk=job.pk).first()
    if locked is None:
        raise _state_conflict("This import is running; wait until it is done.")
    return locked


def import_commit(
    *, job: ImportJob, skip_duplicates: bool, skip_invalid: bool = False
) -> ImportJob:
    """Queues the worker for a validated job (or for a running one whose worker stopped).
    A file with invalid rows needs `skip_invalid`: the caller says they want the rest."""
    with transaction.atomic():
        job = _locked(job)
        if job.status == ImportStatus.RUNNING and not is_stale(job):
            raise _state_conflict("This import is already running.")
        if job.status not in (ImportStatus.VALIDATED, ImportStatus.RUNNING):
            raise _state_conflict(_not_committable(job))
        if (
            job.status == ImportStatus.VALIDATED
            and job.valid_rows < job.total_rows
            and not (skip_invalid)
        ):
            raise Conflict(
                f"{_invalid_rows(job)}; commit with skip_invalid to import the "
                f"{job.valid_rows} valid one{'s' if job.valid_rows != 1 else ''} only.",
                code="invalid_rows",
            )
        _queue(job, skip_duplicates=skip_duplicates)
    return job


def _queue(job: ImportJob, *, skip_duplicates: bool) -> None:
    """Marks the job running under a new run id and queues its task when the current
    database transaction commits."""
    rows = ImportRow.objects.filter(job=job)
    if skip_duplicates:
        rows = rows.filter(duplicate_of__isnull=True)
    job.status = ImportStatus.RUNNING
    job.skip_duplicates = skip_duplicates
    job.total = rows.count()
    job.run_id = uuid.uuid4()
    job.attempts += 1
    job.started_at = timezone.now()
    job.finished_at = None
    job.detail = f"Importing {job.total} row{'s' if job.total != 1 else ''}."
    job.save()
    enqueue_on_commit(
        "budget.exchange.tasks.import_run_task",
        str(job.pk),
        str(job.run_id),
        task_name=f"import {job.pk}",
    )


def _not_committable(job: ImportJob) -> str:
    return {
        ImportStatus.INVALID: "This file has invalid rows; correct it and upload it again.",
        ImportStatus.DONE: "This import is already done.",
        ImportStatus.FAILED: f"This import failed ({job.detail}); upload the file again.",
        ImportStatus.UNDONE: "This import was undone; upload the file again to import it anew.",
        ImportStatus.UNDOING: "This import is being undone; upload the file again afterwards.",
    }.get(job.status, f"An import that is {job.status} cannot be committed.")


class _ImportFailed(Exception):
    def __init__(self, detail: str, errors: list[dict[str, Any]], count: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.count = count


def _job_claimed(job_id: UUID, run_id: UUID, status: str) -> ImportJob | None:
    """The job's row, locked, while it is still `status` under `run_id` (else None: another
    run took it over, or it ended). Only the job's row: PostgreSQL refuses FOR UPDATE on the
    nullable side of an outer join; the job's author is read when the activity entry is
    written."""
    job = (
        ImportJob.objects.select_for_update(of=("self",))
        .select_related("ledger")
        .filter(pk=job_id)
        .first()
    )
    if job is None or job.status != status or job.run_id != run_id:
        return None
    return job


def import_run(*, job_id: UUID, run_id: UUID) -> str:
    """The worker's part: inserts every row of the job in one database transaction.

    Safe to run twice: it only acts on a job that is running under `run_id`, and holds the
    job's row lock throughout, so a second worker waits and then finds the job done.

    The ledger's row lock (which every write to the ledger waits for) is taken only for
    the last step: the rows are checked and COPYed without it, then, under it, the
    references they use are read again (a wallet archived meanwhile fails the import as
    the check would have) and both rollups get the rows in grouped SQL (`rollup_add`)."""
    try:
        with transaction.atomic():
            job = _job_claimed(job_id, run_id, ImportStatus.RUNNING)
            if job is None:
                return "skipped"
            progress_set(job_id=job_id, run_id=run_id, processed=0)
            if job.skip_duplicates:
                job.total = duplicates.duplicates_refresh(job=job)
            _constraints_now()
            if SET_BASED and commit_sql.set_based(job):
                created, seen = _rows_insert_sql(job, run_id)
            else:
                created, seen = _rows_insert(job, run_id)
            legs = GroupedLegs(transactions=Transaction.objects.filter(import_job=job))
            locked_at = time.monotonic()
            ledger_lock(ledger_ids=[job.ledger_id])
            if isinstance(seen, list):  # written in SQL: the same rows checked under the lock
                _references_check(job, seen)
            elif _references_changed(seen):
                _rows_recheck(job)
            legs.apply()
            ImportRow.objects.filter(job=job)._raw_delete(ImportRow.objects.db)
            job.status = ImportStatus.DONE
            job.created_count = created
            job.finished_at = timezone.now()
            job.detail = f"{created} transaction{'s were' if created != 1 else ' was'} imported."
            job.save()
            # One entry for the whole file, in the name of who started it.
            with activity.acting_as(job.created_by, "import"):
                activity.record(
                    ledger_id=job.ledger_id,
                    action="import",
                    object_type="import",
                    object_id=job.pk,
                    summary=job.filename or "import",
                    count=created,
                )
            import_finished.send(sender=ImportJob, ledger_id=job.ledger_id, job=job)
        logger.info(
            "Import %s: %d rows; the ledger was locked for %.2f s",
            job_id,
            created,
            time.monotonic() - locked_at,
        )
    except _ImportFailed as failure:
        _failed(job_id, run_id, failure.detail, failure.errors, failure.count)
        return "failed"
    except Exception:
        logger.exception("Import %s failed", job_id)
        _failed(job_id, run_id, "The import failed on the server; nothing was imported.", [], 0)
        return "failed"
    if created >= settings.IMPORT_ANALYZE_ROWS:
        statistics_refresh()
    progress_set(job_id=job_id, run_id=run_id, processed=created)
    return "done"


def statistics_refresh() -> None:
    """ANALYZE the transactions after a large import, on PostgreSQL: until autovacuum does
    (within minutes, or never where it is off), the planner sees the ledger as it was and
    picks plans for a few rows (the next file's duplicate search by bank id walked the
    ledger once per row). Takes a sample, so about a second even for millions of rows."""
    if connection.vendor != "postgresql":
        return
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE money_transaction")
    logger.info("Statistics of money_transaction refreshed in %.2f s", time.monotonic() - started)


def _constraints_now() -> None:
    """PostgreSQL checks the foreign keys of 100 000 new rows as they are written rather
    than at the commit (Django makes them deferred), which would hold the ledger lock for
    seconds more."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _splits_read(data: dict[str, Any]) -> dict[str, Any]:
    """A stored row's split lines and SPEC §14 amounts as Decimal again."""
    read = {name: Decimal(data[name]) for name in CURRENCY_AMOUNTS if data.get(name)}
    if not data.get("splits"):
        return read
    lines = [{**line, "amount": Decimal(line["amount"])} for line in data["splits"]]
    return {**read, "splits": lines}


def stored_item(job: ImportJob, row: tuple) -> dict[str, Any]:
    """A stored row (date, kind, amount, description, external_id, data) as the input of
    `transactions_insert`."""
    day, kind, amount, description, external_id, data = row
    return {
        **data,
        **_splits_read(data),
        "date": day,
        "kind": kind,
        "amount": amount,
        "description": description,
        "external_id": external_id,
        "import_job": job.pk,
    }


def _chunks(job: ImportJob) -> Iterator[tuple[list[int], list[dict[str, Any]]]]:
    """The job's stored rows to insert, COMMIT_CHUNK at a time: their lines, and their
    input as `transactions_insert` takes it."""
    rows = ImportRow.objects.filter(job=job)
    if job.skip_duplicates:
        rows = rows.filter(duplicate_of__isnull=True)
    stream = (
        rows.order_by("line")
        .values_list("line", "date", "kind", "amount", "description", "external_id", "data")
        .iterator(chunk_size=COMMIT_CHUNK)
    )
    while chunk := list(islice(stream, COMMIT_CHUNK)):
        lines = [line for line, *_ in chunk]
        yield lines, [stored_item(job, row) for _, *row in chunk]


def _no_longer_valid(errors: list[dict[str, Any]], lines: list[int]) -> _ImportFailed:
    errors = [{**e, "row": lines[e["row"]]} for e in errors]
    bad = len({e["row"] for e in errors})
    return _ImportFailed(
        f"{bad} row{'s' if bad != 1 else ''} no longer pass the checks (e.g. a wallet "
        "was archived since the file was checked); nothing was imported.",
        errors[:LIST_LIMIT],
        len(errors),
    )


def _rows_insert(job: ImportJob, run_id: UUID) -> tuple[int, References]:
    """Checks and inserts the rows, chunk by chunk, with the rules every new transaction
    follows (`transactions_insert`; what the rules of §12 filled in ran at the check:
    what the preview showed is imported); returns how many, and every wallet, bucket and
    category they refer to as they were read."""
    created, seen = 0, References()
    for lines, items in _chunks(job):
        try:
            txs, _, refs = money_services.transactions_insert(
                ledger=job.ledger, items=items, bulk=True
            )
        except Invalid as error:
            raise _no_longer_valid(error.errors or [], lines) from error
        for group in ("wallets", "buckets", "categories"):
            getattr(seen, group).update(getattr(refs, group))
        money_services.transactions_allocate_later(txs)
        money_services.transactions_created(ledger_id=job.ledger_id, txs=txs)
        created += len(txs)
        progress_set(job_id=job.pk, run_id=run_id, processed=created)
    return created, seen


def _rows_insert_sql(job: ImportJob, run_id: UUID) -> tuple[int, list[tuple[int, dict]]]:
    """The rows inserted in SQL (`commit_sql`): the references checked first (a row per
    distinct set), then one INSERT … SELECT; the new incomes queued for their split and
    the watchers told. Returns those rows, which the lock checks again (the stored rows
    and their payees do not change meanwhile: the job's row is locked)."""
    payees = commit_sql.payees_of(job)
    representatives = commit_sql.representatives(job, payees)
    _references_check(job, representatives)
    created, after = 0, 0
    # COMMIT_CHUNK rows a statement, for the progress.
    for upto in commit_sql.chunk_ends(job, COMMIT_CHUNK):
        created += commit_sql.rows_copy(job, payees, after=after, upto=upto)[0]
        after = upto
        progress_set(job_id=job.pk, run_id=run_id, processed=created)
    pending = commit_sql.pending_incomes(job)
    for start in range(0, len(pending), COMMIT_CHUNK):
        money_services.incomes_allocate_later(pending[start : start + COMMIT_CHUNK])
    money_services.transactions_created(
        ledger_id=job.ledger_id, txs=commit_sql.written_stand_ins(job)
    )
    return created, representatives


def _references_check(job: ImportJob, representatives: list[tuple[int, dict]]) -> None:
    """The rules on a row per distinct set of references (`commit_sql.representatives`);
    when one fails, every row is checked so that the failure names each (else it names the
    ones found)."""
    errors = commit_sql.references_errors(job, representatives)
    if errors:
        _rows_recheck(job)
        bad = len({e["row"] for e in errors})
        raise _ImportFailed(
            f"{bad} row{'s' if bad != 1 else ''} no longer pass the checks; nothing was imported.",
            errors[:LIST_LIMIT],
            len(errors),
        )


def _references_changed(seen: References) -> bool:
    """Whether a wallet, bucket or category the rows refer to was archived, deleted or
    given another type since they were checked (read under the ledger lock, which those
    changes take too)."""

    def state(objects) -> dict[UUID, tuple]:
        return {o.pk: (o.archived, getattr(o, "type", None)) for o in objects}

    return any(
        state(model.objects.filter(pk__in=list(known))) != state(known.values())
        for model, known in (
            (Wallet, seen.wallets),
            (Bucket, seen.buckets),
            (Category, seen.categories),
        )
        if known
    )


def _rows_recheck(job: ImportJob) -> None:
    """The rows checked again by the same rules, against the references as they are now;
    the import fails naming each row that no longer passes."""
    for lines, items in _chunks(job):
        _, errors = batch_errors(ledger=job.ledger, items=items, rows=list(range(len(items))))
        if errors:
            raise _no_longer_valid(errors, lines)


def _failed(
    job_id: UUID, run_id: UUID, detail: str, errors: list[dict[str, Any]], count: int
) -> None:
    with transaction.atomic():
        failed = ImportJob.objects.filter(
            pk=job_id, run_id=run_id, status=ImportStatus.RUNNING
        ).update(
            status=ImportStatus.FAILED,
            detail=detail,
            errors=errors,
            error_count=count,
            finished_at=timezone.now(),
        )
        if failed:
            job = ImportJob.objects.get(pk=job_id)
            import_finished.send(sender=ImportJob, ledger_id=job.ledger_id, job=job)


# --- Undoing and discarding -----------------------------------------------------------------


UNDO_BATCH = 50_000  # transactions an undo removes per database transaction


def import_delete(*, job: ImportJob) -> ImportJob | None:
    """Undoes a done import (the job stays, `undone`), or discards any other job, except
    one that is running. An import of at most IMPORT_UNDO_SYNC_ROWS transactions is undone
    at once (None: 204); a larger one is queued for a worker and the job, now `undoing`,
    is answered (202) for its progress. Asking again while it undoes answers the job."""
    with transaction.atomic():
        job = _locked(job)
        if job.status == ImportStatus.RUNNING and not is_stale(job):
            raise _state_conflict("This import is running; wait until it is done, then undo it.")
        if job.status == ImportStatus.UNDOING:
            if is_stale(job):
                _undo_queue(job)
            return job
        if job.status != ImportStatus.DONE:
            job.delete()
            return None
        remaining = Transaction.objects.filter(import_job=job).count()
        if remaining > settings.IMPORT_UNDO_SYNC_ROWS:
            job.total = remaining
            _undo_queue(job)
            return job
        removed = money_services.transactions_delete(ledger=job.ledger, filters=Q(import_job=job))
        _undone(job, removed)
    return None


def _undo_queue(job: ImportJob) -> None:
    """Marks the job `undoing` under a new run id and queues the worker on commit, in the
    name of who asks (the sweep: the system)."""
    actor = activity.actor()
    job.status = ImportStatus.UNDOING
    job.run_id = uuid.uuid4()
    job.started_at = timezone.now()
    job.detail = f"Removing {job.total} transaction{'s' if job.total != 1 else ''}."
    job.save()
    enqueue_on_commit(
        "budget.exchange.tasks.import_undo_task",
        str(job.pk),
        str(job.run_id),
        str(actor.user_id) if actor.user_id else None,
        actor.via,
        task_name=f"undo import {job.pk}",
    )


def _undone(job: ImportJob, removed: int) -> None:
    job.status = ImportStatus.UNDONE
    job.finished_at = timezone.now()
    job.detail = f"Undone: {removed} transaction{'s were' if removed != 1 else ' was'} removed."
    job.save()
    activity.record(
        ledger_id=job.ledger_id,
        action="undo",
        object_type="import",
        object_id=job.pk,
        summary=job.filename or "import",
        count=removed,
    )


def _undo_batch(job: ImportJob) -> Q:
    """The next batch of an undo: the job's transactions up to the day of its UNDO_BATCH-th
    by date (all that are left when fewer), so at least UNDO_BATCH, more when that day has
    more. By date, each batch touches its own days and months of the rollups; by a date
    bound rather than `pk IN (… ORDER BY date LIMIT n)`, each statement of the delete reads
    the job's rows by its index once instead of sorting them again (issue 21: about 0.25 s
    a statement for 100 000 rows)."""
    rows = Transaction.objects.filter(import_job=job)
    last = rows.order_by("date").values_list("date", flat=True)[UNDO_BATCH - 1 : UNDO_BATCH]
    day = next(iter(last), None)
    return Q(import_job=job) if day is None else Q(import_job=job, date__lte=day)


def import_undo(
    *, job_id: UUID, run_id: UUID, user_id: UUID | None = None, via: str = "worker"
) -> str:
    """The worker's part of an undo: removes the import's transactions UNDO_BATCH at a
    time, each batch in its own database transaction (its rollup taken off in grouped SQL,
    the ledger locked for that batch only), writing the progress after each. A worker
    stopped half-way leaves the job `undoing` with fewer transactions; the sweep, or
    another DELETE, queues it again and it goes on where it stopped."""
    user = User.objects.filter(pk=user_id).first() if user_id else None
    with activity.acting_as(user, via):
        while True:
            with transaction.atomic():
                job = _job_claimed(job_id, run_id, ImportStatus.UNDOING)
                if job is None:
                    return "skipped"
                removed = money_services.transactions_delete(
                    ledger=job.ledger, filters=_undo_batch(job)
                )
                left = Transaction.objects.filter(import_job=job).count() if removed else 0
                if not left:
                    _undone(job, job.total)
            progress_set(job_id=job_id, run_id=run_id, processed=job.total - left)
            if not left:
                return "done"


# --- The sweep --------------------------------------------------------------------------------


def import_jobs_sweep() -> dict[str, int]:
    """The scheduled job (every few minutes): queues again every running import whose
    worker stopped (stale), so a killed worker delays an import but loses nothing; and
    discards jobs never committed (or failed) after IMPORT_KEEP_DAYS, with their rows."""
    restarted = 0
    for job in ImportJob.objects.filter(status=ImportStatus.UNDOING).order_by("started_at"):
        if not is_stale(job):
            continue
        with transaction.atomic():
            locked = (
                ImportJob.objects.select_for_update(skip_locked=True)
                .filter(pk=job.pk, status=ImportStatus.UNDOING, run_id=job.run_id)
                .first()
            )
            if locked is not None:
                _undo_queue(locked)
                restarted += 1
    for job in ImportJob.objects.filter(status=ImportStatus.RUNNING).order_by("started_at"):
        if not is_stale(job):
            continue
        with transaction.atomic():
            locked = (
                ImportJob.objects.select_for_update(skip_locked=True)
                .filter(pk=job.pk, status=ImportStatus.RUNNING, run_id=job.run_id)
                .first()
            )
            if locked is None:  # taken meanwhile by a live worker, or a commit
                continue
            if locked.attempts >= MAX_ATTEMPTS:
                _failed(
                    locked.pk,
                    locked.run_id,
                    f"The import's worker stopped {locked.attempts} times before it was done "
                    "(too slow for the task timeout, or out of memory?); nothing was imported. "
                    "Split the file and upload the parts.",
                    [],
                    0,
                )
                continue
            _queue(locked, skip_duplicates=locked.skip_duplicates)
            restarted += 1
    cutoff = timezone.now() - timedelta(days=settings.IMPORT_KEEP_DAYS)
    _, deleted = ImportJob.objects.filter(
        status__in=[ImportStatus.VALIDATED, ImportStatus.INVALID, ImportStatus.FAILED],
        created_at__lt=cutoff,
    ).delete()
    return {"restarted": restarted, "discarded": deleted.get(ImportJob._meta.label, 0)}
