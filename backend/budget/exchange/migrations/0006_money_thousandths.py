from django.db import migrations

from budget.common.migrations_money import money_to_thousandths


class Migration(migrations.Migration):
    dependencies = [("exchange", "0005_import_undoing")]

    operations = [money_to_thousandths("exchange", {"ImportRow": ["amount"]})]
