"""Django-Q2 tasks: they only load ids and call services."""

from uuid import UUID

from django.conf import settings

from budget.receipts import services


def receipt_scan_task(receipt_id: str) -> str:
    """Reads a receipt (queued by `receipt_create`): "done", "failed" or "skipped"."""
    return services.receipt_scan(receipt_id=UUID(receipt_id))


def receipts_prune_task() -> int:
    """Daily: receipts left unaccepted for RECEIPT_KEEP_DAYS go, interrupted scans fail."""
    return services.receipts_prune(keep_days=settings.RECEIPT_KEEP_DAYS)
