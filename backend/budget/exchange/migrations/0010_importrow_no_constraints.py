"""ImportRow.job and ImportRow.ledger without foreign-key constraints in the database: the
staging rows are written with their job in one transaction (issue 21)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0009_importrow_job_index_redundant"),
        ("ledgers", "0004_invitation_group"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importrow",
            name="job",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rows",
                to="exchange.importjob",
            ),
        ),
        migrations.AlterField(
            model_name="importrow",
            name="ledger",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="ledgers.ledger",
            ),
        ),
    ]
