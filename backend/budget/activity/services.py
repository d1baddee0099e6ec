"""The activity log's upkeep: old entries go after `ACTIVITY_KEEP_DAYS` (SPEC §16)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from budget.activity.models import Entry


def entries_prune(*, now=None) -> int:
    """Deletes entries older than ACTIVITY_KEEP_DAYS (0 keeps everything); returns how many."""
    keep = int(getattr(settings, "ACTIVITY_KEEP_DAYS", 730))
    if keep <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=keep)
    deleted, _ = Entry.objects.filter(at__lt=cutoff).delete()
    return deleted
