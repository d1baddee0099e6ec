"""Fixtures and helpers of the exchange tests: the money tests' household, and uploads of
CSV files to the import job."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from budget.money.tests.conftest import bob, household  # noqa: F401

HEADER = "date,kind,amount,description,category,wallet,bucket,notes,tags"


def imports_path(ledger, job_id=None, action: str = "") -> str:
    path = f"/ledgers/{ledger.pk}/imports"
    if job_id:
        path += f"/{job_id}"
    return path + (f"/{action}" if action else "")


def csv_text(*lines: str, header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def upload(api, ledger, content: str | bytes, name: str = "bank.csv", **fields):
    """POSTs `content` as the multipart `file` of an import, with form `fields`."""
    data = content.encode() if isinstance(content, str) else content
    body = {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **fields}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.token}"} if api.token else {}
    return api.client.post(api.prefix + imports_path(ledger), body, **headers)


def validated(api, ledger, content: str | bytes, **fields) -> dict:
    """Uploads a file that must check out; the job's JSON."""
    response = upload(api, ledger, content, **fields)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "validated", body
    return body


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Commits a job and runs what it queued (the import task, then the allocations), as
    the on-commit hooks of a real request would; the job's JSON afterwards."""

    def run(api, ledger, job_id, skip_duplicates: bool = False) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                imports_path(ledger, job_id, "commit"), {"skip_duplicates": skip_duplicates}
            )
        assert response.status_code == 202, response.content
        return api.get(imports_path(ledger, job_id)).json()

    return run
