"""Reads of a ledger's rates."""

from django.db.models import QuerySet

from budget.ledgers.models import Ledger
from budget.rates.lookup import Found, rates_find_detailed
from budget.rates.models import LedgerRate
from budget.rates.schemas import RateFilters


def rates_of(*, ledger: Ledger, filters: RateFilters | None = None) -> QuerySet[LedgerRate]:
    """Newest day first, then by currency."""
    rows = LedgerRate.objects.filter(ledger=ledger)
    if filters is not None:
        rows = filters.filter(rows)
    return rows.order_by("-date", "currency", "id")


def rate_lookup(*, ledger: Ledger, currency: str, date) -> Found | None:
    """The rate a transaction in `currency` on `date` would be booked at, and where it
    comes from (SPEC §14's order)."""
    key = (currency, date)
    return rates_find_detailed(ledger_id=ledger.pk, base=ledger.currency, wanted=[key])[key]
