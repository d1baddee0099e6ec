"""Once created a Django-Q2 schedule. Every schedule is now declared in
budget/common/schedules.py and applied after each migrate; this step stays, empty, so the
migration graph is unchanged."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = []
