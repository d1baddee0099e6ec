import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from budget.ledgers.models import Ledger


class NotificationKind(models.TextChoices):
    BUDGET_WARNING = "budget_warning", "A budget reached its alert percentage"
    BUDGET_EXCEEDED = "budget_exceeded", "A budget was exceeded"
    RECURRING_SKIPPED = (
        "recurring_skipped",
        "A recurring transaction was not made: no exchange rate for its date",
    )


class Notification(models.Model):
    """A message for one user, shown in the app (and mailed when they opted in)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ledger = models.ForeignKey(
        Ledger, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    message = models.TextField(max_length=2000)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notifications_user_newest"),
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notifications_user_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.title}"
