"""A household to test money with: two wallets, three buckets, the default categories."""

from dataclasses import dataclass
from typing import Any

from budget.money.models import Bucket, Category, Wallet


@dataclass
class Household:
    ledger: Any
    bank: Wallet
    cash: Wallet
    unallocated: Bucket
    savings: Bucket
    fun: Bucket
    bills: Bucket
    salary: Category
    groceries: Category
    transfer: Category

    def category(self, name: str) -> Category:
        return Category.objects.get(ledger=self.ledger, name=name)


def member_api(api, ledger, user, role: str):
    """The API as `user`, made a member of `ledger` with `role`."""
    from budget.ledgers.models import Membership

    Membership.objects.create(ledger=ledger, user=user, role=role)
    return api.as_user(user)


def assert_books_balance(ledger) -> None:
    """Invariant 1: Σ wallet balances = Σ bucket balances (Unallocated included)."""
    from budget.money import selectors

    wallets = sum(w.balance for w in selectors.wallets_of(ledger=ledger))
    buckets = sum(b.balance for b in selectors.buckets_of(ledger=ledger))
    assert wallets == buckets


def post_ok(owner_api, ledger, body: dict) -> dict:
    """POSTs a transaction that must be created; its JSON."""
    response = owner_api.post(tx_path(ledger), body)
    assert response.status_code == 201, response.content
    return response.json()


def tx_path(ledger, tx_id=None) -> str:
    path = f"/ledgers/{ledger.pk}/transactions"
    return f"{path}/{tx_id}" if tx_id else path


def income(h: Household, amount: str = "1000.00", **extra) -> dict:
    return {
        "kind": "income",
        "date": "2025-03-01",
        "amount": amount,
        "wallet": str(h.bank.pk),
        "category": str(h.salary.pk),
        **extra,
    }


def expense(h: Household, amount: str = "25.50", **extra) -> dict:
    return {
        "kind": "expense",
        "date": "2025-03-02",
        "amount": amount,
        "wallet": str(h.bank.pk),
        "category": str(h.groceries.pk),
        **extra,
    }


def transfer(h: Household, amount: str = "100.00", **extra) -> dict:
    return {
        "kind": "transfer",
        "date": "2025-03-03",
        "amount": amount,
        "from_wallet": str(h.bank.pk),
        "to_wallet": str(h.cash.pk),
        **extra,
    }


def adjustment(h: Household, amount: str = "-5.00", **extra) -> dict:
    return {
        "kind": "adjustment",
        "date": "2025-03-04",
        "amount": amount,
        "wallet": str(h.cash.pk),
        **extra,
    }


def line(category, amount: str, **extra) -> dict:
    """A split line (SPEC §13) of `amount` in `category`."""
    return {"category": str(category.pk), "amount": amount, **extra}


def split_expense(h: Household, amount: str = "100.00", lines=None, **extra) -> dict:
    lines = lines or [
        line(h.groceries, "60.00", description="Food"),
        line(h.category("Leisure"), "40.00", bucket=str(h.fun.pk)),
    ]
    return expense(h, amount, category=None, splits=lines, **extra)


def split_income(h: Household, amount: str = "1000.00", lines=None, **extra) -> dict:
    lines = lines or [
        line(h.salary, "900.00"),
        line(h.category("Other income"), "100.00", description="Bonus"),
    ]
    return income(h, amount, category=None, splits=lines, **extra)
