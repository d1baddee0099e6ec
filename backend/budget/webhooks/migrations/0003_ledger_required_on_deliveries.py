"""`ledger_id` is required now that the previous migration filled it; the composite index
that leads with it serves the table's reads by ledger (and a ledger's deletion)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledgers', '0004_invitation_group'),
        ('webhooks', '0002_ledger_on_deliveries'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='delivery',
            name='webhooks_delivery_newest',
        ),
        migrations.AlterField(
            model_name='delivery',
            name='ledger',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='ledgers.ledger'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['ledger', 'webhook', '-created_at'], name='webhooks_delivery_newest'),
        ),
    ]
