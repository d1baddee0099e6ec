"""Reads of notifications: a user only ever sees their own."""

from uuid import UUID

from django.db.models import QuerySet

from budget.accounts.models import User
from budget.notifications.models import Notification


def notifications_of(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """Newest first; `unread` True → only unread, False → only read, None → all."""
    rows = Notification.objects.filter(user=user)
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    return rows.order_by("-created_at", "-id")


def notification_get(*, user: User, notification_id: UUID) -> Notification | None:
    return Notification.objects.filter(user=user, pk=notification_id).first()
