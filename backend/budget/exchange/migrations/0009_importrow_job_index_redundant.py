"""ImportRow.job without its own index: the unique (job, line) leads with it (issue 21)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0008_importrow_ledger_required"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importrow",
            name="job",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rows",
                to="exchange.importjob",
            ),
        ),
    ]
