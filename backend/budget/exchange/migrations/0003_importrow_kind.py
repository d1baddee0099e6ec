"""The kind of a checked row becomes a column: it is part of the duplicate key (SPEC §11),
which one SQL statement compares. Rows checked before (jobs waiting for their commit) get
theirs from `data`, where it was kept until now."""

from django.db import migrations, models

BATCH = 2000


def kind_from_data(apps, schema_editor):
    ImportRow = apps.get_model("exchange", "ImportRow")
    batch = []
    for row in ImportRow.objects.only("id", "data").iterator(chunk_size=BATCH):
        row.kind = row.data.get("kind", "")
        batch.append(row)
        if len(batch) == BATCH:
            ImportRow.objects.bulk_update(batch, ["kind"])
            batch = []
    ImportRow.objects.bulk_update(batch, ["kind"])


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0002_import_sweep_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrow",
            name="kind",
            field=models.CharField(
                choices=[
                    ("income", "Income"),
                    ("expense", "Expense"),
                    ("transfer", "Transfer"),
                    ("adjustment", "Adjustment"),
                ],
                default="",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(kind_from_data, migrations.RunPython.noop),
    ]
