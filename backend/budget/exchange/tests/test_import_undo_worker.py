"""A real Django-Q2 cluster undoes a large import: DELETE answers 202 at once and the
worker removes the transactions, showing its progress, until the job is `undone`.

On SQLite the cluster works on a file copy of the test database; on PostgreSQL on the test
database itself, with Redis as broker and cache (see tests.cluster)."""

import pytest
from django_q.conf import Conf
from tests.cluster import cluster, shared_database, skip_without_redis, wait_for

from budget.exchange.tests.helpers import csv_text, imports_path, validated
from budget.money.models import Transaction
from budget.money.rollup import rollup_drift

ROWS = 3000


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
def test_a_worker_undoes_a_large_import_while_the_api_answers(
    owner_api, household, tmp_path, settings, monkeypatch
):
    skip_without_redis()
    h = household
    settings.IMPORT_UNDO_SYNC_ROWS = 100
    lines = [
        f"2025-{m % 12 + 1:02d}-{m % 28 + 1:02d},{'income' if m % 10 == 0 else 'expense'},"
        f"{m % 900 + 1}.{m % 100:02d},Row {m},{'Salary' if m % 10 == 0 else 'Groceries'},"
        f"{'Bank' if m % 3 else 'Cash'},,,"
        for m in range(ROWS)
    ]
    job = validated(owner_api, h.ledger, csv_text(*lines))
    path = imports_path(h.ledger, job["id"])
    assert owner_api.post(f"{path}/commit", {}).status_code == 202  # run here: Q_SYNC
    assert owner_api.get(path).json()["status"] == "done"
    monkeypatch.setattr(Conf, "SYNC", False)  # the undo goes to the broker, as in production
    log = tmp_path / "qcluster.log"

    with shared_database(tmp_path, settings) as env, cluster(env, log) as process:
        response = owner_api.delete(path)
        assert response.status_code == 202
        assert (response.json()["status"], response.json()["total"]) == ("undoing", ROWS)
        done = wait_for(
            lambda: (body := owner_api.get(path).json())["status"] == "undone" and body,
            "the undo",
            log,
            process,
        )
        assert (done["processed"], done["total"]) == (ROWS, ROWS)
        assert done["detail"] == f"Undone: {ROWS} transactions were removed."
        assert not Transaction.objects.filter(ledger=h.ledger).exists()
        assert rollup_drift(ledger_id=h.ledger.pk) == []
