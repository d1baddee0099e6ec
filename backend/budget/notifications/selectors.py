"""Reads of notifications: a user only ever sees their own, and only of ledgers they still
belong to (one they left is another ledger now: SPEC invariant 4)."""

from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet

from budget.accounts.models import User
from budget.ledgers.models import Membership
from budget.notifications.models import Notification


def visible_to(user: User) -> QuerySet[Notification]:
    """The user's notifications, but for those of a ledger they are no longer a member of."""
    member = Membership.objects.filter(ledger_id=OuterRef("ledger_id"), user=user)
    return Notification.objects.filter(user=user).filter(Q(ledger__isnull=True) | Exists(member))


def notifications_of(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """Newest first; `unread` True → only unread, False → only read, None → all."""
    rows = visible_to(user)
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    return rows.order_by("-created_at", "-id")


def notification_get(*, user: User, notification_id: UUID) -> Notification | None:
    return visible_to(user).filter(pk=notification_id).first()
