"""Shared expenses (SPEC §15): groups of people who split costs without sharing a ledger.

A participant's `paid` and `owed` are running totals kept by the expense services in the
same database transaction as every expense write (like money's rollup), so balances and
settle-up read one row per participant whatever the number of expenses."""

import uuid

from django.conf import settings
from django.db import models

from budget.common.money import MoneyField


class Group(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, default="EUR")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    """A person in a group: a name only (a guest) until a user accepts the invitation sent
    to `email`, then `user` is set (linked)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    admin = models.BooleanField(default=False)
    payment_link = models.CharField(max_length=500, blank=True, default="")
    paid = MoneyField(default=0)
    owed = MoneyField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=models.Q(user__isnull=False),
                name="groups_participant_user_once",
            ),
        ]
        indexes = [models.Index(fields=["user", "group"])]

    def __str__(self) -> str:
        return self.name


class SplitMode(models.TextChoices):
    EQUAL = "equal", "Equal"
    SHARES = "shares", "Shares"
    PERCENT = "percent", "Percent"
    EXACT = "exact", "Exact"


class Expense(models.Model):
    """`amount` is in `currency`, as the receipt said. In another currency than the group's,
    `rate` (group units per unit) was given with it and `group_amount` = amount * rate,
    rounded half away from zero to the cent once and frozen: shares, balances and mirrors
    are in the group's currency, from `group_amount`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="expenses")
    title = models.CharField(max_length=200)
    amount = MoneyField()
    date = models.DateField()
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    group_amount = MoneyField()
    category_name = models.CharField(max_length=100, blank=True, default="")
    notes = models.TextField(max_length=2000, blank=True, default="")
    is_payment = models.BooleanField(default=False)
    split_mode = models.CharField(max_length=10, choices=SplitMode.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["group", "-date", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class Payer(models.Model):
    """Who paid how much of an expense: `amount` in the expense's currency, `paid` its part
    of the expense's `group_amount` (the same when the expense is in the group's currency)."""

    id = models.BigAutoField(primary_key=True)
    expense = models.ForeignKey(Expense, on_delete=models.CASCADE, related_name="payers")
    participant = models.ForeignKey(Participant, on_delete=models.RESTRICT, related_name="+")
    amount = MoneyField()
    paid = MoneyField()
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.amount}"


class Share(models.Model):
    """A part of an expense's split: the `value` given (shares, percent or exact amount, as
    typed; empty for equal) and the `owed` amount it came to."""

    id = models.BigAutoField(primary_key=True)
    expense = models.ForeignKey(Expense, on_delete=models.CASCADE, related_name="shares")
    participant = models.ForeignKey(Participant, on_delete=models.RESTRICT, related_name="+")
    value = models.CharField(max_length=40, blank=True, default="")
    owed = MoneyField()
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.owed}"


class Connection(models.Model):
    """A linked participant's group connected to one of their ledgers: every expense is
    mirrored there (their share as an expense from `loan_wallet`, what they paid as a
    transfer from `pay_wallet` to it)."""

    id = models.BigAutoField(primary_key=True)
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="connection"
    )
    ledger = models.ForeignKey("ledgers.Ledger", on_delete=models.CASCADE, related_name="+")
    loan_wallet = models.ForeignKey("money.Wallet", on_delete=models.CASCADE, related_name="+")
    pay_wallet = models.ForeignKey("money.Wallet", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        "money.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.participant_id} → {self.ledger_id}"


class Activity(models.Model):
    """The group's feed: who created, changed or deleted which expense, when."""

    id = models.BigAutoField(primary_key=True)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="activity")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20)
    # Not a foreign key: the feed names deleted expenses too.
    expense_id = models.UUIDField(null=True)
    summary = models.CharField(max_length=255)
    changes = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["group", "-at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.summary}"
