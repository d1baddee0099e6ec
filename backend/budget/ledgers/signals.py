"""What ledgers tell the apps that build on them (connected in their `AppConfig.ready()`)."""

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

# Sent inside `ledger_create`'s transaction with `ledger`: money gives every new ledger
# its Unallocated bucket and default categories.
ledger_created = Signal()

# Sent inside `ledger_update`'s transaction with `ledger`, `old` and `new` when the base
# currency changes: money re-labels what was in the old one, or refuses (Conflict).
ledger_currency_changing = Signal()

# How an invitation of a kind other than `ledger` is accepted, registered by the app the
# kind belongs to (groups: "group"): `(invitation, user) -> what the invitee joined`, called
# inside the accepting transaction with the invitation locked; it deletes the invitation.
invitation_accepters: dict[str, Callable[..., Any]] = {}
