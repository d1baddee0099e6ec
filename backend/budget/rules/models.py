import uuid

from django.db import models

from budget.ledgers.models import Ledger


class Match(models.TextChoices):
    ALL = "all"
    ANY = "any"


class Rule(models.Model):
    """Fills what a new transaction left empty when its conditions match (SPEC §12).

    `conditions` ([{field, op, value}]) and `actions` ([{field, value}]) are stored as the
    service checked them (`budget.rules.vocabulary`): ids and amounts as strings. The rules
    of a ledger run in `position` order (ties: the older first)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    position = models.IntegerField(default=0)
    match = models.CharField(max_length=3, choices=Match.choices, default=Match.ALL)
    conditions = models.JSONField(default=list)
    actions = models.JSONField(default=list)
    stop = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["ledger", "position", "created_at"], name="rules_order")]

    def __str__(self) -> str:
        return self.name
