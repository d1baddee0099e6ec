# The attachments' key to their transaction as ON DELETE RESTRICT on PostgreSQL (issue 21):
# see budget.common.migrations_restrict.

from django.db import migrations

from budget.common.migrations_restrict import restrict_transaction_key


class Migration(migrations.Migration):
    dependencies = [
        ("receipts", "0001_initial"),
        ("money", "0025_transaction_keys_restrict"),
    ]

    operations = [
        restrict_transaction_key("receipts_attachment"),
    ]
