import uuid
from datetime import date

from django.db import models
from django.db.models import Q

from budget.common.money import MoneyField
from budget.ledgers.models import Ledger
from budget.money.models import Bucket, Category, TransactionFields


def month_text(day: date) -> str:
    """A month as the API writes it: "2025-03"."""
    return f"{day.year:04d}-{day.month:02d}"


class Frequency(models.TextChoices):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"


class RecurringTransaction(TransactionFields):
    """A template that becomes a transaction on every date of its schedule (SPEC §8).

    Occurrences are start_date + k·interval·unit; `last_date` is the newest occurrence
    already made and `next_date` the first one still to come (null: the schedule is over).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(
        Ledger, on_delete=models.CASCADE, related_name="recurring_transactions"
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


class Budget(models.Model):
    """A monthly spending limit for one expense category, from `start_month` to `end_month`
    (inclusive; none: open-ended). Months are stored as their first day.

    Two budgets of one category never cover the same month (the service refuses it with
    409), so a category's status in a month is one budget's.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="budgets")
    category = models.ForeignKey(Category, on_delete=models.RESTRICT, related_name="budgets")
    amount = MoneyField()
    alert_percent = models.PositiveSmallIntegerField(default=80)
    # What is left of a month's limit (or the overspend, negative) carries into the next
    # month's, month after month from start_month (SPEC §18).
    rollover = models.BooleanField(default=False)
    start_month = models.DateField()
    end_month = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="planning_budget_amount"),
            models.CheckConstraint(
                condition=Q(alert_percent__gte=1, alert_percent__lte=100),
                name="planning_budget_alert_percent",
            ),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gte=models.F("start_month")),
                name="planning_budget_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["ledger", "category", "start_month"], name="planning_budget_cat"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} a month for {self.category_id} from {self.start_month:%Y-%m}"


class Threshold(models.TextChoices):
    WARNING = "warning"  # alert_percent reached
    EXCEEDED = "exceeded"  # over 100 %


class BudgetAlert(models.Model):
    """That a budget's threshold was crossed in a month, and its notification sent.

    The unique key is what makes the notification go out once: two checks at once (two
    workers, the on-commit task and the daily job) both try to insert the row, one wins.
    """

    id = models.BigAutoField(primary_key=True)
    # The budget's ledger (README "Distributing by ledger"): always the budget's.
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+", db_index=False)
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="alerts")
    month = models.DateField()
    threshold = models.CharField(max_length=10, choices=Threshold.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "month", "threshold"], name="planning_budget_alert_once"
            ),
        ]
        indexes = [
            # A ledger's alerts by budget (the backup, a ledger's deletion).
            models.Index(fields=["ledger", "budget"], name="planning_alert_ledger_budget"),
        ]

    def __str__(self) -> str:
        return f"{self.budget_id} {self.month:%Y-%m} {self.threshold}"


class Goal(models.Model):
    """Saving `target_amount` in a bucket, optionally by `target_date`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="goals")
    name = models.CharField(max_length=100)
    bucket = models.ForeignKey(Bucket, on_delete=models.RESTRICT, related_name="goals")
    target_amount = MoneyField()
    target_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(target_amount__gt=0), name="planning_goal_target_amount"
            ),
        ]

    def __str__(self) -> str:
        return self.name
