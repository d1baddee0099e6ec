# The allocations' and split lines' keys to their transaction as ON DELETE RESTRICT on
# PostgreSQL (issue 21): see budget.common.migrations_restrict.

from django.db import migrations

from budget.common.migrations_restrict import restrict_transaction_key


class Migration(migrations.Migration):
    dependencies = [
        ("money", "0024_import_cheaper_writes"),
    ]

    operations = [
        restrict_transaction_key("money_allocation"),
        restrict_transaction_key("money_transactionsplit"),
    ]
