from django.db import migrations

from budget.common.migrations_money import money_to_thousandths


class Migration(migrations.Migration):
    dependencies = [("exchange", "0004_import_external_id_detected_profiles")]

    operations = [money_to_thousandths("exchange", {"ImportRow": ["amount"]})]
