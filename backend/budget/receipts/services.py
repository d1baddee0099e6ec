"""Every write of receipts (SPEC §17): attachments added and removed, receipts scanned,
accepted into transactions or discarded. Each records its activity entry."""

import datetime as dt
import logging
import uuid
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from budget.accounts.models import User
from budget.common import activity
from budget.common.errors import ApiError, Conflict, Invalid
from budget.common.tasks import enqueue_on_commit
from budget.ledgers.models import Ledger
from budget.money import services as money_services
from budget.money.models import Kind, Payee, Transaction, name_key
from budget.receipts import ocr
from budget.receipts.extraction import receipt_read
from budget.receipts.files import CleanFile, upload_clean
from budget.receipts.models import Attachment, Receipt, ReceiptStatus

logger = logging.getLogger(__name__)


class OcrUnavailable(ApiError):
    status = 503
    code = "ocr_unavailable"


def _stored(folder: str, ledger: Ledger, clean: CleanFile) -> str:
    """Saves the file under a name of our own (never the user's) and returns it."""
    extension = clean.filename.rsplit(".", 1)[-1]
    name = f"{folder}/{ledger.pk}/{uuid.uuid4().hex}.{extension}"
    return default_storage.save(name, ContentFile(clean.content))


def _storage_discard(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # the row was not written; a left-over file is only space
        logger.warning("Could not delete %s after a failed write.", name)


# --- Attachments ------------------------------------------------------------------------------


def attachment_create(*, tx: Transaction, user: User | None, upload: UploadedFile) -> Attachment:
    """Stores `upload` (checked and cleaned: budget.receipts.files) on the transaction."""
    clean = upload_clean(upload)
    name = _stored("attachments", tx.ledger, clean)
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                ledger_id=tx.ledger_id,
                transaction=tx,
                file=name,
                filename=clean.filename,
                content_type=clean.content_type,
                size=len(clean.content),
                created_by=user,
            )
            activity.record(
                ledger_id=tx.ledger_id,
                action="create",
                object_type="attachment",
                object_id=attachment.pk,
                summary=f"{clean.filename} on {money_services.transaction_summary(tx)}",
            )
    except BaseException:
        _storage_discard(name)
        raise
    return attachment


def attachment_delete(*, attachment: Attachment) -> None:
    """The row now, the file once the delete is committed (budget.receipts.receivers)."""
    with transaction.atomic():
        pk = attachment.pk
        attachment.delete()
        activity.record(
            ledger_id=attachment.ledger_id,
            action="delete",
            object_type="attachment",
            object_id=pk,
            summary=attachment.filename,
        )


# --- Receipts ---------------------------------------------------------------------------------


def receipt_create(*, ledger: Ledger, user: User | None, upload: UploadedFile) -> Receipt:
    """Stores a receipt to scan and queues its scan; 503 when Tesseract is missing."""
    if ocr.tesseract_path() is None:
        raise OcrUnavailable(
            "Scanning is not available: Tesseract is not installed on the server "
            "(apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu). "
            "Attachments work without it."
        )
    clean = upload_clean(upload)
    if clean.pages > settings.RECEIPT_MAX_PAGES:
        raise Invalid(
            f"The PDF has {clean.pages} pages; a receipt may have at most "
            f"{settings.RECEIPT_MAX_PAGES}. Attach long documents to a transaction instead.",
            field="file",
            code="too_many_pages",
        )
    name = _stored("receipts", ledger, clean)
    try:
        with transaction.atomic():
            receipt = Receipt.objects.create(
                ledger=ledger,
                created_by=user,
                file=name,
                filename=clean.filename,
                content_type=clean.content_type,
                size=len(clean.content),
            )
            activity.record(
                ledger_id=ledger.pk,
                action="create",
                object_type="receipt",
                object_id=receipt.pk,
                summary=clean.filename,
            )
            enqueue_on_commit(
                "budget.receipts.tasks.receipt_scan_task", str(receipt.pk), task_name="scan receipt"
            )
    except BaseException:
        _storage_discard(name)
        raise
    return receipt


def _payee_wallet(ledger: Ledger, payee_id: Any) -> UUID | None:
    """The wallet of the latest expense paid to this payee (where it is usually paid from)."""
    if not payee_id:
        return None
    return (
        Transaction.objects.filter(ledger=ledger, payee_id=payee_id, kind=Kind.EXPENSE)
        .order_by("-date", "-created_at")
        .values_list("wallet_id", flat=True)
        .first()
    )


def suggestion_build(*, ledger: Ledger, text: str) -> dict[str, Any]:
    """The suggested transaction of a receipt's text: what the extraction rules read, then
    the ledger's rules and payee history (SPEC §12) for the category and payee, as a new
    transaction would get them."""
    reading = receipt_read(text, default_currency=ledger.currency)
    item: dict[str, Any] = {
        "kind": Kind.EXPENSE,
        "date": reading.date or timezone.localdate(),
        "amount": reading.amount,
        "description": reading.merchant,
        "payee_name": reading.merchant or None,
    }
    money_services.transactions_prepare(ledger=ledger, items=[item])
    payee_name = item.get("payee_name") or ""
    payee_id = item.get("payee")
    if payee_name and not payee_id:
        payee_id = (
            Payee.objects.filter(ledger=ledger, name_key=name_key(payee_name))
            .values_list("pk", flat=True)
            .first()
        )
    elif payee_id and not payee_name:
        payee_name = Payee.objects.filter(pk=payee_id).values_list("name", flat=True).first() or ""
    category = item.get("category")
    wallet = item.get("wallet") or _payee_wallet(ledger, payee_id)
    return {
        "kind": str(item.get("kind") or Kind.EXPENSE),
        "date": reading.date.isoformat() if reading.date else None,
        "amount": f"{reading.amount:.2f}" if reading.amount is not None else None,
        "currency": reading.currency,
        "payee_name": payee_name or None,
        "description": item.get("description") or "",
        "category": str(category) if category else None,
        "wallet": str(wallet) if wallet else None,
        "confidence": reading.confidence,
    }


def _claim(receipt_id: UUID) -> Receipt | None:
    """Moves a queued receipt to running, once: a task run twice reads it once."""
    claimed = Receipt.objects.filter(pk=receipt_id, status=ReceiptStatus.QUEUED).update(
        status=ReceiptStatus.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return None
    return Receipt.objects.select_related("ledger").filter(pk=receipt_id).first()


def _finish(receipt: Receipt, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(receipt, name, value)
    Receipt.objects.filter(pk=receipt.pk).update(updated_at=timezone.now(), **fields)


def receipt_scan(*, receipt_id: UUID) -> str:
    """Reads a queued receipt (the worker's task); its status afterwards. Every way it can
    fail ends in `failed` with a sentence for the user, never in a retry loop."""
    receipt = _claim(receipt_id)
    if receipt is None:
        return "skipped"
    try:
        with default_storage.open(receipt.file.name, "rb") as handle:
            content = handle.read()
        text = ocr.text_read(content, receipt.content_type)
        suggestion = suggestion_build(ledger=receipt.ledger, text=text)
    except ocr.OcrUnavailable:
        detail = "Tesseract is not installed on the server, so the receipt cannot be read."
    except ocr.OcrFailed as error:
        detail = str(error)
    except ApiError as error:  # the file's own checks (pixels, unreadable)
        detail = error.detail
    except Exception:
        logger.exception("Scanning receipt %s failed.", receipt_id)
        detail = "The receipt could not be read."
    else:
        _finish(receipt, status=ReceiptStatus.DONE, text=text[:20000], suggestion=suggestion)
        return ReceiptStatus.DONE
    _finish(receipt, status=ReceiptStatus.FAILED, detail=detail)
    return ReceiptStatus.FAILED


def receipt_ready_check(*, receipt: Receipt) -> None:
    """A receipt can be accepted once read (or once its reading failed: then the user
    fills in what the suggestion lacks); 409 while it is queued or running."""
    if receipt.status not in (ReceiptStatus.DONE, ReceiptStatus.FAILED):
        raise Conflict(
            "The receipt is still being read; accept it once its status is done.",
            code="receipt_not_ready",
        )


def receipt_accept(*, receipt: Receipt, data: dict[str, Any], user: User | None) -> Transaction:
    """Creates the transaction (every §2 and §12 rule applies, as for POST /transactions)
    and attaches the receipt's file to it; the receipt itself goes."""
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(pk=receipt.pk)
        receipt_ready_check(receipt=receipt)
        tx = money_services.transaction_create(ledger=receipt.ledger, data=data)
        Attachment.objects.create(
            ledger_id=receipt.ledger_id,
            transaction=tx,
            file=receipt.file.name,
            filename=receipt.filename,
            content_type=receipt.content_type,
            size=receipt.size,
            created_by=user,
        )
        receipt.keep_file = True  # it is the attachment's now
        receipt.delete()
        activity.record(
            ledger_id=receipt.ledger_id,
            action="accept",
            object_type="receipt",
            object_id=receipt.pk,
            summary=f"{receipt.filename} → {money_services.transaction_summary(tx)}",
        )
    return tx


def receipt_delete(*, receipt: Receipt) -> None:
    with transaction.atomic():
        pk = receipt.pk
        receipt.delete()
        activity.record(
            ledger_id=receipt.ledger_id,
            action="delete",
            object_type="receipt",
            object_id=pk,
            summary=receipt.filename,
        )


def receipts_prune(*, keep_days: int) -> int:
    """Receipts nobody accepted or discarded within `keep_days` go, with their files; so do
    scans a dead worker left running for an hour (failed, for the user to see)."""
    now = timezone.now()
    Receipt.objects.filter(
        status__in=(ReceiptStatus.QUEUED, ReceiptStatus.RUNNING),
        updated_at__lt=now - dt.timedelta(hours=1),
    ).update(status=ReceiptStatus.FAILED, detail="The scan was interrupted; upload it again.")
    old = list(Receipt.objects.filter(created_at__lt=now - dt.timedelta(days=keep_days)))
    for receipt in old:
        with transaction.atomic():
            receipt.delete()
    return len(old)
