from django.db import migrations

from budget.common.migrations_money import money_to_thousandths


class Migration(migrations.Migration):
    dependencies = [("groups", "0002_expense_currency_rate")]

    operations = [
        money_to_thousandths(
            "groups",
            {
                "Participant": ["paid", "owed"],
                "Expense": ["amount", "group_amount"],
                "Payer": ["amount", "paid"],
                "Share": ["owed"],
            },
        )
    ]
