"""Realistic report answers of the API (SPEC §5) and a fake client that serves them."""

from __future__ import annotations

import copy
from typing import Any

from dashboard.api import ApiError

LEDGER_ID = "ledger-2"
CASH, BANK, LOAN, OLD = "w-cash", "w-bank", "w-loan", "w-old"
UNALLOCATED, SAVINGS, FUN, GONE = "b-unalloc", "b-savings", "b-fun", "b-gone"
SALARY, GROCERIES, HOUSING = "c-salary", "c-groceries", "c-housing"

WALLETS = [
    {"id": BANK, "name": "Bank", "kind": "virtual", "archived": False, "balance": "2450.75"},
    {"id": CASH, "name": "Cash", "kind": "physical", "archived": False, "balance": "120.00"},
    {"id": LOAN, "name": "Loan to Tom", "kind": "loan", "archived": False, "balance": "-300.00"},
    {"id": OLD, "name": "Old card", "kind": "virtual", "archived": True, "balance": "0.00"},
]
BUCKETS = [
    {
        "id": UNALLOCATED,
        "name": "Unallocated",
        "is_system": True,
        "allocation_percent": None,
        "archived": False,
        "balance": "1370.75",
    },
    {
        "id": SAVINGS,
        "name": "Savings",
        "is_system": False,
        "allocation_percent": "20.00",
        "archived": False,
        "balance": "1000.00",
    },
    {
        "id": FUN,
        "name": "Fun",
        "is_system": False,
        "allocation_percent": "10.00",
        "archived": False,
        "balance": "-100.00",
    },
    {
        "id": GONE,
        "name": "Holiday 2024",
        "is_system": False,
        "allocation_percent": "0.00",
        "archived": True,
        "balance": "0.00",
    },
]
CATEGORIES = [
    {"id": SALARY, "name": "Salary", "type": "income", "archived": False},
    {"id": GROCERIES, "name": "Groceries", "type": "expense", "archived": False},
    {"id": HOUSING, "name": "Housing", "type": "expense", "archived": False},
    {"id": "c-transfer", "name": "Transfer", "type": "neutral", "archived": False},
]

BALANCES = {
    "currency": "EUR",
    "net_worth": "2270.75",
    "pending_allocation": "150.00",
    "wallets": WALLETS,
    "buckets": BUCKETS,
}


def _transaction(**fields: Any) -> dict[str, Any]:
    base = {
        "kind": "expense",
        "description": "",
        "notes": "",
        "tags": [],
        "category": None,
        "wallet": None,
        "bucket": None,
        "from_wallet": None,
        "to_wallet": None,
        "from_bucket": None,
        "to_bucket": None,
        "allocation_status": "not_applicable",
        "allocations": [],
        "created_at": "2025-03-01T10:00:00Z",
        "updated_at": "2025-03-01T10:00:00Z",
    }
    return {**base, **fields}


TRANSACTIONS = {
    "count": 1234,
    "items": [
        _transaction(
            id="t-1",
            kind="income",
            date="2025-03-28",
            amount="3000.00",
            description="March salary",
            category=SALARY,
            wallet=BANK,
            allocation_status="allocated",
            allocations=[
                {"bucket": SAVINGS, "bucket_name": "Savings", "amount": "600.00"},
                {"bucket": FUN, "bucket_name": "Fun", "amount": "300.00"},
            ],
        ),
        _transaction(
            id="t-2",
            kind="income",
            date="2025-03-27",
            amount="150.00",
            description="Sold a bike",
            category=SALARY,
            wallet=CASH,
            allocation_status="pending",
        ),
        _transaction(
            id="t-3",
            kind="expense",
            date="2025-03-26",
            amount="84.20",
            description="Weekly shop",
            category=GROCERIES,
            wallet=BANK,
            bucket=FUN,
        ),
        _transaction(
            id="t-4",
            kind="transfer",
            date="2025-03-25",
            amount="300.00",
            description="Lent to Tom",
            from_wallet=BANK,
            to_wallet=LOAN,
        ),
        _transaction(
            id="t-5",
            kind="adjustment",
            date="2025-03-01",
            amount="-12.35",
            description="Reconcile cash",
            wallet=CASH,
            bucket=UNALLOCATED,
        ),
    ],
}


def _days(year: int, month: int, count: int) -> list[dict[str, str]]:
    days = [
        {"date": f"{year}-{month:02d}-{day:02d}", "income": "0.00", "expense": "0.00"}
        for day in range(1, count + 1)
    ]
    days[0] = {**days[0], "expense": "1200.00"}
    days[14] = {**days[14], "expense": "84.20"}
    days[27] = {**days[27], "income": "3000.00"}
    return days


MONTHLY = {
    "period": {"year": 2025, "month": 3},
    "totals": {
        "income": "3000.00",
        "expense": "1284.20",
        "net": "1715.80",
        "adjustments": "-12.35",
    },
    "categories": [
        {"id": SALARY, "name": "Salary", "type": "income", "total": "3000.00"},
        {"id": HOUSING, "name": "Housing", "type": "expense", "total": "1200.00"},
        {"id": GROCERIES, "name": "Groceries", "type": "expense", "total": "84.20"},
    ],
    "days": _days(2025, 3, 31),
    "buckets": [
        {"id": UNALLOCATED, "name": "Unallocated", "spent": "1200.00"},
        {"id": FUN, "name": "Fun", "spent": "84.20"},
    ],
}

ZERO_TOTALS = {"income": "0.00", "expense": "0.00", "net": "0.00", "adjustments": "0.00"}


def empty_monthly(year: int, month: int, days: int) -> dict[str, Any]:
    return {
        "period": {"year": year, "month": month},
        "totals": ZERO_TOTALS,
        "categories": [],
        "days": [
            {"date": f"{year}-{month:02d}-{day:02d}", "income": "0.00", "expense": "0.00"}
            for day in range(1, days + 1)
        ],
        "buckets": [],
    }


def _months(values: dict[int, tuple[str, str, str]]) -> list[dict[str, Any]]:
    return [
        dict(
            zip(
                ("month", "income", "expense", "net"),
                (month, *values.get(month, ("0.00", "0.00", "0.00"))),
                strict=True,
            )
        )
        for month in range(1, 13)
    ]


YEARLY = {
    "period": {"year": 2025},
    "totals": {
        "income": "6000.00",
        "expense": "7484.20",
        "net": "-1484.20",
        "adjustments": "500.00",
    },
    "months": _months(
        {
            1: ("3000.00", "6200.00", "-3200.00"),
            3: ("3000.00", "1284.20", "1715.80"),
        }
    ),
    "categories": [
        {
            "id": HOUSING,
            "name": "Housing",
            "type": "expense",
            "total": "7400.00",
            "months": ["6200.00", "0.00", "1200.00", *["0.00"] * 9],
        },
        {
            "id": SALARY,
            "name": "Salary",
            "type": "income",
            "total": "6000.00",
            "months": ["3000.00", "0.00", "3000.00", *["0.00"] * 9],
        },
        {
            "id": GROCERIES,
            "name": "Groceries",
            "type": "expense",
            "total": "84.20",
            "months": ["0.00", "0.00", "84.20", *["0.00"] * 9],
        },
    ],
}


def empty_yearly(year: int) -> dict[str, Any]:
    return {
        "period": {"year": year},
        "totals": ZERO_TOTALS,
        "months": _months({}),
        "categories": [],
    }


HISTORICAL = {
    "period": {"from_year": 2023, "to_year": 2025},
    "totals": {
        "income": "42000.00",
        "expense": "39500.50",
        "net": "2499.50",
        "adjustments": "1000.00",
    },
    "years": [
        {"year": 2023, "income": "18000.00", "expense": "15000.25", "net": "2999.75"},
        {"year": 2024, "income": "18000.00", "expense": "17016.05", "net": "983.95"},
        {"year": 2025, "income": "6000.00", "expense": "7484.20", "net": "-1484.20"},
    ],
    "categories": [
        {
            "id": SALARY,
            "name": "Salary",
            "type": "income",
            "total": "42000.00",
            "years": [
                {"year": 2023, "total": "18000.00"},
                {"year": 2024, "total": "18000.00"},
                {"year": 2025, "total": "6000.00"},
            ],
        },
        {
            "id": HOUSING,
            "name": "Housing",
            "type": "expense",
            "total": "31600.00",
            "years": [
                {"year": 2023, "total": "12000.00"},
                {"year": 2024, "total": "12200.00"},
                {"year": 2025, "total": "7400.00"},
            ],
        },
        {
            "id": GROCERIES,
            "name": "Groceries",
            "type": "expense",
            "total": "7900.50",
            "years": [
                {"year": 2023, "total": "3000.25"},
                {"year": 2024, "total": "4816.05"},
                {"year": 2025, "total": "84.20"},
            ],
        },
    ],
}

EMPTY_HISTORICAL = {
    "period": {"from_year": None, "to_year": None},
    "totals": ZERO_TOTALS,
    "years": [],
    "categories": [],
}


class FakeReportClient:
    """Stands in for ApiClient at the get_client() boundary; answers by path suffix.

    ``answers`` maps a path below the ledger (e.g. "/reports/monthly") to an answer or to an
    ApiError to raise; a callable answer gets the request's params.
    """

    def __init__(self, answers: dict[str, Any] | None = None) -> None:
        self.answers: dict[str, Any] = {
            "/reports/balances": BALANCES,
            "/reports/monthly": MONTHLY,
            "/reports/yearly": YEARLY,
            "/reports/historical": HISTORICAL,
            "/transactions": TRANSACTIONS,
            "/wallets": WALLETS,
            "/buckets": BUCKETS,
            "/categories": CATEGORIES,
            # Not below the ledger: the sidebar's unread count, on every page.
            "/notifications": {"items": [], "count": 0},
            "/invitations": [],  # Home's invitations waiting for the user
            **(answers or {}),
        }
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _answer(self, path: str, params: Any) -> Any:
        params = dict(params or {})
        self.calls.append((path, params))
        prefix = f"/ledgers/{LEDGER_ID}"
        assert path.startswith(prefix) or path in ("/notifications", "/invitations"), path
        answer = self.answers[path.removeprefix(prefix)]
        if isinstance(answer, ApiError):
            raise answer
        if callable(answer):
            answer = answer(params)
        return copy.deepcopy(answer)

    def get(self, path: str, json: Any = None, params: Any = None) -> Any:
        return self._answer(path, params)

    def get_all(self, path: str, params: Any = None) -> list[dict[str, Any]]:
        return self._answer(path, params)

    def ledgers(self) -> list[dict[str, Any]]:
        return []

    def calls_to(self, suffix: str) -> list[dict[str, Any]]:
        return [params for path, params in self.calls if path.endswith(suffix)]
