"""Transaction and RecurringTransaction share their fields (money.TransactionFields); a
category no longer names its transactions. A state change only: nothing in the database."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('money', '0007_transaction_import_job'),
    ]

    operations = [
        migrations.AlterField(
            model_name='transaction',
            name='category',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name='+', to='money.category'),
        ),
    ]
