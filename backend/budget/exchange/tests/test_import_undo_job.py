"""Undoing a large import is a worker's job (202, `undoing`, progress, then `undone`); a
small one stays in the request (204). And the commit holds the ledger lock only for its
last step: a wallet archived while the rows go in still fails the import."""

import uuid
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone
from tests.helpers import assert_error

from budget.activity.models import Entry
from budget.exchange import import_services
from budget.exchange.models import ImportJob, ImportStatus
from budget.exchange.tests.helpers import csv_text, imports_path, validated
from budget.money import services
from budget.money.models import Allocation, Transaction
from budget.money.rollup import rollup_drift
from budget.money.signals import transactions_written

pytestmark = pytest.mark.django_db

ROWS = (
    "2025-03-01,income,1000.00,Salary,Salary,Bank,,,",
    "2025-03-02,expense,25.50,Market,Groceries,Bank,Fun,,food",
    "2025-03-02,expense,25.50,Market,Groceries,Bank,Fun,,food",
    "2025-04-10,income,300.00,Bonus,Other income,Cash,Savings,,",
    "2025-04-11,expense,9.99,Kiosk,Groceries,Cash,,,",
)


@pytest.fixture
def imported(owner_api, household, commit, settings):
    """A done import of five rows, with undo in a worker from two transactions on, two
    transactions per batch."""
    settings.IMPORT_UNDO_SYNC_ROWS = 2
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    assert commit(owner_api, household.ledger, job["id"])["status"] == "done"
    assert Allocation.objects.filter(transaction__import_job_id=job["id"]).exists()
    return job


def test_a_large_undo_answers_202_and_the_worker_removes_it(
    owner_api, household, imported, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(import_services, "UNDO_BATCH", 2)
    path = imports_path(household.ledger, imported["id"])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = owner_api.delete(path)
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["total"], body["processed"]) == ("undoing", 5, 0)
    assert body["detail"] == "Removing 5 transactions."
    assert len(queued) == 1  # the undo task, run here as the worker would
    done = owner_api.get(path).json()
    assert (done["status"], done["processed"], done["total"]) == ("undone", 5, 5)
    assert done["detail"] == "Undone: 5 transactions were removed."
    assert not Transaction.objects.filter(ledger=household.ledger).exists()
    assert not Allocation.objects.exists()
    assert rollup_drift(ledger_id=household.ledger.pk) == []


def test_the_undo_is_one_activity_entry_in_the_name_of_who_asked(
    owner_api, household, imported, django_capture_on_commit_callbacks, user
):
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_api.delete(imports_path(household.ledger, imported["id"])).status_code == 202
    entry = Entry.objects.get(action="undo")
    assert (entry.count, entry.object_id, entry.actor_id) == (5, uuid.UUID(imported["id"]), user.pk)
    assert entry.via == "password"


def test_a_small_undo_stays_in_the_request(owner_api, household, imported, settings):
    settings.IMPORT_UNDO_SYNC_ROWS = 5
    assert owner_api.delete(imports_path(household.ledger, imported["id"])).status_code == 204
    assert ImportJob.objects.get(pk=imported["id"]).status == ImportStatus.UNDONE
    assert rollup_drift(ledger_id=household.ledger.pk) == []


def test_asking_again_while_it_undoes_answers_the_job(owner_api, household, imported):
    path = imports_path(household.ledger, imported["id"])
    first = owner_api.delete(path)  # queued, not run: no worker here
    again = owner_api.delete(path)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["status"] == "undoing"
    assert_error(owner_api.post(f"{path}/commit", {}), 409, "import_state")
    assert Transaction.objects.filter(import_job_id=imported["id"]).count() == 5


def test_a_worker_stopped_half_way_is_taken_up_where_it_stopped(
    owner_api, household, imported, monkeypatch, settings
):
    monkeypatch.setattr(import_services, "UNDO_BATCH", 2)
    path = imports_path(household.ledger, imported["id"])
    assert owner_api.delete(path).status_code == 202
    job = ImportJob.objects.get(pk=imported["id"])
    # The first worker got through one batch, then died (its batch was committed).
    first_batch = Transaction.objects.filter(import_job=job).values_list("pk", flat=True)[:2]
    services.transactions_delete(ledger=household.ledger, filters=Q(pk__in=list(first_batch)))
    # A task of an older run does nothing.
    assert import_services.import_undo(job_id=job.pk, run_id=uuid.uuid4()) == "skipped"
    ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=1))
    settings.IMPORT_STALE_SECONDS = 60
    assert owner_api.get(path).json()["stale"] is True
    assert import_services.import_jobs_sweep()["restarted"] == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.UNDOING
    assert import_services.import_undo(job_id=job.pk, run_id=job.run_id) == "done"
    body = owner_api.get(path).json()
    assert (body["status"], body["processed"], body["total"]) == ("undone", 5, 5)
    assert not Transaction.objects.filter(ledger=household.ledger).exists()
    assert rollup_drift(ledger_id=household.ledger.pk) == []


def test_a_wallet_archived_while_the_rows_go_in_fails_the_import(owner_api, household, commit):
    """The rows are checked and written before the ledger lock is taken; a wallet archived
    meanwhile (here: by a receiver of the rows just written) is seen under the lock."""
    h = household

    def archive(**_):
        services.wallet_update(wallet=h.cash, archived=True)

    job = validated(owner_api, h.ledger, csv_text(*ROWS))
    transactions_written.connect(archive, dispatch_uid="test.archive")
    try:
        failed = commit(owner_api, h.ledger, job["id"])
    finally:
        transactions_written.disconnect(dispatch_uid="test.archive")
    assert failed["status"] == "failed"
    assert failed["detail"].startswith("2 rows no longer pass the checks")
    assert failed["errors"] == [
        {"row": 5, "field": "wallet", "message": "The wallet 'Cash' is archived."},
        {"row": 6, "field": "wallet", "message": "The wallet 'Cash' is archived."},
    ]
    assert not Transaction.objects.filter(ledger=h.ledger).exists()
    h.cash.refresh_from_db()
    assert not h.cash.archived  # the archive was rolled back with the import
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_an_undo_batch_ends_at_the_end_of_a_day(
    owner_api, household, imported, django_capture_on_commit_callbacks, monkeypatch
):
    """A batch is the transactions up to the day of the UNDO_BATCH-th by date: the second
    of 2025-03-02 goes with the first, the day is never split between two batches."""
    monkeypatch.setattr(import_services, "UNDO_BATCH", 2)
    seen: list[int] = []
    real = import_services.progress_set

    def recorded(**kwargs):
        seen.append(kwargs["processed"])
        return real(**kwargs)

    monkeypatch.setattr(import_services, "progress_set", recorded)
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_api.delete(imports_path(household.ledger, imported["id"])).status_code == 202
    assert seen == [3, 5]
    assert rollup_drift(ledger_id=household.ledger.pk) == []
