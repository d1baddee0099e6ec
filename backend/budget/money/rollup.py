"""The monthly rollup: every movement of money, summed per ledger, month, kind, wallet,
bucket and category, kept in step with each write in the same database transaction; and
the daily rollup: the income and expense movements per ledger, day, kind, wallet and
bucket, for the monthly report's days, written by the same function.

A transaction becomes "legs": signed changes to one wallet and/or one bucket. Writes call
`rollup_apply(plus=legs after, minus=legs before)`; the net change is upserted with
ON CONFLICT … DO UPDATE in a fixed key order, so concurrent writers cannot deadlock.
"""

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
        ["ledger_id", "month", "kind", "wallet_id", "bucket_id", "category_id"],
        ["amount", "base_amount", "count"],
        monthly,
    )
    _upsert(DailyRollup, DAILY_KEY, ["amount", "count"], daily)


def _upsert(model, key: list[str], values: list[str], net: dict[tuple, list]) -> None:
    """Adds each entry's `values` to its row of `model`, in key order (ON CONFLICT … DO
    UPDATE)."""
    rows = sorted((k, *entry) for k, entry in net.items() if any(entry))
    if not rows:
        return
    fields = {f.attname: f for f in model._meta.concrete_fields}
    columns = [*key, *values]
    table = model._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
        + ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in values)
    )
    params = [
        [
            fields[column].get_db_prep_save(value, connection)
            for column, value in zip(columns, (*k, *entry), strict=True)
        ]
        for k, *entry in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


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
        Allocation.objects.filter(transaction__ledger_id__in=ledger_ids).annotate(
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
    return [
        (key, stored.get(key, blank), expected.get(key, blank))
        for key in sorted(set(stored) | set(expected), key=str)
        if stored.get(key, blank) != expected.get(key, blank)
    ]


def rollup_drift(*, ledger_id: UUID) -> list[tuple[Key, tuple, tuple]]:
    """Keys where the stored rollups differ from a fresh aggregation: (key, stored, expected).
    A monthly key has six parts (… category) and (amount, base amount, count); a daily one
    five (ledger, date, kind, wallet, bucket) and (base amount, count)."""
    stored = {
        (r.ledger_id, r.month, r.kind, r.wallet_id, r.bucket_id, r.category_id): (
            r.amount,
            r.base_amount,
            r.count,
        )
        for r in Rollup.objects.filter(ledger_id=ledger_id)
        if r.amount or r.base_amount or r.count
    }
    expected = {
        key: entry for key, entry in rollup_expected(ledger_ids=[ledger_id]).items() if any(entry)
    }
    days = {
        (r.ledger_id, r.date, r.kind, r.wallet_id, r.bucket_id): (r.amount, r.count)
        for r in DailyRollup.objects.filter(ledger_id=ledger_id)
        if r.amount or r.count
    }
    return [
        *_differences(stored, expected),
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
                base_amount=base,
                count=count,
            )
            for key, (amount, base, count) in expected.items()
        )
        ledger_version_bump(ledger_ids=[ledger_id])
    return len(expected)
