"""Every scheduled job is declared once (budget/common/schedules.py) and applied by migrate."""

from datetime import time
from io import StringIO

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from budget.common.schedules import SCHEDULES, Job, schedules_apply

pytestmark = pytest.mark.django_db


def test_migrate_creates_every_declared_schedule():
    assert set(Schedule.objects.values_list("name", "func")) >= {
        (job.name, job.func) for job in SCHEDULES
    }


def test_applying_twice_changes_nothing_and_keeps_the_next_run():
    before = {s.name: (s.pk, s.next_run) for s in Schedule.objects.all()}
    schedules_apply()
    call_command("schedules_apply", stdout=StringIO())
    assert {s.name: (s.pk, s.next_run) for s in Schedule.objects.all()} == before


def test_applying_corrects_a_schedule_that_drifted():
    Schedule.objects.filter(name="allocation sweep").update(func="old.path", minutes=60)
    schedules_apply()
    sweep = Schedule.objects.get(name="allocation sweep")
    assert (sweep.func, sweep.schedule_type, sweep.minutes, sweep.repeats) == (
        "budget.money.tasks.allocation_sweep",
        Schedule.MINUTES,
        5,
        -1,
    )


def test_a_new_daily_job_first_runs_after_the_next_midnight_at_its_time():
    job = Job("nightly test", "budget.common.tests.nothing", daily_at=time(3, 30))
    schedules_apply(jobs=[job])
    schedule = Schedule.objects.get(name="nightly test")
    assert schedule.schedule_type == Schedule.DAILY
    from django.utils import timezone

    local = timezone.localtime(schedule.next_run)
    assert (local.date(), local.time()) == (
        timezone.localdate() + timezone.timedelta(days=1),
        time(3, 30),
    )
