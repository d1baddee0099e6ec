"""What ledgers tell the apps that build on them (connected in their `AppConfig.ready()`)."""

from django.dispatch import Signal

# Sent inside `ledger_create`'s transaction with `ledger`: money gives every new ledger
# its Unallocated bucket and default categories.
ledger_created = Signal()
