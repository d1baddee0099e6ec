"""A real Django-Q2 cluster process allocates posted incomes: on SQLite with the ORM broker
(the embedded default) and on PostgreSQL with Redis, whichever the test run uses."""

import pytest
from django_q.conf import Conf
from django_q.models import Schedule
from tests.cluster import cluster, shared_database, skip_without_redis, wait_for

from budget.money.models import Transaction
from budget.money.tests.helpers import income, tx_path


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_real_cluster_allocates_posted_incomes(
    owner_api, household, monkeypatch, settings, tmp_path
):
    skip_without_redis()
    # No sweep in this test: the allocation must come from the task queued on commit.
    Schedule.objects.all().delete()
    monkeypatch.setattr(Conf, "SYNC", False)  # enqueue to the broker, as in production
    log = tmp_path / "qcluster.log"

    with shared_database(tmp_path, settings) as env, cluster(env, log) as process:
        ids = []
        for amount in ("100.00", "333.33", "0.01"):
            response = owner_api.post(tx_path(household.ledger), income(household, amount))
            assert response.status_code == 201
            assert response.json()["allocation_status"] == "pending"
            ids.append(response.json()["id"])

        def allocated() -> bool:
            statuses = Transaction.objects.filter(pk__in=ids).values_list(
                "allocation_status", flat=True
            )
            return set(statuses) == {"allocated"}

        wait_for(allocated, "allocation of the three incomes", log, process, timeout=60)
        path = f"/ledgers/{household.ledger.pk}/buckets/{household.savings.pk}"
        savings = owner_api.get(path).json()
    assert savings["balance"] == "86.67"  # 20.00 + 66.67 (largest remainder) + 0.00
