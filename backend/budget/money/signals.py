"""What money tells the apps that build on it. money never names them: a dependent app
connects its receivers in its `AppConfig.ready()`."""

from django.dispatch import Signal

# Sent inside the writing transaction by every service that creates or changes
# transactions, with `ledger_id`, `transactions` (the rows as written) and `created`
# (True for new rows, False for changed ones). Budgets (budget.planning) check the months
# an expense lands in; webhooks announce them.
transactions_written = Signal()

# Sent inside the deleting transaction, with `ledger_id`, `transactions` (the rows as they
# were, before the delete; empty for a bulk delete such as undoing an import, which does not
# load them) and `count`. Webhooks announce them.
transactions_deleted = Signal()
