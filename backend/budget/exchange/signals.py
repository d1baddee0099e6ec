"""What exchange tells the apps beside it (connected in their `AppConfig.ready()`)."""

from django.dispatch import Signal

# Sent when an import job ends, done (inside the database transaction that inserted its
# rows) or failed, with `ledger_id` and `job` (the ImportJob as it ended). Webhooks
# announce it as `import.finished`.
import_finished = Signal()
