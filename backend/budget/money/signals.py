"""What money tells the apps that build on it. money never names them: a dependent app
connects its receivers in its `AppConfig.ready()`."""

from django.dispatch import Signal

# Sent inside the writing transaction by every service that creates or changes
# transactions, with `ledger_id` and `transactions` (the rows as written). Budgets
# (budget.planning) check the months an expense lands in.
transactions_written = Signal()
