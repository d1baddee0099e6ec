"""Money movements recomputed from the stored rows the plain way, for tests to compare the
app's balances, rollup and reports with. Shares no code with the app's rollup."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from budget.money.models import Allocation, Bucket, Transaction


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
    result = []
    for tx in Transaction.objects.filter(ledger=ledger).order_by("date", "created_at"):

        def move(wallet, bucket, amount, tx=tx):
            result.append(Movement(tx.date, tx.kind, tx.category_id, wallet, bucket, amount))

        if tx.kind == "income":
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
