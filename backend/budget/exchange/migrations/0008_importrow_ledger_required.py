"""ImportRow.ledger required, once 0007 filled it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("exchange", "0007_importrow_ledger")]

    operations = [
        migrations.AlterField(
            model_name="importrow",
            name="ledger",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="ledgers.ledger",
            ),
        ),
    ]
