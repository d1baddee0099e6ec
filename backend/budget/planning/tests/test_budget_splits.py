"""Budgets count each line of a split expense in its own category (SPEC §13, §8)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from budget.money import services as money
from budget.notifications.models import Notification
from budget.planning import services
from budget.planning.tests.helpers import spend, status_path

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)


@pytest.fixture(autouse=True)
def _in_march_2025():
    with time_machine.travel(datetime(2025, 3, 15, 12, tzinfo=UTC)):
        yield


def split_spend(h, on: date, lines: dict[str, str]):
    """A split expense, one line per category name."""
    return money.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "expense",
            "date": on,
            "amount": sum((Decimal(a) for a in lines.values()), Decimal("0.00")),
            "wallet": h.bank.pk,
            "splits": [
                {"category": h.category(name).pk, "amount": Decimal(amount)}
                for name, amount in lines.items()
            ],
        },
    )


def budget(h, name: str, amount: str):
    return services.budget_create(
        ledger=h.ledger,
        category=h.category(name).pk,
        amount=Decimal(amount),
        start_month=date(2025, 1, 1),
    )


def test_status_counts_each_line_in_its_category(owner_api, household):
    h = household
    budget(h, "Groceries", "100.00")
    budget(h, "Leisure", "50.00")
    budget(h, "Transport", "10.00")
    spend(h, "10.00", date(2025, 3, 2))
    split_spend(h, date(2025, 3, 5), {"Groceries": "30.00", "Leisure": "45.00", "Health": "5.00"})
    split_spend(h, date(2025, 2, 5), {"Groceries": "99.00", "Leisure": "1.00"})  # February
    body = owner_api.get(status_path(h.ledger), {"year": 2025, "month": 3}).json()
    spent = {row["category_name"]: (row["spent"], row["state"]) for row in body}
    assert spent == {
        "Groceries": ("40.00", "ok"),
        "Leisure": ("45.00", "warning"),
        "Transport": ("0.00", "ok"),
    }


def test_status_follows_replaced_and_removed_lines(owner_api, household):
    h = household
    budget(h, "Leisure", "50.00")
    tx = split_spend(h, date(2025, 3, 5), {"Groceries": "30.00", "Leisure": "45.00"})
    money.transaction_update(tx=tx, changes={"category": h.groceries.pk})
    body = owner_api.get(status_path(h.ledger), {"year": 2025, "month": 3}).json()
    assert body[0]["spent"] == "0.00"


def test_a_line_crossing_a_budget_alerts(household):
    h = household
    budget(h, "Leisure", "50.00")
    split_spend(h, date(2025, 3, 5), {"Groceries": "30.00", "Leisure": "60.00"})
    assert services.budget_alerts_check(ledger_id=h.ledger.pk, months=[MARCH]) == 1
    notification = Notification.objects.get()
    assert notification.kind == "budget_exceeded"
    assert notification.data["category_name"] == "Leisure"
    assert notification.data["spent"] == "60.00"
