"""Exports of one ledger (/ledgers/{lid}/export.csv, /ledgers/{lid}/export.json), the
restore of an exported ledger into a new one (POST /ledgers/import-json), and CSV import
jobs (/ledgers/{lid}/imports/…)."""

import json
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from ninja import File, Form, Path, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from budget.common.errors import NotFound, PayloadTooLarge
from budget.common.pagination import Pages
from budget.common.parser import JsonTooDeep, UnstorableText, as_invalid
from budget.exchange import import_services, profiles, selectors, services
from budget.exchange.models import ImportJob, ImportProfile
from budget.exchange.reader import document_read
from budget.exchange.schemas import (
    CommitIn,
    ImportedLedgerOut,
    ImportJobOut,
    ImportJobSummaryOut,
    ImportOptionsIn,
    ImportProfileIn,
    ImportProfileOut,
    ImportProfilePatch,
    LedgerDocument,
)
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.models import Ledger, Role
from budget.money.schemas import Ordering, TransactionFilters

exports = Router(tags=["exports"], auth=LedgerAuth())
imports = Router(tags=["exports"])
imports_jobs = Router(tags=["imports"], auth=LedgerAuth())
import_profiles = Router(tags=["imports"], auth=LedgerAuth())


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
    """The transactions that match the filters, as CSV, streamed (constant memory). Text
    cells a spreadsheet would run (starting with = + - @, tab or CR) carry a leading `'`,
    which the import takes off again; amounts are plain numbers."""
    ledger = ledger_access(request, lid)
    chunks = selectors.csv_chunks(
        ledger=ledger, filters=filters.get_filter_expression(), ordering=ordering
    )
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{ledger.name}-transactions.csv")


@exports.get("/export.json", response=LedgerDocument)
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
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/LedgerDocument"}}
            },
        }
    },
)
def import_json(request: HttpRequest):
    """Restores an exported ledger into a new one that the caller owns; all or nothing."""
    # Read here rather than by ninja: an export is far bigger than Django's default
    # DATA_UPLOAD_MAX_MEMORY_SIZE, so this endpoint has its own limit; and it is read as a
    # stream, each transaction kept only as its model (see budget.exchange.reader).
    limit = settings.EXCHANGE_IMPORT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise PayloadTooLarge(f"A ledger document may be at most {limit} bytes.")
    try:
        data = document_read(request, limit=limit)
    except (JsonTooDeep, UnstorableText) as error:
        raise as_invalid(error) from error
    document = services.document_parse(data)
    ledger = services.ledger_restore(owner=request.auth, document=document)
    return Status(
        201,
        {"id": str(ledger.pk), "name": ledger.name, "currency": ledger.currency, "role": "owner"},
    )


# --- CSV import jobs ------------------------------------------------------------------------


def _job(ledger: Ledger, job_id: UUID) -> ImportJob:
    job = selectors.import_job_get(ledger=ledger, job_id=job_id)
    if job is None:
        raise NotFound("Import not found.")
    return job


@imports_jobs.post("", response={201: ImportJobOut})
def import_create(
    request: HttpRequest,
    lid: Path[UUID],
    file: File[UploadedFile],
    options: Form[ImportOptionsIn],
):
    """Checks every row of a CSV file; nothing is written to the ledger yet. `profile`
    names an import profile whose options apply unless a form field gives one. The answer
    says `validated` (at least one row is valid: ready to commit, with any row errors
    listed) or `invalid` (no valid row); errors carry the line numbers of the file."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    given = {name for name, value in options.dict(exclude_unset=True).items() if value is not None}
    raw = profiles.import_options_merge(ledger=ledger, form=options.dict(), given=given)
    job = import_services.import_validate(
        ledger=ledger, user=request.auth, upload=file, options=raw
    )
    return Status(201, job)


@imports_jobs.get("", response=list[ImportJobSummaryOut])
@paginate(Pages)
def import_list(request: HttpRequest, lid: Path[UUID]):
    return selectors.import_jobs_of(ledger=ledger_access(request, lid))


@imports_jobs.get("/{uuid:job_id}", response=ImportJobOut)
def import_detail(request: HttpRequest, lid: Path[UUID], job_id: UUID):
    """The job; while it runs, `processed` of `total` rows for a progress bar."""
    return _job(ledger_access(request, lid), job_id)


@imports_jobs.post("/{uuid:job_id}/commit", response={202: ImportJobOut})
def import_commit(
    request: HttpRequest, lid: Path[UUID], job_id: UUID, payload: CommitIn | None = None
):
    """Queues the import: a worker inserts every row in one database transaction. The
    body may be left out (`skip_duplicates` and `skip_invalid` false). A file with invalid
    rows needs `skip_invalid` (409 `invalid_rows` without): only its valid rows go in."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    job = import_services.import_commit(
        job=_job(ledger, job_id),
        skip_duplicates=bool(payload and payload.skip_duplicates),
        skip_invalid=bool(payload and payload.skip_invalid),
    )
    return Status(202, job)


@imports_jobs.delete("/{uuid:job_id}", response={202: ImportJobOut, 204: None})
def import_delete(request: HttpRequest, lid: Path[UUID], job_id: UUID):
    """Undoes a done import (its transactions and their allocations), or discards a job
    that was never committed (204). An import of more than IMPORT_UNDO_SYNC_ROWS (1000)
    transactions is undone by a worker: 202 with the job, `undoing`, whose `processed` of
    `total` counts the transactions removed until it is `undone`."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    job = import_services.import_delete(job=_job(ledger, job_id))
    return Status(204, None) if job is None else Status(202, job)


# --- Import profiles ------------------------------------------------------------------------


def _profile(ledger: Ledger, profile_id: UUID) -> ImportProfile:
    profile = selectors.import_profile_get(ledger=ledger, profile_id=profile_id)
    if profile is None:
        raise NotFound("Import profile not found.")
    return profile


def _profile_data(payload: ImportProfileIn | ImportProfilePatch) -> dict:
    data = payload.dict(exclude_unset=True)
    if payload.options is not None:  # only the options given, as the import reads them
        data["options"] = payload.options.dict(exclude_unset=True)
    return data


@import_profiles.get("", response=list[ImportProfileOut])
@paginate(Pages)
def import_profile_list(request: HttpRequest, lid: Path[UUID]):
    return selectors.import_profiles_of(ledger=ledger_access(request, lid))


@import_profiles.post("", response={201: ImportProfileOut})
def import_profile_create(request: HttpRequest, lid: Path[UUID], payload: ImportProfileIn):
    """Saves import options under a name (unique in the ledger, 409); `options` takes any
    of the import's form fields, checked as the import checks them (unknown keys: 422)."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    data = {"options": {}, **_profile_data(payload)}
    return Status(201, profiles.import_profile_create(ledger=ledger, **data))


@import_profiles.get("/{uuid:profile_id}", response=ImportProfileOut)
def import_profile_detail(request: HttpRequest, lid: Path[UUID], profile_id: UUID):
    return _profile(ledger_access(request, lid), profile_id)


@import_profiles.patch("/{uuid:profile_id}", response=ImportProfileOut)
def import_profile_update(
    request: HttpRequest, lid: Path[UUID], profile_id: UUID, payload: ImportProfilePatch
):
    """`options`, when given, replaces the saved options whole."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    return profiles.import_profile_update(
        profile=_profile(ledger, profile_id), changes=_profile_data(payload)
    )


@import_profiles.delete("/{uuid:profile_id}", response={204: None})
def import_profile_delete(request: HttpRequest, lid: Path[UUID], profile_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    profiles.import_profile_delete(profile=_profile(ledger, profile_id))
    return Status(204, None)
