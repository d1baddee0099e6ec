"""A real Django-Q2 cluster process, against PostgreSQL and Redis, allocates posted incomes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_q.conf import Conf
from django_q.models import Schedule

from budget.money.models import Transaction
from budget.money.tests.conftest import income, tx_path

BACKEND = Path(__file__).resolve().parents[3]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def cluster():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "Q_SYNC": "false",
        "Q_WORKERS": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BACKEND,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-3000:])


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_real_cluster_allocates_posted_incomes(owner_api, household, cluster, monkeypatch):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL)")
    # No sweep in this test: the allocation must come from the task queued on commit.
    Schedule.objects.all().delete()
    monkeypatch.setattr(Conf, "SYNC", False)  # enqueue to Redis, as in production

    ids = []
    for amount in ("100.00", "333.33", "0.01"):
        response = owner_api.post(tx_path(household.ledger), income(household, amount))
        assert response.status_code == 201
        assert response.json()["allocation_status"] == "pending"
        ids.append(response.json()["id"])

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statuses = set(
            Transaction.objects.filter(pk__in=ids).values_list("allocation_status", flat=True)
        )
        if statuses == {"allocated"}:
            break
        assert cluster.poll() is None, "the cluster process exited"
        time.sleep(0.25)
    else:
        pytest.fail(f"incomes still {statuses} after 60 s")

    savings = owner_api.get(f"/ledgers/{household.ledger.pk}/buckets/{household.savings.pk}").json()
    assert savings["balance"] == "86.67"  # 20.00 + 66.67 (largest remainder) + 0.00
