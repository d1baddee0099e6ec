"""A real Django-Q2 cluster process delivers webhooks: the task queued on commit makes the
first attempt, the `webhook deliveries` schedule the retry. On SQLite with the ORM broker
(the embedded default) and on PostgreSQL with Redis, whichever the test run uses."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import Schedule
from tests.cluster import cluster, shared_database, skip_without_redis, wait_for

from budget.common.schedules import SCHEDULES, schedules_apply
from budget.money.tests.helpers import expense, tx_path
from budget.webhooks import services
from budget.webhooks.models import Delivery
from budget.webhooks.tests.helpers import signature_valid


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_a_real_cluster_delivers_and_retries(
    owner_api, household, receiver, monkeypatch, settings, tmp_path
):
    skip_without_redis()
    receiver.statuses = [500, 200]
    webhook = services.webhook_create(
        ledger=household.ledger, url=receiver.url, events=["transaction.created"]
    )
    Schedule.objects.all().delete()
    schedules_apply(jobs=[job for job in SCHEDULES if job.name == "webhook deliveries"])
    # Due many times over: each pass of the scheduler (every 30 s here) runs the sweep.
    Schedule.objects.update(next_run=timezone.now() - timedelta(minutes=30))
    monkeypatch.setattr(Conf, "SYNC", False)  # enqueue to the broker, as in production
    log = tmp_path / "qcluster.log"
    env_extra = {"WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_RETRY_SECONDS": "1"}

    with (
        shared_database(tmp_path, settings) as env,
        cluster(
            {**env, **env_extra}, log, settings_module="budget.planning.tests.cluster_settings"
        ) as process,
    ):
        response = owner_api.post(tx_path(household.ledger), expense(household))
        assert response.status_code == 201
        delivered = wait_for(
            lambda: Delivery.objects.filter(status="succeeded").first(),
            "a delivery that succeeded",
            log,
            process,
            timeout=120,
        )

    assert (delivered.attempts, delivered.response_code) == (2, 200)
    first, second = receiver.requests
    assert first.body == second.body
    assert first.json["data"]["transactions"][0]["id"] == response.json()["id"]
    assert signature_valid(webhook.secret, second.headers["X-Budget-Signature"], second.body)
