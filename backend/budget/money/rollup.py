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
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
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
    amount: Decimal  # in the wallet's currency (a leg without a wallet: the base)
    day: date
    base: Decimal  # in the ledger's currency (SPEC §14): what buckets and reports count

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
    """One line of a split transaction, as its legs need it (bucket None: the transaction's;
    base None: the amount)."""

    category_id: UUID
    bucket_id: UUID | None
    amount: Decimal
    base_amount: Decimal | None = None


def transaction_legs(
    tx: Transaction,
    *,
    system_bucket_id: UUID,
    allocations: dict[UUID, Decimal] | None = None,
    lines: list[Line] | None = None,
) -> list[Leg]:
    """The balance changes `tx` makes. `allocations` are its split parts when it is an
    allocated income (base amounts); `lines` its split lines (SPEC §13), if it has any.

    Each leg carries the amount in its wallet's currency and the base amount. An allocated
    income in another currency than the base gives its whole amount to the leg that stays
    in Unallocated and none to the parts, so each wallet's sum stays exact."""
    month = tx.date.replace(day=1)
    category = tx.category_id or NONE_ID
    base = tx.amount if tx.base_amount is None else tx.base_amount

    def leg(
        wallet: UUID | None,
        bucket: UUID | None,
        amount: Decimal,
        value: Decimal,
        category: UUID = category,
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
            value,
        )

    if lines:
        return _split_legs(tx, leg, system_bucket_id, allocations or {}, lines, base)
    if tx.kind == Kind.INCOME:
        if tx.bucket_id:
            return [leg(tx.wallet_id, tx.bucket_id, tx.amount, base)]
        if tx.allocation_status == AllocationStatus.ALLOCATED:
            parts = allocations or {}
            rest = base - sum(parts.values(), Decimal("0.00"))
            if tx.amount == base:
                legs = [leg(tx.wallet_id, bucket, part, part) for bucket, part in parts.items()]
                return [*legs, leg(tx.wallet_id, system_bucket_id, rest, rest)] if rest else legs
            legs = [leg(tx.wallet_id, bucket, ZERO, part) for bucket, part in parts.items()]
            return [*legs, leg(tx.wallet_id, system_bucket_id, tx.amount, rest)]
        return [leg(tx.wallet_id, system_bucket_id, tx.amount, base)]  # pending: in Unallocated
    if tx.kind == Kind.EXPENSE:
        return [leg(tx.wallet_id, tx.bucket_id or system_bucket_id, -tx.amount, -base)]
    if tx.kind == Kind.ADJUSTMENT:
        return [leg(tx.wallet_id, tx.bucket_id or system_bucket_id, tx.amount, base)]
    arrives = tx.amount if tx.to_amount is None else tx.to_amount
    return [
        leg(tx.from_wallet_id, tx.from_bucket_id, -tx.amount, -base),
        leg(tx.to_wallet_id, tx.to_bucket_id, arrives, base),
    ]


def _split_legs(
    tx, leg, system_bucket_id, parts: dict[UUID, Decimal], lines: list[Line], base: Decimal
):
    """A split transaction counts each line in its own category.

    An expense line leaves its own bucket (else the transaction's). An income is allocated
    on its whole amount, which says how much each bucket got but not from which line: its
    lines enter the transaction's bucket (Unallocated while it has none), and each
    allocated part then moves from Unallocated to its bucket as two legs without a
    category. Wallets, buckets and categories each come out exact; the income total too,
    as the moves cancel out."""

    def line_base(line: Line) -> Decimal:
        return line.amount if line.base_amount is None else line.base_amount

    if tx.kind == Kind.EXPENSE:
        return [
            leg(
                tx.wallet_id,
                line.bucket_id or tx.bucket_id or system_bucket_id,
                -line.amount,
                -line_base(line),
                line.category_id,
            )
            for line in lines
        ]
    bucket = tx.bucket_id or system_bucket_id
    legs = [
        leg(tx.wallet_id, bucket, line.amount, line_base(line), line.category_id) for line in lines
    ]
    if tx.allocation_status == AllocationStatus.ALLOCATED:
        same = tx.amount == base
        for target, part in parts.items():
            moved = part if same else ZERO
            legs += [
                leg(tx.wallet_id, system_bucket_id, -moved, -part, NONE_ID),
                leg(tx.wallet_id, target, moved, part, NONE_ID),
            ]
    return legs


def rollup_apply(*, plus: Iterable[Leg] = (), minus: Iterable[Leg] = ()) -> None:
    plus, minus = list(plus), list(minus)
    # The ledger row first, then rollup rows in key order: every writer locks in that order.
    ledger_version_bump(ledger_ids={leg.ledger_id for leg in (*plus, *minus)})
    monthly: dict[tuple, list] = defaultdict(lambda: [Decimal("0.00"), Decimal("0.00"), 0])
    daily: dict[tuple, list] = defaultdict(lambda: [Decimal("0.00"), 0])
    for sign, legs in ((1, plus), (-1, minus)):
        for leg in legs:
            entry = monthly[leg.key]
            entry[0] += sign * leg.amount
            entry[1] += sign * leg.base
            entry[2] += sign
            if leg.kind in DAILY_KINDS:
                # The days of a report are in the base currency.
                day = daily[leg.ledger_id, leg.day, leg.kind, leg.wallet_id, leg.bucket_id]
                day[0] += sign * leg.base
                day[1] += sign
    _upsert(
        Rollup,
        MONTHLY_KEY,
        ["amount", "base_amount", "count"],
        monthly,
    )
    _upsert(DailyRollup, DAILY_KEY, ["amount", "count"], daily)


def _upsert(model, key: list[str], values: list[str], net: dict[tuple, list]) -> None:
    """Adds each entry's `values` to its row of `model`, in key order (ON CONFLICT … DO
    UPDATE). On PostgreSQL in one statement over arrays, a column each (`unnest` keeps their
    order): a bulk write of 1 000 transactions has about as many keys, which a statement
    each (executemany, as on SQLite) took about twice as long to write. The keys are
    distinct, so the statement never meets its own row twice."""
    rows = sorted((*k, *entry) for k, entry in net.items() if any(entry))
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in (*key, *values)]
    columns = [field.column for field in fields]
    table = model._meta.db_table
    conflict = f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET " + ", ".join(
        f"{name} = {table}.{name} + EXCLUDED.{name}" for name in values
    )
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            holders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({holders}){conflict}",
                [
                    [
                        field.get_db_prep_save(value, connection)
                        for field, value in zip(fields, row, strict=True)
                    ]
                    for row in rows
                ],
            )
            return
        # The ids, dates, kinds and counts go to PostgreSQL as they are; only money is
        # stored in another form (MoneyField's units): a field's call on every value was
        # about half of this function's time.
        arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}){conflict}",
            [
                [field.get_prep_value(value) for value in column]
                if isinstance(field, MoneyField)
                else list(column)
                for field, column in zip(fields, zip(*rows, strict=True), strict=True)
            ],
        )


# --- Many transactions at once, in SQL ----------------------------------------------------

# The two values a leg carries (SPEC §14): `amount` in its wallet's currency and `base` in
# the ledger's. The monthly rollup keeps both (amount, base_amount); the daily one the base.


def _legs_sql(rows: str) -> str:
    """Every leg of the transactions `rows` (a SELECT of their columns), as the rows
    (ledger_id, day, kind, wallet, bucket, category, amount, base) of a CTE named `legs` —
    the same legs as `transaction_legs`, and `rollup_expected` checks both. Its
    parameters: NONE_ID, then those of `rows`."""
    qn = connection.ops.quote_name
    lines = qn(TransactionSplit._meta.db_table)
    parts, buckets = qn(Allocation._meta.db_table), qn(Bucket._meta.db_table)

    def values(sign: str, amount: str, base: str) -> str:
        return f"{sign}{amount} AS amount, {sign}{base} AS base"

    tx, line = values("", "t.amount", "t.base"), values("", "l.amount", "l.base_amount")
    # An allocated part is a base amount; in a wallet of another currency it moves no
    # wallet money (the whole amount stays on the Unallocated leg, as transaction_legs).
    moved = "CASE WHEN t.same THEN a.amount ELSE 0 END"
    head = "SELECT t.ledger_id, t.day, t.kind"
    plain = "FROM t WHERE NOT t.split AND t.kind"
    income, expense = f"'{Kind.INCOME.value}'", f"'{Kind.EXPENSE.value}'"
    allocated = f"t.allocation_status = '{AllocationStatus.ALLOCATED.value}'"
    rest = (
        f"t.base - COALESCE((SELECT SUM(a.amount) FROM {parts} a WHERE a.transaction_id = t.id), 0)"
    )
    legs = [
        # An expense leaves its wallet and bucket (Unallocated when it has none).
        f"{head}, t.wallet, COALESCE(t.bucket_id, t.sys), t.category, "
        f"{values('-', 't.amount', 't.base')} {plain} = {expense}",
        f"{head}, t.wallet, COALESCE(t.bucket_id, t.sys), t.category, {tx} "
        f"{plain} = '{Kind.ADJUSTMENT.value}'",
        # An income into its bucket; else waiting in Unallocated; else as it was split.
        f"{head}, t.wallet, t.bucket_id, t.category, {tx} "
        f"{plain} = {income} AND t.bucket_id IS NOT NULL",
        f"{head}, t.wallet, t.sys, t.category, {tx} "
        f"{plain} = {income} AND t.bucket_id IS NULL AND NOT {allocated}",
        f"{head}, t.wallet, a.bucket_id, t.category, {values('', moved, 'a.amount')} "
        f"FROM t JOIN {parts} a ON a.transaction_id = t.id "
        f"WHERE NOT t.split AND t.kind = {income} AND t.bucket_id IS NULL AND {allocated}",
        "SELECT r.ledger_id, r.day, r.kind, r.wallet, r.bucket, r.category, "
        "CASE WHEN r.same THEN r.base ELSE r.amount END, r.base "
        "FROM (SELECT t.ledger_id, t.day, t.kind, t.wallet, t.sys AS bucket, t.category, "
        f"t.same, t.amount, {rest} AS base "
        f"{plain} = {income} AND t.bucket_id IS NULL AND {allocated}) r "
        "WHERE r.base <> 0 OR NOT r.same",
        # A transfer: out of one side, into the other (in the receiving wallet's currency).
        f"{head}, COALESCE(t.from_wallet_id, t.none_id), COALESCE(t.from_bucket_id, t.none_id), "
        f"t.category, {values('-', 't.amount', 't.base')} {plain} = '{Kind.TRANSFER.value}'",
        f"{head}, COALESCE(t.to_wallet_id, t.none_id), COALESCE(t.to_bucket_id, t.none_id), "
        f"t.category, {values('', 'COALESCE(t.to_amount, t.amount)', 't.base')} "
        f"{plain} = '{Kind.TRANSFER.value}'",
        # Split transactions (see _split_legs): a leg per line, in the line's category…
        f"{head}, t.wallet, COALESCE(l.bucket_id, t.bucket_id, t.sys), l.category_id, "
        f"{values('-', 'l.amount', 'l.base_amount')} "
        f"FROM t JOIN {lines} l ON l.transaction_id = t.id WHERE t.kind = {expense}",
        f"{head}, t.wallet, COALESCE(t.bucket_id, t.sys), l.category_id, {line} "
        f"FROM t JOIN {lines} l ON l.transaction_id = t.id WHERE t.kind = {income}",
        # …and each allocated part of a split income moves from Unallocated to its bucket.
        f"{head}, t.wallet, t.sys, t.none_id, {values('-', moved, 'a.amount')} "
        f"FROM t JOIN {parts} a ON a.transaction_id = t.id "
        f"WHERE t.split AND t.kind = {income} AND {allocated}",
        f"{head}, t.wallet, a.bucket_id, t.none_id, {values('', moved, 'a.amount')} "
        f"FROM t JOIN {parts} a ON a.transaction_id = t.id "
        f"WHERE t.split AND t.kind = {income} AND {allocated}",
    ]
    return f"""
        WITH t AS (
            SELECT tx.id, tx.ledger_id, tx.{qn("date")} AS day, tx.kind, tx.bucket_id,
                tx.from_wallet_id, tx.to_wallet_id, tx.from_bucket_id, tx.to_bucket_id,
                tx.allocation_status, tx.amount, tx.base_amount AS base, tx.to_amount,
                tx.amount = tx.base_amount AS same,
                COALESCE(tx.wallet_id, n.none_id) AS wallet,
                COALESCE(tx.category_id, n.none_id) AS category, n.none_id, sys.id AS sys,
                EXISTS (SELECT 1 FROM {lines} s WHERE s.transaction_id = tx.id) AS split
            FROM (SELECT %s AS none_id) n
            CROSS JOIN ({rows}) tx
            JOIN {buckets} sys ON sys.ledger_id = tx.ledger_id AND sys.is_system
        ), legs (ledger_id, day, kind, wallet, bucket, category, amount, base) AS (
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
    "amount",
    "base_amount",
    "to_amount",
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
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and connection.in_atomic_block:
                # The legs' UNION of a dozen scans is estimated far above jit_above_cost, and
                # compiling it took 8 of its 11 s over 100 000 rows (EXPLAIN ANALYZE): run it
                # interpreted, for this database transaction only.
                cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                f"""CREATE TEMPORARY TABLE {self.table} AS {_legs_sql(rows)}
                SELECT ledger_id, day, kind, wallet, bucket, category,
                    SUM(legs.amount) AS amount, SUM(legs.base) AS base, COUNT(*) AS n
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
            for model, period, key, values, only in (
                # model column ← temporary table column
                (Rollup, month, MONTHLY_KEY, {"amount": "amount", "base_amount": "base"}, ""),
                # The days of a report are in the base currency.
                (DailyRollup, "day", DAILY_KEY, {"amount": "base"}, f"AND kind IN ({daily_kinds})"),
            ):
                if not self.ledger_ids:
                    break
                table = qn(model._meta.db_table)
                grouped = ["ledger_id", period, "kind", "wallet", "bucket", "category"]
                grouped = grouped[: len(key)]
                sums = ", ".join(f"{sign} * SUM({qn(c)})" for c in (*values.values(), "n"))
                updates = ", ".join(
                    f"{qn(c)} = {table}.{qn(c)} + EXCLUDED.{qn(c)}" for c in (*values, "count")
                )
                cursor.execute(
                    f"""INSERT INTO {table}
                        ({", ".join(qn(c) for c in (*key, *values, "count"))})
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
) -> dict[Key, tuple[Decimal, Decimal, int]]:
    """The rollup recomputed from transactions and allocations by grouped SQL queries,
    independently of the incremental path: (amount, base amount, count) per key. `daily`:
    by day instead of month (the key's second part is then the date) and without
    categories."""
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
    expected: dict[Key, list] = defaultdict(lambda: [Decimal("0.00"), Decimal("0.00"), 0])

    def add(
        queryset,
        *,
        wallet: str,
        bucket: str | None,
        sign: int = 1,
        kind: str | None = None,
        amount: str = "amount",
        base: str = "base_amount",
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
        sums = grouped.annotate(total=Sum(amount), value=Sum(base), n=Count("pk")).order_by()
        for row in sums:
            key = (
                row[ledger],
                row["m"],
                kind or row["kind"],
                row[wallet] or NONE_ID,
                (row[bucket] if bucket else system[row[ledger]]) or NONE_ID,
                (row[category] if category else None) or NONE_ID,
            )
            expected[key][0] += sign * row["total"]
            expected[key][1] += sign * row["value"]
            expected[key][2] += row["n"]

    def moved(amount: str, tx: str = "") -> Case:
        """An allocated part moves the wallet's own amount only when the income's amount is
        its base amount (see transaction_legs)."""
        return Case(
            When(**{f"{tx}amount": F(f"{tx}base_amount")}, then=F(amount)),
            default=Value(ZERO),
            output_field=MoneyField(),
        )

    add(rows.filter(kind=Kind.EXPENSE), wallet="wallet_id", bucket="bucket_id", sign=-1)
    add(rows.filter(kind=Kind.ADJUSTMENT), wallet="wallet_id", bucket="bucket_id")
    add(rows.filter(kind=Kind.INCOME, bucket__isnull=False), wallet="wallet_id", bucket="bucket_id")
    add(
        rows.filter(kind=Kind.INCOME, allocation_status=AllocationStatus.PENDING),
        wallet="wallet_id",
        bucket=None,
    )
    add(rows.filter(kind=Kind.TRANSFER), wallet="from_wallet_id", bucket="from_bucket_id", sign=-1)
    add(
        rows.filter(kind=Kind.TRANSFER).annotate(
            arrives=Coalesce("to_amount", "amount", output_field=MoneyField())
        ),
        wallet="to_wallet_id",
        bucket="to_bucket_id",
        amount="arrives",
    )
    add(
        Allocation.objects.filter(ledger_id__in=ledger_ids).annotate(
            moved=moved("amount", "transaction__")
        ),  # split incomes too
        ledger="transaction__ledger_id",
        month_of=period("transaction__date"),
        kind=Kind.INCOME,
        wallet="transaction__wallet_id",
        bucket="bucket_id",
        category="transaction__category_id",
        amount="moved",
        base="amount",
    )
    split = (
        Allocation.objects.filter(transaction=OuterRef("pk"))
        .values("transaction")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    rests = (
        rows.filter(kind=Kind.INCOME, allocation_status=AllocationStatus.ALLOCATED)
        .annotate(
            rest=ExpressionWrapper(
                F("base_amount")
                - Coalesce(
                    Subquery(split, output_field=MoneyField()),
                    Value(ZERO),
                    output_field=MoneyField(),
                ),
                output_field=MoneyField(),
            )
        )
        .annotate(
            rest_amount=Case(
                When(amount=F("base_amount"), then=F("rest")),
                default=F("amount"),
                output_field=MoneyField(),
            )
        )
    )
    add(
        rests.filter(Q(rest__gt=0) | ~Q(amount=F("base_amount"))),
        wallet="wallet_id",
        bucket=None,
        amount="rest_amount",
        base="rest",
        kind=Kind.INCOME,
    )

    # Split transactions (see _split_legs): a leg per line, in the line's category.
    lines = TransactionSplit.objects.filter(ledger_id__in=ledger_ids)
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
        Allocation.objects.filter(transaction__in=every.filter(is_split)).annotate(
            moved=moved("amount", "transaction__")
        ),
        bucket=None,
        sign=-1,
        kind=Kind.INCOME,
        category=None,
        amount="moved",
        base="amount",
        **line_of,
    )
    return {key: tuple(entry) for key, entry in expected.items()}


def daily_expected(*, ledger_ids: list[UUID]) -> dict[Key, tuple[Decimal, int]]:
    """The daily rollup recomputed from the rows: the daily aggregation of `rollup_expected`
    summed over categories, income and expense only, in the base currency. Key: (ledger,
    date, kind, wallet, bucket)."""
    expected: dict[Key, list] = defaultdict(lambda: [Decimal("0.00"), 0])
    for key, (_, base, count) in rollup_expected(ledger_ids=ledger_ids, daily=True).items():
        if key[2] in DAILY_KINDS:
            entry = expected[key[:5]]
            entry[0] += base
            entry[1] += count
    return {key: (amount, count) for key, (amount, count) in expected.items() if amount or count}


def _differences(stored: dict, expected: dict) -> list[tuple[Key, tuple, tuple]]:
    def zero(entries: dict) -> tuple:
        width = len(next(iter(entries.values()))) if entries else 2
        return (Decimal("0.00"),) * (width - 1) + (0,)

    blank = zero(stored or expected)
    differing = [
        key
        for key in stored.keys() | expected.keys()
        if stored.get(key, blank) != expected.get(key, blank)
    ]
    return [
        (key, stored.get(key, blank), expected.get(key, blank))
        for key in sorted(differing, key=str)
    ]


def rollup_drift(*, ledger_id: UUID) -> list[tuple[Key, tuple, tuple]]:
    """Keys where the stored rollups differ from a fresh aggregation: (key, stored, expected).
    A monthly key has six parts (… category) and (amount, base amount, count); a daily one
    five (ledger, date, kind, wallet, bucket) and (base amount, count)."""
    stored = {
        tuple(row[:6]): row[6:]
        for row in Rollup.objects.filter(ledger_id=ledger_id).values_list(
            *MONTHLY_KEY, "amount", "base_amount", "count"
        )
        if any(row[6:])
    }
    expected = {
        key: entry for key, entry in rollup_expected(ledger_ids=[ledger_id]).items() if any(entry)
    }
    days = {
        tuple(row[:5]): row[5:]
        for row in DailyRollup.objects.filter(ledger_id=ledger_id).values_list(
            *DAILY_KEY, "amount", "count"
        )
        if any(row[5:])
    }
    return [
        *_differences(stored, expected),
        *_differences(days, daily_expected(ledger_ids=[ledger_id])),
    ]


def rollup_rebuild(*, ledger_id: UUID) -> int:
    """Replaces the ledger's rollups with a fresh aggregation of its rows; returns the number
    of monthly rows. Set-based: the legs of every row are summed in grouped SQL and written
    with one INSERT … SELECT per rollup (`GroupedLegs`, as an import adds its rows), so no
    row passes through Python; `rollup_drift` checks the result against its own
    aggregation (`rollup_expected`)."""
    with transaction.atomic():
        ledger_lock(ledger_ids=[ledger_id])  # writers wait
        Rollup.objects.filter(ledger_id=ledger_id).delete()
        DailyRollup.objects.filter(ledger_id=ledger_id).delete()
        rollup_add(transactions=Transaction.objects.filter(ledger_id=ledger_id))
        ledger_version_bump(ledger_ids=[ledger_id])  # also when the ledger has no rows
        return Rollup.objects.filter(ledger_id=ledger_id).count()
