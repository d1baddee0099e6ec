"""`ledger_id` is required now that the previous migration filled it; the composite index
that leads with it serves the table's reads by ledger (and a ledger's deletion)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledgers', '0004_invitation_group'),
        ('money', '0020_ledger_on_split_lines_and_allocations'),
    ]

    operations = [
        migrations.AlterField(
            model_name='allocation',
            name='ledger',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='ledgers.ledger'),
        ),
        migrations.AlterField(
            model_name='transactionsplit',
            name='ledger',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='ledgers.ledger'),
        ),
        migrations.AddIndex(
            model_name='allocation',
            index=models.Index(fields=['ledger', 'transaction'], name='money_allocation_ledger_tx'),
        ),
        migrations.AddIndex(
            model_name='transactionsplit',
            index=models.Index(fields=['ledger', 'transaction', 'position'], name='money_split_ledger_tx'),
        ),
    ]
