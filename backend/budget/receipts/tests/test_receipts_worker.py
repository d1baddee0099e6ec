"""A real Django-Q2 cluster reads a receipt: the upload only queues it, the worker process
(its own database connection, the same storage) writes the suggestion."""

import shutil

import pytest
from django_q.conf import Conf
from tests.cluster import cluster, shared_database, skip_without_redis, wait_for

from budget.receipts.tests.helpers import receipt_draw, receipts_path, upload


@pytest.mark.cluster
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr")
def test_a_worker_reads_the_receipt(owner_api, household, tmp_path, settings, media, monkeypatch):
    skip_without_redis()
    drawn = receipt_draw(7)
    monkeypatch.setattr(Conf, "SYNC", False)  # the upload enqueues, as in production
    log = tmp_path / "qcluster.log"
    with (
        shared_database(tmp_path, settings) as env,
        cluster({**env, "MEDIA_ROOT": str(media)}, log) as process,
    ):
        response = upload(owner_api, receipts_path(household.ledger), drawn.png)
        assert response.status_code == 202, response.content
        path = receipts_path(household.ledger, response.json()["id"])

        def finished() -> dict | None:
            receipt = owner_api.get(path).json()
            return receipt if receipt["status"] in ("done", "failed") else None

        receipt = wait_for(finished, "the scan", log, process, timeout=90)
    assert receipt["status"] == "done", receipt
    assert receipt["suggestion"]["amount"] == f"{drawn.total:.2f}"
    assert receipt["suggestion"]["date"] == drawn.date.isoformat()
