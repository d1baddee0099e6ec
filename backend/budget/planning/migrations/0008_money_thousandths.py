from django.db import migrations

from budget.common.migrations_money import money_to_thousandths


class Migration(migrations.Migration):
    dependencies = [("planning", "0007_payee")]

    operations = [
        money_to_thousandths(
            "planning",
            {"RecurringTransaction": ["amount"], "Budget": ["amount"], "Goal": ["target_amount"]},
        )
    ]
