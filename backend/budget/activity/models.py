import uuid

from django.conf import settings
from django.db import models

from budget.ledgers.models import Ledger


class Entry(models.Model):
    """One write to a ledger: who, how they were signed in, what and which fields changed.
    Written in the same transaction as the write itself; never changed afterwards."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    # The account may go later; who it was stays readable.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True, default="")
    via = models.CharField(max_length=120)
    action = models.CharField(max_length=20)
    object_type = models.CharField(max_length=30)
    object_id = models.UUIDField(null=True, blank=True)
    summary = models.CharField(max_length=255, blank=True, default="")
    changes = models.JSONField(default=dict, blank=True)
    count = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["ledger", "-at"], name="activity_ledger_newest"),
            models.Index(fields=["ledger", "object_id", "-at"], name="activity_object_newest"),
            models.Index(fields=["at"], name="activity_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} by {self.actor_email or self.via}"
