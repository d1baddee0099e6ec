"""Partial imports (SPEC §11): a file with some invalid rows is `validated` when at least
one row is valid, with every error listed and counted; its commit needs `skip_invalid`
(409 naming the invalid rows without) and imports the valid rows only. A file with no
valid row stays `invalid`. The check answers what it read the file as (`detected`)."""

from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.exchange.models import ImportRow
from budget.exchange.tests.helpers import csv_text, imports_path, upload
from budget.money.models import Transaction

pytestmark = pytest.mark.django_db

GOOD = "2025-03-01,expense,5.00,Coffee,Groceries,Bank,,,"
OTHER = "2025-03-02,expense,7.00,Lunch,Groceries,Bank,,,"
PENDING = "Pending,expense,9.99,Card hold,Groceries,Bank,,,"
SUMMARY = "Total,,12.00,,,,,,"


def _check(api, h, *rows) -> dict:
    response = upload(api, h.ledger, csv_text(*rows))
    assert response.status_code == 201, response.content
    return response.json()


def test_a_file_with_a_valid_row_is_validated_with_every_error_listed(owner_api, household):
    body = _check(owner_api, household, GOOD, PENDING, OTHER, SUMMARY)
    assert body["status"] == "validated"
    assert (body["total_rows"], body["valid_rows"], body["error_count"]) == (4, 2, 3)
    assert {(e["row"], e["field"]) for e in body["errors"]} == {
        (3, "date"),
        (5, "date"),
        (5, "kind"),
    }
    assert ImportRow.objects.count() == 2


def test_a_file_with_no_valid_row_is_invalid(owner_api, household):
    body = _check(owner_api, household, PENDING, SUMMARY)
    assert body["status"] == "invalid"
    assert body["valid_rows"] == 0
    assert not ImportRow.objects.exists()
    response = owner_api.post(imports_path(household.ledger, body["id"], "commit"), {})
    assert_error(response, 409, "import_state")


def test_committing_a_partial_file_without_skip_invalid_is_409_naming_the_invalid_rows(
    owner_api, household
):
    body = _check(owner_api, household, GOOD, PENDING, SUMMARY)
    response = owner_api.post(imports_path(household.ledger, body["id"], "commit"), {})
    detail = assert_error(response, 409, "invalid_rows")["detail"]
    assert "2 of 3 rows are invalid" in detail
    assert "skip_invalid" in detail
    assert owner_api.get(imports_path(household.ledger, body["id"])).json()["status"] == (
        "validated"
    )


def test_skip_invalid_imports_the_valid_rows_only(
    owner_api, household, django_capture_on_commit_callbacks
):
    body = _check(owner_api, household, GOOD, PENDING, OTHER, SUMMARY)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(
            imports_path(household.ledger, body["id"], "commit"), {"skip_invalid": True}
        )
    assert response.status_code == 202, response.content
    done = owner_api.get(imports_path(household.ledger, body["id"])).json()
    assert (done["status"], done["created"]) == ("done", 2)
    imported = Transaction.objects.filter(import_job_id=body["id"]).order_by("date")
    assert [(t.description, t.amount) for t in imported] == [
        ("Coffee", Decimal("5.00")),
        ("Lunch", Decimal("7.00")),
    ]


def test_a_file_without_errors_commits_without_skip_invalid(owner_api, household, commit):
    body = _check(owner_api, household, GOOD, OTHER)
    assert commit(owner_api, household.ledger, body["id"])["created"] == 2


def test_duplicates_are_listed_even_when_some_rows_are_invalid(owner_api, household, commit):
    first = _check(owner_api, household, GOOD)
    commit(owner_api, household.ledger, first["id"])
    body = _check(owner_api, household, PENDING, GOOD, OTHER)
    assert body["status"] == "validated"
    assert body["error_count"] == 1
    [existing] = Transaction.objects.filter(import_job_id=first["id"])
    assert body["duplicates"] == [{"row": 3, "transaction": str(existing.pk)}]
    assert body["duplicate_count"] == 1


def test_skip_invalid_and_skip_duplicates_together_import_the_new_valid_rows(
    owner_api, household, django_capture_on_commit_callbacks
):
    first = _check(owner_api, household, GOOD)
    with django_capture_on_commit_callbacks(execute=True):
        owner_api.post(imports_path(household.ledger, first["id"], "commit"), {})
    body = _check(owner_api, household, PENDING, GOOD, OTHER)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(
            imports_path(household.ledger, body["id"], "commit"),
            {"skip_invalid": True, "skip_duplicates": True},
        )
    assert response.status_code == 202, response.content
    done = owner_api.get(imports_path(household.ledger, body["id"])).json()
    assert (done["status"], done["created"]) == ("done", 1)
    assert [t.description for t in Transaction.objects.filter(import_job_id=body["id"])] == [
        "Lunch"
    ]


def test_the_check_answers_what_it_read_the_file_as(owner_api, household):
    body = _check(owner_api, household, GOOD)
    assert body["detected"] == {
        "format": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "header_line": 1,
        "date_format": "iso",
        "decimal": ".",
        "skipped": 0,
    }


def test_detected_names_the_delimiter_and_formats_the_options_chose(owner_api, household):
    content = (
        "date;kind;amount;description;category;wallet\n"
        "01.03.2025;expense;5,00;Coffee;Groceries;Bank\n"
    )
    response = upload(owner_api, household.ledger, content, date_format="DD.MM.YYYY", decimal=",")
    assert response.status_code == 201, response.content
    detected = response.json()["detected"]
    assert (detected["delimiter"], detected["date_format"], detected["decimal"]) == (
        ";",
        "DD.MM.YYYY",
        ",",
    )
