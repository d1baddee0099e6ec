"""The import job's life (SPEC §9): commit (202, a task inserts every row in one database
transaction), progress, duplicates, undo and discard, roles and isolation."""

import csv
import io
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from tests.helpers import assert_error

from budget.exchange import import_services, tasks
from budget.exchange.models import ImportJob, ImportRow, ImportStatus
from budget.exchange.progress import progress_set
from budget.exchange.tests.helpers import HEADER, csv_text, imports_path, upload, validated
from budget.money import services
from budget.money.models import Allocation, Transaction
from budget.money.rollup import rollup_drift
from budget.money.tests.helpers import member_api

pytestmark = pytest.mark.django_db

ROWS = (
    "2025-03-01,income,1000.00,Salary,Salary,Bank,,,",
    "2025-03-02,expense,25.50,Market,Groceries,Bank,Fun,,food",
    "2025-03-02,expense,25.50,Market,Groceries,Bank,Fun,,food",
    "2025-04-10,income,300.00,Bonus,Other income,Cash,Savings,,",
)
REPORTS = [
    ("balances", {}),
    ("monthly", {"year": 2025, "month": 3}),
    ("yearly", {"year": 2025}),
    ("historical", {}),
]


def _tx(h, **data):
    return services.transaction_create(ledger=h.ledger, data=data)


def _reports(api, ledger) -> list[bytes]:
    return [api.get(f"/ledgers/{ledger.pk}/reports/{name}", p).content for name, p in REPORTS]


def _job(job_id) -> ImportJob:
    return ImportJob.objects.get(pk=job_id)


def _running(job_id, *, started_ago: int = 0) -> ImportJob:
    """The job as a commit leaves it for the worker (without queuing a task)."""
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.RUNNING,
        run_id=uuid.uuid4(),
        started_at=timezone.now() - timedelta(seconds=started_ago),
    )
    return _job(job_id)


# --- Commit -----------------------------------------------------------------------------------


def test_commit_answers_202_and_the_task_imports_every_row(owner_api, household, commit):
    h = household
    version = h.ledger.version
    job = validated(owner_api, h.ledger, csv_text(*ROWS))
    assert (job["total_rows"], job["valid_rows"], job["total"], job["processed"]) == (4, 4, 4, 0)
    done = commit(owner_api, h.ledger, job["id"])
    assert done["status"] == "done"
    assert (done["processed"], done["total"], done["created"]) == (4, 4, 4)
    assert done["detail"] == "4 transactions were imported."
    assert done["finished_at"] is not None
    assert Transaction.objects.filter(ledger=h.ledger, import_job_id=job["id"]).count() == 4
    assert not ImportRow.objects.exists()  # the checked rows go once they are imported
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    h.ledger.refresh_from_db()
    assert h.ledger.version > version


def test_the_commit_answer_is_the_running_job(owner_api, household):
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    response = owner_api.post(imports_path(household.ledger, job["id"], "commit"), {})
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["total"], body["processed"], body["stale"]) == (
        "running",
        4,
        0,
        False,
    )
    assert body["detail"] == "Importing 4 rows."


def test_commit_body_may_be_empty(owner_api, household):
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    response = owner_api.post(imports_path(household.ledger, job["id"], "commit"))
    assert response.status_code == 202, response.content


def test_commit_body_is_validated(owner_api, household):
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    response = owner_api.post(
        imports_path(household.ledger, job["id"], "commit"), {"skip_duplicates": "perhaps"}
    )
    assert_error(response, 422, "validation_error", "skip_duplicates")
    assert _job(job["id"]).status == ImportStatus.VALIDATED


@pytest.mark.parametrize("status", ["invalid", "done", "failed", "undone"])
def test_only_a_validated_job_can_be_committed(owner_api, household, status):
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    ImportJob.objects.filter(pk=job["id"]).update(status=status)
    response = owner_api.post(imports_path(household.ledger, job["id"], "commit"), {})
    assert_error(response, 409, "import_state")
    assert _job(job["id"]).status == status


def test_an_invalid_file_cannot_be_committed(owner_api, household):
    body = upload(
        owner_api, household.ledger, csv_text("2025-03-01,expense,1.001,x,Groceries,Bank,,,")
    ).json()
    response = owner_api.post(imports_path(household.ledger, body["id"], "commit"), {})
    body = assert_error(response, 409, "import_state")
    assert body["detail"] == "This file has invalid rows; correct it and upload it again."


def test_a_running_job_cannot_be_committed_again(owner_api, household):
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    _running(job["id"])
    response = owner_api.post(imports_path(household.ledger, job["id"], "commit"), {})
    assert_error(response, 409, "import_state")


def test_a_stale_running_job_can_be_committed_again(owner_api, household, commit, settings):
    """The worker was stopped: its database transaction died with it, so committing again
    starts over from the stored rows."""
    settings.IMPORT_STALE_SECONDS = 60
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    old = _running(job["id"], started_ago=61)
    progress_set(job_id=old.pk, run_id=old.run_id, processed=2000)
    assert owner_api.get(imports_path(household.ledger, job["id"])).json()["stale"] is False
    progress_set(job_id=old.pk, run_id=uuid.uuid4(), processed=0)  # another run's entry
    body = owner_api.get(imports_path(household.ledger, job["id"])).json()
    assert (body["status"], body["stale"], body["processed"]) == ("running", True, 0)

    done = commit(owner_api, household.ledger, job["id"])
    assert done["status"] == "done"
    assert done["created"] == 4
    assert _job(job["id"]).attempts == 1
    assert _job(job["id"]).run_id != old.run_id
    # The old run's task, should it still come, finds another run and does nothing.
    assert import_services.import_run(job_id=old.pk, run_id=old.run_id) == "skipped"
    assert Transaction.objects.filter(import_job_id=job["id"]).count() == 4


def test_the_task_run_twice_imports_once(owner_api, household, commit):
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    done = commit(owner_api, household.ledger, job["id"])
    run_id = _job(job["id"]).run_id
    assert import_services.import_run(job_id=uuid.UUID(done["id"]), run_id=run_id) == "skipped"
    assert import_services.import_run(job_id=uuid.uuid4(), run_id=run_id) == "skipped"
    assert Transaction.objects.filter(import_job_id=job["id"]).count() == 4


def test_progress_is_read_from_the_workers_entry(owner_api, household):
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    running = _running(job["id"])
    progress_set(job_id=running.pk, run_id=running.run_id, processed=3)
    body = owner_api.get(imports_path(household.ledger, job["id"])).json()
    assert (body["status"], body["processed"], body["total"]) == ("running", 3, 4)


def test_rows_that_no_longer_pass_fail_the_whole_import(owner_api, household, commit):
    h = household
    job = validated(owner_api, h.ledger, csv_text(*ROWS))
    services.wallet_update(wallet=h.cash, archived=True)  # after the check, before the commit
    failed = commit(owner_api, h.ledger, job["id"])
    assert failed["status"] == "failed"
    assert failed["detail"].startswith("1 row no longer pass the checks")
    assert failed["errors"] == [
        {"row": 5, "field": "wallet", "message": "The wallet 'Cash' is archived."}
    ]
    assert not Transaction.objects.filter(import_job_id=job["id"]).exists()
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    response = owner_api.post(imports_path(h.ledger, job["id"], "commit"), {})
    assert_error(response, 409, "import_state")


# --- Duplicates -------------------------------------------------------------------------------


def test_a_row_like_an_existing_transaction_is_a_possible_duplicate(owner_api, household):
    h = household
    existing = _tx(
        h,
        kind="expense",
        date=date(2025, 3, 2),
        amount=Decimal("25.50"),
        description="Market",
        wallet=h.bank.pk,
        category=h.groceries.pk,
    )
    job = validated(owner_api, h.ledger, csv_text(*ROWS))
    # Both identical rows of the file are kept; the first pairs with the existing one, the
    # second is new (test_import_review has more of this).
    assert job["duplicates"] == [{"row": 3, "transaction": str(existing.pk)}]
    assert job["duplicate_count"] == 1
    assert [p["duplicate"] for p in job["preview"]] == [None, str(existing.pk), None, None]


def test_identical_rows_in_one_file_are_not_duplicates_of_each_other(owner_api, household, commit):
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    assert job["duplicates"] == []
    assert commit(owner_api, household.ledger, job["id"])["created"] == 4
    assert Transaction.objects.filter(description="Market").count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"date": date(2025, 3, 3)},
        {"amount": Decimal("25.51")},
        {"description": "Markets"},  # its case does not count: test_import_review
        {"wallet": "cash"},
    ],
)
def test_a_duplicate_matches_date_amount_wallet_and_description(owner_api, household, change):
    h = household
    data = {
        "kind": "expense",
        "date": date(2025, 3, 2),
        "amount": Decimal("25.50"),
        "description": "Market",
        "wallet": h.bank.pk,
        "category": h.groceries.pk,
    }
    if change.get("wallet"):
        change = {"wallet": h.cash.pk}
    _tx(h, **(data | change))
    assert validated(owner_api, h.ledger, csv_text(*ROWS))["duplicates"] == []


def test_a_transfer_duplicates_on_its_from_wallet(owner_api, household):
    h = household
    existing = _tx(
        h,
        kind="transfer",
        date=date(2025, 3, 5),
        amount=Decimal("50.00"),
        description="Move",
        from_wallet=h.bank.pk,
        to_wallet=h.cash.pk,
    )
    header = HEADER + ",from_wallet,to_wallet"
    content = csv_text("2025-03-05,transfer,50.00,Move,,,,,,Bank,Cash", header=header)
    job = validated(owner_api, h.ledger, content)
    assert job["duplicates"] == [{"row": 2, "transaction": str(existing.pk)}]


def test_skip_duplicates_leaves_them_out(owner_api, household, commit):
    h = household
    _tx(
        h,
        kind="income",
        date=date(2025, 3, 1),
        amount=Decimal("1000.00"),
        description="Salary",
        wallet=h.bank.pk,
        category=h.salary.pk,
    )
    job = validated(owner_api, h.ledger, csv_text(*ROWS))
    assert job["duplicate_count"] == 1
    done = commit(owner_api, h.ledger, job["id"], skip_duplicates=True)
    assert (done["status"], done["total"], done["created"], done["skip_duplicates"]) == (
        "done",
        3,
        3,
        True,
    )
    assert Transaction.objects.filter(ledger=h.ledger, description="Salary").count() == 1


def test_skip_duplicates_sees_what_came_into_the_ledger_after_the_check(
    owner_api, household, commit
):
    h = household
    job = validated(owner_api, h.ledger, csv_text(*ROWS))
    assert job["duplicate_count"] == 0
    # Between the check and the commit, the salary arrives another way (another import, by
    # hand): skipping duplicates must not make it twice.
    _tx(
        h,
        kind="income",
        date=date(2025, 3, 1),
        amount=Decimal("1000.00"),
        description="Salary",
        wallet=h.bank.pk,
        category=h.salary.pk,
    )
    done = commit(owner_api, h.ledger, job["id"], skip_duplicates=True)
    assert (done["status"], done["total"], done["created"]) == ("done", 3, 3)
    assert Transaction.objects.filter(ledger=h.ledger, description="Salary").count() == 1


def test_duplicates_are_kept_unless_skipped(owner_api, household, commit):
    h = household
    _tx(
        h,
        kind="income",
        date=date(2025, 3, 1),
        amount=Decimal("1000.00"),
        description="Salary",
        wallet=h.bank.pk,
        category=h.salary.pk,
    )
    job = validated(owner_api, h.ledger, csv_text(*ROWS))
    assert commit(owner_api, h.ledger, job["id"])["created"] == 4
    assert Transaction.objects.filter(ledger=h.ledger, description="Salary").count() == 2


# --- Undo and discard -------------------------------------------------------------------------


def test_undo_restores_balances_and_reports_exactly(owner_api, household, commit):
    h = household
    _tx(
        h,
        kind="income",
        date=date(2025, 3, 1),
        amount=Decimal("500.00"),
        wallet=h.bank.pk,
        category=h.salary.pk,
    )
    services.incomes_allocate(ledger=h.ledger)
    before = _reports(owner_api, h.ledger)

    job = validated(owner_api, h.ledger, csv_text(*ROWS))
    assert commit(owner_api, h.ledger, job["id"])["status"] == "done"
    assert _reports(owner_api, h.ledger) != before
    assert Allocation.objects.filter(transaction__import_job_id=job["id"]).exists()
    later = _tx(
        h,
        kind="expense",
        date=date(2025, 3, 9),
        amount=Decimal("1.00"),
        wallet=h.cash.pk,
        category=h.groceries.pk,
    )

    response = owner_api.delete(imports_path(h.ledger, job["id"]))
    assert response.status_code == 204
    services.transaction_delete(tx=later)
    assert _reports(owner_api, h.ledger) == before
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    assert not Transaction.objects.filter(import_job_id=job["id"]).exists()
    assert Transaction.objects.filter(ledger=h.ledger).count() == 1  # the one made before
    body = owner_api.get(imports_path(h.ledger, job["id"])).json()
    assert (body["status"], body["detail"]) == ("undone", "Undone: 4 transactions were removed.")


def test_undo_removes_imported_transactions_even_when_edited(owner_api, household, commit):
    h = household
    job = validated(owner_api, h.ledger, csv_text(*ROWS))
    commit(owner_api, h.ledger, job["id"])
    tx = Transaction.objects.filter(import_job_id=job["id"], kind="income").first()
    services.transaction_update(tx=tx, changes={"amount": Decimal("999.99")})
    assert owner_api.delete(imports_path(h.ledger, job["id"])).status_code == 204
    assert not Transaction.objects.filter(ledger=h.ledger).exists()
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_deleting_an_undone_job_discards_it(owner_api, household, commit):
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    commit(owner_api, household.ledger, job["id"])
    assert owner_api.delete(imports_path(household.ledger, job["id"])).status_code == 204
    assert owner_api.delete(imports_path(household.ledger, job["id"])).status_code == 204
    assert_error(owner_api.get(imports_path(household.ledger, job["id"])), 404, "not_found")


@pytest.mark.parametrize(
    "content", [csv_text(*ROWS), csv_text("2025-03-01,expense,1.001,x,Groceries,Bank,,,")]
)
def test_a_job_never_committed_is_discarded(owner_api, household, content):
    job = upload(owner_api, household.ledger, content).json()
    assert owner_api.delete(imports_path(household.ledger, job["id"])).status_code == 204
    assert not ImportJob.objects.exists()
    assert not ImportRow.objects.exists()
    assert not Transaction.objects.exists()


def test_a_running_job_cannot_be_deleted(owner_api, household):
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    _running(job["id"])
    assert_error(owner_api.delete(imports_path(household.ledger, job["id"])), 409, "import_state")
    assert ImportRow.objects.filter(job_id=job["id"]).count() == 4


def test_a_stale_running_job_can_be_discarded(owner_api, household, settings):
    settings.IMPORT_STALE_SECONDS = 60
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    _running(job["id"], started_ago=61)
    assert owner_api.delete(imports_path(household.ledger, job["id"])).status_code == 204
    assert not ImportJob.objects.exists()


# --- Round trip -------------------------------------------------------------------------------


def test_an_exported_csv_imports_back_as_the_same_transactions(
    owner_api, household, commit, make_user, api
):
    h = household
    _tx(
        h,
        kind="income",
        date=date(2025, 3, 1),
        amount=Decimal("1000.00"),
        description="Salary",
        wallet=h.bank.pk,
        category=h.salary.pk,
        bucket=h.savings.pk,
    )
    _tx(
        h,
        kind="income",
        date=date(2025, 3, 1),
        amount=Decimal("333.33"),
        description="Split",
        wallet=h.bank.pk,
        category=h.salary.pk,
    )
    _tx(
        h,
        kind="expense",
        date=date(2025, 3, 2),
        amount=Decimal("25.50"),
        description='Market, "fresh"',
        notes="two\nlines",
        tags=["food", "weekly"],
        wallet=h.bank.pk,
        category=h.groceries.pk,
    )
    _tx(
        h,
        kind="expense",
        date=date(2025, 3, 2),
        amount=Decimal("9.00"),
        description="Cinema",
        wallet=h.cash.pk,
        category=h.category("Leisure").pk,
        bucket=h.fun.pk,
    )
    _tx(
        h,
        kind="transfer",
        date=date(2025, 3, 3),
        amount=Decimal("100.00"),
        from_wallet=h.bank.pk,
        to_wallet=h.cash.pk,
        from_bucket=h.savings.pk,
        to_bucket=h.fun.pk,
        category=h.transfer.pk,
    )
    _tx(
        h,
        kind="transfer",
        date=date(2025, 3, 3),
        amount=Decimal("5.00"),
        from_bucket=h.bills.pk,
        to_bucket=h.unallocated.pk,
    )
    _tx(h, kind="adjustment", date=date(2025, 3, 4), amount=Decimal("-5.00"), wallet=h.cash.pk)
    services.incomes_allocate(ledger=h.ledger)
    exported = owner_api.get(f"/ledgers/{h.ledger.pk}/export.csv").getvalue()

    # Another person's ledger with the same names gets the file.
    other = make_user("olga@example.com")
    olga = api.as_user(other)
    for wallet in ("Bank", "Cash"):
        services.wallet_create(ledger=other.default_ledger, name=wallet, kind="virtual")
    for bucket, percent in (("Savings", "20.00"), ("Fun", "10.00"), ("Bills", "50.00")):
        services.bucket_create(
            ledger=other.default_ledger, name=bucket, allocation_percent=Decimal(percent)
        )
    job = validated(olga, other.default_ledger, exported)
    assert commit(olga, other.default_ledger, job["id"])["created"] == 7
    again = olga.get(f"/ledgers/{other.default_ledger_id}/export.csv").getvalue()

    def without_ids(content: bytes) -> list[dict]:
        rows = list(csv.DictReader(io.StringIO(content.decode())))
        return [{k: v for k, v in row.items() if k != "id"} for row in rows]

    assert without_ids(again) == without_ids(exported)
    assert rollup_drift(ledger_id=other.default_ledger_id) == []


# --- Roles, isolation, lists ------------------------------------------------------------------


def test_a_viewer_reads_jobs_but_cannot_import(api, owner_api, household, bob):
    h = household
    job = validated(owner_api, h.ledger, csv_text(*ROWS))
    viewer = member_api(api, h.ledger, bob, "viewer")
    assert viewer.get(imports_path(h.ledger)).json()["count"] == 1
    assert viewer.get(imports_path(h.ledger, job["id"])).status_code == 200
    assert_error(upload(viewer, h.ledger, csv_text(*ROWS)), 403, "permission_denied")
    assert_error(viewer.post(imports_path(h.ledger, job["id"], "commit"), {}), 403)
    assert_error(viewer.delete(imports_path(h.ledger, job["id"])), 403)
    assert ImportJob.objects.count() == 1
    assert _job(job["id"]).status == ImportStatus.VALIDATED


def test_an_editor_imports(api, household, bob, commit):
    editor = member_api(api, household.ledger, bob, "editor")
    job = validated(editor, household.ledger, csv_text(*ROWS))
    assert commit(editor, household.ledger, job["id"])["status"] == "done"
    assert _job(job["id"]).created_by == bob


def test_a_stranger_gets_404_for_the_upload_and_the_jobs(api, owner_api, household, stranger):
    h = household
    job = validated(owner_api, h.ledger, csv_text(*ROWS))
    outsider = api.as_user(stranger)
    assert_error(upload(outsider, h.ledger, csv_text(*ROWS)), 404, "not_found")
    assert_error(outsider.get(imports_path(h.ledger, job["id"])), 404, "not_found")
    assert_error(outsider.post(imports_path(h.ledger, job["id"], "commit"), {}), 404)
    assert_error(outsider.delete(imports_path(h.ledger, job["id"])), 404)
    # Their own ledger does not reach someone else's job either.
    own = stranger.default_ledger
    assert_error(outsider.get(imports_path(own, job["id"])), 404, "not_found")
    assert_error(outsider.post(imports_path(own, job["id"], "commit"), {}), 404)
    assert_error(outsider.delete(imports_path(own, job["id"])), 404)
    assert ImportJob.objects.count() == 1
    assert _job(job["id"]).status == ImportStatus.VALIDATED


def test_the_upload_needs_authentication(api, household):
    assert_error(upload(api, household.ledger, csv_text(*ROWS)), 401, "not_authenticated")


def test_the_list_is_paginated_newest_first(owner_api, household, django_assert_max_num_queries):
    ids = [validated(owner_api, household.ledger, csv_text(*ROWS))["id"] for _ in range(3)]
    with django_assert_max_num_queries(3):
        body = owner_api.get(imports_path(household.ledger), {"page_size": 2}).json()
    assert body["count"] == 3
    assert [item["id"] for item in body["items"]] == ids[::-1][:2]
    assert "errors" not in body["items"][0]
    assert "preview" not in body["items"][0]
    page = owner_api.get(imports_path(household.ledger), {"page_size": 501})
    assert_error(page, 422, "validation_error", "page_size")


def test_the_job_is_read_in_two_queries(owner_api, household, django_assert_max_num_queries):
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    _running(job["id"])
    with django_assert_max_num_queries(2):
        response = owner_api.get(imports_path(household.ledger, job["id"]))
    assert response.status_code == 200


def test_an_unknown_job_is_404(owner_api, household):
    missing = uuid.uuid4()
    assert_error(owner_api.get(imports_path(household.ledger, missing)), 404, "not_found")
    assert_error(owner_api.post(imports_path(household.ledger, missing, "commit"), {}), 404)
    assert_error(owner_api.delete(imports_path(household.ledger, missing)), 404)


def test_undoing_many_split_incomes_leaves_other_splits_alone(owner_api, household, commit):
    h = household
    kept = _tx(
        h,
        kind="income",
        date=date(2025, 3, 1),
        amount=Decimal("77.77"),
        wallet=h.cash.pk,
        category=h.salary.pk,
    )
    lines = [
        f"2025-03-{n % 28 + 1:02d},income,{n}.{n % 100:02d},Pay {n},Salary,Bank,,,"
        for n in range(1, 61)
    ]
    job = validated(owner_api, h.ledger, csv_text(*lines))
    assert commit(owner_api, h.ledger, job["id"])["created"] == 60
    services.incomes_allocate(ledger=h.ledger)
    assert Allocation.objects.filter(transaction__import_job_id=job["id"]).count() == 180
    kept_parts = list(Allocation.objects.filter(transaction=kept).values_list("bucket", "amount"))
    assert len(kept_parts) == 3

    assert owner_api.delete(imports_path(h.ledger, job["id"])).status_code == 204
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    assert list(Transaction.objects.filter(ledger=h.ledger)) == [kept]
    assert list(Allocation.objects.values_list("bucket", "amount")) == kept_parts


# --- The sweep --------------------------------------------------------------------------------


def test_the_sweep_restarts_a_stale_import(
    owner_api, household, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_STALE_SECONDS = 60
    stale = validated(owner_api, household.ledger, csv_text(*ROWS))
    fresh = validated(owner_api, household.ledger, csv_text(*ROWS))
    _running(stale["id"], started_ago=61)
    _running(fresh["id"], started_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.import_jobs_sweep() == {"restarted": 1, "discarded": 0}
    assert _job(stale["id"]).status == ImportStatus.DONE
    assert Transaction.objects.filter(import_job_id=stale["id"]).count() == 4
    assert _job(fresh["id"]).status == ImportStatus.RUNNING
    assert rollup_drift(ledger_id=household.ledger.pk) == []


def test_the_sweep_discards_old_jobs_never_committed(owner_api, household, commit, settings):
    settings.IMPORT_KEEP_DAYS = 7
    old = timezone.now() - timedelta(days=8)
    ids = {}
    for status in ("validated", "invalid", "failed", "done"):
        ids[status] = validated(owner_api, household.ledger, csv_text(*ROWS))["id"]
    commit(owner_api, household.ledger, ids["done"])
    ImportJob.objects.filter(pk=ids["invalid"]).update(status="invalid")
    ImportJob.objects.filter(pk=ids["failed"]).update(status="failed")
    ImportJob.objects.update(created_at=old)
    recent = validated(owner_api, household.ledger, csv_text(*ROWS))["id"]
    assert tasks.import_jobs_sweep()["discarded"] == 3
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {
        uuid.UUID(ids["done"]),
        uuid.UUID(recent),
    }
    assert ImportRow.objects.filter(job_id=recent).count() == 4
    assert Transaction.objects.filter(import_job_id=ids["done"]).count() == 4


# --- Statistics after a large import ----------------------------------------------------------


@pytest.mark.parametrize(("threshold", "analyzed"), [(4, True), (5, False)])
def test_a_large_import_refreshes_the_planners_statistics(
    owner_api, household, commit, settings, threshold, analyzed
):
    """From IMPORT_ANALYZE_ROWS imported rows on, the worker ANALYZEs the transactions, so the
    next file's duplicate search is planned on the ledger as it now is (PostgreSQL only)."""
    settings.IMPORT_ANALYZE_ROWS = threshold
    job = validated(owner_api, household.ledger, csv_text(*ROWS))
    asked: list[str] = []

    def not_analyzing(execute, sql, params, many, context):
        # Recorded, not run: statistics outlive the test's transaction and would change
        # the plans other tests see.
        if sql == "ANALYZE money_transaction":
            asked.append(sql)
            return None
        return execute(sql, params, many, context)

    with connection.execute_wrapper(not_analyzing):
        assert commit(owner_api, household.ledger, job["id"])["created"] == 4
    assert bool(asked) is (analyzed and connection.vendor == "postgresql")
