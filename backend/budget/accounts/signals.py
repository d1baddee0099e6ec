"""What accounts tell the apps that build on them (connected in their `AppConfig.ready()`),
so accounts never names a ledger."""

from django.dispatch import Signal

# Sent inside `user_register`'s transaction with `user`: ledgers gives the new user a
# first ledger and makes it their default.
user_registered = Signal()

# Sent inside `user_delete`'s transaction before the user goes, with `user`. A receiver
# refuses by raising (ledgers: while the user is the last owner of a ledger that others
# still use) and removes what only this user used (ledgers: their sole-member ledgers).
user_deleting = Signal()
