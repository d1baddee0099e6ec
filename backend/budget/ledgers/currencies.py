"""ISO 4217 currency codes accepted for a ledger: the table of budget.common.currencies."""

from budget.common.currencies import CURRENCY_CODES

ISO_4217 = CURRENCY_CODES
