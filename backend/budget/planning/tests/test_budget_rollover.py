"""Budgets that roll over (SPEC §18): what was left of each month's limit, or the overspend,
carries into the next month's; status measures remaining, percent and state on `available`."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from budget.money.models import Category
from budget.notifications.models import Notification
from budget.planning import services
from budget.planning.tests.helpers import budget_path, spend, status_path

pytestmark = pytest.mark.django_db


def status(owner_api, h, year: int, month: int) -> list[dict]:
    response = owner_api.get(status_path(h.ledger), {"year": year, "month": month})
    assert response.status_code == 200, response.content
    return response.json()


def create(owner_api, h, **extra) -> dict:
    body = {
        "category": str(h.groceries.pk),
        "amount": "100.00",
        "start_month": "2025-01",
        "rollover": True,
        **extra,
    }
    response = owner_api.post(budget_path(h.ledger), body)
    assert response.status_code == 201, response.content
    return response.json()


def expected_carry(limit: Decimal, spent_by_month: list[Decimal]) -> Decimal:
    """The carry computed month after month, as a person would with a pencil."""
    carried = Decimal("0.00")
    for spent in spent_by_month:
        carried = limit + carried - spent
    return carried


def test_what_is_left_carries_month_after_month_and_an_overspend_carries_negative(
    owner_api, household
):
    h = household
    create(owner_api, h)
    spent = {1: "60.00", 2: "130.00", 3: "0.00", 4: "25.00"}
    for month, amount in spent.items():
        if Decimal(amount):
            spend(h, amount, date(2025, month, 10))
    for month in range(1, 6):
        carried = expected_carry(Decimal("100.00"), [Decimal(spent[m]) for m in range(1, month)])
        row = status(owner_api, h, 2025, month)[0]
        used = Decimal(spent.get(month, "0.00"))
        assert (row["limit"], row["carried"], row["available"]) == (
            "100.00",
            f"{carried:.2f}",
            f"{Decimal('100.00') + carried:.2f}",
        ), month
        assert row["remaining"] == f"{Decimal('100.00') + carried - used:.2f}"
    # January: 40 left; February: 140 available, 130 spent → 10; March: 110; April: 210 - 25.
    assert [status(owner_api, h, 2025, m)[0]["carried"] for m in range(1, 6)] == [
        "0.00",
        "40.00",
        "10.00",
        "110.00",
        "185.00",
    ]


def test_percent_and_state_are_measured_against_what_is_available(owner_api, household):
    h = household
    create(owner_api, h)
    spend(h, "20.00", date(2025, 1, 5))  # 80 carried into February: 180 available
    spend(h, "150.00", date(2025, 2, 5))
    row = status(owner_api, h, 2025, 2)[0]
    assert (row["percent_used"], row["state"], row["remaining"]) == ("83.33", "warning", "30.00")
    spend(h, "31.00", date(2025, 2, 6))
    row = status(owner_api, h, 2025, 2)[0]
    assert (row["percent_used"], row["state"], row["remaining"]) == ("100.56", "exceeded", "-1.00")


def test_nothing_available_has_no_percent_and_any_spending_exceeds_it(owner_api, household):
    h = household
    create(owner_api, h)
    spend(h, "200.00", date(2025, 1, 5))  # February: 100 + (-100) = 0 available
    row = status(owner_api, h, 2025, 2)[0]
    assert (row["available"], row["percent_used"], row["state"]) == ("0.00", None, "warning")
    spend(h, "0.01", date(2025, 2, 5))
    row = status(owner_api, h, 2025, 2)[0]
    assert (row["percent_used"], row["state"], row["remaining"]) == (None, "exceeded", "-0.01")


def test_without_rollover_nothing_carries(owner_api, household):
    h = household
    create(owner_api, h, rollover=False)
    spend(h, "10.00", date(2025, 1, 5))
    row = status(owner_api, h, 2025, 2)[0]
    assert (row["rollover"], row["carried"], row["available"]) == (False, "0.00", "100.00")


def test_only_months_of_the_budget_and_its_category_carry(owner_api, household):
    h = household
    spend(h, "70.00", date(2024, 12, 5))  # before start_month
    spend(h, "70.00", date(2025, 1, 5), category="Leisure")  # another category
    create(owner_api, h)
    spend(h, "30.00", date(2025, 1, 6))
    assert status(owner_api, h, 2025, 2)[0]["carried"] == "70.00"


def test_rollover_can_be_switched_on_and_off_and_status_names_the_group(owner_api, household):
    h = household
    Category.objects.filter(pk=h.groceries.pk).update(group="Daily life")
    budget = create(owner_api, h, rollover=False)
    assert budget["rollover"] is False
    response = owner_api.patch(budget_path(h.ledger, budget["id"]), {"rollover": True})
    assert response.status_code == 200
    assert response.json()["rollover"] is True
    row = status(owner_api, h, 2025, 3)[0]
    assert (row["carried"], row["category_group"]) == ("200.00", "Daily life")
    response = owner_api.patch(budget_path(h.ledger, budget["id"]), {"rollover": None})
    assert response.status_code == 422


def test_status_query_count_does_not_grow_with_the_months_carried(
    owner_api, household, django_assert_max_num_queries
):
    h = household
    create(owner_api, h, start_month="2021-01")
    spend(h, "10.00", date(2021, 1, 5))
    with django_assert_max_num_queries(10) as short:
        status(owner_api, h, 2021, 2)
    for year in (2021, 2022, 2023, 2024):
        for month in range(1, 13):
            if (year, month) != (2021, 1):
                spend(h, "10.00", date(year, month, 5))
    with django_assert_max_num_queries(10) as long:
        row = status(owner_api, h, 2025, 1)[0]
    assert len(long.captured_queries) == len(short.captured_queries)
    assert row["carried"] == f"{48 * Decimal('100.00') - 48 * Decimal('10.00'):.2f}"


def test_an_alert_speaks_of_what_is_available(household, make_user):
    h = household
    services.budget_create(
        ledger=h.ledger,
        category=h.groceries.pk,
        amount=Decimal("100.00"),
        start_month=date(2025, 2, 1),
        rollover=True,
    )
    with time_machine.travel(datetime(2025, 3, 15, 12, tzinfo=UTC)):
        spend(h, "50.00", date(2025, 2, 5))  # 50 carried: 150 available in March
        spend(h, "120.00", date(2025, 3, 5))  # 80 %: a warning, not exceeded
        assert services.budget_alerts_check(ledger_id=h.ledger.pk, months=[date(2025, 3, 1)]) == 1
    notification = Notification.objects.get()
    assert notification.kind == "budget_warning"
    assert notification.data["available"] == "150.00"
    assert notification.data["carried"] == "50.00"
    assert "120.00 of 150.00 EUR available (100.00 + 50.00 carried)" in notification.message
