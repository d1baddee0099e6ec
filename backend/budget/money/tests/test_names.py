"""One rule for wallets, buckets and categories: a name is unique in its ledger, whatever
its case (casefold, so "Épargne" and "ÉPARGNE" clash too), and free in other ledgers."""

import pytest
from tests.helpers import assert_error

from budget.money import services
from budget.money.models import Bucket, Category, Wallet

pytestmark = pytest.mark.django_db

# noun → (model, what else a new one needs, the household's own one, another's name)
NAMED = {
    "wallets": (Wallet, {"kind": "physical"}, "bank", "Cash"),
    "buckets": (Bucket, {"allocation_percent": "1"}, "savings", "Fun"),
    "categories": (Category, {"type": "expense"}, "groceries", "Health"),
}


def _path(ledger, noun: str, obj=None) -> str:
    return f"/ledgers/{ledger.pk}/{noun}" + (f"/{obj.pk}" if obj else "")


def _create(api, ledger, noun: str, name: str, **extra):
    return api.post(_path(ledger, noun), {"name": name, **NAMED[noun][1], **extra})


@pytest.mark.parametrize(
    ("noun", "name", "extra"),
    [
        ("wallets", "Bank", {}),
        ("wallets", "bank", {}),
        ("wallets", "BANK", {}),
        ("wallets", "  bAnK  ", {}),
        ("buckets", "Savings", {}),
        ("buckets", "savings", {}),
        ("buckets", "SAVINGS", {}),
        ("buckets", " sAvInGs ", {}),
        ("buckets", "unallocated", {}),
        ("categories", "Salary", {"type": "income"}),
        ("categories", "salary", {"type": "income"}),
        ("categories", "SALARY", {"type": "expense"}),
        ("categories", "  groceries ", {"type": "expense"}),
        ("categories", "loan", {"type": "expense"}),  # unique across types too
    ],
)
def test_a_name_is_unique_per_ledger_case_insensitively(owner_api, household, noun, name, extra):
    model = NAMED[noun][0]
    before = model.objects.filter(ledger=household.ledger).count()
    body = assert_error(
        _create(owner_api, household.ledger, noun, name, **extra), 409, "name_taken"
    )
    assert name.strip() in body["detail"]
    assert model.objects.filter(ledger=household.ledger).count() == before


@pytest.mark.parametrize("noun", list(NAMED))
def test_a_non_ascii_name_is_unique_case_insensitively(owner_api, ledger, noun):
    assert _create(owner_api, ledger, noun, "Épargne").status_code == 201
    assert_error(_create(owner_api, ledger, noun, "éPARGNE"), 409, "name_taken")


@pytest.mark.parametrize("noun", list(NAMED))
def test_the_same_name_in_another_ledger_is_fine(owner_api, ledger, stranger, noun):
    theirs = stranger.default_ledger
    {
        "wallets": lambda: services.wallet_create(ledger=theirs, name="Pets", kind="virtual"),
        "buckets": lambda: services.bucket_create(ledger=theirs, name="Pets"),
        "categories": lambda: services.category_create(ledger=theirs, name="Pets", type="expense"),
    }[noun]()
    assert _create(owner_api, ledger, noun, "Pets").status_code == 201


@pytest.mark.parametrize(
    ("noun", "name"),
    [
        ("wallets", "Cash"),
        ("wallets", "cash"),
        ("wallets", " CASH "),
        ("buckets", "Fun"),
        ("buckets", "fun"),
        ("buckets", "UNALLOCATED"),
        ("categories", "Health"),
        ("categories", "health"),
        ("categories", " HEALTH "),
    ],
)
def test_renaming_to_a_taken_name_is_409(owner_api, household, noun, name):
    own = getattr(household, NAMED[noun][2])
    old = own.name
    response = owner_api.patch(_path(household.ledger, noun, own), {"name": name})
    assert_error(response, 409, "name_taken")
    own.refresh_from_db()
    assert own.name == old


@pytest.mark.parametrize("noun", list(NAMED))
def test_renaming_to_its_own_name_in_another_case_is_fine(owner_api, household, noun):
    own = getattr(household, NAMED[noun][2])
    response = owner_api.patch(_path(household.ledger, noun, own), {"name": own.name.upper()})
    assert response.status_code == 200
    assert response.json()["name"] == own.name.upper()
