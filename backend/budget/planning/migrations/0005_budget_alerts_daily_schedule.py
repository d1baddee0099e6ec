"""Creates the daily Django-Q2 schedule that checks budgets (SPEC §8).

Idempotent (update_or_create by name); never done at import time. It runs a few minutes
after the recurring transactions job, so the day's recurring expenses are counted."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

DAILY = "budget alerts"
FUNC = "budget.planning.tasks.budget_alerts_daily"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    tomorrow = timezone.localdate() + timedelta(days=1)
    first_run = timezone.make_aware(datetime.combine(tomorrow, time(0, 15)))
    defaults = {"func": FUNC, "schedule_type": "D", "repeats": -1}  # daily, for ever
    Schedule.objects.update_or_create(
        name=DAILY,
        defaults=defaults,
        create_defaults={**defaults, "next_run": first_run},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=DAILY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0004_budgets_goals"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
