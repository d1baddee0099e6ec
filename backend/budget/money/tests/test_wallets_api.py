"""Wallets: /ledgers/{lid}/wallets (SPEC §2, §4, §10)."""

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from tests.helpers import assert_error

from budget.ledgers.services import ledger_create
from budget.money import selectors, services
from budget.money.models import Bucket, Transaction, Wallet
from budget.money.tests.helpers import (
    adjustment,
    assert_books_balance,
    expense,
    income,
    member_api,
    post_ok,
    transfer,
    tx_path,
)

pytestmark = pytest.mark.django_db

# Auth user, membership, page count, page: the same whatever the number of wallets.
LIST_QUERIES = 4


def wallets_path(ledger, wallet=None, action: str | None = None) -> str:
    path = f"/ledgers/{ledger.pk}/wallets"
    if wallet is not None:
        path += f"/{getattr(wallet, 'pk', wallet)}"
    return f"{path}/{action}" if action else path


def balances(owner_api, ledger) -> dict[str, str]:
    body = owner_api.get(wallets_path(ledger), {"page_size": 500}).json()
    return {w["name"]: w["balance"] for w in body["items"]}


def bucket_total(ledger) -> str:
    return f"{sum(b.balance for b in selectors.buckets_of(ledger=ledger)):.2f}"


# --- Create ---------------------------------------------------------------------------------


def test_new_ledger_has_no_wallets(owner_api, ledger):
    response = owner_api.get(wallets_path(ledger))
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


def test_create_answers_201_with_the_wallet(owner_api, ledger):
    response = owner_api.post(wallets_path(ledger), {"name": "Wallet", "kind": "physical"})
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Wallet",
        "kind": "physical",
        "currency": "EUR",
        "archived": False,
        "balance": "0.00",
        "created_at": body["created_at"],
    }
    wallet = Wallet.objects.get(pk=body["id"])
    assert wallet.ledger_id == ledger.pk
    assert owner_api.get(wallets_path(ledger, wallet)).json() == body


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"name": "Cash", "kind": "physical"}, {"kind": "physical", "balance": "0.00"}),
        ({"name": "Card", "kind": "virtual"}, {"kind": "virtual", "balance": "0.00"}),
        ({"name": "To Bob", "kind": "loan"}, {"kind": "loan", "balance": "0.00"}),
        (
            {"name": "From Ann", "kind": "loan", "opening_balance": "-250.00"},
            {"kind": "loan", "balance": "-250.00"},
        ),
        ({"name": "B", "kind": "virtual", "opening_balance": "12.3"}, {"balance": "12.30"}),
        ({"name": "B", "kind": "virtual", "opening_balance": 12.3}, {"balance": "12.30"}),
        ({"name": "B", "kind": "virtual", "opening_balance": 1000}, {"balance": "1000.00"}),
        ({"name": "B", "kind": "virtual", "opening_balance": 0.1}, {"balance": "0.10"}),
        (
            {"name": "B", "kind": "virtual", "opening_balance": "999999999999.99"},
            {"balance": "999999999999.99"},
        ),
        ({"name": "B", "kind": "virtual", "opening_balance": "0"}, {"balance": "0.00"}),
        ({"name": "  Padded  ", "kind": "virtual"}, {"name": "Padded"}),
        ({"name": "x" * 100, "kind": "virtual"}, {"name": "x" * 100}),
        ({"name": "Old", "kind": "virtual", "archived": True}, {"archived": True}),
    ],
)
def test_create_accepts_every_kind_and_money_as_string_or_number(
    owner_api, ledger, payload, expected
):
    response = owner_api.post(wallets_path(ledger), payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "virtual"}, "name"),
        ({"name": "", "kind": "virtual"}, "name"),
        ({"name": "   ", "kind": "virtual"}, "name"),
        ({"name": "x" * 101, "kind": "virtual"}, "name"),
        ({"name": None, "kind": "virtual"}, "name"),
        ({"name": 5, "kind": "virtual"}, "name"),
        ({"name": "W", "kind": "savings"}, "kind"),
        ({"name": "W", "kind": None}, "kind"),
        ({"name": "W", "kind": "virtual", "opening_balance": "12.345"}, "opening_balance"),
        ({"name": "W", "kind": "virtual", "opening_balance": 12.345}, "opening_balance"),
        ({"name": "W", "kind": "virtual", "opening_balance": "0.001"}, "opening_balance"),
        ({"name": "W", "kind": "virtual", "opening_balance": "abc"}, "opening_balance"),
        ({"name": "W", "kind": "virtual", "opening_balance": "NaN"}, "opening_balance"),
        ({"name": "W", "kind": "virtual", "opening_balance": "Infinity"}, "opening_balance"),
        ({"name": "W", "kind": "virtual", "opening_balance": True}, "opening_balance"),
        ({"name": "W", "kind": "virtual", "opening_balance": [1]}, "opening_balance"),
        (
            {"name": "W", "kind": "virtual", "opening_balance": "1000000000000.00"},
            "opening_balance",
        ),
        (
            {"name": "W", "kind": "virtual", "opening_balance": "-1000000000000.00"},
            "opening_balance",
        ),
        ({"name": "W", "kind": "virtual", "opening_date": "2025-02-30"}, "opening_date"),
        ({"name": "W", "kind": "virtual", "opening_date": "yesterday"}, "opening_date"),
        ({"name": "W", "kind": "virtual", "archived": "maybe"}, "archived"),
    ],
)
def test_invalid_wallet_is_422_naming_the_field_and_creates_nothing(
    owner_api, ledger, payload, field
):
    assert_error(owner_api.post(wallets_path(ledger), payload), 422, "validation_error", field)
    assert not Wallet.objects.filter(ledger=ledger).exists()
    assert not Transaction.objects.filter(ledger=ledger).exists()


def test_body_that_is_not_json_is_400(owner_api, ledger):
    assert_error(owner_api.post(wallets_path(ledger), "{not json"), 400, "bad_request")


# --- Opening balance ------------------------------------------------------------------------


def test_opening_balance_is_an_adjustment_dated_opening_date(owner_api, ledger):
    created = owner_api.post(
        wallets_path(ledger),
        {
            "name": "Bank",
            "kind": "virtual",
            "opening_balance": "150.00",
            "opening_date": "2024-12-31",
        },
    ).json()
    assert created["balance"] == "150.00"
    listed = owner_api.get(tx_path(ledger)).json()
    assert listed["count"] == 1
    tx = listed["items"][0]
    unallocated = Bucket.objects.get(ledger=ledger, is_system=True)
    assert tx == {
        **tx,
        "kind": "adjustment",
        "date": "2024-12-31",
        "amount": "150.00",
        "description": "Opening balance",
        "category": None,
        "wallet": created["id"],
        "bucket": str(unallocated.pk),
        "from_wallet": None,
        "to_wallet": None,
        "allocation_status": "not_applicable",
        "allocations": [],
    }
    # Invariant 1: the money the wallet starts with sits in Unallocated.
    assert bucket_total(ledger) == "150.00"


def test_opening_balance_without_date_is_dated_today(owner_api, ledger):
    owner_api.post(wallets_path(ledger), {"name": "Bank", "kind": "virtual", "opening_balance": 5})
    tx = Transaction.objects.get(ledger=ledger)
    assert tx.date == timezone.localdate()
    assert (tx.kind, tx.description, str(tx.amount)) == ("adjustment", "Opening balance", "5.00")


@pytest.mark.parametrize("opening", [None, "0", "0.00", 0])
def test_no_opening_balance_creates_no_transaction(owner_api, ledger, opening):
    payload = {"name": "Bank", "kind": "virtual", "opening_date": "2025-01-01"}
    if opening is not None:
        payload["opening_balance"] = opening
    assert owner_api.post(wallets_path(ledger), payload).status_code == 201
    assert not Transaction.objects.filter(ledger=ledger).exists()


def test_creating_an_archived_wallet_with_money_is_409(owner_api, ledger):
    response = owner_api.post(
        wallets_path(ledger),
        {"name": "Old", "kind": "virtual", "opening_balance": "10.00", "archived": True},
    )
    assert_error(response, 409, "balance_not_zero")
    assert not Wallet.objects.filter(ledger=ledger).exists()


# --- Names ----------------------------------------------------------------------------------


def test_taken_name_with_an_opening_balance_creates_no_transaction(owner_api, household):
    response = owner_api.post(
        wallets_path(household.ledger),
        {"name": "bank", "kind": "virtual", "opening_balance": "50.00"},
    )
    assert_error(response, 409, "name_taken")
    assert not Transaction.objects.filter(ledger=household.ledger).exists()


# --- Update ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"name": "Current account"}, {"name": "Current account", "kind": "virtual"}),
        ({"name": "  Trimmed  "}, {"name": "Trimmed", "kind": "virtual"}),
        ({"kind": "physical"}, {"name": "Bank", "kind": "physical"}),
        ({"kind": "loan", "name": "Lent"}, {"name": "Lent", "kind": "loan"}),
        ({}, {"name": "Bank", "kind": "virtual"}),
    ],
)
def test_patch_changes_only_what_it_names(owner_api, household, payload, expected):
    response = owner_api.patch(wallets_path(household.ledger, household.bank), payload)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "id": str(household.bank.pk),
        "currency": "EUR",
        "archived": False,
        "balance": "0.00",
        "created_at": body["created_at"],
        **expected,
    }
    assert owner_api.get(wallets_path(household.ledger, household.bank)).json() == body


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"kind": "savings"}, "kind"),
        ({"archived": "maybe"}, "archived"),
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(owner_api, household, payload, field):
    response = owner_api.patch(wallets_path(household.ledger, household.bank), payload)
    assert_error(response, 422, "validation_error", field)
    household.bank.refresh_from_db()
    assert (household.bank.name, household.bank.kind, household.bank.archived) == (
        "Bank",
        "virtual",
        False,
    )


@pytest.mark.parametrize("field", ["name", "kind", "archived"])
def test_null_for_a_field_that_cannot_be_null_is_422(owner_api, household, field):
    response = owner_api.patch(wallets_path(household.ledger, household.bank), {field: None})
    assert_error(response, 422, "validation_error", field)


# --- Balances -------------------------------------------------------------------------------


def test_balance_counts_incomes_expenses_transfers_and_adjustments(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "1000.00"))
    post_ok(owner_api, h.ledger, income(h, "40.00", wallet=str(h.cash.pk)))
    post_ok(owner_api, h.ledger, expense(h, "25.50"))
    post_ok(owner_api, h.ledger, transfer(h, "100.00"))
    post_ok(owner_api, h.ledger, adjustment(h, "-5.00"))
    post_ok(owner_api, h.ledger, adjustment(h, "0.01", wallet=str(h.bank.pk)))
    assert balances(owner_api, h.ledger) == {"Bank": "874.51", "Cash": "135.00"}
    detail = owner_api.get(wallets_path(h.ledger, h.cash)).json()
    assert detail["balance"] == "135.00"
    # Invariant 1: Σ wallet balances = Σ bucket balances.
    assert bucket_total(h.ledger) == "1009.51"


def test_balance_follows_edits_and_deletes(owner_api, household):
    h = household
    spent = post_ok(owner_api, h.ledger, expense(h, "25.50"))
    moved = post_ok(owner_api, h.ledger, transfer(h, "100.00"))
    assert balances(owner_api, h.ledger) == {"Bank": "-125.50", "Cash": "100.00"}
    response = owner_api.patch(tx_path(h.ledger, spent["id"]), {"wallet": str(h.cash.pk)})
    assert response.status_code == 200
    assert balances(owner_api, h.ledger) == {"Bank": "-100.00", "Cash": "74.50"}
    assert owner_api.delete(tx_path(h.ledger, moved["id"])).status_code == 204
    assert balances(owner_api, h.ledger) == {"Bank": "0.00", "Cash": "-25.50"}


def test_pending_and_allocated_incomes_count_the_same_in_a_wallet(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "333.33"))
    assert balances(owner_api, h.ledger)["Bank"] == "333.33"
    assert owner_api.post(f"/ledgers/{h.ledger.pk}/allocations/run").json() == {"allocated": 1}
    assert balances(owner_api, h.ledger)["Bank"] == "333.33"


def test_loan_wallet_is_positive_when_money_is_lent_and_negative_when_borrowed(
    owner_api, household
):
    h = household
    loan = services.wallet_create(ledger=h.ledger, name="Bob", kind="loan")
    post_ok(owner_api, h.ledger, transfer(h, "300.00", to_wallet=str(loan.pk)))
    assert balances(owner_api, h.ledger)["Bob"] == "300.00"
    post_ok(owner_api, h.ledger, transfer(h, "500.00", from_wallet=str(loan.pk)))
    assert balances(owner_api, h.ledger)["Bob"] == "-200.00"


def test_balance_above_the_largest_single_amount_is_shown(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "999999999999.99", bucket=str(h.fun.pk)))
    post_ok(owner_api, h.ledger, income(h, "999999999999.99", bucket=str(h.fun.pk)))
    response = owner_api.get(wallets_path(h.ledger, h.bank))
    assert response.status_code == 200
    assert response.json()["balance"] == "1999999999999.98"
    assert balances(owner_api, h.ledger) == {"Bank": "1999999999999.98", "Cash": "0.00"}


# --- Archive --------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["0.01", "-0.01", "250.00"])
def test_archiving_a_wallet_that_holds_money_is_409(owner_api, household, amount):
    h = household
    post_ok(owner_api, h.ledger, adjustment(h, amount))
    response = owner_api.patch(wallets_path(h.ledger, h.cash), {"archived": True})
    body = assert_error(response, 409, "balance_not_zero")
    assert amount in body["detail"]
    h.cash.refresh_from_db()
    assert h.cash.archived is False


def test_archiving_a_wallet_with_zero_balance_is_200(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "50.00"))
    post_ok(owner_api, h.ledger, expense(h, "50.00"))
    response = owner_api.patch(wallets_path(h.ledger, h.bank), {"archived": True})
    assert response.status_code == 200
    assert response.json()["archived"] is True
    assert response.json()["balance"] == "0.00"


def test_unarchiving_a_wallet_is_200(owner_api, household):
    h = household
    owner_api.patch(wallets_path(h.ledger, h.cash), {"archived": True})
    response = owner_api.patch(wallets_path(h.ledger, h.cash), {"archived": False})
    assert response.status_code == 200
    assert response.json()["archived"] is False


def test_renaming_an_archived_wallet_is_fine(owner_api, household):
    h = household
    owner_api.patch(wallets_path(h.ledger, h.cash), {"archived": True})
    response = owner_api.patch(wallets_path(h.ledger, h.cash), {"name": "Old cash"})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["archived"]) == ("Old cash", True)


def test_archived_wallet_cannot_take_new_transactions(owner_api, household):
    h = household
    owner_api.patch(wallets_path(h.ledger, h.cash), {"archived": True})
    assert_error(
        owner_api.post(tx_path(h.ledger), expense(h, wallet=str(h.cash.pk))), 422, field="wallet"
    )


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({}, ["Bank", "Cash", "Old"]),
        ({"archived": "false"}, ["Bank", "Cash"]),
        ({"archived": "true"}, ["Old"]),
    ],
)
def test_list_filters_on_archived(owner_api, household, query, names):
    services.wallet_create(ledger=household.ledger, name="Old", kind="virtual", archived=True)
    body = owner_api.get(wallets_path(household.ledger), query).json()
    assert [w["name"] for w in body["items"]] == names
    assert body["count"] == len(names)


def test_archived_filter_that_is_not_a_boolean_is_422(owner_api, ledger):
    assert_error(owner_api.get(wallets_path(ledger), {"archived": "maybe"}), 422, field="archived")


# --- Delete ---------------------------------------------------------------------------------


def test_deleting_an_unused_wallet_is_204(owner_api, household):
    h = household
    assert owner_api.delete(wallets_path(h.ledger, h.cash)).status_code == 204
    assert not Wallet.objects.filter(pk=h.cash.pk).exists()
    assert_error(owner_api.get(wallets_path(h.ledger, h.cash)), 404, "not_found")


@pytest.mark.parametrize(
    "build",
    [
        lambda h: income(h, wallet=str(h.cash.pk)),
        lambda h: expense(h, wallet=str(h.cash.pk)),
        lambda h: adjustment(h),
        lambda h: transfer(h),  # cash is the to_wallet
        lambda h: transfer(h, from_wallet=str(h.cash.pk), to_wallet=str(h.bank.pk)),
    ],
    ids=["income", "expense", "adjustment", "to_wallet", "from_wallet"],
)
def test_deleting_a_wallet_that_transactions_use_is_409(owner_api, household, build):
    h = household
    post_ok(owner_api, h.ledger, build(h))
    assert_error(owner_api.delete(wallets_path(h.ledger, h.cash)), 409, "in_use")
    assert Wallet.objects.filter(pk=h.cash.pk).exists()


def test_deleting_a_wallet_with_an_opening_balance_is_409(owner_api, ledger):
    wallet = owner_api.post(
        wallets_path(ledger), {"name": "Bank", "kind": "virtual", "opening_balance": "1.00"}
    ).json()
    assert_error(owner_api.delete(wallets_path(ledger, wallet["id"])), 409, "in_use")


def test_deleting_a_wallet_whose_transactions_are_gone_is_204(owner_api, household):
    h = household
    tx = post_ok(owner_api, h.ledger, expense(h, wallet=str(h.cash.pk)))
    owner_api.delete(tx_path(h.ledger, tx["id"]))
    assert owner_api.delete(wallets_path(h.ledger, h.cash)).status_code == 204


# --- Reconcile ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "difference", "balance"),
    [
        ("900.00", "25.50", "900.00"),
        ("800", "-74.50", "800.00"),
        (0, "-874.50", "0.00"),
        (-10.5, "-885.00", "-10.50"),
        ("874.51", "0.01", "874.51"),
    ],
)
def test_reconcile_creates_the_adjustment_that_makes_the_balance_actual(
    owner_api, household, actual, difference, balance
):
    h = household
    post_ok(owner_api, h.ledger, income(h, "1000.00"))
    post_ok(owner_api, h.ledger, expense(h, "25.50"))
    post_ok(owner_api, h.ledger, transfer(h, "100.00"))
    response = owner_api.post(
        wallets_path(h.ledger, h.bank, "reconcile"),
        {"actual_balance": actual, "date": "2025-03-31"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    adjustment_out = body["adjustment"]
    assert body == {"adjustment": adjustment_out, "balance": balance}
    assert adjustment_out == {
        "id": adjustment_out["id"],
        "kind": "adjustment",
        "date": "2025-03-31",
        "amount": difference,
        "currency": "EUR",  # SPEC §14
        "base_amount": difference,
        "to_amount": None,
        "to_currency": None,
        "foreign_amount": None,
        "foreign_currency": None,
        "description": "Reconciliation",
        "notes": "",
        "tags": [],
        "category": None,
        "wallet": str(h.bank.pk),
        "bucket": str(h.unallocated.pk),
        "from_wallet": None,
        "to_wallet": None,
        "from_bucket": None,
        "to_bucket": None,
        "payee": None,
        "payee_name": None,
        "allocation_status": "not_applicable",
        "allocations": [],
        "splits": [],
        "recurring": None,
        "group_expense": None,
        "external_id": "",
        "created_at": adjustment_out["created_at"],
        "updated_at": adjustment_out["updated_at"],
        "running_balance": None,  # only in the list filtered by one wallet
    }
    assert owner_api.get(tx_path(h.ledger, adjustment_out["id"])).json() == adjustment_out
    assert balances(owner_api, h.ledger)["Bank"] == balance
    assert_books_balance(h.ledger)


@pytest.mark.parametrize("actual", ["874.50", 874.5, "874.5"])
def test_reconcile_to_the_current_balance_creates_nothing(owner_api, household, actual):
    h = household
    post_ok(owner_api, h.ledger, income(h, "1000.00"))
    post_ok(owner_api, h.ledger, expense(h, "125.50"))
    count = Transaction.objects.filter(ledger=h.ledger).count()
    response = owner_api.post(
        wallets_path(h.ledger, h.bank, "reconcile"), {"actual_balance": actual}
    )
    assert response.status_code == 200
    assert response.json() == {"adjustment": None, "balance": "874.50"}
    assert Transaction.objects.filter(ledger=h.ledger).count() == count


def test_reconcile_without_date_is_dated_today(owner_api, household):
    h = household
    body = owner_api.post(
        wallets_path(h.ledger, h.cash, "reconcile"), {"actual_balance": "20.00"}
    ).json()
    assert body["adjustment"]["date"] == timezone.localdate().isoformat()
    assert body["balance"] == "20.00"


def test_reconcile_a_loan_wallet_to_a_debt(owner_api, household):
    h = household
    loan = services.wallet_create(ledger=h.ledger, name="Ann", kind="loan")
    body = owner_api.post(
        wallets_path(h.ledger, loan, "reconcile"), {"actual_balance": "-75.25"}
    ).json()
    assert (body["adjustment"]["amount"], body["balance"]) == ("-75.25", "-75.25")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "actual_balance"),
        ({"actual_balance": None}, "actual_balance"),
        ({"actual_balance": "1.005"}, "actual_balance"),
        ({"actual_balance": 1.005}, "actual_balance"),
        ({"actual_balance": "ten"}, "actual_balance"),
        ({"actual_balance": "1000000000000.00"}, "actual_balance"),
        ({"actual_balance": "1.00", "date": "2025-13-01"}, "date"),
    ],
)
def test_invalid_reconcile_is_422_and_creates_nothing(owner_api, household, payload, field):
    h = household
    response = owner_api.post(wallets_path(h.ledger, h.cash, "reconcile"), payload)
    assert_error(response, 422, "validation_error", field)
    assert not Transaction.objects.filter(ledger=h.ledger).exists()


def test_reconcile_whose_difference_exceeds_the_largest_amount_is_422(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, adjustment(h, "-10.00", wallet=str(h.bank.pk)))
    response = owner_api.post(
        wallets_path(h.ledger, h.bank, "reconcile"), {"actual_balance": "999999999999.99"}
    )
    assert_error(response, 422, "validation_error", "actual_balance")
    assert Transaction.objects.filter(ledger=h.ledger).count() == 1
    assert owner_api.get(tx_path(h.ledger)).status_code == 200


# --- Access ---------------------------------------------------------------------------------


def test_viewer_reads_wallets(api, household, bob):
    h = household
    viewer = member_api(api, h.ledger, bob, "viewer")
    assert viewer.get(wallets_path(h.ledger)).json()["count"] == 2
    assert viewer.get(wallets_path(h.ledger, h.bank)).json()["name"] == "Bank"


@pytest.mark.parametrize(
    ("method", "action", "payload"),
    [
        ("post", None, {"name": "Mine", "kind": "physical"}),
        ("patch", "bank", {"name": "Mine"}),
        ("patch", "bank", {"archived": True}),
        ("delete", "bank", None),
        ("post", "reconcile", {"actual_balance": "5.00"}),
    ],
)
def test_viewer_cannot_write_wallets(api, household, bob, method, action, payload):
    h = household
    viewer = member_api(api, h.ledger, bob, "viewer")
    path = {
        None: wallets_path(h.ledger),
        "bank": wallets_path(h.ledger, h.bank),
        "reconcile": wallets_path(h.ledger, h.bank, "reconcile"),
    }[action]
    response = getattr(viewer, method)(path, payload)
    assert_error(response, 403, "permission_denied")
    assert sorted(Wallet.objects.filter(ledger=h.ledger).values_list("name", "archived")) == [
        ("Bank", False),
        ("Cash", False),
    ]
    assert not Transaction.objects.filter(ledger=h.ledger).exists()


def test_editor_writes_wallets(api, household, bob):
    h = household
    editor = member_api(api, h.ledger, bob, "editor")
    created = editor.post(wallets_path(h.ledger), {"name": "Purse", "kind": "physical"})
    assert created.status_code == 201
    assert editor.patch(wallets_path(h.ledger, h.bank), {"name": "Main"}).status_code == 200
    reconciled = editor.post(wallets_path(h.ledger, h.bank, "reconcile"), {"actual_balance": 1})
    assert reconciled.json()["balance"] == "1.00"
    assert editor.delete(wallets_path(h.ledger, created.json()["id"])).status_code == 204


def test_stranger_gets_404_for_every_wallet_route(api, household, stranger):
    h = household
    other = api.as_user(stranger)
    calls = [
        other.get(wallets_path(h.ledger)),
        other.post(wallets_path(h.ledger), {"name": "Mine", "kind": "physical"}),
        other.post(wallets_path(h.ledger), {}),
        other.get(wallets_path(h.ledger, h.bank)),
        other.patch(wallets_path(h.ledger, h.bank), {"name": "Mine"}),
        other.delete(wallets_path(h.ledger, h.bank)),
        other.post(wallets_path(h.ledger, h.bank, "reconcile"), {"actual_balance": "1.00"}),
    ]
    for response in calls:
        assert_error(response, 404, "not_found")
    assert Wallet.objects.get(pk=h.bank.pk).name == "Bank"


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", None, None),
        ("patch", None, {"name": "Stolen"}),
        ("delete", None, None),
        ("post", "reconcile", {"actual_balance": "0.00"}),
    ],
)
def test_wallet_of_another_ledger_in_the_path_is_404(
    api, owner_api, user, household, method, suffix, payload
):
    # Alice owns both ledgers, but a wallet answers only under its own ledger.
    other_ledger = ledger_create(name="Side project", owner=user)
    foreign = services.wallet_create(
        ledger=other_ledger, name="Side", kind="virtual", opening_balance=Decimal("3.00")
    )
    response = getattr(owner_api, method)(wallets_path(household.ledger, foreign, suffix), payload)
    assert_error(response, 404, "not_found")
    foreign.refresh_from_db()
    assert foreign.name == "Side"
    assert Transaction.objects.filter(ledger=other_ledger).count() == 1


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_wallet_is_404(owner_api, ledger, method):
    response = getattr(owner_api, method)(wallets_path(ledger, uuid.uuid4()), {"name": "X"})
    assert_error(response, 404, "not_found")


def test_wallets_need_authentication(api, ledger):
    assert_error(api.get(wallets_path(ledger)), 401, "not_authenticated")
    assert_error(api.post(wallets_path(ledger), {"name": "W"}), 401, "not_authenticated")


# --- Lists ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status", "names"),
    [
        ({"page_size": 2}, 200, ["W00", "W01"]),
        ({"page_size": 2, "page": 2}, 200, ["W02", "W03"]),
        ({"page_size": 2, "page": 3}, 200, ["W04"]),
        ({"page_size": 500}, 200, ["W00", "W01", "W02", "W03", "W04"]),
        ({"page_size": 501}, 422, "page_size"),
        ({"page_size": 0}, 422, "page_size"),
        ({"page": 0}, 422, "page"),
        ({"page_size": "lots"}, 422, "page_size"),
    ],
)
def test_wallet_list_is_paginated(owner_api, ledger, query, status, names):
    for i in range(5):
        services.wallet_create(ledger=ledger, name=f"W{i:02}", kind="virtual")
    response = owner_api.get(wallets_path(ledger), query)
    if status == 422:
        assert_error(response, 422, "validation_error", names)
        return
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert [w["name"] for w in body["items"]] == names


@pytest.mark.parametrize("rows", [1, 30])
def test_wallet_list_takes_constant_queries(owner_api, ledger, rows, django_assert_max_num_queries):
    for i in range(rows):
        services.wallet_create(
            ledger=ledger, name=f"W{i:02}", kind="virtual", opening_balance=Decimal(i + 1)
        )
    with django_assert_max_num_queries(LIST_QUERIES):
        response = owner_api.get(wallets_path(ledger), {"page_size": 500})
    body = response.json()
    assert body["count"] == rows
    assert [w["balance"] for w in body["items"]] == [f"{i + 1}.00" for i in range(rows)]
