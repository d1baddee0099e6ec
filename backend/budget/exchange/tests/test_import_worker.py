"""A real Django-Q2 cluster commits a large import, and is killed half-way.

Because the worker inserts every row in one database transaction, SIGKILL leaves nothing
behind: no transaction of the import, a rollup that matches the rows. The job stays
`running` until no progress was seen for IMPORT_STALE_SECONDS; then it is stale and a new
commit runs it again from the stored rows, to the end.

On SQLite (the embedded default: ORM broker, file cache) the test's connection is moved
onto a file copy of the in-memory test database, which the cluster process opens too; on
PostgreSQL both use the test database, with Redis as broker and cache.
"""

import os
import signal

import pytest
from django.db import connection
from django_q.conf import Conf
from tests.cluster import cluster, shared_database, wait_for

from budget.exchange.models import ImportRow
from budget.exchange.tests.helpers import csv_text, imports_path, validated
from budget.money.models import Transaction
from budget.money.rollup import rollup_drift

ROWS = 30_000


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_leaves_nothing_and_the_job_can_finish(
    owner_api, household, tmp_path, settings, monkeypatch
):
    if connection.vendor == "postgresql" and not settings.REDIS_URL:
        pytest.skip("on PostgreSQL the cluster uses Redis: set REDIS_URL")
    h = household
    lines = [
        f"2025-{m % 12 + 1:02d}-{m % 28 + 1:02d},{'income' if m % 10 == 0 else 'expense'},"
        f"{m % 900 + 1}.{m % 100:02d},Row {m},{'Salary' if m % 10 == 0 else 'Groceries'},"
        f"{'Bank' if m % 3 else 'Cash'},,,"
        for m in range(ROWS)
    ]
    job = validated(owner_api, h.ledger, csv_text(*lines))
    path = imports_path(h.ledger, job["id"])
    monkeypatch.setattr(Conf, "SYNC", False)  # commit enqueues to the broker, as in production
    log = tmp_path / "qcluster.log"

    def job_now() -> dict:
        return owner_api.get(path).json()

    with shared_database(tmp_path, settings) as env:
        version = type(h.ledger).objects.get(pk=h.ledger.pk).version
        with cluster(env, log) as process:
            assert owner_api.post(f"{path}/commit", {}).status_code == 202
            seen = wait_for(lambda: job_now()["processed"], "progress", log, process)
            assert 0 < seen < ROWS
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

        # Nothing of the import is visible: the worker's transaction died with it.
        killed = job_now()
        assert killed["status"] == "running"
        assert not Transaction.objects.filter(import_job_id=job["id"]).exists()
        assert not Transaction.objects.filter(ledger=h.ledger).exists()
        assert rollup_drift(ledger_id=h.ledger.pk) == []
        assert type(h.ledger).objects.get(pk=h.ledger.pk).version == version
        assert ImportRow.objects.filter(job_id=job["id"]).count() == ROWS

        # Once stale, a new commit runs the job again, from the start, to the end.
        settings.IMPORT_STALE_SECONDS = 1
        wait_for(lambda: job_now()["stale"], "stale job", log)
        with cluster(env, log) as process:
            # A dead PostgreSQL backend may hold the job's row lock for a moment longer.
            wait_for(
                lambda: owner_api.post(f"{path}/commit", {}).status_code == 202,
                "second commit",
                log,
                process,
            )
            done = wait_for(
                lambda: (body := job_now())["status"] != "running" and body, "end", log, process
            )
            assert (done["status"], done["created"], done["processed"]) == ("done", ROWS, ROWS)
            wait_for(
                lambda: (
                    not Transaction.objects.filter(
                        ledger=h.ledger, allocation_status="pending"
                    ).exists()
                ),
                "allocations",
                log,
                process,
            )
        assert Transaction.objects.filter(import_job_id=job["id"]).count() == ROWS
        assert rollup_drift(ledger_id=h.ledger.pk) == []
        assert not ImportRow.objects.filter(job_id=job["id"]).exists()
