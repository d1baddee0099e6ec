"""Money movements recomputed from the stored rows the plain way, for tests to compare the
app's balances, rollup and reports with. Shares no code with the app's rollup."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from budget.money.models import Allocation, Bucket, Transaction, TransactionSplit


@dataclass(frozen=True)
class Movement:
    date: date
    kind: str
    category: UUID | None
    wallet: UUID | None
    bucket: UUID | None
    amount: Decimal  # signed: what it does to balances


def movements(ledger) -> list[Movement]:
    system = Bucket.objects.get(ledger=ledger, is_system=True).pk
    splits: dict[UUID, dict[UUID, Decimal]] = {}
    for allocation in Allocation.objects.filter(transaction__ledger=ledger):
        splits.setdefault(allocation.transaction_id, {})[allocation.bucket_id] = allocation.amount
    lines: dict[UUID, list[TransactionSplit]] = {}
    for line in TransactionSplit.objects.filter(transaction__ledger=ledger).order_by("position"):
        lines.setdefault(line.transaction_id, []).append(line)
    result = []
    for tx in Transaction.objects.filter(ledger=ledger).order_by("date", "created_at"):

        def move(wallet, bucket, amount, tx=tx, category=tx.category_id):
            result.append(Movement(tx.date, tx.kind, category, wallet, bucket, amount))

        if tx.id in lines:
            # SPEC §13: each line in its own category; an expense line leaves its own
            # bucket. An income's allocated parts (of its whole amount) move from
            # Unallocated to their buckets without a category: which line they came
            # from is not known.
            for line in lines[tx.id]:
                sign = -1 if tx.kind == "expense" else 1
                bucket = (line.bucket_id if tx.kind == "expense" else None) or tx.bucket_id
                move(tx.wallet_id, bucket or system, sign * line.amount, category=line.category_id)
            for bucket, amount in splits.get(tx.id, {}).items():
                move(tx.wallet_id, system, -amount, category=None)
                move(tx.wallet_id, bucket, amount, category=None)
        elif tx.kind == "income":
            if tx.allocation_status == "allocated":
                parts = splits.get(tx.id, {})
                for bucket, amount in parts.items():
                    move(tx.wallet_id, bucket, amount)
                rest = tx.amount - sum(parts.values(), Decimal("0.00"))
                if rest:
                    move(tx.wallet_id, system, rest)
            else:
                assert tx.id not in splits
                move(tx.wallet_id, tx.bucket_id or system, tx.amount)
        elif tx.kind == "expense":
            move(tx.wallet_id, tx.bucket_id, -tx.amount)
        elif tx.kind == "adjustment":
            move(tx.wallet_id, tx.bucket_id, tx.amount)
        else:
            move(tx.from_wallet_id, tx.from_bucket_id, -tx.amount)
            move(tx.to_wallet_id, tx.to_bucket_id, tx.amount)
    return result
