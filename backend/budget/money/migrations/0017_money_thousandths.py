from django.db import migrations

from budget.common.migrations_money import money_to_thousandths


class Migration(migrations.Migration):
    dependencies = [("money", "0016_category_default_bucket")]

    operations = [
        money_to_thousandths(
            "money",
            {
                "Transaction": ["amount"],
                "TransactionSplit": ["amount"],
                "Allocation": ["amount"],
                "Rollup": ["amount"],
                "DailyRollup": ["amount"],
            },
        )
    ]
