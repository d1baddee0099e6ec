"""Every row of a ledger carries `ledger_id` (README "Distributing by ledger"): the column,
filled from the parent in one UPDATE … FROM (PostgreSQL, SQLite ≥ 3.33). The next migration
makes it required: on PostgreSQL, altering a table in the transaction that updated it waits
on the new foreign key's deferred checks ("pending trigger events")."""

import django.db.models.deletion
from django.db import migrations, models

# budgetalert: the ledger of its budget.
FILL_BUDGETALERT = """
UPDATE planning_budgetalert SET ledger_id = planning_budget.ledger_id
FROM planning_budget WHERE planning_budget.id = planning_budgetalert.budget_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0009_currencies"),
        ("ledgers", "0004_invitation_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="budgetalert",
            name="ledger",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="ledgers.ledger",
            ),
        ),
        migrations.RunSQL(FILL_BUDGETALERT, migrations.RunSQL.noop),
    ]
