"""The one table every app shares: the Idempotency-Key records of POST requests."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """A key a user sent with a POST, the hash of its body and the answer to replay.

    `status` is null while the first request with the key still runs. Records live 24 hours
    (`budget.idempotency.middleware.KEY_LIFETIME`); expired ones are deleted when the same user
    sends a new key, so no scheduled job is needed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    # Only paths Django resolved (uuids in them) get here, so they stay short.
    path = models.TextField()
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    content = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "method", "path", "key"], name="idempotency_key_once_per_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
