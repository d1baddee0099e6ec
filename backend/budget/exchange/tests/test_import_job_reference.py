"""A transaction's `import_job` has no foreign-key constraint in the database (issue 21: its
per-row check cost a commit of 100 000 rows about 0.5 s). What the constraint guarded the
application guarantees: only the import writes the column, with the job's row locked, and a
job leaves only through the ORM, whose SET_NULL empties the column first. Whichever way a
job goes, no transaction names a job that is gone."""

import pytest
from django.db import connection

from budget.exchange import import_services
from budget.exchange.models import ImportJob
from budget.exchange.tests.helpers import TWO_ROWS, csv_text, imports_path, validated
from budget.ledgers.services import ledger_delete
from budget.money.models import Transaction

pytestmark = pytest.mark.django_db


def _orphans() -> int:
    return (
        Transaction.objects.filter(import_job_id__isnull=False)
        .exclude(import_job_id__in=ImportJob.objects.values("pk"))
        .count()
    )


@pytest.fixture
def imported(owner_api, household, commit) -> ImportJob:
    job = validated(owner_api, household.ledger, csv_text(*TWO_ROWS))
    assert commit(owner_api, household.ledger, job["id"])["status"] == "done"
    assert Transaction.objects.filter(import_job_id=job["id"]).count() == len(TWO_ROWS)
    return ImportJob.objects.get(pk=job["id"])


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_a_deleted_job_leaves_its_transactions_without_a_job(imported, how):
    if how == "instance":
        imported.delete()
    else:  # as the sweep deletes the jobs it discards
        ImportJob.objects.filter(pk=imported.pk).delete()
    assert Transaction.objects.filter(import_job__isnull=True).count() == len(TWO_ROWS)
    assert _orphans() == 0


def test_a_deleted_ledger_leaves_no_transaction_naming_its_jobs(imported, household):
    ledger_delete(ledger=household.ledger)
    assert not ImportJob.objects.filter(pk=imported.pk).exists()
    assert _orphans() == 0


def test_a_job_deleted_before_its_worker_runs_gets_no_transactions(
    owner_api, household, django_capture_on_commit_callbacks
):
    """The one writer of the column, the commit, acts only on its job claimed `FOR UPDATE`
    (`_job_claimed`): a job gone by then is skipped, nothing written."""
    job = validated(owner_api, household.ledger, csv_text(*TWO_ROWS))
    with django_capture_on_commit_callbacks(execute=False):
        response = owner_api.post(imports_path(household.ledger, job["id"], "commit"), {})
    assert response.status_code == 202, response.content
    running = ImportJob.objects.get(pk=job["id"])
    running.delete()
    assert import_services.import_run(job_id=running.pk, run_id=running.run_id) == "skipped"
    assert not Transaction.objects.exists()
    assert _orphans() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalog")
def test_the_column_has_no_database_constraint_but_keeps_its_index():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "money_transaction")
    on_column = [c for c in constraints.values() if c["columns"] == ["import_job_id"]]
    assert [c["foreign_key"] for c in on_column if c["foreign_key"]] == []
    assert any(c["index"] for c in on_column)
