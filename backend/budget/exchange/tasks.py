"""Django-Q2 tasks: they only load ids and call services."""

from uuid import UUID

from budget.exchange import import_services


def import_run_task(job_id: str, run_id: str) -> str:
    """Commits a CSV import (queued by `import_commit`); "done", "failed" or "skipped"."""
    return import_services.import_run(job_id=UUID(job_id), run_id=UUID(run_id))


def import_undo_task(job_id: str, run_id: str, user_id: str | None, via: str) -> str:
    """Undoes a large import (queued by `import_delete`); "done" or "skipped"."""
    return import_services.import_undo(
        job_id=UUID(job_id),
        run_id=UUID(run_id),
        user_id=UUID(user_id) if user_id else None,
        via=via,
    )


def import_jobs_sweep() -> dict[str, int]:
    """Scheduled every 5 minutes: restarts stale imports and undos, discards old uncommitted
    ones."""
    return import_services.import_jobs_sweep()
