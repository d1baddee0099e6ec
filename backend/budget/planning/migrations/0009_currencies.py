import budget.common.money
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("planning", "0008_money_thousandths")]

    operations = [
        migrations.AddField(
            model_name="recurringtransaction",
            name="to_amount",
            field=budget.common.money.MoneyField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="recurringtransaction",
            name="foreign_amount",
            field=budget.common.money.MoneyField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="recurringtransaction",
            name="foreign_currency",
            field=models.CharField(blank=True, default="", max_length=3),
        ),
    ]
