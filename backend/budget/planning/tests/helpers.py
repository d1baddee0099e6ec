"""Recurring transactions are tested on the money tests' household."""

from datetime import date

from budget.money.models import Transaction
from budget.money.rollup import rollup_drift
from budget.money.tests.helpers import Household


def recurring_path(ledger, template_id=None, action: str = "") -> str:
    path = f"/ledgers/{ledger.pk}/recurring"
    if template_id:
        path += f"/{template_id}"
    return path + (f"/{action}" if action else "")


def salary(h: Household, **extra) -> dict:
    return {
        "kind": "income",
        "amount": "2500.00",
        "description": "Salary",
        "wallet": str(h.bank.pk),
        "category": str(h.salary.pk),
        "frequency": "monthly",
        "interval": 1,
        "start_date": "2025-01-31",
        **extra,
    }


def rent(h: Household, **extra) -> dict:
    return {
        "kind": "expense",
        "amount": "900.00",
        "description": "Rent",
        "wallet": str(h.bank.pk),
        "category": str(h.category("Housing").pk),
        "frequency": "monthly",
        "start_date": "2025-01-01",
        **extra,
    }


def occurrence_dates(template_id) -> list[date]:
    return list(
        Transaction.objects.filter(recurring_id=template_id)
        .order_by("date")
        .values_list("date", flat=True)
    )


def assert_no_drift(ledger) -> None:
    assert rollup_drift(ledger_id=ledger.pk) == []


def budget_path(ledger, budget_id=None) -> str:
    path = f"/ledgers/{ledger.pk}/budgets"
    return f"{path}/{budget_id}" if budget_id else path


def status_path(ledger) -> str:
    return f"/ledgers/{ledger.pk}/budgets/status"


def goal_path(ledger, goal_id=None) -> str:
    path = f"/ledgers/{ledger.pk}/goals"
    return f"{path}/{goal_id}" if goal_id else path


def spend(h: Household, amount: str, on: date, category: str = "Groceries") -> None:
    """An expense, written by the service like any other (no HTTP, no on-commit task)."""
    from decimal import Decimal

    from budget.money import services as money

    money.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "expense",
            "date": on,
            "amount": Decimal(amount),
            "wallet": h.bank.pk,
            "category": h.category(category).pk,
        },
    )
