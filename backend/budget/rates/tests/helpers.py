"""Helpers for the rates tests: made-up rates, never the ECB's figures."""

from datetime import date
from decimal import Decimal

from budget.rates.models import LedgerRate, ReferenceRate


def own_rate(ledger, currency: str, day: date, rate: str) -> LedgerRate:
    return LedgerRate.objects.create(ledger=ledger, currency=currency, date=day, rate=Decimal(rate))


def reference_rates(day: date, **per_euro: str) -> None:
    ReferenceRate.objects.bulk_create(
        ReferenceRate(currency=currency, date=day, rate=Decimal(rate))
        for currency, rate in per_euro.items()
    )
