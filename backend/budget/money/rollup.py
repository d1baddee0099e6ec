"""The monthly rollup: every movement of money, summed per ledger, month, kind, wallet,
bucket and category, kept in step with each write in the same database transaction.

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

from django.db import connection

from budget.money.models import NONE_ID, AllocationStatus, Kind, Rollup, Transaction


class Leg(NamedTuple):
    ledger_id: UUID
    month: date
    kind: str
    wallet_id: UUID
    bucket_id: UUID
    category_id: UUID
    amount: Decimal


def transaction_legs(
    tx: Transaction, *, system_bucket_id: UUID, allocations: dict[UUID, Decimal] | None = None
) -> list[Leg]:
    """The balance changes `tx` makes. `allocations` are its split parts when it is an
    allocated income."""
    month = tx.date.replace(day=1)
    category = tx.category_id or NONE_ID

    def leg(wallet: UUID | None, bucket: UUID | None, amount: Decimal) -> Leg:
        return Leg(
            tx.ledger_id, month, tx.kind, wallet or NONE_ID, bucket or NONE_ID, category, amount
        )

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


def rollup_apply(*, plus: Iterable[Leg] = (), minus: Iterable[Leg] = ()) -> None:
    net: dict[tuple, list] = defaultdict(lambda: [Decimal("0.00"), 0])
    for sign, legs in ((1, plus), (-1, minus)):
        for leg in legs:
            entry = net[leg[:-1]]
            entry[0] += sign * leg.amount
            entry[1] += sign
    rows = sorted((key, amount, count) for key, (amount, count) in net.items() if amount or count)
    if not rows:
        return
    fields = {f.attname: f for f in Rollup._meta.concrete_fields}
    columns = [
        "ledger_id",
        "month",
        "kind",
        "wallet_id",
        "bucket_id",
        "category_id",
        "amount",
        "count",
    ]
    table = Rollup._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT (ledger_id, month, kind, wallet_id, bucket_id, category_id) DO UPDATE SET "
        f"amount = {table}.amount + EXCLUDED.amount, count = {table}.count + EXCLUDED.count"
    )
    params = [
        [
            fields[column].get_db_prep_save(value, connection)
            for column, value in zip(columns, (*key, amount, count), strict=True)
        ]
        for key, amount, count in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
