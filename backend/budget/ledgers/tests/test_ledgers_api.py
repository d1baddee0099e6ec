import pytest
from tests.helpers import assert_error

from budget.ledgers.models import Ledger, Membership

pytestmark = pytest.mark.django_db


def add_member(ledger, user, role):
    return Membership.objects.create(ledger=ledger, user=user, role=role)


def test_list_shows_only_my_ledgers_with_my_role(api, user, stranger, make_user):
    shared = make_user().default_ledger
    add_member(shared, user, "viewer")
    body = api.as_user(user).get("/ledgers").json()
    assert body["count"] == 2
    roles = {item["id"]: item["role"] for item in body["items"]}
    assert roles == {str(user.default_ledger_id): "owner", str(shared.pk): "viewer"}
    assert str(stranger.default_ledger_id) not in roles


def test_create_ledger_makes_me_owner(api, user):
    response = api.as_user(user).post("/ledgers", {"name": "Holiday", "currency": "usd"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Holiday"
    assert body["currency"] == "USD"
    assert body["role"] == "owner"
    assert Membership.objects.get(ledger_id=body["id"], user=user).role == "owner"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "currency": "EURO"}, "currency"),
        ({"name": "X", "currency": "ZZZ"}, "currency"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({}, "name"),
    ],
)
def test_create_ledger_validates(api, user, body, field):
    assert_error(api.as_user(user).post("/ledgers", body), 422, field=field)


def test_get_ledger_carries_role(api, user, ledger):
    body = api.as_user(user).get(f"/ledgers/{ledger.pk}").json()
    assert body == {
        "id": str(ledger.pk),
        "name": "Alice Adams's budget",
        "currency": "EUR",
        "role": "owner",
        "created_at": body["created_at"],
    }


def test_owner_renames_ledger(api, user, ledger):
    response = api.as_user(user).patch(f"/ledgers/{ledger.pk}", {"name": "Family"})
    assert response.status_code == 200
    assert response.json()["name"] == "Family"
    ledger.refresh_from_db()
    assert ledger.name == "Family"


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_non_owner_cannot_rename_or_delete_ledger(api, ledger, make_user, role):
    member = make_user()
    add_member(ledger, member, role)
    authed = api.as_user(member)
    assert_error(authed.patch(f"/ledgers/{ledger.pk}", {"name": "Mine"}), 403, "permission_denied")
    assert_error(authed.delete(f"/ledgers/{ledger.pk}"), 403)
    ledger.refresh_from_db()
    assert ledger.name == "Alice Adams's budget"


def test_owner_deletes_ledger(api, user, ledger):
    assert api.as_user(user).delete(f"/ledgers/{ledger.pk}").status_code == 204
    assert not Ledger.objects.filter(pk=ledger.pk).exists()
    me = api.as_user(user).get("/auth/me").json()
    assert me["default_ledger_id"] is None


def test_me_falls_back_to_another_ledger_when_default_is_deleted(api, user, ledger):
    second = api.as_user(user).post("/ledgers", {"name": "Second"}).json()
    api.as_user(user).delete(f"/ledgers/{ledger.pk}")
    assert api.as_user(user).get("/auth/me").json()["default_ledger_id"] == second["id"]


def test_list_is_paginated(api, user):
    authed = api.as_user(user)
    for n in range(3):
        authed.post("/ledgers", {"name": f"L{n}"})
    page = authed.get("/ledgers", {"page": 2, "page_size": 2}).json()
    assert page["count"] == 4
    assert len(page["items"]) == 2
    assert_error(authed.get("/ledgers", {"page_size": 501}), 422, field="page_size")
    assert_error(authed.get("/ledgers", {"page": 0}), 422, field="page")


def test_ledger_list_query_count_is_constant(api, user, django_assert_max_num_queries):
    authed = api.as_user(user)
    for n in range(10):
        authed.post("/ledgers", {"name": f"L{n}"})
    with django_assert_max_num_queries(3):
        assert authed.get("/ledgers").json()["count"] == 11


def test_owner_deletes_a_ledger_full_of_data(api, user, ledger):
    from datetime import date
    from decimal import Decimal

    from budget.money import services as money
    from budget.money.models import Allocation, Rollup, Transaction

    wallet = money.wallet_create(
        ledger=ledger, name="Bank", kind="virtual", opening_balance=Decimal("5.00")
    )
    money.bucket_create(ledger=ledger, name="Savings", allocation_percent=Decimal("50"))
    salary = ledger.categories.get(name="Salary")
    money.transaction_create(
        ledger=ledger,
        data={
            "kind": "income",
            "date": date(2025, 1, 1),
            "amount": Decimal("10.00"),
            "wallet": wallet.pk,
            "category": salary.pk,
        },
    )
    money.incomes_allocate(ledger=ledger)
    assert Allocation.objects.exists()

    assert api.as_user(user).delete(f"/ledgers/{ledger.pk}").status_code == 204
    assert not Ledger.objects.filter(pk=ledger.pk).exists()
    assert not Transaction.objects.exists()
    assert not Allocation.objects.exists()
    assert not Rollup.objects.filter(ledger_id=ledger.pk).exists()


def test_a_used_wallet_still_cannot_be_deleted_alone(api, user, ledger):
    from datetime import date
    from decimal import Decimal

    from budget.money import services as money

    wallet = money.wallet_create(ledger=ledger, name="Bank", kind="virtual")
    money.transaction_create(
        ledger=ledger,
        data={
            "kind": "adjustment",
            "date": date(2025, 1, 1),
            "amount": Decimal("1.00"),
            "wallet": wallet.pk,
        },
    )
    response = api.as_user(user).delete(f"/ledgers/{ledger.pk}/wallets/{wallet.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "in_use"
