"""Invariant 4: no user sees, changes or learns the existence of another ledger's data."""

import pytest
from tests.helpers import assert_error
from tests.routes import fill, ledger_operations

pytestmark = pytest.mark.django_db

OPERATIONS = ledger_operations()


def test_every_ledger_route_is_covered():
    assert ("GET", "/ledgers/{uuidstr:lid}") in OPERATIONS
    assert len(OPERATIONS) >= 7


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("body", [None, {}, {"name": "x", "amount": "1.00"}, "not json"])
def test_foreign_ledger_is_404_on_every_route(api, user, stranger, method, path, body):
    foreign = stranger.default_ledger
    response = api.as_user(user).request(method, fill(path, lid=foreign.pk), body)
    assert_error(response, 404, "not_found")
    # ...and a ledger that does not exist at all answers the very same way.
    missing = api.as_user(user).request(method, fill(path), body)
    assert missing.json() == response.json()


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_ledger_route_needs_authentication(api, user, method, path):
    response = api.request(method, fill(path, lid=user.default_ledger_id))
    assert_error(response, 401, "not_authenticated")
