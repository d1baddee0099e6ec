"""A slow but living worker is never run twice (SPEC §9: one import, one insert).

A worker process is held in the middle of its database transaction (after its first chunk,
where it writes its progress) for longer than IMPORT_STALE_SECONDS, so the job looks stale.
Meanwhile the sweep, a new commit and a second delivery of the same task all try to run it
again. The job's row lock (PostgreSQL) or the database's write lock (SQLite, whose
transactions begin IMMEDIATE) keeps them out until the first worker is done; then they find
the job done. Every row is inserted exactly once.
"""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django_q.conf import Conf
from tests.cluster import BACKEND, shared_database

from budget.exchange import import_services
from budget.exchange.models import ImportJob, ImportStatus
from budget.exchange.tests.helpers import csv_text, imports_path, validated
from budget.money.models import Transaction
from budget.money.rollup import rollup_drift

ROWS = 40

# The worker: import_run as the task calls it, with a chunk of 10 rows and a heartbeat that
# stops after the first chunk (inside the import's transaction) until a file appears.
SLOW_WORKER = """
import sys, time
from pathlib import Path
from uuid import UUID
import django
django.setup()
from budget.exchange import import_services
real, flag = import_services.progress_set, Path(sys.argv[3])
def slow(*, job_id, run_id, processed):
    real(job_id=job_id, run_id=run_id, processed=processed)
    while processed and not flag.exists():
        time.sleep(0.05)
import_services.progress_set = slow
import_services.COMMIT_CHUNK = 10
print(import_services.import_run(job_id=UUID(sys.argv[1]), run_id=UUID(sys.argv[2])), flush=True)
"""


def _worker(env: dict[str, str], job: ImportJob, flag: Path, code: str = SLOW_WORKER):
    import os

    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    return subprocess.Popen(
        [sys.executable, "-c", code, str(job.pk), str(job.run_id), str(flag)],
        cwd=BACKEND,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(check, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.05)
    pytest.fail(f"no {what} within {timeout} s")


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_a_slow_living_worker_is_not_run_twice(
    owner_api, household, tmp_path, settings, monkeypatch
):
    if connection.vendor == "postgresql" and not settings.REDIS_URL:
        pytest.skip("on PostgreSQL the progress cache is Redis: set REDIS_URL")
    h = household
    lines = [
        f"2025-03-{d % 28 + 1:02d},expense,{d + 1}.00,Row {d},Groceries,Bank,,,"
        for d in range(ROWS)
    ]
    body = validated(owner_api, h.ledger, csv_text(*lines))
    path = imports_path(h.ledger, body["id"])
    monkeypatch.setattr(Conf, "SYNC", False)  # the commit's task waits in the broker, unrun
    flag = tmp_path / "go-on"

    with shared_database(tmp_path, settings) as env:
        assert owner_api.post(f"{path}/commit", {}).status_code == 202
        job = ImportJob.objects.get(pk=body["id"])
        first = second = _worker(env, job, flag)
        try:
            _wait(lambda: owner_api.get(path).json()["processed"] >= 10, "progress")
            settings.IMPORT_STALE_SECONDS = 0  # the living worker now looks stopped
            assert owner_api.get(path).json()["stale"] is True
            # The same task delivered again (a broker retry) while the first still runs.
            second = _worker(env, job, tmp_path / "unused", code=SLOW_WORKER.replace("10", "10000"))
            threading.Timer(3, flag.touch).start()

            restarted = import_services.import_jobs_sweep()["restarted"]
            alive_after_sweep = first.poll() is None
            commit = owner_api.post(f"{path}/commit", {})
            # (On SQLite a DELETE would wait for the worker and then undo the finished import.)
            postgres = connection.vendor == "postgresql"
            discard = owner_api.delete(path) if postgres else None
            assert first.wait(timeout=60) == 0
            assert second.wait(timeout=60) == 0
        finally:
            flag.touch()
            for process in (first, second):
                if process.poll() is None:
                    process.kill()
        outputs = first.stdout.read().strip(), second.stdout.read().strip()

        assert restarted == 0
        assert commit.status_code == 409, commit.content
        if connection.vendor == "postgresql":
            # The row lock answers at once: the worker was still inside its transaction.
            assert alive_after_sweep
            assert discard is not None
            assert discard.status_code == 409
        assert outputs[0].endswith("done"), outputs
        assert outputs[1].endswith("skipped"), outputs
        job.refresh_from_db()
        assert (job.status, job.created_count, job.attempts) == (ImportStatus.DONE, ROWS, 1)
        assert Transaction.objects.filter(ledger=h.ledger).count() == ROWS
        assert rollup_drift(ledger_id=h.ledger.pk) == []
        assert import_services.import_jobs_sweep()["restarted"] == 0
        assert Transaction.objects.filter(ledger=h.ledger).count() == ROWS
