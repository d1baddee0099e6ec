import uuid

from django.db import models
from django.db.models import Q

from budget.common.money import MoneyField
from budget.ledgers.models import Ledger
from budget.money.models import Bucket, Category, Kind, Wallet


class Frequency(models.TextChoices):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"


class RecurringTransaction(models.Model):
    """A template that becomes a transaction on every date of its schedule (SPEC §8).

    Occurrences are start_date + k·interval·unit; `last_date` is the newest occurrence
    already made and `next_date` the first one still to come (null: the schedule is over).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(
        Ledger, on_delete=models.CASCADE, related_name="recurring_transactions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = MoneyField()
    description = models.CharField(max_length=255, blank=True, default="")
    notes = models.TextField(max_length=2000, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    wallet = models.ForeignKey(
        Wallet, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    bucket = models.ForeignKey(
        Bucket, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    from_wallet = models.ForeignKey(
        Wallet, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    to_wallet = models.ForeignKey(
        Wallet, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    from_bucket = models.ForeignKey(
        Bucket, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    to_bucket = models.ForeignKey(
        Bucket, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    interval = models.PositiveIntegerField(default=1)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    last_date = models.DateField(null=True, blank=True, editable=False)
    next_date = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(interval__gte=1), name="planning_interval_min"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="planning_end_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_date"], condition=Q(active=True), name="planning_recurring_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.frequency}/{self.interval} from {self.start_date}"
