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

# Sent inside `transactions_delete`'s transaction, before many transactions go in one
# statement, with `ledger_id` and `rows` (a queryset of them): an app whose rows point at
# transactions deletes its own rows of them and answers with its model (attachments).
transactions_deleting = Signal()

# Sent inside the writing transaction by `transactions_create` before a batch of new
# transactions is checked, with `ledger` and `items` (the input dicts, changed in place).
# Rules (budget.rules) fill the fields the input left empty here (SPEC §12).
transactions_preparing = Signal()

# Sent inside the merge's transaction, with `ledger`, `source` and `target` (payees), after
# money moved the transactions and templates: apps that refer to payees move their own
# references (rules' conditions and actions).
payee_merged = Signal()

# Sent inside the delete's transaction with `payee`: an app that still refers to it raises
# `Conflict` (a rule that names it).
payee_deleting = Signal()

# Sent inside the writing transaction by the services that change or delete single
# transactions (an edit, a bulk edit, a delete) before anything is written, with
# `transactions` (the rows as they are). An app whose transactions are written by it alone
# raises `Conflict` here: a group's mirrored transactions (budget.groups) are read-only.
transactions_changing = Signal()
