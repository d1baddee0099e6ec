"""Creates the daily Django-Q2 schedule that makes recurring transactions (SPEC §8).

Idempotent (update_or_create by name); never done at import time. The first run is set for
shortly after the next midnight in TIME_ZONE, so each day's occurrences appear early."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

DAILY = "recurring transactions"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    tomorrow = timezone.localdate() + timedelta(days=1)
    first_run = timezone.make_aware(datetime.combine(tomorrow, time(0, 5)))
    Schedule.objects.update_or_create(
        name=DAILY,
        defaults={
            "func": "budget.planning.tasks.recurring_materialise_all",
            "schedule_type": "D",  # daily
            "repeats": -1,
        },
        create_defaults={
            "func": "budget.planning.tasks.recurring_materialise_all",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": first_run,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=DAILY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
