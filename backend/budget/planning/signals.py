"""What planning tells the apps beside it (connected in their `AppConfig.ready()`)."""

from django.dispatch import Signal

# Sent inside the database transaction that records a budget alert (a budget crossed its
# alert percentage or 100 % in a month), once per budget, month and threshold, with
# `ledger_id`, `title` and `data` (what the notification carries). Webhooks announce it as
# `budget.alert`.
budget_alerted = Signal()
