"""A second look at the CSV import: amounts that must not be misread, duplicates as a user
means them, a job that always kills its worker, the books after an undo."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from tests.helpers import assert_error

from budget.exchange import import_services, tasks
from budget.exchange.models import ImportJob, ImportStatus
from budget.exchange.tests.helpers import csv_text, imports_path, upload, validated
from budget.money import services
from budget.money.models import Transaction
from budget.money.rollup import rollup_drift
from budget.money.tests.helpers import assert_books_balance

pytestmark = pytest.mark.django_db

H = "date,kind,amount,description,category,wallet"


def _amount_error(api, h, text: str, decimal: str) -> str | None:
    body = upload(
        api,
        h.ledger,
        csv_text(f'2025-03-01,expense,"{text}",A,Groceries,Bank', header=H),
        decimal=decimal,
    ).json()
    if body["status"] == "validated":
        return body["preview"][0]["amount"]
    return body["errors"][0]["message"]


@pytest.mark.parametrize("text", ["0.001", "0.500", "-0.100", "0 500", "01.000"])
def test_a_decimal_comma_amount_never_starts_a_thousands_group_with_zero(
    owner_api, household, text
):
    # "0.001" is no amount in a file with a decimal comma: read as 1.00 it was silently wrong.
    assert "is not an amount" in _amount_error(owner_api, household, text, ",")


@pytest.mark.parametrize(
    ("text", "expected"), [("1.500", "1500.00"), ("12.345.678,9", "12345678.90"), ("0,50", "0.50")]
)
def test_a_decimal_comma_amount_with_groups(owner_api, household, text, expected):
    assert _amount_error(owner_api, household, text, ",") == expected


@pytest.mark.parametrize("decimal", [".", ","])
def test_only_ascii_digits_are_amounts(owner_api, household, decimal):
    assert "is not an amount" in _amount_error(owner_api, household, "\u0661\u0662", decimal)
    assert "is not an amount" in _amount_error(owner_api, household, "\uff11\uff12", decimal)


def test_only_ascii_digits_are_dates(owner_api, household):
    body = upload(
        owner_api,
        household.ledger,
        csv_text("\u0662\u0660\u0662\u0665-03-01,expense,1.00,A,Groceries,Bank", header=H),
    ).json()
    assert body["errors"][0]["field"] == "date"


def test_a_decimal_comma_in_a_file_read_with_a_point_says_how_to_read_it(owner_api, household):
    message = _amount_error(owner_api, household, "1,50", ".")
    assert "choose decimal ','" in message, message


def test_a_file_whose_lines_end_with_cr_only_is_named_as_such(owner_api, household):
    content = (H + "\r2025-03-01,expense,1.00,A,Groceries,Bank\r").encode()
    response = upload(owner_api, household.ledger, content)
    assert_error(response, 422, "validation_error")
    assert "carriage return" in response.json()["detail"]


# --- Duplicates -------------------------------------------------------------------------------


def test_a_duplicate_ignores_case_and_surrounding_spaces_of_the_description(owner_api, household):
    h = household
    existing = services.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "expense",
            "date": date(2025, 3, 1),
            "amount": Decimal("9.99"),
            "description": "AMAZON Mktp",
            "category": h.groceries.pk,
            "wallet": h.bank.pk,
        },
    )
    body = validated(
        owner_api,
        h.ledger,
        csv_text('2025-03-01,expense,9.99," amazon mktp ",Groceries,Bank', header=H),
    )
    assert body["duplicates"] == [{"row": 2, "transaction": str(existing.pk)}]


def _expense(h, description="Coffee"):
    return services.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "expense",
            "date": date(2025, 3, 1),
            "amount": Decimal("3.00"),
            "description": description,
            "category": h.groceries.pk,
            "wallet": h.bank.pk,
        },
    )


def test_identical_rows_pair_with_as_many_existing_transactions(owner_api, household, commit):
    """Two coffees in the file, one already in the ledger: one row is its duplicate, the
    other is new; skipping duplicates imports exactly the new one."""
    h = household
    first = _expense(h)
    row = "2025-03-01,expense,3.00,Coffee,Groceries,Bank"
    body = validated(
        owner_api,
        h.ledger,
        csv_text(row, "2025-03-02,expense,1.00,Tea,Groceries,Bank", row, header=H),
    )
    assert body["duplicates"] == [{"row": 2, "transaction": str(first.pk)}]
    assert body["duplicate_count"] == 1
    done = commit(owner_api, h.ledger, body["id"], skip_duplicates=True)
    assert (done["status"], done["created"]) == ("done", 2)
    assert Transaction.objects.filter(ledger=h.ledger, description="Coffee").count() == 2


def test_identical_rows_pair_with_each_existing_transaction(owner_api, household):
    h = household
    first, second = _expense(h), _expense(h)
    row = "2025-03-01,expense,3.00,Coffee,Groceries,Bank"
    body = validated(owner_api, h.ledger, csv_text(row, row, row, header=H))
    assert body["duplicates"] == [
        {"row": 2, "transaction": str(first.pk)},
        {"row": 3, "transaction": str(second.pk)},
    ]


# --- Commit, undo, sweep ----------------------------------------------------------------------


def test_a_job_of_another_ledger_is_404(owner_api, household):
    body = validated(
        owner_api, household.ledger, csv_text("2025-03-01,expense,1.00,A,Groceries,Bank", header=H)
    )
    other = owner_api.post("/ledgers", {"name": "Other", "currency": "EUR"}).json()["id"]
    path = f"/ledgers/{other}/imports/{body['id']}"
    assert_error(owner_api.post(f"{path}/commit", {}), 404, "not_found")
    assert_error(owner_api.get(path), 404, "not_found")
    assert_error(owner_api.delete(path), 404, "not_found")
    assert ImportJob.objects.get(pk=body["id"]).status == ImportStatus.VALIDATED


def test_undo_after_edits_and_splits_keeps_the_books(owner_api, household, commit):
    h = household
    rows = [
        "2025-03-01,income,1000.00,Salary,Salary,Bank",
        "2025-03-02,expense,25.50,Market,Groceries,Bank",
        "2025-03-03,income,333.33,Bonus,Salary,Cash",
    ]
    job = validated(owner_api, h.ledger, csv_text(*rows, header=H))
    assert commit(owner_api, h.ledger, job["id"])["status"] == "done"
    imported = Transaction.objects.filter(import_job_id=job["id"])
    assert not imported.filter(allocation_status="pending").exists()  # split by the tasks
    salary = imported.get(description="Salary")
    services.transaction_update(tx=salary, changes={"amount": Decimal("1200.00")})  # split again
    bonus = imported.get(description="Bonus")
    services.transaction_update(
        tx=bonus, changes={"description": "Bonus (edited)", "wallet": h.bank.pk}
    )
    kept = _expense(h, "Mine")
    assert owner_api.delete(imports_path(h.ledger, job["id"])).status_code == 204
    assert list(Transaction.objects.filter(ledger=h.ledger)) == [kept]
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    assert_books_balance(h.ledger)
    response = owner_api.delete(imports_path(h.ledger, job["id"]))  # twice: discards the job
    assert response.status_code == 204
    assert_error(owner_api.get(imports_path(h.ledger, job["id"])), 404, "not_found")
    assert list(Transaction.objects.filter(ledger=h.ledger)) == [kept]


def test_the_sweep_fails_a_job_that_keeps_losing_its_worker(
    owner_api, household, settings, django_capture_on_commit_callbacks
):
    """A job whose worker dies every time (killed at the task timeout, out of memory) is not
    restarted for ever: after IMPORT_MAX_ATTEMPTS it fails, nothing written."""
    settings.IMPORT_STALE_SECONDS = 60
    body = validated(
        owner_api, household.ledger, csv_text("2025-03-01,expense,1.00,A,Groceries,Bank", header=H)
    )
    ImportJob.objects.filter(pk=body["id"]).update(
        status=ImportStatus.RUNNING,
        run_id=uuid.uuid4(),
        attempts=import_services.MAX_ATTEMPTS,
        started_at=timezone.now() - timedelta(seconds=61),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.import_jobs_sweep()["restarted"] == 0
    job = owner_api.get(imports_path(household.ledger, body["id"])).json()
    assert job["status"] == "failed"
    assert "worker" in job["detail"]
    assert not Transaction.objects.filter(ledger=household.ledger).exists()


def test_a_failed_import_counts_every_error(owner_api, household, commit, monkeypatch):
    monkeypatch.setattr("budget.exchange.import_services.LIST_LIMIT", 2)
    rows = [f"2025-03-0{d},expense,1.00,A,Groceries,Cash" for d in range(1, 6)]
    job = validated(owner_api, household.ledger, csv_text(*rows, header=H))
    services.wallet_update(wallet=household.cash, archived=True)
    failed = commit(owner_api, household.ledger, job["id"])
    assert failed["status"] == "failed"
    assert (failed["error_count"], len(failed["errors"]), failed["errors_truncated"]) == (
        5,
        2,
        True,
    )
