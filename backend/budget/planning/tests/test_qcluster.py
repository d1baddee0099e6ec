"""A real Django-Q2 cluster process runs the daily planning jobs from their schedules: the
recurring job makes today's occurrence, whose on-commit task and the daily budget check
send the budget alerts. On SQLite with the ORM broker (the embedded default) and on
PostgreSQL with Redis, whichever the test run uses."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from importlib import import_module
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.models import Schedule, Task

from budget.ledgers.models import Membership
from budget.planning import services
from budget.planning.tests.conftest import spend

BACKEND = Path(__file__).resolve().parents[3]
JOBS = {
    "recurring transactions": "0002_recurring_daily_schedule",
    "budget alerts": "0005_budget_alerts_daily_schedule",
}
TIMEOUT = 60


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Database:
    """What the cluster wrote, read with plain SQL: on SQLite the cluster works on a file
    copy of the in-memory test database, on PostgreSQL on the test database itself."""

    def __init__(self, tmp: Path) -> None:
        self.file = tmp / "db.sqlite3" if connection.vendor == "sqlite" else None

    def env(self, tmp: Path) -> dict[str, str]:
        if self.file:
            # The embedded default: VAR_DIR/db.sqlite3, the ORM broker, a file cache.
            connection.ensure_connection()
            with sqlite3.connect(self.file) as copy:
                connection.connection.backup(copy)
            return {"VAR_DIR": str(tmp)}
        return {"DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL}

    def rows(self, sql: str) -> list[tuple]:
        if self.file:
            with sqlite3.connect(self.file, timeout=20) as db:
                return db.execute(sql).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()


@contextmanager
def cluster(env: dict[str, str], log: Path):
    """`manage.py qcluster` in its own process group; SIGTERM to the leader only (it stops
    its workers), SIGKILL to whatever is left."""
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=BACKEND,
            env={
                **base,
                "DJANGO_SETTINGS_MODULE": "budget.planning.tests.cluster_settings",
                "Q_SYNC": "false",
                "Q_WORKERS": "2",
                "PYTHONUNBUFFERED": "1",
                **env,
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            finally:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


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
def test_a_real_cluster_runs_the_daily_planning_jobs(household, make_user, tmp_path):
    if connection.vendor == "postgresql" and not settings.REDIS_URL:
        pytest.skip("on PostgreSQL the cluster uses Redis: set REDIS_URL")
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
    for migration in JOBS.values():
        import_module(f"budget.planning.migrations.{migration}").create_schedule(apps, None)
    Schedule.objects.update(next_run=timezone.now() - timedelta(minutes=1))
    Task.objects.all().delete()  # what ran in this process so far (the sync mode of tests)

    db = Database(tmp_path)
    log = tmp_path / "qcluster.log"
    with cluster(db.env(tmp_path), log) as process:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            assert process.poll() is None, f"the cluster exited:\n{log.read_text()[-3000:]}"
            finished = dict(db.rows(FINISHED))
            if len(finished) == 3:  # both daily jobs and the task the new expense queued
                break
            time.sleep(0.25)
        else:
            pytest.fail(f"tasks finished after {TIMEOUT} s: {finished}\n{log.read_text()[-3000:]}")

    assert finished == {
        "budget.planning.tasks.budget_alerts_daily": 1,
        "budget.planning.tasks.budget_alerts_task": 1,
        "budget.planning.tasks.recurring_materialise_all": 1,
    }
    made = db.rows("SELECT date, amount FROM money_transaction WHERE recurring_id IS NOT NULL")
    assert [(str(d)[:10], a) for d, a in made] == [(today.isoformat(), 9500)]  # cents
    assert db.rows(NOTIFIED) == [
        ("alice@example.com", "budget_warning", "Budget warning: Groceries at 90.00 %"),
        ("alice@example.com", "budget_warning", "Budget warning: Housing at 95.00 %"),
        ("eddie@example.com", "budget_warning", "Budget warning: Groceries at 90.00 %"),
        ("eddie@example.com", "budget_warning", "Budget warning: Housing at 95.00 %"),
    ]
    # Each schedule ran once and waits for tomorrow.
    next_runs = db.rows("SELECT name, next_run FROM django_q_schedule ORDER BY name")
    assert [name for name, _ in next_runs] == sorted(JOBS)
    for _, next_run in next_runs:
        when = next_run if isinstance(next_run, datetime) else datetime.fromisoformat(next_run)
        assert when.replace(tzinfo=when.tzinfo or UTC) > datetime.now(UTC)
