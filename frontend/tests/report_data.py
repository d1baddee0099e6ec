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


# --- insights (SPEC §18) ----------------------------------------------------------------------


def _month_list(first_year: int, first_month: int, count: int) -> list[str]:
    index = first_year * 12 + first_month - 1
    return [f"{(index + n) // 12:04d}-{(index + n) % 12 + 1:02d}" for n in range(count)]


# Twelve month ends, April 2024 to March 2025: 100 more every month, from 1170.75 up.
NET_WORTH = {
    "currency": "EUR",
    "points": [
        {
            "month": month,
            "net_worth": f"{1170.75 + 100 * n:.2f}",
            "wallets": [{"id": BANK, "name": "Bank", "balance": f"{1170.75 + 100 * n:.2f}"}],
            "buckets": [
                {"id": UNALLOCATED, "name": "Unallocated", "balance": f"{1170.75 + 100 * n:.2f}"}
            ],
        }
        for n, month in enumerate(_month_list(2024, 4, 12))
    ],
}
EMPTY_NET_WORTH = {
    "currency": "EUR",
    "points": [
        {"month": month, "net_worth": "0.00", "wallets": [], "buckets": []}
        for month in _month_list(2024, 4, 12)
    ],
}


def _occurrence(day: str, description: str, kind: str, amount: str) -> dict[str, Any]:
    return {
        "date": day,
        "recurring": f"rec-{description.lower()}",
        "kind": kind,
        "amount": amount,
        "description": description,
    }


# Three months from 5 March 2025: rent on the 1st, salary on the 28th; April is the tightest.
FORECAST = {
    "currency": "EUR",
    "today": "2025-03-05",
    "typical": None,
    "points": [
        {
            "month": "2025-03",
            "expected_income": "3000.00",
            "expected_expense": "12.99",
            "adjustments": "0.00",
            "balance": "5257.76",
        },
        {
            "month": "2025-04",
            "expected_income": "0.00",
            "expected_expense": "6212.99",
            "adjustments": "0.00",
            "balance": "-955.23",
        },
        {
            "month": "2025-05",
            "expected_income": "3000.00",
            "expected_expense": "1212.99",
            "adjustments": "0.00",
            "balance": "831.78",
        },
    ],
    "lowest": {"month": "2025-04", "balance": "-955.23"},
    "occurrences": [
        _occurrence("2025-03-20", "Streaming", "expense", "12.99"),
        _occurrence("2025-03-28", "Salary", "income", "3000.00"),
        _occurrence("2025-04-01", "Rent", "expense", "1200.00"),
        _occurrence("2025-04-02", "Car <insurance>", "expense", "5000.00"),
        _occurrence("2025-04-20", "Streaming", "expense", "12.99"),
        _occurrence("2025-05-01", "Rent", "expense", "1200.00"),
        _occurrence("2025-05-20", "Streaming", "expense", "12.99"),
        _occurrence("2025-05-28", "Salary", "income", "3000.00"),
    ],
}


def _trend(cid: str, name: str, months: list[str], **fields: Any) -> dict[str, Any]:
    return {"id": cid, "name": name, "group": None, "months": months, **fields}


# September 2024 to February 2025 (today: March 2025); Groceries jumped in February.
TRENDS = {
    "currency": "EUR",
    "months": _month_list(2024, 9, 6),
    "categories": [
        _trend(
            GROCERIES,
            "Groceries *weekly*",
            ["80.00", "82.00", "79.00", "81.00", "80.00", "240.00"],
            group="Daily life",
            average="80.40",
            last="240.00",
            change_percent="198.51",
            unusual=True,
        ),
        _trend(
            HOUSING,
            "Housing",
            ["1200.00"] * 6,
            average="1200.00",
            last="1200.00",
            change_percent="0.00",
            unusual=False,
        ),
    ],
    "savings_rate": [
        {
            "month": month,
            "income": "0.00" if n == 2 else "3000.00",
            "expense": "1280.00",
            "savings_rate": None if n == 2 else "0.5733",
        }
        for n, month in enumerate(_month_list(2024, 9, 6))
    ],
}

BUDGET_STATUS = [
    {
        "budget": "bu-groceries",
        "category": GROCERIES,
        "category_name": "Groceries",
        "category_group": "Daily life",
        "rollover": True,
        "limit": "400.00",
        "carried": "-40.00",
        "available": "360.00",
        "spent": "84.20",
        "remaining": "275.80",
        "percent_used": "23.38",
        "alert_percent": 80,
        "state": "ok",
    }
]


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
            "/reports/net-worth": NET_WORTH,
            "/reports/forecast": FORECAST,
            "/reports/trends": TRENDS,
            "/budgets/status": BUDGET_STATUS,
            "/transactions": TRANSACTIONS,
            "/wallets": WALLETS,
            "/buckets": BUCKETS,
            "/categories": CATEGORIES,
            "/payees": [],
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
