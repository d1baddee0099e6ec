"""GET/POST /ledgers/{lid}/recurring, GET/PATCH/DELETE …/{id}, POST …/{id}/run."""

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.helpers import assert_error

from budget.money import services as money
from budget.money.models import Transaction
from budget.money.tests.helpers import member_api
from budget.planning.models import RecurringTransaction
from budget.planning.tests.helpers import assert_no_drift, recurring_path, rent, salary

pytestmark = pytest.mark.django_db


def future(days: int = 10) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_create_answers_the_template_with_its_next_date(create, household):
    body = create(salary(household, start_date=future(), tags=["work"]))
    assert body["next_date"] == future()
    assert body["frequency"] == "monthly"
    assert body["interval"] == 1
    assert body["amount"] == "2500.00"
    assert body["tags"] == ["work"]
    assert body["wallet"] == str(household.bank.pk)
    assert body["category"] == str(household.salary.pk)
    assert body["bucket"] is None
    assert body["end_date"] is None
    assert body["active"] is True
    assert set(body) >= {"id", "created_at", "updated_at", "notes", "from_wallet", "to_bucket"}
    assert not Transaction.objects.filter(recurring_id=body["id"]).exists()


def test_list_is_paginated_and_detail_reads_one(owner_api, create, household):
    first = create(salary(household, start_date=future()))
    create(rent(household, start_date=future()))
    page = owner_api.get(recurring_path(household.ledger), {"page_size": 1}).json()
    assert page["count"] == 2
    assert [item["id"] for item in page["items"]] == [first["id"]]
    assert owner_api.get(recurring_path(household.ledger, first["id"])).json() == first
    over = owner_api.get(recurring_path(household.ledger), {"page_size": 501})
    assert_error(over, 422)


def test_patch_changes_future_occurrences_only_and_recomputes_next_date(
    owner_api, create, household
):
    start = timezone.localdate() - timedelta(days=2)
    body = create(rent(household, frequency="daily", start_date=start.isoformat()))
    assert len(Transaction.objects.filter(recurring_id=body["id"])) == 3
    response = owner_api.patch(
        recurring_path(household.ledger, body["id"]), {"amount": "950.00", "interval": 2}
    )
    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "950.00"
    # Days start, start+2, start+4, …: today is start+2, already made; next is start+4.
    assert response.json()["next_date"] == (start + timedelta(days=4)).isoformat()
    assert set(
        Transaction.objects.filter(recurring_id=body["id"]).values_list("amount", flat=True)
    ) == {900}
    assert (
        owner_api.patch(
            recurring_path(household.ledger, body["id"]), {"end_date": start.isoformat()}
        ).json()["next_date"]
        is None
    )


def test_patch_to_another_kind_drops_the_references_it_has_no_use_for(owner_api, create, household):
    body = create(rent(household, start_date=future()))
    response = owner_api.patch(
        recurring_path(household.ledger, body["id"]),
        {
            "kind": "transfer",
            "from_wallet": str(household.bank.pk),
            "to_wallet": str(household.cash.pk),
            "category": None,
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["wallet"] is None
    assert response.json()["kind"] == "transfer"


def test_delete_answers_204(owner_api, create, household):
    body = create(salary(household, start_date=future()))
    response = owner_api.delete(recurring_path(household.ledger, body["id"]))
    assert response.status_code == 204
    assert not RecurringTransaction.objects.filter(pk=body["id"]).exists()
    assert_error(owner_api.get(recurring_path(household.ledger, body["id"])), 404, "not_found")


def test_run_answers_200_with_what_it_created(owner_api, create, household):
    body = create(salary(household, start_date=future()))
    response = owner_api.post(recurring_path(household.ledger, body["id"], "run"))
    assert response.status_code == 200
    assert response.json() == {"created": 0, "next_date": future()}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "gift"}, "kind"),
        ({"frequency": "hourly"}, "frequency"),
        ({"frequency": None}, "frequency"),
        ({"interval": 0}, "interval"),
        ({"interval": -1}, "interval"),
        ({"start_date": "2025-02-30"}, "start_date"),
        ({"end_date": "2025-01-30"}, "end_date"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": "1000000000000.00"}, "amount"),
        ({"description": "x" * 256}, "description"),
        ({"tags": ["t"] * 21}, "tags"),
        ({"wallet": None}, "wallet"),
        ({"category": None}, "category"),
        ({"from_wallet": "HOUSEHOLD_CASH"}, "from_wallet"),
        ({"to_bucket": "HOUSEHOLD_SAVINGS"}, "to_bucket"),
        ({"category": "HOUSEHOLD_GROCERIES"}, "category"),  # an expense category on an income
        ({"wallet": "00000000-0000-0000-0000-000000000001"}, "wallet"),
    ],
)
def test_invalid_template_is_422_naming_the_field(owner_api, household, change, field):
    names = {
        "HOUSEHOLD_CASH": household.cash.pk,
        "HOUSEHOLD_SAVINGS": household.savings.pk,
        "HOUSEHOLD_GROCERIES": household.groceries.pk,
    }
    change = {k: str(names.get(v, v)) if isinstance(v, str) else v for k, v in change.items()}
    response = owner_api.post(recurring_path(household.ledger), salary(household, **change))
    body = assert_error(response, 422, "validation_error")
    assert field in {e["field"].split(".")[-1] for e in body["errors"]}, body
    assert not RecurringTransaction.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "transfer", "amount": "10.00", "wallet": "BANK"}, "wallet"),
        ({"kind": "transfer", "amount": "10.00", "from_wallet": "BANK"}, "to_wallet"),
        ({"kind": "transfer", "amount": "10.00"}, "from_wallet"),
        (
            {"kind": "transfer", "amount": "10.00", "from_wallet": "BANK", "to_wallet": "BANK"},
            "to_wallet",
        ),
        ({"kind": "adjustment", "amount": "0.00", "wallet": "BANK"}, "amount"),
        (
            {"kind": "adjustment", "amount": "-1.00", "wallet": "BANK", "category": "SALARY"},
            "category",
        ),
        ({"kind": "expense", "amount": "1.00", "wallet": "BANK"}, "category"),
    ],
)
def test_the_transaction_rules_of_each_kind_apply(owner_api, household, body, field):
    names = {"BANK": str(household.bank.pk), "SALARY": str(household.salary.pk)}
    body = {k: names.get(v, v) for k, v in body.items()}
    response = owner_api.post(
        recurring_path(household.ledger),
        {**body, "frequency": "weekly", "start_date": future()},
    )
    assert_error(response, 422, "validation_error", field=field)


def test_adjustment_and_transfer_templates_are_accepted(create, household):
    create(
        {
            "kind": "adjustment",
            "amount": "-3.50",
            "wallet": str(household.cash.pk),
            "frequency": "yearly",
            "start_date": future(),
        }
    )
    create(
        {
            "kind": "transfer",
            "amount": "100.00",
            "from_wallet": str(household.bank.pk),
            "to_wallet": str(household.cash.pk),
            "from_bucket": str(household.unallocated.pk),
            "to_bucket": str(household.savings.pk),
            "category": str(household.transfer.pk),
            "frequency": "weekly",
            "interval": 2,
            "start_date": future(),
        }
    )


@pytest.mark.parametrize("noun", ["wallet", "bucket", "category"])
def test_archived_reference_is_refused(owner_api, household, noun):
    if noun == "wallet":
        money.wallet_update(wallet=household.cash, archived=True)
        change = {"wallet": str(household.cash.pk)}
    elif noun == "bucket":
        money.bucket_update(bucket=household.fun, archived=True)
        change = {"bucket": str(household.fun.pk)}
    else:
        other = household.category("Other income")
        money.category_update(category=other, archived=True)
        change = {"category": str(other.pk)}
    response = owner_api.post(recurring_path(household.ledger), salary(household, **change))
    body = assert_error(response, 422, "validation_error", field=noun)
    assert "archived" in body["errors"][0]["message"]


def test_patch_is_checked_with_the_same_rules(owner_api, create, household):
    body = create(salary(household, start_date="2099-01-31"))
    path = recurring_path(household.ledger, body["id"])
    assert_error(owner_api.patch(path, {"end_date": "2099-01-30"}), 422, field="end_date")
    assert_error(owner_api.patch(path, {"interval": 0}), 422, field="interval")
    assert_error(owner_api.patch(path, {"kind": "expense"}), 422, field="category")
    assert_error(owner_api.patch(path, {"amount": None}), 422, field="amount")
    money.wallet_update(wallet=household.cash, archived=True)
    assert_error(owner_api.patch(path, {"wallet": str(household.cash.pk)}), 422, field="wallet")
    assert owner_api.get(path).json() == body


def test_viewer_reads_but_cannot_write(api, create, household, bob):
    body = create(salary(household, start_date=future()))
    viewer = member_api(api, household.ledger, bob, "viewer")
    ledger = household.ledger
    assert viewer.get(recurring_path(ledger)).json()["count"] == 1
    assert viewer.get(recurring_path(ledger, body["id"])).status_code == 200
    assert_error(viewer.post(recurring_path(ledger), salary(household)), 403)
    assert_error(viewer.patch(recurring_path(ledger, body["id"]), {"active": False}), 403)
    assert_error(viewer.delete(recurring_path(ledger, body["id"])), 403)
    assert_error(viewer.post(recurring_path(ledger, body["id"], "run")), 403)
    assert RecurringTransaction.objects.get(pk=body["id"]).active


def test_editor_writes(api, household, bob):
    editor = member_api(api, household.ledger, bob, "editor")
    response = editor.post(recurring_path(household.ledger), salary(household, start_date=future()))
    assert response.status_code == 201


def test_template_of_another_ledger_is_404(api, create, household, stranger):
    body = create(salary(household, start_date=future()))
    own = stranger.default_ledger
    other = api.as_user(stranger)
    for method in ("GET", "PATCH", "DELETE"):
        response = other.request(method, recurring_path(own, body["id"]), {})
        assert_error(response, 404, "not_found")
    assert_error(other.post(recurring_path(own, body["id"], "run")), 404, "not_found")


def test_a_wallet_of_another_ledger_is_422(owner_api, household, stranger):
    foreign = money.wallet_create(ledger=stranger.default_ledger, name="Theirs", kind="virtual")
    response = owner_api.post(
        recurring_path(household.ledger), salary(household, wallet=str(foreign.pk))
    )
    assert_error(response, 422, field="wallet")


def test_made_transactions_carry_recurring_in_the_api(owner_api, create, household):
    today = timezone.localdate()
    body = create(rent(household, frequency="weekly", start_date=today.isoformat()))
    items = owner_api.get(f"/ledgers/{household.ledger.pk}/transactions").json()["items"]
    assert [(i["recurring"], i["date"]) for i in items] == [(body["id"], today.isoformat())]
    assert body["next_date"] == (today + timedelta(weeks=1)).isoformat()
    assert_no_drift(household.ledger)


def test_deleting_a_used_wallet_is_refused_while_a_template_uses_it(owner_api, create, household):
    create(rent(household, wallet=str(household.cash.pk), start_date=future()))
    response = owner_api.delete(f"/ledgers/{household.ledger.pk}/wallets/{household.cash.pk}")
    assert_error(response, 409)
