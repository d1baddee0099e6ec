"""webhooks' answers to what money, exchange and planning announce (connected in
`WebhooksConfig.ready()`): each event becomes one delivery per webhook that wants it.

A write of many transactions at once (the bulk endpoint, recurring catch-up) is ONE event
whose `data` lists up to WEBHOOK_MAX_ITEMS of them with the total `count`; a single write
is the same shape with one item. An import's rows are announced by `import.finished`
(with its count), not as transactions; undoing an import is one `transaction.deleted`
with the count and no list."""

from typing import Any
from uuid import UUID

from django.conf import settings

from budget.common.money import money_str
from budget.ledgers.models import Ledger
from budget.money.models import CURRENCY_FIELDS
from budget.webhooks.services import event_record


def transaction_data(tx: Any, base: str | None = None) -> dict[str, Any]:
    """A transaction as the API shows it, references as ids; amounts with their currency's
    decimals (SPEC §14: `amount` in `currency`, `base_amount` in the ledger's, `base`)."""
    currency = getattr(tx, "currency", "") or base or ""
    return {
        "id": str(tx.pk),
        "date": tx.date.isoformat(),
        **{
            name: str(value) if isinstance(value, UUID) else value
            for name, value in tx.shared_data().items()
            if name not in CURRENCY_FIELDS  # SPEC §14's: not in the payload yet
        },
        "amount": money_str(tx.amount, currency),
        "currency": currency,
        "base_amount": money_str(tx.base_amount, base or currency),
        # The payee's name as the API shows it (the services leave the payee loaded).
        "payee_name": tx.payee.name if tx.payee_id else None,
        "external_id": tx.external_id or None,
        "allocation_status": tx.allocation_status,
    }


def _transactions(ledger_id: UUID, transactions: list, count: int) -> dict[str, Any]:
    shown = transactions[: settings.WEBHOOK_MAX_ITEMS]
    base = Ledger.objects.filter(pk=ledger_id).values_list("currency", flat=True).first()
    return {"count": count, "transactions": [transaction_data(tx, base) for tx in shown]}


def transactions_written(
    *, ledger_id: UUID, transactions: list, created: bool = True, **_: Any
) -> None:
    transactions = [tx for tx in transactions if not getattr(tx, "import_job_id", None)]
    if transactions:
        event = "transaction.created" if created else "transaction.updated"
        event_record(
            ledger_id=ledger_id,
            event=event,
            data=lambda: _transactions(ledger_id, transactions, len(transactions)),
        )


def transactions_deleted(*, ledger_id: UUID, transactions: list, count: int, **_: Any) -> None:
    if count:
        event_record(
            ledger_id=ledger_id,
            event="transaction.deleted",
            data=lambda: _transactions(ledger_id, transactions, count),
        )


def import_finished(*, ledger_id: UUID, job: Any, **_: Any) -> None:
    event_record(
        ledger_id=ledger_id,
        event="import.finished",
        data={
            "id": str(job.pk),
            "status": job.status,
            "filename": job.filename,
            "created": job.created_count,
            "detail": job.detail,
        },
    )


def budget_alerted(*, ledger_id: UUID, title: str, data: dict[str, Any], **_: Any) -> None:
    event_record(ledger_id=ledger_id, event="budget.alert", data={"title": title, **data})
