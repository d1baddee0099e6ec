"""Every row of a ledger carries `ledger_id` (README "Distributing by ledger"): the column,
filled from the parent in one UPDATE … FROM (PostgreSQL, SQLite ≥ 3.33). The next migration
makes it required: on PostgreSQL, altering a table in the transaction that updated it waits
on the new foreign key's deferred checks ("pending trigger events")."""

import django.db.models.deletion
from django.db import migrations, models

# transactionsplit: the ledger of its transaction.
FILL_TRANSACTIONSPLIT = """
UPDATE money_transactionsplit SET ledger_id = money_transaction.ledger_id
FROM money_transaction WHERE money_transaction.id = money_transactionsplit.transaction_id
"""

# allocation: the ledger of its transaction.
FILL_ALLOCATION = """
UPDATE money_allocation SET ledger_id = money_transaction.ledger_id
FROM money_transaction WHERE money_transaction.id = money_allocation.transaction_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("money", "0019_transaction_group_participant"),
        ("ledgers", "0004_invitation_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="transactionsplit",
            name="ledger",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="ledgers.ledger",
            ),
        ),
        migrations.RunSQL(FILL_TRANSACTIONSPLIT, migrations.RunSQL.noop),
        migrations.AddField(
            model_name="allocation",
            name="ledger",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="ledgers.ledger",
            ),
        ),
        migrations.RunSQL(FILL_ALLOCATION, migrations.RunSQL.noop),
    ]
