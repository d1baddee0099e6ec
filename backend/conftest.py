"""Fixtures shared by every backend test. Helpers are imported from tests.helpers and
each app's tests/helpers.py, never from a conftest."""

import os
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.test import Client
from hypothesis import settings as hypothesis_settings
from tests.helpers import PASSWORD, ApiClient

from budget.accounts import services as account_services
from budget.accounts.models import User
from budget.money import services as money_services
from budget.money.models import Bucket, Category
from budget.money.tests.helpers import Household

# CI runs the property tests with fixed examples (HYPOTHESIS_PROFILE=ci), so a submission
# lands or fails on its own code; everywhere else each run explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    for cache in caches.all():
        cache.clear()
    return


@pytest.fixture
def api(client: Client) -> ApiClient:
    return ApiClient(client)


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, password: str = PASSWORD, full_name: str = "") -> User:
        email = email or f"user{next(counter)}@example.com"
        return account_services.user_register(email=email, password=password, full_name=full_name)

    return make


@pytest.fixture
def user(make_user) -> User:
    return make_user("alice@example.com", full_name="Alice Adams")


@pytest.fixture
def ledger(user):
    return user.default_ledger


@pytest.fixture
def owner_api(api: ApiClient, user: User) -> ApiClient:
    """The API as the owner of `ledger`."""
    return api.as_user(user)


@pytest.fixture
def stranger(make_user) -> User:
    return make_user("mallory@example.com", full_name="Mallory")


@pytest.fixture
def household(ledger) -> Household:
    bank = money_services.wallet_create(ledger=ledger, name="Bank", kind="virtual")
    cash = money_services.wallet_create(ledger=ledger, name="Cash", kind="physical")
    savings = money_services.bucket_create(
        ledger=ledger, name="Savings", allocation_percent=Decimal("20.00")
    )
    fun = money_services.bucket_create(
        ledger=ledger, name="Fun", allocation_percent=Decimal("10.00")
    )
    bills = money_services.bucket_create(
        ledger=ledger, name="Bills", allocation_percent=Decimal("50.00")
    )
    categories = {c.name: c for c in Category.objects.filter(ledger=ledger)}
    return Household(
        ledger=ledger,
        bank=bank,
        cash=cash,
        unallocated=Bucket.objects.get(ledger=ledger, is_system=True),
        savings=savings,
        fun=fun,
        bills=bills,
        salary=categories["Salary"],
        groceries=categories["Groceries"],
        transfer=categories["Transfer"],
    )


@pytest.fixture
def bob(make_user):
    return make_user("bob@example.com", full_name="Bob")
