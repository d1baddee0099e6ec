"""GET/POST /ledgers/{lid}/goals, GET/PATCH/DELETE …/{id}: saved, progress_percent,
monthly_needed and on_track (SPEC §8). "Today" is frozen with time_machine."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from tests.helpers import assert_error

from budget.ledgers.models import Ledger
from budget.money import services as money
from budget.money.models import Bucket
from budget.money.tests.helpers import Household, member_api
from budget.planning import services
from budget.planning.models import Goal
from budget.planning.selectors import goal_progress
from budget.planning.tests.helpers import goal_path

pytestmark = pytest.mark.django_db


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), tick=False)


def holiday(h: Household, **extra) -> dict:
    return {"name": "Holiday", "bucket": str(h.savings.pk), "target_amount": "1200.00", **extra}


def post(owner_api, h: Household, body: dict) -> dict:
    response = owner_api.post(goal_path(h.ledger), body)
    assert response.status_code == 201, response.content
    return response.json()


def save(h: Household, amount: str, on: date, bucket: Bucket | None = None) -> None:
    """Moves money from Unallocated into the bucket (Savings by default)."""
    money.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "transfer",
            "date": on,
            "amount": Decimal(amount),
            "from_bucket": h.unallocated.pk,
            "to_bucket": (bucket or h.savings).pk,
        },
    )


# --- Create, read, change, delete -----------------------------------------------------------


def test_create_answers_201_with_the_buckets_balance_as_saved(api, user, household):
    h = household
    with at(date(2025, 3, 10)):
        save(h, "300.00", date(2025, 2, 1))
        body = post(api.as_user(user), h, holiday(h, target_date="2025-12-31"))
    assert body == {
        "id": body["id"],
        "name": "Holiday",
        "bucket": str(h.savings.pk),
        "bucket_name": "Savings",
        "target_amount": "1200.00",
        "target_date": "2025-12-31",
        "saved": "300.00",
        "progress_percent": "25.00",
        "monthly_needed": "90.00",  # 900 over March…December: 10 months
        "on_track": False,  # nothing saved in March yet
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }


def test_saved_matches_the_buckets_api_balance(owner_api, household):
    h = household
    save(h, "150.00", date(2025, 1, 5))
    money.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "expense",
            "date": date(2025, 1, 9),
            "amount": Decimal("20.50"),
            "wallet": h.bank.pk,
            "bucket": h.savings.pk,
            "category": h.groceries.pk,
        },
    )
    goal = post(owner_api, h, holiday(h))
    bucket = owner_api.get(f"/ledgers/{h.ledger.pk}/buckets/{h.savings.pk}").json()
    assert goal["saved"] == bucket["balance"] == "129.50"


def test_list_is_paginated_and_one_query_serves_every_goal(
    owner_api, household, django_assert_max_num_queries
):
    h = household
    save(h, "100.00", date(2025, 1, 5))
    save(h, "40.00", date(2025, 1, 5), bucket=h.fun)
    for n in range(8):
        services.goal_create(
            ledger=h.ledger,
            name=f"Goal {n}",
            bucket=(h.savings if n % 2 else h.fun).pk,
            target_amount=Decimal("400.00"),
            target_date=date(2030, 1, 1) if n % 3 else None,
        )
    with django_assert_max_num_queries(3):  # the membership, the page, the count
        page = owner_api.get(goal_path(h.ledger), {"page_size": 5}).json()
    assert page["count"] == 8
    assert [g["name"] for g in page["items"]] == [f"Goal {n}" for n in range(5)]
    assert [g["saved"] for g in page["items"]] == ["40.00", "100.00"] * 2 + ["40.00"]
    assert_error(owner_api.get(goal_path(h.ledger), {"page_size": 501}), 422, field="page_size")


def test_detail_patch_and_delete(owner_api, household):
    h = household
    body = post(owner_api, h, holiday(h, target_date="2030-06-30"))
    assert owner_api.get(goal_path(h.ledger, body["id"])).json() == body
    response = owner_api.patch(
        goal_path(h.ledger, body["id"]),
        {"name": " Trip ", "bucket": str(h.fun.pk), "target_amount": 50, "target_date": None},
    )
    assert response.status_code == 200, response.content
    changed = response.json()
    assert (changed["name"], changed["bucket"], changed["bucket_name"]) == (
        "Trip",
        str(h.fun.pk),
        "Fun",
    )
    assert (changed["target_amount"], changed["target_date"], changed["monthly_needed"]) == (
        "50.00",
        None,
        None,
    )
    assert owner_api.delete(goal_path(h.ledger, body["id"])).status_code == 204
    assert_error(owner_api.get(goal_path(h.ledger, body["id"])), 404, "not_found")


def test_viewer_reads_editor_writes(api, owner_api, household, bob, make_user):
    h = household
    body = post(owner_api, h, holiday(h))
    viewer = member_api(api, h.ledger, bob, "viewer")
    assert viewer.get(goal_path(h.ledger)).json()["count"] == 1
    assert viewer.get(goal_path(h.ledger, body["id"])).status_code == 200
    assert_error(viewer.post(goal_path(h.ledger), holiday(h)), 403, "permission_denied")
    assert_error(
        viewer.patch(goal_path(h.ledger, body["id"]), {"name": "x"}), 403, "permission_denied"
    )
    assert_error(viewer.delete(goal_path(h.ledger, body["id"])), 403, "permission_denied")
    editor = member_api(api, h.ledger, make_user("carol@example.com"), "editor")
    assert editor.post(goal_path(h.ledger), holiday(h)).status_code == 201
    assert editor.patch(goal_path(h.ledger, body["id"]), {"name": "x"}).status_code == 200
    assert editor.delete(goal_path(h.ledger, body["id"])).status_code == 204


def test_another_ledgers_goal_is_404_in_the_path(owner_api, household, stranger):
    ledger = stranger.default_ledger
    theirs = services.goal_create(
        ledger=ledger,
        name="Theirs",
        bucket=ledger.buckets.get(is_system=True).pk,
        target_amount=Decimal("10.00"),
    )
    path = goal_path(household.ledger, theirs.pk)
    assert_error(owner_api.get(path), 404, "not_found")
    assert_error(owner_api.patch(path, {"name": "Mine"}), 404, "not_found")
    assert_error(owner_api.delete(path), 404, "not_found")
    assert Goal.objects.get(pk=theirs.pk).name == "Theirs"


# --- Validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"bucket": None}, "bucket"),
        ({"bucket": "not-a-uuid"}, "bucket"),
        ({"bucket": "8c6a5a8e-7d8f-4c3a-9a53-0d6a6c1b8f00"}, "bucket"),
        ({"target_amount": None}, "target_amount"),
        ({"target_amount": "0"}, "target_amount"),
        ({"target_amount": "-1.00"}, "target_amount"),
        ({"target_amount": "1.001"}, "target_amount"),
        ({"target_amount": "lots"}, "target_amount"),
        ({"target_date": "2025-02-30"}, "target_date"),
        ({"target_date": "soon"}, "target_date"),
    ],
)
def test_each_invalid_field_is_a_422_naming_it(owner_api, household, change, field):
    body = {**holiday(household), **change}
    if change.get(field, "") is None:
        body.pop(field)  # missing: the same answer as null
    error = assert_error(owner_api.post(goal_path(household.ledger), body), 422, field=field)
    assert {e["field"] for e in error["errors"]} == {field}
    assert not Goal.objects.exists()


@pytest.mark.parametrize("kind", ["foreign", "archived"])
def test_bucket_must_be_an_active_bucket_of_the_ledger(owner_api, household, stranger, kind):
    h = household
    if kind == "foreign":
        bucket = stranger.default_ledger.buckets.get(is_system=True)
    else:
        bucket = money.bucket_create(ledger=h.ledger, name="Old", archived=True)
    response = owner_api.post(goal_path(h.ledger), holiday(h, bucket=str(bucket.pk)))
    assert_error(response, 422, field="bucket")
    body = post(owner_api, h, holiday(h))
    response = owner_api.patch(goal_path(h.ledger, body["id"]), {"bucket": str(bucket.pk)})
    assert_error(response, 422, field="bucket")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"name": " "}, "name"),
        ({"bucket": None}, "bucket"),
        ({"target_amount": None}, "target_amount"),
        ({"target_amount": "0.00"}, "target_amount"),
        ({"target_date": "31.12.2025"}, "target_date"),
    ],
)
def test_patch_validates_every_field(owner_api, household, change, field):
    body = post(owner_api, household, holiday(household))
    response = owner_api.patch(goal_path(household.ledger, body["id"]), change)
    assert_error(response, 422, field=field)
    assert owner_api.get(goal_path(household.ledger, body["id"])).json() == body


def test_a_goal_on_a_bucket_archived_later_stays_editable(owner_api, household):
    h = household
    body = post(owner_api, h, holiday(h, bucket=str(h.fun.pk)))
    money.bucket_update(bucket=h.fun, archived=True)
    response = owner_api.patch(
        goal_path(h.ledger, body["id"]), {**holiday(h, bucket=str(h.fun.pk)), "name": "Later"}
    )
    assert response.status_code == 200, response.content


def test_a_bucket_with_a_goal_cannot_be_deleted_but_the_ledger_can(owner_api, household):
    h = household
    post(owner_api, h, holiday(h))
    response = owner_api.delete(f"/ledgers/{h.ledger.pk}/buckets/{h.savings.pk}")
    assert "still used by goals" in assert_error(response, 409, "in_use")["detail"]
    assert owner_api.delete(f"/ledgers/{h.ledger.pk}").status_code == 204
    assert not Ledger.objects.filter(pk=h.ledger.pk).exists()
    assert not Goal.objects.exists()


# --- The figures over time --------------------------------------------------------------------


def figures(api, h: Household, goal_id: str) -> tuple:
    """(saved, progress_percent, monthly_needed, on_track), asked as the ledger's owner."""
    owner = h.ledger.memberships.get(role="owner").user
    body = api.as_user(owner).get(goal_path(h.ledger, goal_id)).json()
    return body["saved"], body["progress_percent"], body["monthly_needed"], body["on_track"]


def test_monthly_needed_counts_the_current_month_through_the_target_month(api, user, household):
    h = household
    with at(date(2025, 1, 15)):
        goal = post(api.as_user(user), h, holiday(h, target_date="2025-12-01"))
        assert figures(api, h, goal["id"]) == ("0.00", "0.00", "100.00", False)
        save(h, "100.00", date(2025, 1, 15))
        assert figures(api, h, goal["id"]) == ("100.00", "8.33", "91.67", True)
    with at(date(2025, 2, 1)):  # a new month: nothing saved in it yet
        assert figures(api, h, goal["id"]) == ("100.00", "8.33", "100.00", False)
        save(h, "100.00", date(2025, 2, 1))
        assert figures(api, h, goal["id"]) == ("200.00", "16.66", "90.91", True)
    with at(date(2025, 12, 31)):  # the target month: all of what is left
        assert figures(api, h, goal["id"]) == ("200.00", "16.66", "1000.00", False)
    with at(date(2026, 1, 1)):  # past the target date and not reached
        save(h, "999.00", date(2026, 1, 1))
        assert figures(api, h, goal["id"]) == ("1199.00", "99.91", "1.00", False)
        save(h, "1.00", date(2026, 1, 1))
        assert figures(api, h, goal["id"]) == ("1200.00", "100.00", "0.00", True)


def test_monthly_needed_across_the_year_end(api, user, household):
    h = household
    with at(date(2025, 11, 20)):
        goal = post(
            api.as_user(user), h, holiday(h, target_amount="1000.00", target_date="2026-02-28")
        )
        # November, December, January, February.
        assert figures(api, h, goal["id"])[2] == "250.00"
    with at(date(2026, 1, 2)):
        assert figures(api, h, goal["id"])[2] == "500.00"


def test_monthly_needed_rounds_up_to_the_cent(api, user, household):
    h = household
    with at(date(2025, 1, 10)):
        goal = post(
            api.as_user(user), h, holiday(h, target_amount="100.00", target_date="2025-03-31")
        )
        assert figures(api, h, goal["id"])[2] == "33.34"  # 3 x 33.34 >= 100


def test_without_a_target_date_nothing_is_needed_and_it_is_on_track(owner_api, household):
    h = household
    goal = post(owner_api, h, holiday(h))
    assert figures(owner_api, h, goal["id"]) == ("0.00", "0.00", None, True)


def test_progress_is_not_capped_and_a_negative_balance_is_zero(owner_api, household):
    h = household
    goal = post(owner_api, h, holiday(h, target_amount="100.00", target_date="2020-01-01"))
    save(h, "150.00", date(2025, 1, 1))
    assert figures(owner_api, h, goal["id"]) == ("150.00", "150.00", "0.00", True)
    money.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "transfer",
            "date": date(2025, 1, 2),
            "amount": Decimal("200.00"),
            "from_bucket": h.savings.pk,
            "to_bucket": h.unallocated.pk,
        },
    )
    assert figures(owner_api, h, goal["id"])[:2] == ("-50.00", "0.00")


@pytest.mark.parametrize(
    ("saved", "this_month", "target", "target_date", "today", "expected"),
    [
        ("0.00", "0.00", "0.03", date(2025, 3, 1), date(2025, 1, 1), ("0.00", "0.01", False)),
        ("2.00", "0.00", "3.00", None, date(2025, 1, 1), ("66.66", None, True)),
        # 0.03 over 2 months: 0.01 this month is less than its share (0.015).
        ("0.01", "0.01", "0.03", date(2025, 2, 1), date(2025, 1, 1), ("33.33", "0.01", False)),
        ("0.02", "0.02", "0.03", date(2025, 2, 1), date(2025, 1, 1), ("66.66", "0.01", True)),
        # 1200 over 12 months is 100 a month; 95 put in is behind, even though what is
        # left (1105) now needs only 92.09 in each of the 12 months still counted.
        (
            "95.00",
            "95.00",
            "1200.00",
            date(2025, 12, 1),
            date(2025, 1, 9),
            ("7.91", "92.09", False),
        ),
        (
            "100.00",
            "100.00",
            "1200.00",
            date(2025, 12, 1),
            date(2025, 1, 9),
            ("8.33", "91.67", True),
        ),
        (
            "300.00",
            "100.00",
            "1200.00",
            date(2025, 12, 1),
            date(2025, 3, 9),
            ("25.00", "90.00", True),
        ),
        (
            "300.00",
            "0.00",
            "1200.00",
            date(2025, 12, 1),
            date(2025, 3, 9),
            ("25.00", "90.00", False),
        ),
        ("5.00", "5.00", "5.00", date(2024, 1, 1), date(2025, 1, 1), ("100.00", "0.00", True)),
        ("-5.00", "-5.00", "5.00", date(2025, 1, 1), date(2025, 1, 1), ("0.00", "10.00", False)),
    ],
)
def test_goal_progress_rules(saved, this_month, target, target_date, today, expected):
    progress = goal_progress(
        saved=Decimal(saved),
        saved_this_month=Decimal(this_month),
        target_amount=Decimal(target),
        target_date=target_date,
        today=today,
    )
    needed = None if progress.monthly_needed is None else f"{progress.monthly_needed:.2f}"
    assert (f"{progress.progress_percent:.2f}", needed, progress.on_track) == expected
