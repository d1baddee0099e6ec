from django.db import migrations

from budget.common.migrations_money import money_to_thousandths


class Migration(migrations.Migration):
    dependencies = [("groups", "0001_initial")]

    operations = [
        money_to_thousandths(
            "groups",
            {
                "Participant": ["paid", "owed"],
                "Expense": ["amount"],
                "Payer": ["amount"],
                "Share": ["owed"],
            },
        )
    ]
