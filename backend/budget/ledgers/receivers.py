"""ledgers' answers to what accounts announce (connected in `LedgersConfig.ready()`)."""

from typing import Any

from budget.accounts.models import User
from budget.ledgers.services import ledger_create, ledgers_of_leaving_user_release


def first_ledger_create(*, user: User, **_: Any) -> None:
    """A new user starts with a ledger of their own, which becomes their default."""
    user.default_ledger = ledger_create(name=f"{user.full_name or user.email}'s budget", owner=user)
    user.save(update_fields=["default_ledger"])


def leaving_user_ledgers_release(*, user: User, **_: Any) -> None:
    ledgers_of_leaving_user_release(user=user)
