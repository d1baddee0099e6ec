"""money's answers to what ledgers announce (connected in `MoneyConfig.ready()`)."""

from typing import Any

from budget.ledgers.models import Ledger
from budget.money.services import ledger_currency_change, ledger_defaults_create


def ledger_defaults(*, ledger: Ledger, **_: Any) -> None:
    """Every new ledger starts with the system bucket and the default categories."""
    ledger_defaults_create(ledger=ledger)


def ledger_currency_relabel(*, ledger: Ledger, old: str, new: str, **_: Any) -> None:
    """SPEC §14: a ledger's currency is a label while all its money is in it."""
    ledger_currency_change(ledger=ledger, old=old, new=new)
