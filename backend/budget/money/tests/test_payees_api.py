"""Payees: /ledgers/{lid}/payees, and a transaction's payee (SPEC §12)."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.ledgers.services import ledger_create
from budget.money import services
from budget.money.models import Payee, Transaction
from budget.money.tests.helpers import expense, income, member_api, post_ok, transfer, tx_path
from budget.planning import services as planning

pytestmark = pytest.mark.django_db

# Auth user, membership, page count, page: the same whatever the number of payees.
LIST_QUERIES = 4


def payees_path(ledger, payee=None, action: str = "") -> str:
    path = f"/ledgers/{ledger.pk}/payees"
    if payee is not None:
        path = f"{path}/{getattr(payee, 'pk', payee)}"
    return f"{path}/{action}" if action else path


def _tx(h, body: dict) -> Transaction:
    data = {**body, "date": date.fromisoformat(body["date"]), "amount": Decimal(body["amount"])}
    return services.transaction_create(ledger=h.ledger, data=data)


# --- The payees themselves -----------------------------------------------------------------


def test_create_and_read_a_payee(owner_api, ledger):
    response = owner_api.post(payees_path(ledger), {"name": "  Corner Shop "})
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["transaction_count"]) == ("Corner Shop", 0)
    detail = owner_api.get(payees_path(ledger, created["id"])).json()
    assert detail == created


def test_payee_names_are_unique_whatever_their_case(owner_api, ledger):
    owner_api.post(payees_path(ledger), {"name": "Épicerie"})
    response = owner_api.post(payees_path(ledger), {"name": "ÉPICERIE"})
    assert_error(response, 409, "name_taken")
    other = owner_api.post(payees_path(ledger), {"name": "Bakery"}).json()
    assert_error(owner_api.patch(payees_path(ledger, other["id"]), {"name": "épicerie"}), 409)


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}])
def test_a_payee_needs_a_name(owner_api, ledger, body):
    assert_error(owner_api.post(payees_path(ledger), body), 422)
    assert not Payee.objects.exists()


def test_list_counts_transactions_and_sorts_by_name(owner_api, household):
    h = household
    _tx(h, expense(h, payee_name="Market"))
    _tx(h, expense(h, payee_name="market"))  # the same payee
    _tx(h, income(h, payee_name="Employer"))
    services.payee_create(ledger=h.ledger, name="Unused")
    body = owner_api.get(payees_path(h.ledger)).json()
    assert body["count"] == 3
    assert [(p["name"], p["transaction_count"]) for p in body["items"]] == [
        ("Employer", 1),
        ("Market", 2),
        ("Unused", 0),
    ]
    found = owner_api.get(payees_path(h.ledger), {"q": "ark"}).json()["items"]
    assert [p["name"] for p in found] == ["Market"]


def test_list_query_count_is_constant(owner_api, household, django_assert_max_num_queries):
    h = household
    for n in range(30):
        _tx(h, expense(h, payee_name=f"Shop {n}"))
    with django_assert_max_num_queries(LIST_QUERIES):
        body = owner_api.get(payees_path(h.ledger), {"page_size": 50}).json()
    assert body["count"] == 30
    assert all(p["transaction_count"] == 1 for p in body["items"])


def test_rename_a_payee(owner_api, household):
    h = household
    tx = _tx(h, expense(h, payee_name="Shop"))
    response = owner_api.patch(payees_path(h.ledger, tx.payee_id), {"name": "Corner shop"})
    assert response.status_code == 200, response.content
    assert response.json()["transaction_count"] == 1
    assert owner_api.get(tx_path(h.ledger, tx.pk)).json()["payee_name"] == "Corner shop"


def test_delete_an_unused_payee(owner_api, ledger):
    payee = services.payee_create(ledger=ledger, name="Nobody")
    assert owner_api.delete(payees_path(ledger, payee)).status_code == 204
    assert not Payee.objects.exists()


def test_deleting_a_payee_that_transactions_use_is_a_conflict(owner_api, household):
    h = household
    tx = _tx(h, expense(h, payee_name="Shop"))
    body = assert_error(owner_api.delete(payees_path(h.ledger, tx.payee_id)), 409, "in_use")
    assert "merge" in body["detail"]
    assert Payee.objects.filter(pk=tx.payee_id).exists()


def test_deleting_a_payee_that_a_template_uses_is_a_conflict(owner_api, household):
    h = household
    template = planning.recurring_create(
        ledger=h.ledger,
        kind="expense",
        amount=Decimal("9.00"),
        wallet=h.bank.pk,
        category=h.groceries.pk,
        payee_name="Gym",
        frequency="monthly",
        start_date=date(2099, 1, 1),
    )
    assert_error(owner_api.delete(payees_path(h.ledger, template.payee_id)), 409, "in_use")


def test_viewers_read_and_editors_write(api, bob, ledger):
    payee = services.payee_create(ledger=ledger, name="Shop")
    viewer = member_api(api, ledger, bob, "viewer")
    assert viewer.get(payees_path(ledger)).json()["count"] == 1
    assert viewer.get(payees_path(ledger, payee)).status_code == 200
    assert_error(viewer.post(payees_path(ledger), {"name": "Other"}), 403)
    assert_error(viewer.patch(payees_path(ledger, payee), {"name": "Other"}), 403)
    assert_error(viewer.delete(payees_path(ledger, payee)), 403)
    assert_error(viewer.post(payees_path(ledger, payee, "merge"), {"into": str(payee.pk)}), 403)


def test_a_stranger_never_reaches_a_ledger_s_payees(api, stranger, ledger):
    payee = services.payee_create(ledger=ledger, name="Shop")
    other = services.payee_create(ledger=ledger, name="Other")
    as_stranger = api.as_user(stranger)
    assert_error(as_stranger.get(payees_path(ledger)), 404)
    assert_error(as_stranger.get(payees_path(ledger, payee)), 404)
    assert_error(as_stranger.patch(payees_path(ledger, payee), {"name": "Mine"}), 404)
    assert_error(as_stranger.delete(payees_path(ledger, payee)), 404)
    merge = payees_path(ledger, payee, "merge")
    assert_error(as_stranger.post(merge, {"into": str(other.pk)}), 404)
    assert Payee.objects.filter(ledger=ledger).count() == 2


def test_another_ledger_s_payee_is_not_found_in_the_path(owner_api, user, ledger):
    side = ledger_create(name="Side", owner=user)
    theirs = services.payee_create(ledger=side, name="Shop")
    assert_error(owner_api.get(payees_path(ledger, theirs)), 404)
    assert_error(owner_api.get(payees_path(ledger, uuid.uuid4())), 404)


# --- Merging -------------------------------------------------------------------------------


def test_merge_moves_transactions_and_templates_and_deletes_the_payee(owner_api, household):
    h = household
    first = _tx(h, expense(h, payee_name="ACME Ltd"))
    _tx(h, expense(h, payee_name="acme ltd"))
    target = _tx(h, expense(h, payee_name="Acme")).payee
    template = planning.recurring_create(
        ledger=h.ledger,
        kind="expense",
        amount=Decimal("9.00"),
        wallet=h.bank.pk,
        category=h.groceries.pk,
        payee_name="ACME Ltd",
        frequency="monthly",
        start_date=date(2099, 1, 1),
    )
    response = owner_api.post(
        payees_path(h.ledger, first.payee_id, "merge"), {"into": str(target.pk)}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"moved": 2}
    assert not Payee.objects.filter(pk=first.payee_id).exists()
    assert Transaction.objects.filter(ledger=h.ledger, payee=target).count() == 3
    template.refresh_from_db()
    assert template.payee_id == target.pk
    listed = owner_api.get(payees_path(h.ledger)).json()["items"]
    assert [(p["name"], p["transaction_count"]) for p in listed] == [("Acme", 3)]


def test_merge_into_a_foreign_or_the_same_payee_is_refused(owner_api, user, household):
    h = household
    payee = services.payee_create(ledger=h.ledger, name="Shop")
    theirs = services.payee_create(ledger=ledger_create(name="Side", owner=user), name="Shop")
    merge = payees_path(h.ledger, payee, "merge")
    assert_error(owner_api.post(merge, {"into": str(theirs.pk)}), 422, field="into")
    assert_error(owner_api.post(merge, {"into": str(payee.pk)}), 422, field="into")
    assert_error(owner_api.post(merge, {"into": "nope"}), 422)
    assert Payee.objects.filter(pk=payee.pk).exists()


# --- A transaction's payee -----------------------------------------------------------------


def test_payee_name_creates_the_payee_once_and_matches_its_case(owner_api, household):
    h = household
    first = post_ok(owner_api, h.ledger, expense(h, payee_name=" Corner Shop "))
    assert first["payee_name"] == "Corner Shop"
    second = post_ok(owner_api, h.ledger, expense(h, payee_name="CORNER SHOP"))
    assert second["payee"] == first["payee"]
    assert second["payee_name"] == "Corner Shop"
    assert Payee.objects.filter(ledger=h.ledger).count() == 1


def test_a_payee_by_id(owner_api, household):
    h = household
    payee = services.payee_create(ledger=h.ledger, name="Landlord")
    created = post_ok(owner_api, h.ledger, expense(h, payee=str(payee.pk)))
    assert (created["payee"], created["payee_name"]) == (str(payee.pk), "Landlord")
    without = post_ok(owner_api, h.ledger, expense(h))
    assert (without["payee"], without["payee_name"]) == (None, None)


def test_every_kind_may_have_a_payee(owner_api, household):
    h = household
    for body in (transfer(h), income(h)):
        assert post_ok(owner_api, h.ledger, {**body, "payee_name": "Mum"})["payee_name"] == "Mum"


def test_another_ledger_s_payee_in_a_body_is_invalid(owner_api, user, household):
    h = household
    theirs = services.payee_create(ledger=ledger_create(name="Side", owner=user), name="X")
    response = owner_api.post(tx_path(h.ledger), expense(h, payee=str(theirs.pk)))
    assert_error(response, 422, field="payee")
    assert not Transaction.objects.filter(ledger=h.ledger).exists()


def test_a_refused_transaction_creates_no_payee(owner_api, household):
    h = household
    response = owner_api.post(tx_path(h.ledger), expense(h, amount="0", payee_name="New"))
    assert_error(response, 422, field="amount")
    assert not Payee.objects.exists()


def test_patch_changes_or_removes_the_payee(owner_api, household):
    h = household
    created = post_ok(owner_api, h.ledger, expense(h, payee_name="Shop"))
    path = tx_path(h.ledger, created["id"])
    changed = owner_api.patch(path, {"payee_name": "market"}).json()
    assert changed["payee_name"] == "market"
    assert changed["payee"] != created["payee"]
    kept = owner_api.patch(path, {"description": "Food"}).json()
    assert kept["payee"] == changed["payee"]
    assert owner_api.patch(path, {"payee_name": ""}).json()["payee"] is None
    back = owner_api.patch(path, {"payee": created["payee"]}).json()
    assert back["payee_name"] == "Shop"
    assert owner_api.patch(path, {"payee": None}).json()["payee"] is None


def test_bulk_creates_each_new_payee_once(owner_api, household):
    h = household
    items = [expense(h, payee_name=name) for name in ("Shop", "shop", "Bakery", "SHOP")]
    response = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": items})
    assert response.status_code == 201, response.content
    assert [t["payee_name"] for t in response.json()] == ["Shop", "Shop", "Bakery", "Shop"]
    assert sorted(Payee.objects.values_list("name", flat=True)) == ["Bakery", "Shop"]


def test_list_filters_by_payee_and_q_finds_payee_names(owner_api, household):
    h = household
    shop = _tx(h, expense(h, payee_name="Corner Shop", description="milk"))
    _tx(h, expense(h, payee_name="Bakery", description="bread"))
    _tx(h, expense(h, description="shopping bags"))
    path = tx_path(h.ledger)
    by_payee = owner_api.get(path, {"payee": str(shop.payee_id)}).json()["items"]
    assert [t["description"] for t in by_payee] == ["milk"]
    found = owner_api.get(path, {"q": "SHOP", "ordering": "date"}).json()["items"]
    assert sorted(t["description"] for t in found) == ["milk", "shopping bags"]


def test_transaction_list_reads_payees_without_a_query_per_row(
    owner_api, household, django_assert_max_num_queries
):
    h = household
    for n in range(30):
        _tx(h, expense(h, f"{n + 1}.00", payee_name=f"Shop {n % 7}"))
    with django_assert_max_num_queries(5):
        body = owner_api.get(tx_path(h.ledger), {"page_size": 50}).json()
    assert body["count"] == 30
    assert {t["payee_name"] for t in body["items"]} == {f"Shop {n}" for n in range(7)}


def test_recurring_templates_take_a_payee_name_and_pass_it_on(owner_api, household):
    h = household
    body = {
        **expense(h, "30.00", payee_name="Gym"),
        "frequency": "monthly",
        "start_date": "2025-01-05",
    }
    del body["date"]
    response = owner_api.post(f"/ledgers/{h.ledger.pk}/recurring", body)
    assert response.status_code == 201, response.content
    template = response.json()
    assert template["payee_name"] == "Gym"
    made = Transaction.objects.filter(recurring_id=template["id"])
    assert made.exists()
    assert {tx.payee_id for tx in made} == {uuid.UUID(template["payee"])}
    path = f"/ledgers/{h.ledger.pk}/recurring/{template['id']}"
    assert owner_api.patch(path, {"payee_name": "Pool"}).json()["payee_name"] == "Pool"
    assert owner_api.get(f"/ledgers/{h.ledger.pk}/recurring").json()["items"][0]["payee_name"] == (
        "Pool"
    )
