"""Creates the Django-Q2 schedule of the import sweep: it restarts imports whose worker
stopped and discards old uncommitted ones (`budget.exchange.tasks.import_jobs_sweep`).

Idempotent (update_or_create by name); never done at import time."""

from django.db import migrations

SWEEP = "import sweep"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SWEEP,
        defaults={
            "func": "budget.exchange.tasks.import_jobs_sweep",
            "schedule_type": "I",  # every `minutes` minutes
            "minutes": 5,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
