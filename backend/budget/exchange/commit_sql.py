"""The commit of an import in SQL (PostgreSQL): the checked rows (`ImportRow`) become
transactions and split lines with one INSERT … SELECT, instead of being read back, turned
into dicts and model instances and COPYed (about 100 µs of Python a row).

What the per-row path (`transactions_insert`) does to each row is done here set-wise:

- payees by name (SPEC §12): resolved once per distinct name (`payees_resolve`), handed to
  the INSERT as a JSON object name → id;
- the rules of every transaction: the rows passed them at the check; what can have changed
  since is the references (a wallet archived or deleted, a category's type), so the rules
  run again on one row per distinct set of references (`references_errors`) — a few
  hundred rows for 100 000 — and only when one fails are all rows checked to name them;
- base amounts (SPEC §14): only a job whose wallets are all in the ledger's currency is
  committed here (base amount = amount, split lines likewise); any other goes the per-row
  way, which looks the rates up;
- stored bucket and allocation status: as `transaction_defaults`.

SQLite, and jobs in other currencies, keep the per-row path; both give the same rows
(tests: test_import_commit_sql).
"""

import json
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models.functions import TruncMonth

from budget.common.money import MoneyField
from budget.exchange.models import ImportJob, ImportRow
from budget.money import services as money_services
from budget.money.models import (
    AllocationStatus,
    Kind,
    Transaction,
    TransactionSplit,
    Wallet,
)
from budget.money.rules import batch_errors

# Read the rows of a job where the import reads them; the commit's Python path too.
REFERENCE_KEYS = (
    "wallet",
    "bucket",
    "category",
    "from_wallet",
    "to_wallet",
    "from_bucket",
    "to_bucket",
    "payee",
)


def _rows_where(job: ImportJob) -> tuple[str, list[Any]]:
    where = "r.job_id = %s"
    if job.skip_duplicates:
        where += " AND r.duplicate_of IS NULL"
    return where, [job.pk]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def set_based(job: ImportJob) -> bool:
    """Whether the job can be committed in SQL: PostgreSQL, and every wallet its rows name
    in the ledger's currency (then each base amount is the amount)."""
    if connection.vendor != "postgresql":
        return False
    where, params = _rows_where(job)
    rows = _table(ImportRow)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT EXISTS (
                SELECT 1 FROM {_table(Wallet)} w WHERE w.currency <> %s AND w.id IN (
                    SELECT r.wallet_id FROM {rows} r WHERE {where}
                    UNION SELECT (r.data->>'to_wallet')::uuid FROM {rows} r
                    WHERE {where} AND r.data ? 'to_wallet'
                )
            )""",
            [job.ledger.currency, *params, *params],
        )
        return not cursor.fetchone()[0]


def payees_of(job: ImportJob) -> dict[str, str | None]:
    """Each distinct payee name of the rows → its payee's id (created when new), as
    `payees_resolve` gives it to a row."""
    where, params = _rows_where(job)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT r.data->>'payee_name' FROM {_table(ImportRow)} r "
            f"WHERE {where} AND r.data->>'payee_name' IS NOT NULL",
            params,
        )
        items = [{"payee_name": name} for (name,) in cursor.fetchall()]
    money_services.payees_resolve(ledger=job.ledger, items=items)
    return {
        item["payee_name"]: None if item["payee"] is None else str(item["payee"]) for item in items
    }


def representatives(job: ImportJob, payees: dict[str, str | None]) -> list[dict[str, Any]]:
    """One row (its input, as the per-row path reads it) per distinct kind, references and
    split lines among the job's rows; their lines as `row`."""
    from budget.exchange.import_services import stored_item

    where, params = _rows_where(job)
    keys = ["r.kind", *(f"r.data->>'{key}'" for key in REFERENCE_KEYS), "r.data->'splits'"]
    rows = _table(ImportRow)
    with connection.cursor() as cursor:
        # Grouped (hashed), not DISTINCT ON: that sorted 100 000 rows by ten keys. The
        # first lines are gathered once (MATERIALIZED), then each one's row read by the
        # index (LATERAL … LIMIT 1, which the planner cannot turn into a join the other way
        # round): as `line IN (subquery)`, statistics taken while the table held other
        # jobs' rows (autovacuum's, after another file was checked) made the planner expect
        # one row of this job and group all of them again for each row (minutes for
        # 100 000 rows; issue 21).
        cursor.execute(
            f"WITH firsts AS MATERIALIZED (SELECT MIN(r.line) AS line FROM {rows} r "
            f"WHERE {where} GROUP BY {', '.join(keys)}) "
            f"SELECT r.line, r.date, r.kind, r.amount, r.description, r.external_id, r.data "
            f"FROM firsts f CROSS JOIN LATERAL (SELECT * FROM {rows} r "
            f"WHERE r.job_id = %s AND r.line = f.line LIMIT 1) r ORDER BY r.line",
            [*params, job.pk],
        )
        amount = ImportRow._meta.get_field("amount")
        found = []
        for line, day, kind, units, description, external_id, data in cursor.fetchall():
            value = amount.from_db_value(units, None, connection)
            data = json.loads(data) if isinstance(data, str) else data  # Django reads jsonb raw
            item = stored_item(job, (day, kind, value, description, external_id, data))
            if item.get("payee_name") is not None:
                item["payee"] = payees.get(item["payee_name"])
            item.pop("payee_name", None)
            found.append((line, item))
    return found


def references_errors(
    job: ImportJob, found: list[tuple[int, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The rules of every transaction on one row per distinct set of references (`found`:
    `representatives`): the errors (`row`: the line) that a reference changed since the
    check now causes."""
    if not found:
        return []
    _, errors = batch_errors(
        ledger=job.ledger, items=[item for _, item in found], rows=[line for line, _ in found]
    )
    return errors


def _units(text: str) -> str:
    """SQL: a decimal written in the row's JSON as a MoneyField stores it."""
    return f"ROUND(({text})::numeric * {10**MoneyField.SCALE})::bigint"


def _uuid(key: str, row: str = "s.data") -> str:
    return f"({row}->>'{key}')::uuid"


def chunk_ends(job: ImportJob, size: int) -> list[int]:
    """The last line of each run of `size` rows of the job (the last one's too): the commit
    writes a run a statement, for its progress. By line ranges, not LIMIT: the rows were
    just COPYed, without statistics, and a LIMIT made the planner sort all of them."""
    where, params = _rows_where(job)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.line FROM {_table(ImportRow)} r WHERE {where} ORDER BY r.line", params
        )
        lines = [line for (line,) in cursor.fetchall()]
    ends = lines[size - 1 :: size]
    if lines and (not ends or ends[-1] != lines[-1]):
        ends.append(lines[-1])
    return ends


def rows_copy(
    job: ImportJob, payees: dict[str, str | None], *, after: int, upto: int
) -> tuple[int, int]:
    """Inserts the job's rows of lines `after` < line <= `upto` as transactions (and their
    split lines) with one statement; (transactions, lines) written."""
    system = job.ledger.buckets.get(is_system=True).pk
    income, expense, adjustment = Kind.INCOME.value, Kind.EXPENSE.value, Kind.ADJUSTMENT.value
    pending, none = AllocationStatus.PENDING.value, AllocationStatus.NOT_APPLICABLE.value
    params: dict[str, Any] = {
        "job": job.pk,
        "ledger": job.ledger_id,
        "system": system,
        "currency": job.ledger.currency,
        "payees": json.dumps(payees),
        "after": after,
        "upto": upto,
    }
    # Each column of a transaction ← its value from the row `s` (see transaction_defaults).
    tx_values = {
        "id": "s.tx_id",
        "ledger_id": "%(ledger)s",
        "kind": "s.kind",
        "date": "s.date",
        "amount": "s.amount",
        "description": "s.description",
        "notes": "COALESCE(s.data->>'notes', '')",
        "tags": "COALESCE(s.data->'tags', '[]'::jsonb)",
        "allocation_status": f"CASE WHEN s.kind = '{income}' AND s.bucket IS NULL "
        f"THEN '{pending}' ELSE '{none}' END",
        # In the file's order, a microsecond apart, as the per-row path stamps them: lists
        # order a day's transactions by it.
        "created_at": "now() + s.line * interval '1 microsecond'",
        "updated_at": "now() + s.line * interval '1 microsecond'",
        "bucket_id": f"CASE WHEN s.kind IN ('{expense}', '{adjustment}') AND s.bucket IS NULL "
        "THEN %(system)s::uuid ELSE s.bucket END",
        **{f"{key}_id": _uuid(key) for key in REFERENCE_KEYS if key not in ("bucket", "payee")},
        "payee_id": "CASE WHEN s.data->>'payee_name' IS NOT NULL "
        "THEN (%(payees)s::jsonb ->> (s.data->>'payee_name'))::uuid "
        f"ELSE {_uuid('payee')} END",
        "recurring_id": "NULL",
        "recurring_date": "NULL",
        "import_job_id": "%(job)s",
        "group_expense_id": "NULL",
        "group_participant_id": "NULL",
        "external_id": "s.external_id",
        "currency": "%(currency)s",
        "base_amount": "s.amount",
        "to_amount": _units("s.data->>'to_amount'"),
        "foreign_amount": _units("s.data->>'foreign_amount'"),
        "foreign_currency": "COALESCE(s.data->>'foreign_currency', '')",
    }
    line_values = {
        "id": "gen_random_uuid()",
        "transaction_id": "s.tx_id",
        "ledger_id": "%(ledger)s",  # when the lines carry it too (issue 21)
        "category_id": _uuid("category", "l.line"),
        "bucket_id": _uuid("bucket", "l.line"),
        "amount": _units("l.line->>'amount'"),
        "base_amount": _units("l.line->>'amount'"),
        "description": "COALESCE(l.line->>'description', '')",
        "position": "l.n - 1",
    }
    where, _ = _rows_where(job)
    # The transactions go in by date (their created_at still follows the file): most of
    # their indexes are (ledger, …, date), which then take the entries in order instead of
    # all over (issue 21: about 0.6 s less for 100 000 rows of a file in no date order).
    tx_columns, tx_select = _columns(Transaction, tx_values)
    line_columns, line_select = _columns(TransactionSplit, line_values)
    sql = f"""
        WITH s AS MATERIALIZED (
            SELECT gen_random_uuid() AS tx_id, r.line, r.date, r.kind, r.amount,
                r.description, r.external_id, r.data, {_uuid("bucket", "r.data")} AS bucket
            FROM {_table(ImportRow)} r
            WHERE {where.replace("%s", "%(job)s")}
                AND r.line > %(after)s AND r.line <= %(upto)s
        ), txs AS (
            INSERT INTO {_table(Transaction)} ({tx_columns})
            SELECT {tx_select} FROM s ORDER BY s.date, s.line
            RETURNING 1
        ), lines AS (
            INSERT INTO {_table(TransactionSplit)} ({line_columns})
            SELECT {line_select}
            FROM s CROSS JOIN LATERAL jsonb_array_elements(s.data->'splits')
                WITH ORDINALITY AS l(line, n)
            WHERE jsonb_typeof(s.data->'splits') = 'array'
            RETURNING 1
        )
        SELECT (SELECT COUNT(*) FROM txs), (SELECT COUNT(*) FROM lines)"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created, lines = cursor.fetchone()
    return created, lines


def _columns(model, values: dict[str, str]) -> tuple[str, str]:
    """The model's columns and their values in the same order; every column needs one (a
    field added to the model and not here fails loudly, not silently empty)."""
    fields = model._meta.concrete_fields
    missing = [f.attname for f in fields if f.attname not in values]
    if missing:
        raise RuntimeError(f"No value for {model.__name__}.{', '.join(missing)} in commit_sql.")
    qn = connection.ops.quote_name
    return (
        ", ".join(qn(f.column) for f in fields),
        ", ".join(values[f.attname] for f in fields),
    )


def pending_incomes(job: ImportJob) -> list[UUID]:
    return list(
        Transaction.objects.filter(
            import_job=job, allocation_status=AllocationStatus.PENDING
        ).values_list("pk", flat=True)
    )


def written_stand_ins(job: ImportJob) -> list[Transaction]:
    """For the receivers of `transactions_written` (budgets: the months spent in;
    webhooks skip imports): one unsaved transaction per distinct kind and month of the
    import (dated the month's first day), with its ledger and job, rather than 100 000
    instances."""
    pairs = (
        Transaction.objects.filter(import_job=job)
        .annotate(month=TruncMonth("date"))
        .order_by()
        .values_list("kind", "month")
        .distinct()
    )
    return [
        Transaction(ledger_id=job.ledger_id, import_job_id=job.pk, kind=kind, date=month)
        for kind, month in pairs
    ]
