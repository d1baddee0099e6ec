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


# Made-up figures in the ECB's shapes (not its data).
HIST_CSV = (
    "Date,USD,JPY,CYP,GBP,\n"
    "2025-03-04,1.0612,158.12,N/A,0.83151,\n"
    "2025-03-03,1.0498,157.06,N/A,0.82643,\n"
    "1999-01-05,1.1789,130.96,0.5823,0.7111,\n"
)
DAILY_CSV = "Date, USD, JPY, GBP, \n04 December 2026, 1.1648, 180.61, 0.87345, \n"


def zipped(name: str, text: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text)
    return buffer.getvalue()
