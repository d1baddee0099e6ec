"""Every Django-Q2 schedule of the project, declared once.

Adding a scheduled job is one line in SCHEDULES. `schedules_apply` creates or updates each
by name (idempotent); it runs after every `migrate` (connected to post_migrate in
`CommonConfig.ready()`, so `make run` and a deploy's migrate create them) and as
`manage.py schedules_apply`. Never at import time."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.apps import apps as global_apps
from django.db import connections
from django.db.models import Model
from django.utils import timezone
from django_q.models import Schedule


@dataclass(frozen=True)
class Job:
    name: str  # the key: renaming a job leaves the old schedule behind
    func: str  # dotted path of the task
    minutes: int | None = None  # every `minutes` minutes, from the first migrate on…
    daily_at: time | None = None  # …or once a day, first after the next midnight, at this time


SCHEDULES: tuple[Job, ...] = (
    # Incomes still pending allocation (SPEC §3).
    Job("allocation sweep", "budget.money.tasks.allocation_sweep", minutes=5),
    # Imports whose worker stopped restart; old uncommitted ones go.
    Job("import sweep", "budget.exchange.tasks.import_jobs_sweep", minutes=5),
    # Recurring transactions due today (SPEC §8), early in the day.
    Job(
        "recurring transactions",
        "budget.planning.tasks.recurring_materialise_all",
        daily_at=time(0, 5),
    ),
    # Budgets, after the day's recurring expenses were made (SPEC §8).
    Job("budget alerts", "budget.planning.tasks.budget_alerts_daily", daily_at=time(0, 15)),
    # Webhook retries (and first attempts whose task was lost), every minute (SPEC §16).
    Job("webhook deliveries", "budget.webhooks.tasks.deliveries_sweep", minutes=1),
    # The activity log keeps ACTIVITY_KEEP_DAYS (SPEC §16).
    Job("activity prune", "budget.activity.tasks.activity_prune", daily_at=time(3, 30)),
    # Scans a dead worker left running fail; receipts kept RECEIPT_KEEP_DAYS (SPEC §17).
    Job("receipts prune", "budget.receipts.tasks.receipts_prune_task", minutes=60),
    # The ECB's reference rates (SPEC §14); does nothing while RATES_URL is empty. The ECB
    # publishes around 16:00 CET.
    Job("reference rates", "budget.rates.tasks.rates_fetch", daily_at=time(17, 30)),
)


def _fields(job: Job) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what every apply sets, what only the first one adds)."""
    if job.daily_at is not None:
        tomorrow = timezone.localdate() + timedelta(days=1)
        first_run = timezone.make_aware(datetime.combine(tomorrow, job.daily_at))
        return {"func": job.func, "schedule_type": "D", "repeats": -1}, {"next_run": first_run}
    return {"func": job.func, "schedule_type": "I", "minutes": job.minutes, "repeats": -1}, {}


def schedules_apply(
    *,
    schedule_model: type[Model] = Schedule,
    using: str = "default",
    jobs: Iterable[Job] = SCHEDULES,
) -> list[str]:
    """Creates the schedules that are missing and corrects the ones that drifted, keeping
    the next run of those that exist. Returns the names it applied."""
    names = []
    for job in jobs:
        defaults, first = _fields(job)
        schedule_model._default_manager.using(using).update_or_create(
            name=job.name, defaults=defaults, create_defaults={**defaults, **first}
        )
        names.append(job.name)
    return names


def schedules_apply_after_migrate(
    *, apps: Any = global_apps, using: str = "default", **_: Any
) -> None:
    """post_migrate receiver (migrate passes the migrated state as `apps`; flush does not):
    applies the schedules once django_q's table exists."""
    try:
        schedule_model = apps.get_model("django_q", "Schedule")
    except LookupError:  # django_q not migrated (yet) in this run
        return
    if schedule_model._meta.db_table not in connections[using].introspection.table_names():
        return
    schedules_apply(schedule_model=schedule_model, using=using)
