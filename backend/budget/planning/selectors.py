"""Reads of recurring transactions."""

from datetime import date
from uuid import UUID

from django.db.models import QuerySet

from budget.ledgers.models import Ledger
from budget.planning.models import RecurringTransaction


def recurring_of(*, ledger: Ledger) -> QuerySet[RecurringTransaction]:
    return RecurringTransaction.objects.filter(ledger=ledger).order_by("created_at", "id")


def recurring_due_ids(*, today: date) -> list[UUID]:
    """Active templates with an occurrence dated up to `today` not made yet."""
    return list(
        RecurringTransaction.objects.filter(active=True, next_date__lte=today)
        .order_by("next_date", "id")
        .values_list("pk", flat=True)
    )
