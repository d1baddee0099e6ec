"""Attachments of a transaction (/ledgers/{lid}/transactions/{id}/attachments) and
scanned receipts (/ledgers/{lid}/receipts), SPEC §17."""

from typing import Any
from uuid import UUID

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from ninja import File, Path, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import ValidationError as PydanticValidationError

from budget.common.errors import Invalid, NotFound
from budget.common.handlers import clean_message
from budget.common.pagination import Pages
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.models import Ledger, Role
from budget.money import selectors as money_selectors
from budget.money.models import Transaction
from budget.money.schemas import TransactionIn, TransactionOut
from budget.receipts import selectors, services
from budget.receipts.models import Attachment, Receipt
from budget.receipts.schemas import AttachmentOut, ReceiptAcceptIn, ReceiptOut, ReceiptQueuedOut

attachments = Router(tags=["receipts"], auth=LedgerAuth())
receipts = Router(tags=["receipts"], auth=LedgerAuth())

_FILE_ANSWER = {
    "description": "The file, as an attachment (never shown inline).",
    "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
}


def _transaction(ledger: Ledger, transaction_id: UUID) -> Transaction:
    tx = selectors.transaction_get(ledger=ledger, transaction_id=transaction_id)
    if tx is None:
        raise NotFound("Transaction not found.")
    return tx


def _attachment(tx: Transaction, attachment_id: UUID) -> Attachment:
    attachment = selectors.attachment_get(tx=tx, attachment_id=attachment_id)
    if attachment is None:
        raise NotFound("Attachment not found.")
    return attachment


def _receipt(ledger: Ledger, receipt_id: UUID) -> Receipt:
    receipt = selectors.receipt_get(ledger=ledger, receipt_id=receipt_id)
    if receipt is None:
        raise NotFound("Receipt not found.")
    return receipt


def _download(file_name: str, filename: str, content_type: str) -> FileResponse:
    """Streamed from the storage in chunks; a browser saves it and never runs it."""
    response = FileResponse(
        default_storage.open(file_name, "rb"),
        as_attachment=True,
        filename=filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Attachments ------------------------------------------------------------------------------


@attachments.post("", response={201: AttachmentOut})
def attachment_create(
    request: HttpRequest, lid: Path[UUID], transaction_id: Path[UUID], file: File[UploadedFile]
):
    """Attaches a file (multipart `file`): JPEG, PNG, WebP, HEIC or PDF, decided by its
    content; at most ATTACHMENT_MAX_BYTES (413). Images are stored without their metadata
    (EXIF, GPS)."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    tx = _transaction(ledger, transaction_id)
    return Status(201, services.attachment_create(tx=tx, user=request.auth, upload=file))


@attachments.get("", response=list[AttachmentOut])
@paginate(Pages)
def attachment_list(request: HttpRequest, lid: Path[UUID], transaction_id: Path[UUID]):
    tx = _transaction(ledger_access(request, lid), transaction_id)
    return selectors.attachments_of(tx=tx)


@attachments.get(
    "/{uuid:attachment_id}", response={200: None}, openapi_extra={"responses": {200: _FILE_ANSWER}}
)
def attachment_download(
    request: HttpRequest, lid: Path[UUID], transaction_id: Path[UUID], attachment_id: UUID
):
    """The file, streamed, with its stored content type, `Content-Disposition: attachment`
    and `X-Content-Type-Options: nosniff`."""
    tx = _transaction(ledger_access(request, lid), transaction_id)
    attachment = _attachment(tx, attachment_id)
    return _download(attachment.file.name, attachment.filename, attachment.content_type)


@attachments.delete("/{uuid:attachment_id}", response={204: None})
def attachment_delete(
    request: HttpRequest, lid: Path[UUID], transaction_id: Path[UUID], attachment_id: UUID
):
    ledger = ledger_access(request, lid, Role.EDITOR)
    attachment = _attachment(_transaction(ledger, transaction_id), attachment_id)
    services.attachment_delete(attachment=attachment)
    return Status(204, None)


# --- Receipts ---------------------------------------------------------------------------------


@receipts.post("", response={202: ReceiptQueuedOut})
def receipt_create(request: HttpRequest, lid: Path[UUID], file: File[UploadedFile]):
    """Queues a receipt (a photo or PDF, multipart `file`) for reading; poll `GET
    …/receipts/{id}` for the suggestion. 503 `ocr_unavailable` when the server has no
    Tesseract."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    receipt = services.receipt_create(ledger=ledger, user=request.auth, upload=file)
    return Status(202, receipt)


@receipts.get("", response=list[ReceiptOut])
@paginate(Pages)
def receipt_list(request: HttpRequest, lid: Path[UUID]):
    """Receipts not yet accepted or discarded, newest first."""
    return selectors.receipts_of(ledger=ledger_access(request, lid))


@receipts.get("/{uuid:receipt_id}", response=ReceiptOut)
def receipt_detail(request: HttpRequest, lid: Path[UUID], receipt_id: UUID):
    return _receipt(ledger_access(request, lid), receipt_id)


@receipts.get(
    "/{uuid:receipt_id}/file",
    response={200: None},
    openapi_extra={"responses": {200: _FILE_ANSWER}},
)
def receipt_file(request: HttpRequest, lid: Path[UUID], receipt_id: UUID):
    """The receipt's stored file (images without their metadata), streamed."""
    receipt = _receipt(ledger_access(request, lid), receipt_id)
    return _download(receipt.file.name, receipt.filename, receipt.content_type)


def _accepted_data(receipt: Receipt, overrides: dict[str, Any]) -> dict[str, Any]:
    """The suggestion's fields with the overrides on top, read as POST /transactions reads
    a body; 422 naming the field that is wrong or missing."""
    suggested = {
        key: value
        for key, value in (receipt.suggestion or {}).items()
        if key in {"kind", "date", "amount", "payee_name", "description", "category", "wallet"}
        and value not in (None, "")
    }
    suggested.setdefault("kind", "expense")
    try:
        return TransactionIn.model_validate({**suggested, **overrides}).dict()
    except PydanticValidationError as error:
        errors = [
            {
                "field": ".".join(map(str, e["loc"])) or "overrides",
                "message": clean_message(e["msg"]),
            }
            for e in error.errors()
        ]
        fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
        raise Invalid(f"The transaction is invalid: {fields}.", errors=errors) from error


@receipts.post("/{uuid:receipt_id}/accept", response={201: TransactionOut})
def receipt_accept(
    request: HttpRequest, lid: Path[UUID], receipt_id: UUID, payload: ReceiptAcceptIn | None = None
):
    """Creates the transaction from the suggestion and `overrides` (every rule of POST
    /transactions applies) with the receipt attached; the receipt leaves the list."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    receipt = _receipt(ledger, receipt_id)
    services.receipt_ready_check(receipt=receipt)  # before the fields: they may be missing yet
    data = _accepted_data(receipt, payload.overrides if payload else {})
    tx = services.receipt_accept(receipt=receipt, data=data, user=request.auth)
    return Status(201, money_selectors.transactions_of(ledger=ledger).get(pk=tx.pk))


@receipts.delete("/{uuid:receipt_id}", response={204: None})
def receipt_delete(request: HttpRequest, lid: Path[UUID], receipt_id: UUID):
    """Discards a receipt and its file."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.receipt_delete(receipt=_receipt(ledger, receipt_id))
    return Status(204, None)
