"""A real Django-Q2 cluster process runs the daily planning jobs from their schedules: the
recurring job makes today's occurrence, whose on-commit task and the daily budget check
send the budget alerts. On SQLite with the ORM broker (the embedded default) and on
PostgreSQL with Redis, whichever the test run uses."""

from datetime import UTC, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule, Task
from tests.cluster import cluster, shared_database, skip_without_redis, wait_for

from budget.common.schedules import SCHEDULES, schedules_apply
from budget.ledgers.models import Membership
from budget.planning import services
from budget.planning.tests.helpers import spend

JOBS = {"recurring transactions", "budget alerts"}


def rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


NOTIFIED = (
    "SELECT u.email, n.kind, n.title FROM notifications_notification n "
    "JOIN accounts_user u ON u.id = n.user_id ORDER BY 1, 3"
)
FINISHED = (
    "SELECT func, COUNT(*) FROM django_q_task WHERE success AND func LIKE 'budget.planning.%' "
    "GROUP BY func ORDER BY func"
)


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_a_real_cluster_runs_the_daily_planning_jobs(household, make_user, tmp_path, settings):
    skip_without_redis()
    h = household
    Membership.objects.create(ledger=h.ledger, user=make_user("eddie@example.com"), role="editor")
    today = timezone.localdate()
    month = today.replace(day=1)

    # Groceries are at 90 % before their budget exists: only the daily check can see it.
    spend(h, "90.00", today)
    for name in ("Groceries", "Housing"):
        services.budget_create(
            ledger=h.ledger, category=h.category(name).pk, amount=Decimal("100"), start_month=month
        )
    # Housing: a daily expense from today, made yesterday, so only today's run makes one.
    yesterday = datetime.combine(today - timedelta(days=1), clock(12), tzinfo=UTC)
    with time_machine.travel(yesterday, tick=False):
        template = services.recurring_create(
            ledger=h.ledger,
            kind="expense",
            amount=Decimal("95.00"),
            wallet=h.bank.pk,
            category=h.category("Housing").pk,
            frequency="daily",
            interval=1,
            start_date=today,
        )
    assert template.next_date == today

    # The schedules, as migrate makes them (another test may have flushed them), due now.
    Schedule.objects.all().delete()
    schedules_apply(jobs=[job for job in SCHEDULES if job.name in JOBS])
    Schedule.objects.update(next_run=timezone.now() - timedelta(minutes=1))
    Task.objects.all().delete()  # what ran in this process so far (the sync mode of tests)

    log = tmp_path / "qcluster.log"
    settings_module = "budget.planning.tests.cluster_settings"
    with (
        shared_database(tmp_path, settings) as env,
        cluster(env, log, settings_module=settings_module) as process,
    ):
        # Both daily jobs and the task that the new expense queued.
        finished = wait_for(
            lambda: len(done := dict(rows(FINISHED))) == 3 and done,
            "three finished planning tasks",
            log,
            process,
            timeout=60,
        )
        made = rows("SELECT date, amount FROM money_transaction WHERE recurring_id IS NOT NULL")
        notified = rows(NOTIFIED)
        next_runs = rows("SELECT name, next_run FROM django_q_schedule ORDER BY name")

    assert finished == {
        "budget.planning.tasks.budget_alerts_daily": 1,
        "budget.planning.tasks.budget_alerts_task": 1,
        "budget.planning.tasks.recurring_materialise_all": 1,
    }
    assert [(str(d)[:10], a) for d, a in made] == [
        (today.isoformat(), 95000)
    ]  # thousandths (SPEC §14)
    assert notified == [
        ("alice@example.com", "budget_warning", "Budget warning: Groceries at 90.00 %"),
        ("alice@example.com", "budget_warning", "Budget warning: Housing at 95.00 %"),
        ("eddie@example.com", "budget_warning", "Budget warning: Groceries at 90.00 %"),
        ("eddie@example.com", "budget_warning", "Budget warning: Housing at 95.00 %"),
    ]
    # Each schedule ran once and waits for tomorrow.
    assert [name for name, _ in next_runs] == sorted(JOBS)
    for _, next_run in next_runs:
        when = next_run if isinstance(next_run, datetime) else datetime.fromisoformat(next_run)
        assert when.replace(tzinfo=when.tzinfo or UTC) > datetime.now(UTC)
