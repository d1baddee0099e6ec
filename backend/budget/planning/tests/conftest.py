"""Fixtures of the planning tests (helpers: budget.planning.tests.helpers)."""

import pytest

from budget.planning.tests.helpers import recurring_path


@pytest.fixture
def create(owner_api, household):
    """POSTs a template that must be created; its JSON."""

    def make(body: dict) -> dict:
        response = owner_api.post(recurring_path(household.ledger), body)
        assert response.status_code == 201, response.content
        return response.json()

    return make
