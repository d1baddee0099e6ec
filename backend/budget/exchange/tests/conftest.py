"""Fixtures of the exchange tests (helpers: budget.exchange.tests.helpers)."""

import pytest

from budget.exchange.tests.helpers import imports_path


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
