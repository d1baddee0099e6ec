"""Exports of one ledger (/ledgers/{lid}/export.csv, /ledgers/{lid}/export.json) and the
restore of an exported ledger into a new one (POST /ledgers/import-json)."""

import json
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from ninja import Path, Query, Router, Status

from budget.common.errors import ApiError
from budget.exchange import selectors, services
from budget.exchange.schemas import ImportedLedgerOut
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.money.schemas import Ordering, TransactionFilters

exports = Router(tags=["exports"], auth=LedgerAuth())
imports = Router(tags=["exports"])

MAX_IMPORT_BYTES = 200 * 1024 * 1024


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"


class BadBody(ApiError):
    status = 400
    code = "bad_request"


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@exports.get("/export.csv")
def export_csv(
    request: HttpRequest,
    lid: Path[UUID],
    filters: Query[TransactionFilters],
    ordering: Ordering = "date",
):
    """The transactions that match the filters, as CSV, streamed (constant memory)."""
    ledger = ledger_access(request, lid)
    chunks = selectors.csv_chunks(
        ledger=ledger, filters=filters.get_filter_expression(), ordering=ordering
    )
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{ledger.name}-transactions.csv")


@exports.get("/export.json")
def export_json(request: HttpRequest, lid: Path[UUID]):
    """The whole ledger: wallets, buckets, categories, transactions and their splits."""
    ledger = ledger_access(request, lid)
    body = json.dumps(selectors.ledger_document(ledger=ledger), ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    return _attachment(response, f"{ledger.name}-ledger.json")


@imports.post(
    "",
    response={201: ImportedLedgerOut},
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A document from GET /ledgers/{lid}/export.json.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def import_json(request: HttpRequest):
    """Restores an exported ledger into a new one that the caller owns; all or nothing."""
    # Read here rather than by ninja: an export is far bigger than Django's default
    # DATA_UPLOAD_MAX_MEMORY_SIZE, so this endpoint has its own limit.
    limit = getattr(settings, "EXCHANGE_IMPORT_MAX_BYTES", MAX_IMPORT_BYTES)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise PayloadTooLarge(f"A ledger document may be at most {limit} bytes.")
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge(f"A ledger document may be at most {limit} bytes.")
    try:
        data = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadBody("The request body is not valid JSON.") from error
    document = services.document_parse(data)
    ledger = services.ledger_restore(owner=request.auth, document=document)
    return Status(
        201,
        {"id": str(ledger.pk), "name": ledger.name, "currency": ledger.currency, "role": "owner"},
    )
