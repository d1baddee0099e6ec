"""The monthly rollup: every movement of money, summed per ledger, month, kind, wallet,
bucket and category, kept in step with each write in the same database transaction; and
the daily rollup: the income and expense movements per ledger, day, kind, wallet and
bucket, for the monthly report's days, written by the same function.

A transaction becomes "legs": signed changes to one wallet and/or one bucket. Writes call
`rollup_apply(plus=legs after, minus=legs before)`; the net change is upserted with
ON CONFLICT … DO UPDATE in a fixed key order, so concurrent writers cannot deadlock.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

from django.db import connection, transaction
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth

from budget.common.money import ZERO, MoneyField
from budget.ledgers.services import ledger_lock, ledger_version_bump
from budget.money.models import (
    NONE_ID,
    Allocation,
    AllocationStatus,
    Bucket,
    DailyRollup,
    Kind,
    Rollup,
    Transaction,
    TransactionSplit,
)


class Leg(NamedTuple):
    ledger_id: UUID
    month: date
    kind: str
    wallet_id: UUID
    bucket_id: UUID
    category_id: UUID
    amount: Decimal
    day: date

    @property
    def key(self) -> tuple:
        """The leg's monthly rollup key."""
        return (
            self.ledger_id,
            self.month,
            self.kind,
            self.wallet_id,
            self.bucket_id,
            self.category_id,
        )


# The kinds the daily rollup keeps: the monthly report's days are income and expense.
DAILY_KINDS = (Kind.INCOME, Kind.EXPENSE)
DAILY_KEY = ["ledger_id", "date", "kind", "wallet_id", "bucket_id"]
MONTHLY_KEY = ["ledger_id", "month", "kind", "wallet_id", "bucket_id", "category_id"]


class Line(NamedTuple):
    """One line of a split transaction, as its legs need it (bucket None: the transaction's)."""

    category_id: UUID
    bucket_id: UUID | None
    amount: Decimal


def transaction_legs(
    tx: Transaction,
    *,
    system_bucket_id: UUID,
    allocations: dict[UUID, Decimal] | None = None,
    lines: list[Line] | None = None,
) -> list[Leg]:
    """The balance changes `tx` makes. `allocations` are its split parts when it is an
    allocated income; `lines` its split lines (SPEC §13), if it has any."""
    month = tx.date.replace(day=1)
    category = tx.category_id or NONE_ID

    def leg(
        wallet: UUID | None, bucket: UUID | None, amount: Decimal, category: UUID = category
    ) -> Leg:
        return Leg(
            tx.ledger_id,
            month,
            tx.kind,
            wallet or NONE_ID,
            bucket or NONE_ID,
            category,
            amount,
            tx.date,
        )

    if lines:
        return _split_legs(tx, leg, system_bucket_id, allocations or {}, lines)
    if tx.kind == Kind.INCOME:
        if tx.bucket_id:
            return [leg(tx.wallet_id, tx.bucket_id, tx.amount)]
        if tx.allocation_status == AllocationStatus.ALLOCATED:
            parts = allocations or {}
            rest = tx.amount - sum(parts.values(), Decimal("0.00"))
            legs = [leg(tx.wallet_id, bucket, part) for bucket, part in parts.items()]
            return [*legs, leg(tx.wallet_id, system_bucket_id, rest)] if rest else legs
        return [leg(tx.wallet_id, system_bucket_id, tx.amount)]  # pending: in Unallocated
    if tx.kind == Kind.EXPENSE:
        return [leg(tx.wallet_id, tx.bucket_id or system_bucket_id, -tx.amount)]
    if tx.kind == Kind.ADJUSTMENT:
        return [leg(tx.wallet_id, tx.bucket_id or system_bucket_id, tx.amount)]
    return [
        leg(tx.from_wallet_id, tx.from_bucket_id, -tx.amount),
        leg(tx.to_wallet_id, tx.to_bucket_id, tx.amount),
    ]


def _split_legs(tx, leg, system_bucket_id, parts: dict[UUID, Decimal], lines: list[Line]):
    """A split transaction counts each line in its own category.

    An expense line leaves its own bucket (else the transaction's). An income is allocated
    on its whole amount, which says how much each bucket got but not from which line: its
    lines enter the transaction's bucket (Unallocated while it has none), and each
    allocated part then moves from Unallocated to its bucket as two legs without a
    category. Wallets, buckets and categories each come out exact; the income total too,
    as the moves cancel out."""
    if tx.kind == Kind.EXPENSE:
        return [
            leg(
                tx.wallet_id,
                line.bucket_id or tx.bucket_id or system_bucket_id,
                -line.amount,
                line.category_id,
            )
            for line in lines
        ]
    bucket = tx.bucket_id or system_bucket_id
    legs = [leg(tx.wallet_id, bucket, line.amount, line.category_id) for line in lines]
    if tx.allocation_status == AllocationStatus.ALLOCATED:
        for target, part in parts.items():
            legs += [
                leg(tx.wallet_id, system_bucket_id, -part, NONE_ID),
                leg(tx.wallet_id, target, part, NONE_ID),
            ]
    return legs


def rollup_apply(*, plus: Iterable[Leg] = (), minus: Iterable[Leg] = ()) -> None:
    plus, minus = list(plus), list(minus)
    # The ledger row first, then rollup rows in key order: every writer locks in that order.
    ledger_version_bump(ledger_ids={leg.ledger_id for leg in (*plus, *minus)})
    monthly: dict[tuple, list] = defaultdict(lambda: [Decimal("0.00"), 0])
    daily: dict[tuple, list] = defaultdict(lambda: [Decimal("0.00"), 0])
    for sign, legs in ((1, plus), (-1, minus)):
        for leg in legs:
            entries = [monthly[leg.key]]
            if leg.kind in DAILY_KINDS:
                entries.append(
                    daily[leg.ledger_id, leg.day, leg.kind, leg.wallet_id, leg.bucket_id]
                )
            for entry in entries:
                entry[0] += sign * leg.amount
                entry[1] += sign
    _upsert(Rollup, MONTHLY_KEY, monthly)
    _upsert(DailyRollup, DAILY_KEY, daily)


def _upsert(model, key: list[str], net: dict[tuple, list]) -> None:
    """Adds each (amount, count) to its row of `model`, in key order (ON CONFLICT … DO UPDATE)."""
    rows = sorted((k, amount, count) for k, (amount, count) in net.items() if amount or count)
    if not rows:
        return
    fields = {f.attname: f for f in model._meta.concrete_fields}
    columns = [*key, "amount", "count"]
    table = model._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        f"amount = {table}.amount + EXCLUDED.amount, count = {table}.count + EXCLUDED.count"
    )
    params = [
        [
            fields[column].get_db_prep_save(value, connection)
            for column, value in zip(columns, (*k, amount, count), strict=True)
        ]
        for k, amount, count in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# --- Many transactions at once, in SQL ----------------------------------------------------

# The money columns a leg carries and both rollups sum, in one place: a column that
# transactions, split lines, allocations and the rollups all gain (a base-currency amount)
# is one more name here.
ROLLUP_VALUES = ("amount",)


def _legs_sql(rows: str) -> str:
    """Every leg of the transactions `rows` (a SELECT of their columns), as the rows
    (ledger_id, day, kind, wallet, bucket, category, <ROLLUP_VALUES>) of a CTE named
    `legs` — the same legs as `transaction_legs`, and `rollup_expected` checks both. Its
    parameters: NONE_ID, then those of `rows`."""
    qn = connection.ops.quote_name
    lines = qn(TransactionSplit._meta.db_table)
    parts, buckets = qn(Allocation._meta.db_table), qn(Bucket._meta.db_table)

    def values(sign: str, source: str) -> str:
        return ", ".join(f"{sign}{source}.{qn(column)} AS {qn(column)}" for column in ROLLUP_VALUES)

    def rest() -> str:  # what of an allocated income stays in Unallocated
        return ", ".join(
            f"t.{qn(c)} - COALESCE((SELECT SUM(a.{qn(c)}) FROM {parts} a "
            f"WHERE a.transaction_id = t.id), 0) AS {qn(c)}"
            for c in ROLLUP_VALUES
        )

    head = "SELECT t.ledger_id, t.day, t.kind"
    plain = "FROM t WHERE NOT t.split AND t.kind"
    income, expense = f"'{Kind.INCOME.value}'", f"'{Kind.EXPENSE.value}'"
    allocated = f"t.allocation_status = '{AllocationStatus.ALLOCATED.value}'"
    legs = [
        # An expense leaves its wallet and bucket (Unallocated when it has none).
        f"{head}, t.wallet, COALESCE(t.bucket_id, t.sys), t.category, {values('-', 't')} "
        f"{plain} = {expense}",
        f"{head}, t.wallet, COALESCE(t.bucket_id, t.sys), t.category, {values('', 't')} "
        f"{plain} = '{Kind.ADJUSTMENT.value}'",
        # An income into its bucket; else waiting in Unallocated; else as it was split.
        f"{head}, t.wallet, t.bucket_id, t.category, {values('', 't')} "
        f"{plain} = {income} AND t.bucket_id IS NOT NULL",
        f"{head}, t.wallet, t.sys, t.category, {values('', 't')} "
        f"{plain} = {income} AND t.bucket_id IS NULL AND NOT {allocated}",
        f"{head}, t.wallet, a.bucket_id, t.category, {values('', 'a')} "
        f"FROM t JOIN {parts} a ON a.transaction_id = t.id "
        f"WHERE NOT t.split AND t.kind = {income} AND t.bucket_id IS NULL AND {allocated}",
        f"SELECT * FROM (SELECT t.ledger_id, t.day, t.kind, t.wallet, t.sys AS bucket, t.category, "
        f"{rest()} {plain} = {income} AND t.bucket_id IS NULL AND {allocated}) r "
        f"WHERE r.{qn(ROLLUP_VALUES[0])} <> 0",
        # A transfer: out of one side, into the other.
        f"{head}, COALESCE(t.from_wallet_id, t.none_id), COALESCE(t.from_bucket_id, t.none_id), "
        f"t.category, {values('-', 't')} {plain} = '{Kind.TRANSFER.value}'",
        f"{head}, COALESCE(t.to_wallet_id, t.none_id), COALESCE(t.to_bucket_id, t.none_id), "
        f"t.category, {values('', 't')} {plain} = '{Kind.TRANSFER.value}'",
        # Split transactions (see _split_legs): a leg per line, in the line's category…
        f"{head}, t.wallet, COALESCE(l.bucket_id, t.bucket_id, t.sys), l.category_id, "
        f"{values('-', 'l')} FROM t JOIN {lines} l ON l.transaction_id = t.id "
        f"WHERE t.kind = {expense}",
        f"{head}, t.wallet, COALESCE(t.bucket_id, t.sys), l.category_id, {values('', 'l')} "
        f"FROM t JOIN {lines} l ON l.transaction_id = t.id WHERE t.kind = {income}",
        # …and each allocated part of a split income moves from Unallocated to its bucket.
        f"{head}, t.wallet, t.sys, t.none_id, {values('-', 'a')} "
        f"FROM t JOIN {parts} a ON a.transaction_id = t.id "
        f"WHERE t.split AND t.kind = {income} AND {allocated}",
        f"{head}, t.wallet, a.bucket_id, t.none_id, {values('', 'a')} "
        f"FROM t JOIN {parts} a ON a.transaction_id = t.id "
        f"WHERE t.split AND t.kind = {income} AND {allocated}",
    ]
    columns = ", ".join(qn(c) for c in ROLLUP_VALUES)
    return f"""
        WITH t AS (
            SELECT tx.id, tx.ledger_id, tx.{qn("date")} AS day, tx.kind, tx.bucket_id,
                tx.from_wallet_id, tx.to_wallet_id, tx.from_bucket_id, tx.to_bucket_id,
                tx.allocation_status, {", ".join(f"tx.{qn(c)}" for c in ROLLUP_VALUES)},
                COALESCE(tx.wallet_id, n.none_id) AS wallet,
                COALESCE(tx.category_id, n.none_id) AS category, n.none_id, sys.id AS sys,
                EXISTS (SELECT 1 FROM {lines} s WHERE s.transaction_id = tx.id) AS split
            FROM (SELECT %s AS none_id) n
            CROSS JOIN ({rows}) tx
            JOIN {buckets} sys ON sys.ledger_id = tx.ledger_id AND sys.is_system
        ), legs (ledger_id, day, kind, wallet, bucket, category, {columns}) AS (
            {" UNION ALL ".join(legs)}
        )"""


# The columns of a transaction its legs are made of.
_LEG_COLUMNS = (
    "id",
    "ledger_id",
    "date",
    "kind",
    "wallet_id",
    "bucket_id",
    "category_id",
    "from_wallet_id",
    "to_wallet_id",
    "from_bucket_id",
    "to_bucket_id",
    "allocation_status",
    *ROLLUP_VALUES,
)


class GroupedLegs:
    """The legs of many transactions (an import, its undo), summed per ledger, day, kind,
    wallet, bucket and category in grouped SQL into a temporary table; `apply` then adds
    them to (or takes them from) both rollups with one INSERT … SELECT … ON CONFLICT DO
    UPDATE each, in key order. Building each row's legs in Python cost seconds for 100 000.

    Gathering only reads, so it may run before the ledger lock is taken; `apply` bumps
    the ledger's version (taking that lock) and writes the few thousand sums. Gather after
    inserting the rows, or before deleting them; both in the same database transaction."""

    def __init__(self, *, transactions: QuerySet) -> None:
        rows, params = transactions.values(*_LEG_COLUMNS).query.sql_with_params()
        none = Rollup._meta.get_field("wallet_id").get_db_prep_value(NONE_ID, connection)
        qn = connection.ops.quote_name
        self.table = qn(f"rollup_legs_{uuid.uuid4().hex[:12]}")
        value_sums = ", ".join(f"SUM(legs.{qn(c)}) AS {qn(c)}" for c in ROLLUP_VALUES)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""CREATE TEMPORARY TABLE {self.table} AS {_legs_sql(rows)}
                SELECT ledger_id, day, kind, wallet, bucket, category,
                    {value_sums}, COUNT(*) AS n
                FROM legs GROUP BY ledger_id, day, kind, wallet, bucket, category""",
                [none, *params],
            )
            cursor.execute(f"SELECT DISTINCT ledger_id FROM {self.table}")
            self.ledger_ids = [row[0] for row in cursor.fetchall()]

    def apply(self, *, sign: int = 1) -> None:
        qn = connection.ops.quote_name
        month = (
            "CAST(DATE_TRUNC('month', day) AS date)"
            if connection.vendor == "postgresql"
            else "DATE(day, 'start of month')"
        )
        daily_kinds = ", ".join(f"'{kind.value}'" for kind in DAILY_KINDS)
        with connection.cursor() as cursor:
            if self.ledger_ids:
                # The ledger row first, then rollup rows in key order: as rollup_apply.
                ledger_version_bump(ledger_ids=self.ledger_ids)
            for model, period, key, only in (
                (Rollup, month, MONTHLY_KEY, ""),
                (DailyRollup, "day", DAILY_KEY, f"AND kind IN ({daily_kinds})"),
            ):
                if not self.ledger_ids:
                    break
                table = qn(model._meta.db_table)
                grouped = ["ledger_id", period, "kind", "wallet", "bucket", "category"]
                grouped = grouped[: len(key)]
                sums = ", ".join(f"{sign} * SUM({qn(c)})" for c in (*ROLLUP_VALUES, "n"))
                updates = ", ".join(
                    f"{qn(c)} = {table}.{qn(c)} + EXCLUDED.{qn(c)}"
                    for c in (*ROLLUP_VALUES, "count")
                )
                cursor.execute(
                    f"""INSERT INTO {table}
                        ({", ".join(qn(c) for c in (*key, *ROLLUP_VALUES, "count"))})
                    SELECT {", ".join(grouped)}, {sums} FROM {self.table}
                    WHERE 1 = 1 {only}
                    GROUP BY {", ".join(grouped)} ORDER BY {", ".join(grouped)}
                    ON CONFLICT ({", ".join(qn(c) for c in key)}) DO UPDATE SET {updates}"""
                )
            cursor.execute(f"DROP TABLE {self.table}")


def rollup_add(*, transactions: QuerySet, sign: int = 1) -> None:
    """Adds (`sign` 1) or takes away (-1) the legs of `transactions` to both rollups in
    grouped SQL (`GroupedLegs`)."""
    GroupedLegs(transactions=transactions).apply(sign=sign)


# --- Rebuilding from the rows ---------------------------------------------------------------

Key = tuple  # (ledger_id, month, kind, wallet_id, bucket_id, category_id)


def rollup_expected(
    *, ledger_ids: list[UUID], daily: bool = False
) -> dict[Key, tuple[Decimal, int]]:
    """The rollup recomputed from transactions and allocations by grouped SQL queries,
    independently of the incremental path: (amount, count) per key. `daily`: by day
    instead of month (the key's second part is then the date) and without categories."""
    period = F if daily else TruncMonth
    system = dict(
        Bucket.objects.filter(ledger_id__in=ledger_ids, is_system=True).values_list(
            "ledger_id", "pk"
        )
    )
    every = Transaction.objects.filter(ledger_id__in=ledger_ids)
    is_split = Exists(TransactionSplit.objects.filter(transaction=OuterRef("pk")))
    rows = every.filter(~is_split)
    month = period("date")
    expected: dict[Key, list] = defaultdict(lambda: [Decimal("0.00"), 0])

    def add(
        queryset,
        *,
        wallet: str,
        bucket: str | None,
        sign: int = 1,
        kind: str | None = None,
        amount: str = "amount",
        month_of=month,
        category: str | None = "category_id",
        ledger: str = "ledger_id",
    ):
        if daily:  # the daily rollup has no category: fewer groups to read
            category = None
        grouped = queryset.annotate(m=month_of).values(
            ledger,
            "m",
            wallet,
            *([bucket] if bucket else []),
            *([category] if category else []),
            *([] if kind else ["kind"]),
        )
        for row in grouped.annotate(total=Sum(amount), n=Count("pk")).order_by():
            key = (
                row[ledger],
                row["m"],
                kind or row["kind"],
                row[wallet] or NONE_ID,
                (row[bucket] if bucket else system[row[ledger]]) or NONE_ID,
                (row[category] if category else None) or NONE_ID,
            )
            expected[key][0] += sign * row["total"]
            expected[key][1] += row["n"]

    add(rows.filter(kind=Kind.EXPENSE), wallet="wallet_id", bucket="bucket_id", sign=-1)
    add(rows.filter(kind=Kind.ADJUSTMENT), wallet="wallet_id", bucket="bucket_id")
    add(rows.filter(kind=Kind.INCOME, bucket__isnull=False), wallet="wallet_id", bucket="bucket_id")
    add(
        rows.filter(kind=Kind.INCOME, allocation_status=AllocationStatus.PENDING),
        wallet="wallet_id",
        bucket=None,
    )
    add(rows.filter(kind=Kind.TRANSFER), wallet="from_wallet_id", bucket="from_bucket_id", sign=-1)
    add(rows.filter(kind=Kind.TRANSFER), wallet="to_wallet_id", bucket="to_bucket_id")
    add(
        Allocation.objects.filter(transaction__ledger_id__in=ledger_ids),  # split incomes too
        ledger="transaction__ledger_id",
        month_of=period("transaction__date"),
        kind=Kind.INCOME,
        wallet="transaction__wallet_id",
        bucket="bucket_id",
        category="transaction__category_id",
    )
    split = (
        Allocation.objects.filter(transaction=OuterRef("pk"))
        .values("transaction")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    rests = rows.filter(kind=Kind.INCOME, allocation_status=AllocationStatus.ALLOCATED).annotate(
        rest=ExpressionWrapper(
            F("amount")
            - Coalesce(
                Subquery(split, output_field=MoneyField()), Value(ZERO), output_field=MoneyField()
            ),
            output_field=MoneyField(),
        )
    )
    add(rests.filter(rest__gt=0), wallet="wallet_id", bucket=None, amount="rest", kind=Kind.INCOME)

    # Split transactions (see _split_legs): a leg per line, in the line's category.
    lines = TransactionSplit.objects.filter(transaction__ledger_id__in=ledger_ids)
    line_of = {
        "ledger": "transaction__ledger_id",
        "month_of": period("transaction__date"),
        "wallet": "transaction__wallet_id",
    }
    add(
        lines.filter(transaction__kind=Kind.EXPENSE).annotate(
            b=Coalesce("bucket_id", "transaction__bucket_id")
        ),
        bucket="b",
        kind=Kind.EXPENSE,
        sign=-1,
        **line_of,
    )
    incomes = lines.filter(transaction__kind=Kind.INCOME)
    add(
        incomes.filter(transaction__bucket__isnull=False),
        bucket="transaction__bucket_id",
        kind=Kind.INCOME,
        **line_of,
    )
    add(incomes.filter(transaction__bucket__isnull=True), bucket=None, kind=Kind.INCOME, **line_of)
    # …and each allocated part of a split income moves from Unallocated to its bucket.
    add(
        Allocation.objects.filter(transaction__in=every.filter(is_split)),
        bucket=None,
        sign=-1,
        kind=Kind.INCOME,
        category=None,
        **line_of,
    )
    return {key: (amount, count) for key, (amount, count) in expected.items()}


def daily_expected(*, ledger_ids: list[UUID]) -> dict[Key, tuple[Decimal, int]]:
    """The daily rollup recomputed from the rows: the daily aggregation of `rollup_expected`
    summed over categories, income and expense only. Key: (ledger, date, kind, wallet, bucket)."""
    expected: dict[Key, list] = defaultdict(lambda: [Decimal("0.00"), 0])
    for key, (amount, count) in rollup_expected(ledger_ids=ledger_ids, daily=True).items():
        if key[2] in DAILY_KINDS:
            entry = expected[key[:5]]
            entry[0] += amount
            entry[1] += count
    return {key: (amount, count) for key, (amount, count) in expected.items() if amount or count}


def _differences(stored: dict, expected: dict) -> list[tuple[Key, tuple, tuple]]:
    zero = (Decimal("0.00"), 0)
    return [
        (key, stored.get(key, zero), expected.get(key, zero))
        for key in sorted(set(stored) | set(expected), key=str)
        if stored.get(key, zero) != expected.get(key, zero)
    ]


def rollup_drift(*, ledger_id: UUID) -> list[tuple[Key, tuple, tuple]]:
    """Keys where the stored rollups differ from a fresh aggregation: (key, stored, expected).
    A monthly key has six parts (… category); a daily one five (ledger, date, kind, wallet,
    bucket)."""
    stored = {
        (r.ledger_id, r.month, r.kind, r.wallet_id, r.bucket_id, r.category_id): (r.amount, r.count)
        for r in Rollup.objects.filter(ledger_id=ledger_id)
        if r.amount or r.count
    }
    days = {
        (r.ledger_id, r.date, r.kind, r.wallet_id, r.bucket_id): (r.amount, r.count)
        for r in DailyRollup.objects.filter(ledger_id=ledger_id)
        if r.amount or r.count
    }
    return [
        *_differences(stored, rollup_expected(ledger_ids=[ledger_id])),
        *_differences(days, daily_expected(ledger_ids=[ledger_id])),
    ]


def rollup_rebuild(*, ledger_id: UUID) -> int:
    """Replaces the ledger's rollup with a fresh aggregation; returns the number of rows."""
    with transaction.atomic():
        ledger_lock(ledger_ids=[ledger_id])  # writers wait
        Rollup.objects.filter(ledger_id=ledger_id).delete()
        DailyRollup.objects.filter(ledger_id=ledger_id).delete()
        DailyRollup.objects.bulk_create(
            (
                DailyRollup(
                    ledger_id=key[0],
                    date=key[1],
                    kind=key[2],
                    wallet_id=key[3],
                    bucket_id=key[4],
                    amount=amount,
                    count=count,
                )
                for key, (amount, count) in daily_expected(ledger_ids=[ledger_id]).items()
            ),
            batch_size=5000,
        )
        expected = rollup_expected(ledger_ids=[ledger_id])
        Rollup.objects.bulk_create(
            Rollup(
                ledger_id=key[0],
                month=key[1],
                kind=key[2],
                wallet_id=key[3],
                bucket_id=key[4],
                category_id=key[5],
                amount=amount,
                count=count,
            )
            for key, (amount, count) in expected.items()
        )
        ledger_version_bump(ledger_ids=[ledger_id])
    return len(expected)
