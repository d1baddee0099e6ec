"""How far a running import is, kept outside the database.

The worker inserts an import's rows in one database transaction, which nobody else sees
until it commits; so after each chunk it writes its count to a cache every process shares
(`IMPORT_PROGRESS_CACHE`: Redis, or the file cache of the embedded default), and the API
reads it from there. The same entry is the worker's heartbeat: a running job with no sign
of life for `IMPORT_STALE_SECONDS` is stale (its worker was stopped).
"""

import time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import caches

from budget.exchange.models import ImportJob, ImportStatus

KEEP_SECONDS = 24 * 3600
# The states in which a worker is at a job: importing it, or undoing it.
WORKING = (ImportStatus.RUNNING, ImportStatus.UNDOING)


def _cache():
    return caches[settings.IMPORT_PROGRESS_CACHE]


def _key(job_id: UUID) -> str:
    return f"import-progress:{job_id}"


def progress_set(*, job_id: UUID, run_id: UUID, processed: int) -> None:
    _cache().set(
        _key(job_id),
        {"run": str(run_id), "processed": processed, "at": time.time()},
        KEEP_SECONDS,
    )


def progress_of(job: ImportJob) -> dict[str, Any] | None:
    """The progress of the job's current run, or None; read once per job object."""
    if not hasattr(job, "_progress"):
        entry = None
        if job.status in WORKING:
            entry = _cache().get(_key(job.pk))
            if not entry or entry.get("run") != str(job.run_id):
                entry = None
        job._progress = entry
    return job._progress


def processed_of(job: ImportJob) -> int:
    """Rows imported so far of `total` (undoing: transactions removed so far)."""
    if job.status in (ImportStatus.DONE, ImportStatus.UNDONE):
        return job.created_count
    entry = progress_of(job)
    return entry["processed"] if entry else 0


def is_stale(job: ImportJob) -> bool:
    """A running (or undoing) job whose worker has shown no sign of life for
    IMPORT_STALE_SECONDS."""
    if job.status not in WORKING:
        return False
    entry = progress_of(job)
    seen = max(job.started_at.timestamp() if job.started_at else 0, entry["at"] if entry else 0)
    return time.time() - seen > settings.IMPORT_STALE_SECONDS
