"""A checked row's `job` and `ledger` have no foreign-key constraints in the database (issue
21: checking both for each of 100 000 rows took about 1.2 s of a check). What they guarded
the application guarantees: the rows are written only by the check, in the database
transaction that creates their job, and leave with it or its ledger through the ORM (whose
CASCADE is Django's). Whichever way a job or a ledger goes, no row names one that is gone."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from budget.exchange import import_services
from budget.exchange.models import ImportJob, ImportRow
from budget.exchange.tests.helpers import TWO_ROWS, csv_text, validated
from budget.ledgers.models import Ledger
from budget.ledgers.services import ledger_delete

pytestmark = pytest.mark.django_db


def _orphans() -> int:
    return (
        ImportRow.objects.exclude(job_id__in=ImportJob.objects.values("pk")).count()
        + ImportRow.objects.exclude(ledger_id__in=Ledger.objects.values("pk")).count()
    )


@pytest.fixture
def checked(owner_api, household) -> ImportJob:
    job = validated(owner_api, household.ledger, csv_text(*TWO_ROWS))
    assert ImportRow.objects.filter(job_id=job["id"], ledger=household.ledger).count() == 2
    return ImportJob.objects.get(pk=job["id"])


@pytest.mark.parametrize("how", ["instance", "queryset", "sweep"])
def test_a_deleted_job_takes_its_rows(checked, how):
    if how == "instance":
        checked.delete()
    elif how == "queryset":
        ImportJob.objects.filter(pk=checked.pk).delete()
    else:  # a job never committed, discarded after IMPORT_KEEP_DAYS
        ImportJob.objects.filter(pk=checked.pk).update(
            created_at=timezone.now() - timedelta(days=400)
        )
        import_services.import_jobs_sweep()
    assert not ImportJob.objects.filter(pk=checked.pk).exists()
    assert not ImportRow.objects.exists()
    assert _orphans() == 0


def test_a_deleted_ledger_takes_its_jobs_rows(checked, household):
    ledger_delete(ledger=household.ledger)
    assert not ImportRow.objects.exists()
    assert _orphans() == 0


def test_a_committed_job_leaves_no_rows(checked, household, owner_api, commit):
    assert commit(owner_api, household.ledger, checked.pk)["status"] == "done"
    assert not ImportRow.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's catalog")
def test_the_columns_have_no_database_constraint_but_are_indexed():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "exchange_importrow")
    for column in ("job_id", "ledger_id"):
        keys = [c for c in constraints.values() if c["columns"][:1] == [column]]
        assert [c["foreign_key"] for c in keys if c["foreign_key"]] == [], column
        assert any(c["index"] or c["unique"] for c in keys), column
