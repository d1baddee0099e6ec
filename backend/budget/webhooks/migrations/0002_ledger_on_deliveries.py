"""Every row of a ledger carries `ledger_id` (README "Distributing by ledger"): the column,
filled from the parent in one UPDATE … FROM (PostgreSQL, SQLite ≥ 3.33). The next migration
makes it required: on PostgreSQL, altering a table in the transaction that updated it waits
on the new foreign key's deferred checks ("pending trigger events")."""

import django.db.models.deletion
from django.db import migrations, models

# delivery: the ledger of its webhook.
FILL_DELIVERY = """
UPDATE webhooks_delivery SET ledger_id = webhooks_webhook.ledger_id
FROM webhooks_webhook WHERE webhooks_webhook.id = webhooks_delivery.webhook_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("ledgers", "0004_invitation_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="ledger",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="ledgers.ledger",
            ),
        ),
        migrations.RunSQL(FILL_DELIVERY, migrations.RunSQL.noop),
    ]
