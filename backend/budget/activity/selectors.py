"""Reads of a ledger's activity log: newest first, filtered as `GET …/activity` asks."""

from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from budget.activity.models import Entry
from budget.ledgers.models import Ledger


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def entries_of(*, ledger: Ledger, filters: Any) -> QuerySet[Entry]:
    rows = Entry.objects.filter(ledger=ledger)
    if filters.object_type:
        rows = rows.filter(object_type=filters.object_type)
    if filters.object_id:
        rows = rows.filter(object_id=filters.object_id)
    if filters.actor:
        rows = rows.filter(actor_id=filters.actor)
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.date_from:
        rows = rows.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        rows = rows.filter(at__lt=_day_start(filters.date_to) + timezone.timedelta(days=1))
    return rows.order_by("-at", "-id")
