"""ImportRow.ledger (issue 21: every finance table carries ledger_id): added nullable and
filled from each row's job; 0008 makes it required (apart: an ALTER after the UPDATE in one
transaction meets PostgreSQL's pending trigger events)."""

import django.db.models.deletion
from django.db import migrations, models

BACKFILL = """
    UPDATE exchange_importrow SET ledger_id = (
        SELECT j.ledger_id FROM exchange_importjob j WHERE j.id = exchange_importrow.job_id
    )
"""


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0006_money_thousandths"),
        ("ledgers", "0004_invitation_group"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrow",
            name="ledger",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="ledgers.ledger",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
