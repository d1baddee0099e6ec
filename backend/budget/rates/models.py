"""Exchange rates (SPEC §14): a ledger's own rates and the system-wide reference rates.

Rates are exact decimals. On PostgreSQL the columns are NUMERIC(30, 15); SQLite keeps a
DECIMAL as a float, which holds the 12 significant digits a rate may have exactly (Django
reads it back through a 15-digit context), so both give back the Decimal that was stored.
"""

import uuid

from django.conf import settings
from django.db import models

from budget.ledgers.models import Ledger

RATE_MAX_DIGITS = 30
RATE_DECIMAL_PLACES = 15


def _rate_field() -> models.DecimalField:
    return models.DecimalField(max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES)


class LedgerRate(models.Model):
    """How many units of the ledger's currency (its base) one unit of `currency` is worth
    on `date`, as an editor entered it. One per (ledger, currency, date)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="rates")
    currency = models.CharField(max_length=3)
    date = models.DateField()
    rate = _rate_field()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "currency", "date"], name="rates_ledger_currency_date"
            )
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} on {self.date}"


class ReferenceRate(models.Model):
    """Units of `currency` per one euro on `date`, as the European Central Bank publishes
    them; shared by every ledger. The unique (currency, date) index also serves "the latest
    on or before a day"."""

    id = models.BigAutoField(primary_key=True)
    currency = models.CharField(max_length=3)
    date = models.DateField()
    rate = _rate_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "date"], name="rates_reference_currency_date"
            )
        ]

    def __str__(self) -> str:
        return f"1 EUR = {self.rate} {self.currency} on {self.date}"
