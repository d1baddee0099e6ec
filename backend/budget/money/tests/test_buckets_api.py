"""Buckets: /ledgers/{lid}/buckets and the percent rule (SPEC §2, §3, §4, §10)."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from tests.helpers import ApiClient, assert_error

from budget.accounts import services as account_services
from budget.ledgers.services import ledger_create
from budget.money import services
from budget.money.models import Allocation, Bucket
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

# Auth user, membership, page count, page: the same whatever the number of buckets.
LIST_QUERIES = 4


def buckets_path(ledger, bucket=None) -> str:
    path = f"/ledgers/{ledger.pk}/buckets"
    return f"{path}/{getattr(bucket, 'pk', bucket)}" if bucket is not None else path


def allocation_path(ledger) -> str:
    return f"/ledgers/{ledger.pk}/buckets/allocation"


def run_path(ledger) -> str:
    return f"/ledgers/{ledger.pk}/allocations/run"


def balances(owner_api, ledger) -> dict[str, str]:
    body = owner_api.get(buckets_path(ledger), {"page_size": 500}).json()
    return {b["name"]: b["balance"] for b in body["items"]}


def percents(ledger) -> dict[str, str | None]:
    return {
        b.name: None if b.allocation_percent is None else f"{b.allocation_percent:.2f}"
        for b in Bucket.objects.filter(ledger=ledger)
    }


def active_sum(ledger) -> Decimal:
    return sum(
        (
            b.allocation_percent
            for b in Bucket.objects.filter(ledger=ledger, is_system=False, archived=False)
        ),
        Decimal("0.00"),
    )


HOUSEHOLD_PERCENTS = {"Unallocated": None, "Savings": "20.00", "Fun": "10.00", "Bills": "50.00"}


# --- The system bucket ----------------------------------------------------------------------


def test_new_ledger_has_only_the_system_bucket(owner_api, ledger):
    response = owner_api.get(buckets_path(ledger))
    assert response.status_code == 200
    body = response.json()
    system = Bucket.objects.get(ledger=ledger)
    assert body == {
        "items": [
            {
                "id": str(system.pk),
                "name": "Unallocated",
                "allocation_percent": None,
                "is_system": True,
                "archived": False,
                "balance": "0.00",
                "created_at": body["items"][0]["created_at"],
            }
        ],
        "count": 1,
    }


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "Everything else"},
        {"name": "Unallocated"},
        {"allocation_percent": "10.00"},
        {"allocation_percent": "0"},
        {"archived": True},
        {"archived": False},
        {"name": "Unallocated", "archived": False},
    ],
)
def test_any_change_to_the_system_bucket_is_409(owner_api, household, payload):
    h = household
    response = owner_api.patch(buckets_path(h.ledger, h.unallocated), payload)
    assert_error(response, 409, "system_bucket")
    h.unallocated.refresh_from_db()
    assert (h.unallocated.name, h.unallocated.allocation_percent, h.unallocated.archived) == (
        "Unallocated",
        None,
        False,
    )


def test_deleting_the_system_bucket_is_409(owner_api, household):
    h = household
    assert_error(owner_api.delete(buckets_path(h.ledger, h.unallocated)), 409, "system_bucket")
    assert Bucket.objects.filter(pk=h.unallocated.pk).exists()


def test_system_bucket_detail_is_readable(owner_api, household):
    h = household
    body = owner_api.get(buckets_path(h.ledger, h.unallocated)).json()
    assert (body["name"], body["is_system"], body["allocation_percent"]) == (
        "Unallocated",
        True,
        None,
    )


# --- Create ---------------------------------------------------------------------------------


def test_create_answers_201_with_the_bucket(owner_api, ledger):
    response = owner_api.post(
        buckets_path(ledger), {"name": "Holiday", "allocation_percent": "12.50"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Holiday",
        "allocation_percent": "12.50",
        "is_system": False,
        "archived": False,
        "balance": "0.00",
        "created_at": body["created_at"],
    }
    assert owner_api.get(buckets_path(ledger, body["id"])).json() == body


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"name": "B", "allocation_percent": "0"}, {"allocation_percent": "0.00"}),
        ({"name": "B", "allocation_percent": 0}, {"allocation_percent": "0.00"}),
        ({"name": "B", "allocation_percent": "0.01"}, {"allocation_percent": "0.01"}),
        ({"name": "B", "allocation_percent": "12.5"}, {"allocation_percent": "12.50"}),
        ({"name": "B", "allocation_percent": 12.25}, {"allocation_percent": "12.25"}),
        ({"name": "B", "allocation_percent": 33}, {"allocation_percent": "33.00"}),
        ({"name": "B", "allocation_percent": "100"}, {"allocation_percent": "100.00"}),
        ({"name": "B", "allocation_percent": 100.0}, {"allocation_percent": "100.00"}),
        ({"name": "  Padded  ", "allocation_percent": "1"}, {"name": "Padded"}),
        ({"name": "x" * 100, "allocation_percent": "1"}, {"name": "x" * 100}),
        ({"name": "B", "allocation_percent": "5", "archived": True}, {"archived": True}),
    ],
)
def test_create_accepts_percent_as_string_or_number(owner_api, ledger, payload, expected):
    response = owner_api.post(buckets_path(ledger), payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in expected} == expected
    assert body["is_system"] is False


@pytest.mark.parametrize("payload", [{"name": "B"}, {"name": "B", "archived": False}])
def test_omitted_percent_defaults_to_zero(owner_api, household, payload):
    response = owner_api.post(buckets_path(household.ledger), payload)
    assert response.status_code == 201, response.content
    assert (response.json()["allocation_percent"], response.json()["archived"]) == ("0.00", False)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"allocation_percent": "10"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": None}, "name"),
        ({"name": "B", "allocation_percent": "-0.01"}, "allocation_percent"),
        ({"name": "B", "allocation_percent": -5}, "allocation_percent"),
        ({"name": "B", "allocation_percent": "100.01"}, "allocation_percent"),
        ({"name": "B", "allocation_percent": 101}, "allocation_percent"),
        ({"name": "B", "allocation_percent": "12.345"}, "allocation_percent"),
        ({"name": "B", "allocation_percent": 12.345}, "allocation_percent"),
        ({"name": "B", "allocation_percent": "abc"}, "allocation_percent"),
        ({"name": "B", "allocation_percent": "NaN"}, "allocation_percent"),
        ({"name": "B", "allocation_percent": None}, "allocation_percent"),
        ({"name": "B", "allocation_percent": True}, "allocation_percent"),
        ({"name": "B", "archived": "maybe"}, "archived"),
    ],
)
def test_invalid_bucket_is_422_naming_the_field_and_creates_nothing(
    owner_api, ledger, payload, field
):
    assert_error(owner_api.post(buckets_path(ledger), payload), 422, "validation_error", field)
    assert Bucket.objects.filter(ledger=ledger).count() == 1


# --- The percent rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "status"),
    [
        ("20.00", 201),
        ("20", 201),
        (20, 201),
        ("19.99", 201),
        ("20.01", 409),
        (21, 409),
        ("100", 409),
    ],
)
def test_create_over_100_percent_is_409_naming_the_current_sum(
    owner_api, household, percent, status
):
    response = owner_api.post(
        buckets_path(household.ledger), {"name": "Holiday", "allocation_percent": percent}
    )
    if status == 201:
        assert response.status_code == 201
        assert active_sum(household.ledger) <= 100
        return
    body = assert_error(response, 409, "percent_sum_exceeded")
    assert "80.00" in body["detail"]  # what the active buckets already use
    assert not Bucket.objects.filter(ledger=household.ledger, name="Holiday").exists()


def test_zero_percent_buckets_can_always_be_added(owner_api, household):
    owner_api.post(buckets_path(household.ledger), {"name": "Rest", "allocation_percent": "20"})
    response = owner_api.post(
        buckets_path(household.ledger), {"name": "Zero", "allocation_percent": "0.00"}
    )
    assert response.status_code == 201
    assert response.json()["allocation_percent"] == "0.00"


def test_percent_sum_is_exact_to_the_hundredth(owner_api, ledger):
    for name in ("A", "B", "C"):
        owner_api.post(buckets_path(ledger), {"name": name, "allocation_percent": "33.33"})
    assert_error(
        owner_api.post(buckets_path(ledger), {"name": "D", "allocation_percent": "0.02"}),
        409,
        "percent_sum_exceeded",
    )
    response = owner_api.post(buckets_path(ledger), {"name": "D", "allocation_percent": "0.01"})
    assert response.status_code == 201
    assert active_sum(ledger) == Decimal("100.00")


@pytest.mark.parametrize(
    ("percent", "status"),
    [("40.00", 200), ("0", 200), ("40.01", 409), (100, 409)],
)
def test_patch_over_100_percent_is_409_and_changes_nothing(owner_api, household, percent, status):
    h = household
    response = owner_api.patch(buckets_path(h.ledger, h.savings), {"allocation_percent": percent})
    if status == 200:
        assert response.status_code == 200
        assert response.json()["allocation_percent"] == f"{Decimal(str(percent)):.2f}"
        return
    body = assert_error(response, 409, "percent_sum_exceeded")
    assert "60.00" in body["detail"]  # the other active buckets
    assert percents(h.ledger) == HOUSEHOLD_PERCENTS


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"allocation_percent": "-1"}, "allocation_percent"),
        ({"allocation_percent": "100.01"}, "allocation_percent"),
        ({"allocation_percent": "1.001"}, "allocation_percent"),
        ({"name": ""}, "name"),
        ({"name": "  "}, "name"),
        ({"archived": "maybe"}, "archived"),
    ],
)
def test_invalid_patch_is_422_and_changes_nothing(owner_api, household, payload, field):
    h = household
    response = owner_api.patch(buckets_path(h.ledger, h.savings), payload)
    assert_error(response, 422, "validation_error", field)
    assert percents(h.ledger) == HOUSEHOLD_PERCENTS


def test_archived_bucket_does_not_count_in_the_sum(owner_api, household):
    response = owner_api.post(
        buckets_path(household.ledger),
        {"name": "Someday", "allocation_percent": "90", "archived": True},
    )
    assert response.status_code == 201
    assert response.json()["archived"] is True
    assert active_sum(household.ledger) == Decimal("80.00")


def test_archiving_a_bucket_frees_its_percent(owner_api, household):
    h = household
    assert_error(
        owner_api.post(buckets_path(h.ledger), {"name": "Travel", "allocation_percent": "50"}),
        409,
        "percent_sum_exceeded",
    )
    archived = owner_api.patch(buckets_path(h.ledger, h.bills), {"archived": True})
    assert archived.status_code == 200
    assert archived.json()["archived"] is True
    assert archived.json()["allocation_percent"] == "50.00"
    response = owner_api.post(
        buckets_path(h.ledger), {"name": "Travel", "allocation_percent": "50"}
    )
    assert response.status_code == 201
    assert active_sum(h.ledger) == Decimal("80.00")


def test_unarchiving_a_bucket_that_would_push_the_sum_over_100_is_409(owner_api, household):
    h = household
    owner_api.patch(buckets_path(h.ledger, h.bills), {"archived": True})
    owner_api.post(buckets_path(h.ledger), {"name": "Travel", "allocation_percent": "50.01"})
    response = owner_api.patch(buckets_path(h.ledger, h.bills), {"archived": False})
    body = assert_error(response, 409, "percent_sum_exceeded")
    assert "80.01" in body["detail"]
    h.bills.refresh_from_db()
    assert h.bills.archived is True
    assert active_sum(h.ledger) == Decimal("80.01")


def test_unarchiving_with_a_lower_percent_in_the_same_patch_is_200(owner_api, household):
    h = household
    owner_api.patch(buckets_path(h.ledger, h.bills), {"archived": True})
    owner_api.post(buckets_path(h.ledger), {"name": "Travel", "allocation_percent": "60"})
    response = owner_api.patch(
        buckets_path(h.ledger, h.bills), {"archived": False, "allocation_percent": "10"}
    )
    assert response.status_code == 200
    assert (response.json()["archived"], response.json()["allocation_percent"]) == (False, "10.00")
    assert active_sum(h.ledger) == Decimal("100.00")


def test_unarchiving_a_bucket_that_fits_is_200(owner_api, household):
    h = household
    owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": True})
    response = owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": False})
    assert response.status_code == 200
    assert response.json()["archived"] is False
    assert active_sum(h.ledger) == Decimal("80.00")


def test_archived_bucket_percent_can_change_freely(owner_api, household):
    h = household
    owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": True})
    response = owner_api.patch(buckets_path(h.ledger, h.fun), {"allocation_percent": "95"})
    assert response.status_code == 200
    assert response.json()["allocation_percent"] == "95.00"
    assert_error(
        owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": False}),
        409,
        "percent_sum_exceeded",
    )


@pytest.mark.parametrize("field", ["name", "allocation_percent", "archived"])
def test_null_for_a_field_that_cannot_be_null_is_422(owner_api, household, field):
    response = owner_api.patch(buckets_path(household.ledger, household.fun), {field: None})
    assert_error(response, 422, "validation_error", field)


# --- Archive --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda h: income(h, "30.00", bucket=str(h.fun.pk)),
        lambda h: expense(h, "10.00", bucket=str(h.fun.pk)),
        lambda h: transfer(h, "0.01", from_bucket=str(h.savings.pk), to_bucket=str(h.fun.pk)),
    ],
    ids=["positive", "negative", "one_cent"],
)
def test_archiving_a_bucket_that_holds_money_is_409(owner_api, household, build):
    h = household
    post_ok(owner_api, h.ledger, build(h))
    response = owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": True})
    body = assert_error(response, 409, "balance_not_zero")
    assert balances(owner_api, h.ledger)["Fun"] in body["detail"]
    h.fun.refresh_from_db()
    assert h.fun.archived is False


def test_archiving_a_bucket_that_got_a_split_is_409(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "100.00"))
    owner_api.post(run_path(h.ledger))
    assert_error(
        owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": True}), 409, "balance_not_zero"
    )


def test_archiving_a_bucket_with_zero_balance_is_200(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "30.00", bucket=str(h.fun.pk)))
    post_ok(owner_api, h.ledger, expense(h, "30.00", bucket=str(h.fun.pk)))
    response = owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": True})
    assert response.status_code == 200
    assert (response.json()["archived"], response.json()["balance"]) == (True, "0.00")


def test_archived_bucket_cannot_take_new_transactions(owner_api, household):
    h = household
    owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": True})
    assert_error(
        owner_api.post(tx_path(h.ledger), expense(h, bucket=str(h.fun.pk))), 422, field="bucket"
    )


def test_archived_bucket_gets_no_part_of_a_split(owner_api, household):
    h = household
    owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": True})
    post_ok(owner_api, h.ledger, income(h, "1000.00"))
    assert owner_api.post(run_path(h.ledger)).json() == {"allocated": 1}
    assert balances(owner_api, h.ledger) == {
        "Unallocated": "300.00",
        "Savings": "200.00",
        "Bills": "500.00",
        "Fun": "0.00",
    }


def test_balance_above_the_largest_single_amount_is_shown(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "999999999999.99", bucket=str(h.fun.pk)))
    post_ok(owner_api, h.ledger, income(h, "999999999999.99", bucket=str(h.fun.pk)))
    response = owner_api.get(buckets_path(h.ledger, h.fun))
    assert response.status_code == 200
    assert response.json()["balance"] == "1999999999999.98"
    assert balances(owner_api, h.ledger)["Fun"] == "1999999999999.98"


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({}, ["Unallocated", "Savings", "Bills", "Fun"]),
        ({"archived": "false"}, ["Unallocated", "Savings", "Bills"]),
        ({"archived": "true"}, ["Fun"]),
    ],
)
def test_list_filters_on_archived(owner_api, household, query, names):
    owner_api.patch(buckets_path(household.ledger, household.fun), {"archived": True})
    body = owner_api.get(buckets_path(household.ledger), query).json()
    assert [b["name"] for b in body["items"]] == names
    assert body["count"] == len(names)


def test_archived_filter_that_is_not_a_boolean_is_422(owner_api, ledger):
    assert_error(owner_api.get(buckets_path(ledger), {"archived": "maybe"}), 422, field="archived")


# --- Balances -------------------------------------------------------------------------------


def test_bucket_balance_counts_splits_incomes_expenses_and_transfers(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "1000.00"))
    # Pending: the whole income waits in Unallocated.
    assert balances(owner_api, h.ledger) == {
        "Unallocated": "1000.00",
        "Savings": "0.00",
        "Fun": "0.00",
        "Bills": "0.00",
    }
    assert_books_balance(h.ledger)
    assert owner_api.post(run_path(h.ledger)).json() == {"allocated": 1}
    assert balances(owner_api, h.ledger) == {
        "Unallocated": "200.00",
        "Savings": "200.00",
        "Fun": "100.00",
        "Bills": "500.00",
    }
    post_ok(owner_api, h.ledger, income(h, "40.00", bucket=str(h.fun.pk)))
    post_ok(owner_api, h.ledger, expense(h, "25.50", bucket=str(h.fun.pk)))
    post_ok(owner_api, h.ledger, expense(h, "10.00"))  # from Unallocated
    post_ok(
        owner_api,
        h.ledger,
        {
            "kind": "transfer",
            "date": "2025-03-05",
            "amount": "50.00",
            "from_bucket": str(h.savings.pk),
            "to_bucket": str(h.fun.pk),
        },
    )
    post_ok(owner_api, h.ledger, transfer(h, "5.00"))  # wallets only: buckets untouched
    post_ok(
        owner_api,
        h.ledger,
        {
            "kind": "adjustment",
            "date": "2025-03-06",
            "amount": "-1.00",
            "wallet": str(h.bank.pk),
            "bucket": str(h.bills.pk),
        },
    )
    assert balances(owner_api, h.ledger) == {
        "Unallocated": "190.00",
        "Savings": "150.00",
        "Fun": "164.50",
        "Bills": "499.00",
    }
    detail = owner_api.get(buckets_path(h.ledger, h.fun)).json()
    assert detail["balance"] == "164.50"
    assert_books_balance(h.ledger)


def test_pending_incomes_count_in_unallocated(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "0.01"))
    post_ok(owner_api, h.ledger, income(h, "99.99"))
    post_ok(owner_api, h.ledger, income(h, "5.00", bucket=str(h.bills.pk)))
    assert balances(owner_api, h.ledger) == {
        "Unallocated": "100.00",
        "Savings": "0.00",
        "Fun": "0.00",
        "Bills": "5.00",
    }
    assert_books_balance(h.ledger)


def test_on_commit_task_allocates_the_income(
    owner_api, household, django_capture_on_commit_callbacks
):
    h = household
    with django_capture_on_commit_callbacks(execute=True):
        tx = post_ok(owner_api, h.ledger, income(h, "1000.00"))
    assert tx["allocation_status"] == "pending"
    assert owner_api.get(tx_path(h.ledger, tx["id"])).json()["allocation_status"] == "allocated"
    assert balances(owner_api, h.ledger) == {
        "Unallocated": "200.00",
        "Savings": "200.00",
        "Fun": "100.00",
        "Bills": "500.00",
    }
    assert owner_api.post(run_path(h.ledger)).json() == {"allocated": 0}
    assert_books_balance(h.ledger)


def test_allocated_incomes_keep_their_split_when_percents_change(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "1000.00"))
    owner_api.post(run_path(h.ledger))
    before = balances(owner_api, h.ledger)
    response = owner_api.put(
        allocation_path(h.ledger),
        {"percents": {str(h.savings.pk): "0", str(h.fun.pk): "0", str(h.bills.pk): "100"}},
    )
    assert response.status_code == 200
    assert balances(owner_api, h.ledger) == before


# --- PUT /buckets/allocation ----------------------------------------------------------------


def test_put_allocation_sets_named_buckets_and_keeps_the_others(owner_api, household):
    h = household
    owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": True})
    response = owner_api.put(
        allocation_path(h.ledger), {"percents": {str(h.savings.pk): "30", str(h.bills.pk): 45.5}}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [
        (b["name"], b["allocation_percent"], b["is_system"], b["archived"]) for b in body["items"]
    ] == [
        ("Unallocated", None, True, False),
        ("Savings", "30.00", False, False),
        ("Bills", "45.50", False, False),
        ("Fun", "10.00", False, True),
    ]
    assert body["items"] == owner_api.get(buckets_path(h.ledger)).json()["items"]
    assert percents(h.ledger) == {
        "Unallocated": None,
        "Savings": "30.00",
        "Fun": "10.00",
        "Bills": "45.50",
    }


def test_put_allocation_checks_the_sum_after_every_change(owner_api, household):
    # Raising Savings first would be 110 %; set together they stay at 80 %.
    h = household
    response = owner_api.put(
        allocation_path(h.ledger), {"percents": {str(h.savings.pk): "50", str(h.bills.pk): "20"}}
    )
    assert response.status_code == 200
    assert percents(h.ledger) == {**HOUSEHOLD_PERCENTS, "Savings": "50.00", "Bills": "20.00"}


def test_put_allocation_with_no_percents_changes_nothing(owner_api, household):
    response = owner_api.put(allocation_path(household.ledger), {"percents": {}})
    assert response.status_code == 200
    assert response.json()["count"] == 4
    assert percents(household.ledger) == HOUSEHOLD_PERCENTS


@pytest.mark.parametrize(
    ("changes", "total"),
    [
        ({"savings": "40", "fun": "10.01"}, "100.01"),
        ({"fun": "50.01"}, "120.01"),
        ({"savings": "100", "fun": "0", "bills": "0.01"}, "100.01"),
    ],
)
def test_put_allocation_over_100_is_409_and_changes_nothing(owner_api, household, changes, total):
    h = household
    payload = {str(getattr(h, name).pk): value for name, value in changes.items()}
    response = owner_api.put(allocation_path(h.ledger), {"percents": payload})
    body = assert_error(response, 409, "percent_sum_exceeded")
    assert total in body["detail"]
    assert percents(h.ledger) == HOUSEHOLD_PERCENTS


@pytest.mark.parametrize("value", ["5", "0", None])
def test_put_allocation_naming_the_system_bucket_is_409(owner_api, household, value):
    h = household
    payload = {str(h.savings.pk): "5", str(h.unallocated.pk): value}
    response = owner_api.put(allocation_path(h.ledger), {"percents": payload})
    if value is None:  # not a percent at all: the body is invalid before any rule
        assert_error(response, 422, "validation_error")
    else:
        assert_error(response, 409, "system_bucket")
    assert percents(h.ledger) == HOUSEHOLD_PERCENTS
    h.unallocated.refresh_from_db()
    assert h.unallocated.allocation_percent is None


@pytest.mark.parametrize("which", ["unknown", "archived", "foreign", "other_ledger"])
def test_put_allocation_refuses_buckets_that_take_no_percent(
    owner_api, user, household, stranger, which
):
    h = household
    owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": True})
    bad = {
        "unknown": lambda: uuid.uuid4(),
        "archived": lambda: h.fun.pk,
        "foreign": lambda: services.bucket_create(ledger=stranger.default_ledger, name="X").pk,
        "other_ledger": lambda: (
            services.bucket_create(ledger=ledger_create(name="Side", owner=user), name="Y").pk
        ),
    }[which]()
    response = owner_api.put(
        allocation_path(h.ledger), {"percents": {str(h.savings.pk): "5", str(bad): "5"}}
    )
    body = assert_error(response, 422, "validation_error", f"percents.{bad}")
    assert [e["field"] for e in body["errors"]] == [f"percents.{bad}"]
    assert percents(h.ledger) == HOUSEHOLD_PERCENTS


@pytest.mark.parametrize("value", ["-1", "100.01", "1.001", 1.001, "abc", None, True])
def test_put_allocation_with_an_invalid_percent_is_422(owner_api, household, value):
    h = household
    response = owner_api.put(allocation_path(h.ledger), {"percents": {str(h.savings.pk): value}})
    assert_error(response, 422, "validation_error", f"percents.{h.savings.pk}")
    assert percents(h.ledger) == HOUSEHOLD_PERCENTS


@pytest.mark.parametrize(
    "payload", [{}, {"percents": None}, {"percents": ["x"]}, {"percents": {"not-a-uuid": "5"}}]
)
def test_put_allocation_with_a_malformed_body_is_422(owner_api, household, payload):
    assert_error(owner_api.put(allocation_path(household.ledger), payload), 422, "validation_error")
    assert percents(household.ledger) == HOUSEHOLD_PERCENTS


# --- Delete ---------------------------------------------------------------------------------


def test_deleting_an_unused_bucket_is_204(owner_api, household):
    h = household
    assert owner_api.delete(buckets_path(h.ledger, h.fun)).status_code == 204
    assert not Bucket.objects.filter(pk=h.fun.pk).exists()
    assert_error(owner_api.get(buckets_path(h.ledger, h.fun)), 404, "not_found")
    # Its percent is gone with it.
    assert (
        owner_api.post(
            buckets_path(h.ledger), {"name": "Travel", "allocation_percent": "30"}
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda h: income(h, bucket=str(h.fun.pk)),
        lambda h: expense(h, bucket=str(h.fun.pk)),
        lambda h: adjustment(h, bucket=str(h.fun.pk)),
        lambda h: transfer(h, from_bucket=str(h.fun.pk), to_bucket=str(h.bills.pk)),
        lambda h: transfer(h, from_bucket=str(h.bills.pk), to_bucket=str(h.fun.pk)),
    ],
    ids=["income", "expense", "adjustment", "from_bucket", "to_bucket"],
)
def test_deleting_a_bucket_that_transactions_use_is_409(owner_api, household, build):
    h = household
    post_ok(owner_api, h.ledger, build(h))
    assert_error(owner_api.delete(buckets_path(h.ledger, h.fun)), 409, "in_use")
    assert Bucket.objects.filter(pk=h.fun.pk).exists()


def test_deleting_a_bucket_that_allocations_use_is_409(owner_api, household):
    h = household
    post_ok(owner_api, h.ledger, income(h, "10.00"))
    owner_api.post(run_path(h.ledger))
    assert Allocation.objects.filter(bucket=h.fun).exists()
    assert_error(owner_api.delete(buckets_path(h.ledger, h.fun)), 409, "in_use")
    assert Bucket.objects.filter(pk=h.fun.pk).exists()
    assert_books_balance(h.ledger)


def test_deleting_an_archived_unused_bucket_is_204(owner_api, household):
    h = household
    owner_api.patch(buckets_path(h.ledger, h.fun), {"archived": True})
    assert owner_api.delete(buckets_path(h.ledger, h.fun)).status_code == 204


# --- Access ---------------------------------------------------------------------------------


def test_viewer_reads_buckets(api, household, bob):
    h = household
    viewer = member_api(api, h.ledger, bob, "viewer")
    assert viewer.get(buckets_path(h.ledger)).json()["count"] == 4
    assert viewer.get(buckets_path(h.ledger, h.fun)).json()["name"] == "Fun"


@pytest.mark.parametrize(
    ("method", "target", "payload"),
    [
        ("post", None, {"name": "Mine"}),
        ("patch", "fun", {"name": "Mine"}),
        ("patch", "fun", {"allocation_percent": "1"}),
        ("patch", "fun", {"archived": True}),
        ("delete", "fun", None),
        ("put", "allocation", {"percents": {}}),
        ("patch", "unallocated", {"name": "Mine"}),
    ],
)
def test_viewer_cannot_write_buckets(api, household, bob, method, target, payload):
    h = household
    viewer = member_api(api, h.ledger, bob, "viewer")
    path = {
        None: buckets_path(h.ledger),
        "fun": buckets_path(h.ledger, h.fun),
        "unallocated": buckets_path(h.ledger, h.unallocated),
        "allocation": allocation_path(h.ledger),
    }[target]
    assert_error(getattr(viewer, method)(path, payload), 403, "permission_denied")
    assert percents(h.ledger) == HOUSEHOLD_PERCENTS
    assert not Bucket.objects.filter(ledger=h.ledger, archived=True).exists()


def test_editor_writes_buckets(api, household, bob):
    h = household
    editor = member_api(api, h.ledger, bob, "editor")
    created = editor.post(buckets_path(h.ledger), {"name": "Gifts", "allocation_percent": "5"})
    assert created.status_code == 201
    assert editor.patch(buckets_path(h.ledger, h.fun), {"name": "Play"}).status_code == 200
    assert (
        editor.put(allocation_path(h.ledger), {"percents": {str(h.fun.pk): "15"}}).status_code
        == 200
    )
    assert editor.delete(buckets_path(h.ledger, created.json()["id"])).status_code == 204
    assert percents(h.ledger) == {
        "Unallocated": None,
        "Savings": "20.00",
        "Play": "15.00",
        "Bills": "50.00",
    }


def test_stranger_gets_404_for_every_bucket_route(api, household, stranger):
    h = household
    other = api.as_user(stranger)
    calls = [
        other.get(buckets_path(h.ledger)),
        other.post(buckets_path(h.ledger), {"name": "Mine"}),
        other.get(buckets_path(h.ledger, h.fun)),
        other.patch(buckets_path(h.ledger, h.fun), {"name": "Mine"}),
        other.delete(buckets_path(h.ledger, h.fun)),
        other.put(allocation_path(h.ledger), {"percents": {str(h.fun.pk): "0"}}),
    ]
    for response in calls:
        assert_error(response, 404, "not_found")
    assert percents(h.ledger) == HOUSEHOLD_PERCENTS


@pytest.mark.parametrize(
    ("method", "payload"), [("get", None), ("patch", {"name": "Stolen"}), ("delete", None)]
)
def test_bucket_of_another_ledger_in_the_path_is_404(owner_api, user, household, method, payload):
    other_ledger = ledger_create(name="Side project", owner=user)
    foreign = services.bucket_create(ledger=other_ledger, name="Side")
    response = getattr(owner_api, method)(buckets_path(household.ledger, foreign), payload)
    assert_error(response, 404, "not_found")
    foreign.refresh_from_db()
    assert foreign.name == "Side"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_bucket_is_404(owner_api, ledger, method):
    response = getattr(owner_api, method)(buckets_path(ledger, uuid.uuid4()), {"name": "X"})
    assert_error(response, 404, "not_found")


def test_buckets_need_authentication(api, ledger):
    assert_error(api.get(buckets_path(ledger)), 401, "not_authenticated")
    assert_error(api.put(allocation_path(ledger), {"percents": {}}), 401, "not_authenticated")


# --- Lists ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "status", "names"),
    [
        ({"page_size": 2}, 200, ["Unallocated", "B0"]),
        ({"page_size": 2, "page": 2}, 200, ["B1", "B2"]),
        ({"page_size": 500}, 200, ["Unallocated", "B0", "B1", "B2"]),
        ({"page_size": 501}, 422, "page_size"),
        ({"page": 0}, 422, "page"),
    ],
)
def test_bucket_list_is_paginated(owner_api, ledger, query, status, names):
    for i in range(3):
        services.bucket_create(ledger=ledger, name=f"B{i}")
    response = owner_api.get(buckets_path(ledger), query)
    if status == 422:
        assert_error(response, 422, "validation_error", names)
        return
    body = response.json()
    assert body["count"] == 4
    assert [b["name"] for b in body["items"]] == names


@pytest.mark.parametrize("rows", [1, 30])
def test_bucket_list_takes_constant_queries(
    owner_api, household, rows, django_assert_max_num_queries
):
    h = household
    for i in range(rows):
        bucket = services.bucket_create(ledger=h.ledger, name=f"B{i:02}")
        post_ok(owner_api, h.ledger, income(h, f"{i + 1}.00", bucket=str(bucket.pk)))
    with django_assert_max_num_queries(LIST_QUERIES):
        response = owner_api.get(buckets_path(h.ledger), {"page_size": 500})
    body = response.json()
    assert body["count"] == rows + 4
    assert [b["balance"] for b in body["items"][4:]] == [f"{i + 1}.00" for i in range(rows)]


# --- Concurrency (PostgreSQL) ---------------------------------------------------------------


def _race(calls) -> list[int]:
    """Runs every call at once, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call) -> None:
        try:
            barrier.wait()
            outcomes[index] = call().status_code
        except Exception as error:  # reported below, with the other outcomes
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    return outcomes


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and real concurrency"
)


@pytest.mark.postgres
@postgres_only
def test_concurrent_bucket_creations_never_exceed_100_percent(transactional_db, user, ledger):
    token = account_services.tokens_issue(user=user)["access"]

    def create(i: int):
        api = ApiClient(Client(), token)
        return lambda: api.post(buckets_path(ledger), {"name": f"B{i}", "allocation_percent": "30"})

    statuses = _race([create(i) for i in range(6)])
    assert sorted(statuses) == [201, 201, 201, 409, 409, 409]
    assert active_sum(ledger) == Decimal("90.00")
    assert Bucket.objects.filter(ledger=ledger, is_system=False).count() == 3


@pytest.mark.postgres
@postgres_only
def test_concurrent_percent_updates_never_exceed_100_percent(transactional_db, user, ledger):
    buckets = [services.bucket_create(ledger=ledger, name=f"B{i}") for i in range(6)]
    token = account_services.tokens_issue(user=user)["access"]

    def call(i: int):
        api = ApiClient(Client(), token)
        if i % 2:
            path, body = buckets_path(ledger, buckets[i]), {"allocation_percent": "40"}
            return lambda: api.patch(path, body)
        path, body = allocation_path(ledger), {"percents": {str(buckets[i].pk): "40"}}
        return lambda: api.put(path, body)

    statuses = _race([call(i) for i in range(6)])
    assert sorted(statuses) == [200, 200, 409, 409, 409, 409]
    assert active_sum(ledger) == Decimal("80.00")


@pytest.mark.postgres
@postgres_only
def test_concurrent_creations_of_one_name_leave_one_bucket_and_one_wallet(
    transactional_db, user, ledger
):
    token = account_services.tokens_issue(user=user)["access"]

    def create(kind: str, name: str):
        api = ApiClient(Client(), token)
        if kind == "bucket":
            path, body = buckets_path(ledger), {"name": name, "allocation_percent": "1"}
        else:
            path, body = f"/ledgers/{ledger.pk}/wallets", {"name": name, "kind": "virtual"}
        return lambda: api.post(path, body)

    names = ["Rainy day", "RAINY DAY", "rainy day", "Rainy Day"]
    statuses = _race([create(kind, n) for kind in ("bucket", "wallet") for n in names])
    assert sorted(statuses[:4]) == [201, 409, 409, 409]
    assert sorted(statuses[4:]) == [201, 409, 409, 409]
    assert Bucket.objects.filter(ledger=ledger, name__iexact="rainy day").count() == 1
    assert ledger.wallets.filter(name__iexact="rainy day").count() == 1
