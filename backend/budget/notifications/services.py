"""Every write about notifications: creating them (and mailing them), marking them read."""

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from budget.accounts.models import User
from budget.ledgers.models import Ledger
from budget.notifications import selectors
from budget.notifications.models import Notification

logger = logging.getLogger(__name__)


def notifications_create(
    *,
    users: Iterable[User],
    ledger: Ledger | None,
    kind: str,
    title: str,
    message: str,
    data: dict[str, Any] | None = None,
) -> list[Notification]:
    """One notification per user, in one INSERT. Users who opted in to email and verified
    their address get it by mail once the database transaction commits (an unverified
    address may be someone else's); a mail that fails is logged, never raised."""
    users = list(users)
    rows = [
        Notification(
            user=user,
            ledger=ledger,
            kind=kind,
            title=title,
            message=message,
            data=data or {},
        )
        for user in users
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows)
        recipients = [
            u.email
            for u in users
            if u.email_notifications and u.email and u.is_active and u.email_verified
        ]
        if recipients:
            transaction.on_commit(lambda: _mail(recipients, title, message))
    return rows


def _mail(recipients: list[str], subject: str, body: str) -> None:
    """One message per recipient, so one bad address does not keep the mail from the others."""
    try:
        connection = get_connection()
    except Exception:
        logger.exception("Notification mail not sent: the email backend is unavailable.")
        return
    for address in recipients:
        try:
            EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[address],
                connection=connection,
            ).send()
        except Exception:
            logger.exception("Notification mail to %s was not sent.", address)


def notification_read(*, notification: Notification) -> Notification:
    """Marks it read; reading it again keeps the first time it was read."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_read_all(*, user: User) -> int:
    """Marks every unread notification the user sees read; returns how many it marked."""
    return selectors.visible_to(user).filter(read_at__isnull=True).update(read_at=timezone.now())
