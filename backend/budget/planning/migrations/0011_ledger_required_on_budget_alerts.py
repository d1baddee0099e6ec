"""`ledger_id` is required now that the previous migration filled it; the composite index
that leads with it serves the table's reads by ledger (and a ledger's deletion)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledgers', '0004_invitation_group'),
        ('planning', '0010_ledger_on_budget_alerts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='budgetalert',
            name='ledger',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='ledgers.ledger'),
        ),
        migrations.AddIndex(
            model_name='budgetalert',
            index=models.Index(fields=['ledger', 'budget'], name='planning_alert_ledger_budget'),
        ),
    ]
