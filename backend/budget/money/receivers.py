"""money's answers to what ledgers announce (connected in `MoneyConfig.ready()`)."""

from typing import Any

from budget.ledgers.models import Ledger
from budget.money.services import ledger_defaults_create


def ledger_defaults(*, ledger: Ledger, **_: Any) -> None:
    """Every new ledger starts with the system bucket and the default categories."""
    ledger_defaults_create(ledger=ledger)
