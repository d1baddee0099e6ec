"""Every write of a ledger's own rates (SPEC §14)."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from budget.accounts.models import User
from budget.common import activity
from budget.common.errors import Invalid
from budget.ledgers.models import Ledger
from budget.ledgers.services import ledger_lock, ledger_version_bump
from budget.rates.models import LedgerRate
from budget.rates.values import rate_text


def _summary(rate: LedgerRate, base: str) -> str:
    return f"1 {rate.currency} = {rate_text(rate.rate)} {base} on {rate.date.isoformat()}"


def _changed(before: Decimal, after: Decimal) -> dict[str, list[str]]:
    return {} if before == after else {"rate": [rate_text(before), rate_text(after)]}


def rate_set(
    *, ledger: Ledger, currency: str, date: date, rate: Decimal, created_by: User | None
) -> tuple[LedgerRate, bool]:
    """Sets the ledger's rate of `currency` on `date`, replacing the one entered for that
    day if there is one. Returns (the rate, whether it is new)."""
    if currency == ledger.currency:
        raise Invalid(
            f"{currency} is this ledger's own currency: its rate is always 1.", field="currency"
        )
    with transaction.atomic():
        ledger_lock(ledger_ids=[ledger.pk])  # two editors setting the same day: one waits
        row = LedgerRate.objects.filter(ledger=ledger, currency=currency, date=date).first()
        created = row is None
        before = None if created else row.rate
        if created:
            row = LedgerRate(ledger=ledger, currency=currency, date=date)
        row.rate, row.created_by, row.created_at = rate, created_by, timezone.now()
        row.save()
        activity.record(
            ledger_id=ledger.pk,
            action="create" if created else "update",
            object_type="rate",
            object_id=row.pk,
            summary=_summary(row, ledger.currency),
            changes={} if created else _changed(before, rate),
        )
        ledger_version_bump(ledger_ids=[ledger.pk])
    return row, created


def rate_delete(*, rate: LedgerRate) -> None:
    with transaction.atomic():
        ledger = rate.ledger
        activity.record(
            ledger_id=ledger.pk,
            action="delete",
            object_type="rate",
            object_id=rate.pk,
            summary=_summary(rate, ledger.currency),
        )
        rate.delete()
        ledger_version_bump(ledger_ids=[ledger.pk])
