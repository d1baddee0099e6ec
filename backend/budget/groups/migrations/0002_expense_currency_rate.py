# Expenses in another currency than the group's (SPEC §15): the frozen rate, the amount in
# the group's currency, and each payer's part of it. Existing expenses are all in the
# group's currency: their group amount is their amount, each payer paid what they paid.

import budget.common.money
from django.db import migrations, models
from django.db.models import F


def copy_amounts(apps, schema_editor):
    apps.get_model("groups", "Expense").objects.update(group_amount=F("amount"))
    apps.get_model("groups", "Payer").objects.update(paid=F("amount"))


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="expense",
            name="rate",
            field=models.DecimalField(blank=True, decimal_places=12, max_digits=24, null=True),
        ),
        migrations.AddField(
            model_name="expense",
            name="group_amount",
            field=budget.common.money.MoneyField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payer",
            name="paid",
            field=budget.common.money.MoneyField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(copy_amounts, migrations.RunPython.noop, elidable=True),
    ]
