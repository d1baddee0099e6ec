import uuid

from django.db import models

from budget.ledgers.models import Ledger

# What a webhook can subscribe to (SPEC §16); "*" is every one of them.
EVENTS = (
    "transaction.created",
    "transaction.updated",
    "transaction.deleted",
    "import.finished",
    "budget.alert",
)
ALL_EVENTS = "*"


class Webhook(models.Model):
    """An owner's URL that is told about events in a ledger, by signed POSTs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    # Kept as it is (the HMAC needs it), shown once when the webhook is created.
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["ledger", "active"])]

    def __str__(self) -> str:
        return f"{self.url} ({', '.join(self.events)})"

    def wants(self, event: str) -> bool:
        return ALL_EVENTS in self.events or event in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # waiting for its first attempt or a retry
    SUCCEEDED = "succeeded"  # the receiver answered 2xx
    FAILED = "failed"  # every attempt failed, or the webhook went


class Delivery(models.Model):
    """One event for one webhook: the exact body sent (every attempt sends the same bytes,
    and its `id` lets a receiver drop repeats) and how the attempts went."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The webhook's ledger (README "Distributing by ledger"): always the webhook's.
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+", db_index=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # When the next attempt is due; an attempt takes the delivery by moving it on (a lease),
    # so the on-commit task and the retry sweep never send one twice at once.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # A webhook's deliveries, newest first (the list filters on both).
            models.Index(
                fields=["ledger", "webhook", "-created_at"], name="webhooks_delivery_newest"
            ),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhooks_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook_id}: {self.status}"
