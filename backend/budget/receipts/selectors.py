"""Every read of receipts."""

from uuid import UUID

from django.db.models import QuerySet

from budget.ledgers.models import Ledger
from budget.money.models import Transaction
from budget.receipts.models import Attachment, Receipt


def transaction_get(*, ledger: Ledger, transaction_id: UUID) -> Transaction | None:
    return Transaction.objects.filter(ledger=ledger, pk=transaction_id).first()


def attachments_of(*, tx: Transaction) -> QuerySet[Attachment]:
    return Attachment.objects.filter(transaction=tx).order_by("created_at", "id")


def attachment_get(*, tx: Transaction, attachment_id: UUID) -> Attachment | None:
    return Attachment.objects.filter(transaction=tx, pk=attachment_id).first()


def receipts_of(*, ledger: Ledger) -> QuerySet[Receipt]:
    return Receipt.objects.filter(ledger=ledger).order_by("-created_at", "-id")


def receipt_get(*, ledger: Ledger, receipt_id: UUID) -> Receipt | None:
    return Receipt.objects.filter(ledger=ledger, pk=receipt_id).first()
