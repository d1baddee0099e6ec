"""A stand-in for ApiClient with one realistic ledger, for the AppTest tests of the pages.

Reads answer from the data below; writes are recorded in ``calls`` and answered with what the
real API would send back. ``fail(method, path, error)`` makes one endpoint raise.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from unittest.mock import patch

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import session
from dashboard.api import ApiError, FieldError
from tests.report_data import FORECAST, NET_WORTH, TRENDS

LEDGER_ID = "ledger-1"
LP = f"/ledgers/{LEDGER_ID}"

USER = {
    "id": "user-1",
    "email": "ada@example.com",
    "full_name": "Ada Lovelace",
    "default_ledger_id": LEDGER_ID,
    "email_notifications": False,
    "email_verified": True,
    "date_joined": "2025-01-01T00:00:00Z",
}
LEDGERS = [
    {
        "id": LEDGER_ID,
        "name": "Family",
        "currency": "EUR",
        "role": "owner",
        "created_at": "2025-01-01T00:00:00Z",
    },
    {
        "id": "ledger-2",
        "name": "Club",
        "currency": "USD",
        "role": "viewer",
        "created_at": "2025-02-01T00:00:00Z",
    },
]

WALLETS = [
    {
        "id": "w-bank",
        "name": "Bank",
        "kind": "virtual",
        "archived": False,
        "currency": "EUR",
        "balance": "2450.10",
        "created_at": "2025-01-01T00:00:00Z",
    },
    {
        "id": "w-cash",
        "name": "Cash",
        "kind": "physical",
        "archived": False,
        "currency": "EUR",
        "balance": "80.00",
        "created_at": "2025-01-01T00:00:00Z",
    },
    {
        "id": "w-old",
        "name": "Old card",
        "kind": "virtual",
        "archived": True,
        "currency": "EUR",
        "balance": "0.00",
        "created_at": "2025-01-01T00:00:00Z",
    },
]
BUCKETS = [
    {
        "id": "b-unalloc",
        "name": "Unallocated",
        "allocation_percent": None,
        "is_system": True,
        "archived": False,
        "balance": "1030.10",
        "created_at": "2025-01-01T00:00:00Z",
    },
    {
        "id": "b-savings",
        "name": "Savings",
        "allocation_percent": "40.00",
        "is_system": False,
        "archived": False,
        "balance": "1200.00",
        "created_at": "2025-01-02T00:00:00Z",
    },
    {
        "id": "b-fun",
        "name": "Fun",
        "allocation_percent": "10.00",
        "is_system": False,
        "archived": False,
        "balance": "300.00",
        "created_at": "2025-01-03T00:00:00Z",
    },
    {
        "id": "b-gone",
        "name": "Old trip",
        "allocation_percent": "0.00",
        "is_system": False,
        "archived": True,
        "balance": "0.00",
        "created_at": "2025-01-04T00:00:00Z",
    },
]
CATEGORIES = [
    {"id": "c-salary", "name": "Salary", "type": "income", "group": None, "archived": False},
    {
        "id": "c-groceries",
        "name": "Groceries",
        "type": "expense",
        "group": "Daily life",
        "archived": False,
    },
    {"id": "c-housing", "name": "Housing", "type": "expense", "group": None, "archived": False},
    {"id": "c-oldexp", "name": "Old stuff", "type": "expense", "group": None, "archived": True},
    {"id": "c-transfer", "name": "Transfer", "type": "neutral", "group": None, "archived": False},
]
PAYEES = [
    {"id": "p-rewe", "name": "REWE", "transaction_count": 12},
    {"id": "p-landlord", "name": "Landlord", "transaction_count": 3},
]
RULES = [
    {
        "id": "r-rewe",
        "name": "REWE is groceries",
        "active": True,
        "position": 1,
        "match": "all",
        "conditions": [{"field": "payee_name", "op": "contains", "value": "rewe"}],
        "actions": [{"field": "category", "value": "c-groceries"}],
        "stop": False,
    },
    {
        "id": "r-rent",
        "name": "Rent",
        "active": False,
        "position": 2,
        "match": "any",
        "conditions": [
            {"field": "description", "op": "starts_with", "value": "rent"},
            {"field": "amount", "op": "between", "value": ["1000.00", "1500.00"]},
        ],
        "actions": [
            {"field": "category", "value": "c-housing"},
            {"field": "tags", "value": ["home"]},
        ],
        "stop": True,
    },
]
ACTIVITY = [
    {
        "id": "act-2",
        "at": "2025-03-04T09:15:00Z",
        "actor": {"id": "user-2", "email": "charles@example.com"},
        "actor_id": "user-2",
        "via": "api_key:nightly sync",
        "action": "update",
        "object_type": "transaction",
        "object_id": "tx-1",
        "summary": "expense 1234.50 Rent",
        "changes": {"amount": ["1200.00", "1234.50"], "description": ["", "Rent"]},
        "count": 1,
    },
    {
        "id": "act-1",
        "at": "2025-03-01T08:00:00Z",
        "actor": {"id": "user-1", "email": "ada@example.com"},
        "actor_id": "user-1",
        "via": "import",
        "action": "import",
        "object_type": "import",
        "object_id": "imp-1",
        "summary": "bank.csv",
        "changes": {},
        "count": 120,
    },
]
for _category in CATEGORIES:
    _category["created_at"] = "2025-01-01T00:00:00Z"
    _category["default_bucket"] = None


def transaction(tid: str, kind: str, amount: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": tid,
        "kind": kind,
        "date": "2025-03-01",
        "amount": amount,
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
        "payee": None,
        "payee_name": None,
        "splits": [],
        "allocation_status": "not_applicable",
        "allocations": [],
        "currency": "EUR",
        "base_amount": None,
        "created_at": "2025-03-01T10:00:00Z",
        "updated_at": "2025-03-01T10:00:00Z",
    }
    base.update(fields)
    if base["base_amount"] is None:
        base["base_amount"] = base["amount"]  # a wallet in the base currency (SPEC §14)
    return base


def wallet_change(item: dict[str, Any], wallet_id: str) -> Decimal | None:
    """What a transaction did to a wallet's balance (None: it does not touch the wallet)."""
    amount = Decimal(str(item["amount"]))
    if item.get("wallet") == wallet_id:
        return -amount if item["kind"] == "expense" else amount
    if item.get("from_wallet") == wallet_id:
        return -amount
    if item.get("to_wallet") == wallet_id:
        # Between currencies the receiving wallet gets what arrived (SPEC §14).
        return Decimal(str(item["to_amount"])) if item.get("to_amount") else amount
    return None


TRANSACTIONS = [
    transaction(
        "tx-1",
        "expense",
        "1234.50",
        date="2025-03-04",
        description="Rent",
        category="c-housing",
        wallet="w-bank",
        bucket="b-unalloc",
        tags=["home"],
    ),
    transaction(
        "tx-2",
        "income",
        "3000.00",
        date="2025-03-03",
        description="March salary",
        category="c-salary",
        wallet="w-bank",
        allocation_status="allocated",
        allocations=[
            {"bucket": "b-savings", "bucket_name": "Savings", "amount": "1200.00"},
            {"bucket": "b-fun", "bucket_name": "Fun", "amount": "300.00"},
        ],
    ),
    transaction(
        "tx-3",
        "transfer",
        "100.00",
        date="2025-03-02",
        description="ATM",
        from_wallet="w-bank",
        to_wallet="w-cash",
    ),
    transaction(
        "tx-4",
        "income",
        "250.00",
        date="2025-03-01",
        description="Gift",
        category="c-salary",
        wallet="w-cash",
        allocation_status="pending",
    ),
]


# --- currencies and rates (SPEC §14) ------------------------------------------------------------

# GET /currencies: ISO 4217 codes with their minor units (a few of each kind).
CURRENCIES = [
    {"code": "CHF", "name": "Swiss Franc", "places": 2},
    {"code": "EUR", "name": "Euro", "places": 2},
    {"code": "GBP", "name": "British Pound", "places": 2},
    {"code": "JPY", "name": "Japanese Yen", "places": 0},
    {"code": "KWD", "name": "Kuwaiti Dinar", "places": 3},
    {"code": "USD", "name": "US Dollar", "places": 2},
]
PLACES = {c["code"]: c["places"] for c in CURRENCIES}
BASE = "EUR"  # ledger-1's currency
LOOKBACK_DAYS = 7


def written(amount: Decimal, currency: str) -> str:
    """An amount as the API writes it: exactly its currency's decimals ("1200", "1.250")."""
    places = PLACES.get(currency, 2)
    return f"{amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):.{places}f}"


@dataclass
class Call:
    method: str
    path: str
    json: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Any] | None = None  # a multipart upload: {field: (name, bytes, type)}
    data: dict[str, str] | None = None  # ...and its plain form fields


# --- CSV import jobs and exports ---------------------------------------------------------------

IMPORT_ID = "imp-1"
EXPORT_CSV = b"date,kind,amount,description\r\n2025-03-04,expense,1234.50,Rent\r\n"
EXPORT_JSON = b'{"format": "budget-ledger", "version": 1, "ledger": {"name": "Family"}}'


def preview_row(row: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "row": row,
        "valid": True,
        "kind": "expense",
        "date": "2025-03-05",
        "amount": "12.30",
        "currency": "EUR",  # the row's wallet's (SPEC §14)
        "description": "Bakery",
        "category": "Groceries",
        "wallet": "Bank",
        "bucket": None,
        "from_wallet": None,
        "to_wallet": None,
        "from_bucket": None,
        "to_bucket": None,
        "notes": "",
        "tags": [],
        "duplicate": None,
    }
    base.update(fields)
    return base


def _detected(fields: dict[str, str]) -> dict[str, Any]:
    """What the server would say it read a CSV as: the options sent, else the defaults."""
    chosen = {k: v for k, v in fields.items() if v != "auto"}
    return {
        "format": chosen.get("format", "csv"),
        "encoding": chosen.get("encoding", "utf-8"),
        "delimiter": {"tab": "\t"}.get(chosen.get("delimiter", ","), chosen.get("delimiter", ",")),
        "header_line": 1,
        "date_format": chosen.get("date_format", "iso"),
        "decimal": chosen.get("decimal", "."),
        "skipped": 0,
    }


def import_job(status: str = "validated", **fields: Any) -> dict[str, Any]:
    """A job as the import endpoints answer it: by default a checked file of 3 good rows."""
    job: dict[str, Any] = {
        "id": IMPORT_ID,
        "status": status,
        "filename": "bank.csv",
        "total_rows": 3,
        "valid_rows": 3,
        "error_count": 0,
        "errors": [],
        "errors_truncated": False,
        "duplicate_count": 0,
        "duplicates": [],
        "duplicates_truncated": False,
        "preview": [
            preview_row(2),
            preview_row(
                3, kind="income", amount="2000.00", description="Salary", category="Salary"
            ),
            preview_row(4, description="Rent", amount="950.00", category="Housing"),
        ],
        "processed": 0,
        "total": 3,
        "created": 0,
        "skip_duplicates": False,
        "stale": False,
        "detail": "",
        "created_at": "2025-03-05T10:00:00Z",
        "started_at": None,
        "finished_at": None,
    }
    job.update(fields)
    return job


class FakeLedgerClient:
    """Answers like the budget API for one user who owns ledger-1 and views ledger-2."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.signed_in: list[tuple[str, str]] = []
        self.failures: dict[tuple[str, str], ApiError] = {}
        self.wallets = [dict(w) for w in WALLETS]
        self.buckets = [dict(b) for b in BUCKETS]
        self.categories = [dict(c) for c in CATEGORIES]
        self.payees = [dict(p) for p in PAYEES]
        self.activity = [dict(e) for e in ACTIVITY]
        self.rules = [dict(r) for r in RULES]
        self.transactions = [dict(t) for t in TRANSACTIONS]
        self.transaction_count: int | None = None  # pretend there are more rows
        # Exchange rates (SPEC §14): the ledger's own, and the system-wide reference ones.
        self.currencies = [dict(c) for c in CURRENCIES]
        self.rates: list[dict[str, Any]] = []
        self.reference_rates: list[dict[str, Any]] = []
        self.revaluation = "0.00"
        self.today = "2025-03-05"
        self.pending = "250.00"
        self.user = dict(USER)
        self.ledger_list = [dict(ledger) for ledger in LEDGERS]
        self.members = [
            {
                "user_id": "user-1",
                "email": "ada@example.com",
                "full_name": "Ada Lovelace",
                "role": "owner",
                "joined_at": "2025-01-01T00:00:00Z",
            },
            {
                "user_id": "user-2",
                "email": "charles@example.com",
                "full_name": "Charles Babbage",
                "role": "editor",
                "joined_at": "2025-01-05T00:00:00Z",
            },
        ]
        self.invitations = [
            {
                "id": "inv-1",
                "email": "grace@example.com",
                "role": "viewer",
                "created_at": "2025-03-01T09:00:00Z",
            }
        ]
        self.my_invitations: list[dict[str, Any]] = []
        self.api_keys = [
            {
                "id": "key-1",
                "name": "Backup script",
                "prefix": "bk_AbCd",
                "created_at": "2025-02-01T08:00:00Z",
                "expires_at": None,
                "last_used_at": "2025-03-01T06:00:00Z",
            }
        ]
        self.answers: dict[tuple[str, str], Any] = {}
        # Account security: two-factor sign-in, the signed-in devices, mailed links.
        self.otp_required = False  # sign_in without a code answers 401 otp_required
        self.otps: list[str | None] = []  # the code each sign-in sent
        self.two_factor = {"enabled": False, "backup_codes_left": 0}
        self.sessions = [
            {
                "id": "s-here",
                "created": "2025-03-01T08:00:00Z",
                "last_used": "2025-03-05T08:00:00Z",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
                "current": True,
            },
            {
                "id": "s-phone",
                "created": "2025-02-01T08:00:00Z",
                "last_used": "2025-03-04T19:30:00Z",
                "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/604.1",
                "current": False,
            },
        ]
        self.budgets = [dict(b) for b in BUDGETS]
        self.budget_status = [dict(s) for s in BUDGET_STATUS]
        # The insight reports (SPEC §18), as report_data has them.
        self.insights = {"net-worth": NET_WORTH, "forecast": FORECAST, "trends": TRENDS}
        self.goals = [dict(g) for g in GOALS]
        self.recurring = [dict(r) for r in RECURRING]
        self.notifications = [dict(n) for n in NOTIFICATIONS]
        # The import job: what a check answers, then one answer per progress poll (the last
        # one repeats). Exports: the bytes each export path sends.
        self.import_check = import_job()
        self.import_profiles: list[dict[str, Any]] = []
        self.import_progress = [import_job("done", processed=3, created=3)]
        self.exports = {f"{LP}/export.csv": EXPORT_CSV, f"{LP}/export.json": EXPORT_JSON}
        # Receipts (SPEC §17): files per transaction id, their bytes, scanned receipts.
        self.attachments: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[str, bytes] = {}
        self.receipts: dict[str, dict[str, Any]] = {}

    # --- what the tests look at ---------------------------------------------------------

    def in_currencies(self) -> None:
        """ledger-1 with a wallet in US dollars and one in yen (SPEC §14): a ledger USD rate
        on 2025-03-01 and none for yen; a card payment in dollars and a transfer to yen."""
        self.wallets += [
            {
                "id": "w-usd",
                "name": "US account",
                "kind": "virtual",
                "archived": False,
                "currency": "USD",
                "balance": "120.50",
                "created_at": "2025-01-01T00:00:00Z",
            },
            {
                "id": "w-jpy",
                "name": "Yen cash",
                "kind": "physical",
                "archived": False,
                "currency": "JPY",
                "balance": "15000",
                "created_at": "2025-01-01T00:00:00Z",
            },
        ]
        self.rates = [
            {"id": "rate-1", "currency": "USD", "date": "2025-03-01", "rate": "0.92"},
            {"id": "rate-2", "currency": "USD", "date": "2025-02-01", "rate": "0.95"},
            {"id": "rate-3", "currency": "GBP", "date": "2025-02-15", "rate": "1.19"},
        ]
        self.revaluation = "-3.50"
        self.transactions[0:0] = [
            transaction(
                "tx-usd",
                "expense",
                "20.00",
                date="2025-03-05",
                description="Diner",
                category="c-groceries",
                wallet="w-usd",
                bucket="b-unalloc",
                currency="USD",
                base_amount="18.40",
            ),
            transaction(
                "tx-jpy",
                "transfer",
                "100.00",
                date="2025-03-04",
                description="Yen for the trip",
                from_wallet="w-bank",
                to_wallet="w-jpy",
                currency="EUR",
                base_amount="100.00",
                to_amount="15000",
            ),
        ]

    def lookup(self, currency: str, on: str) -> dict[str, Any]:
        """GET rates/lookup: the ledger's rate on that day, else the reference rate, each day
        back up to 7 days; else none."""
        day = date.fromisoformat(on)
        for back in range(LOOKBACK_DAYS + 1):
            wanted = (day - timedelta(days=back)).isoformat()
            for source, rates in (("ledger", self.rates), ("reference", self.reference_rates)):
                found = next(
                    (r for r in rates if r["currency"] == currency and r["date"] == wanted), None
                )
                if found is not None:
                    return {
                        "currency": currency,
                        "base": BASE,
                        "date": on,
                        "rate": found["rate"],
                        "source": source,
                        "rate_date": wanted,
                    }
        none = {"rate": None, "source": None, "rate_date": None}
        return {"currency": currency, "base": BASE, "date": on, **none}

    def _wallet(self, wallet_id: Any) -> dict[str, Any] | None:
        return next((w for w in self.wallets if w["id"] == wallet_id), None)

    def _balances(self) -> dict[str, Any]:
        """reports/balances as SPEC §14 has it: each wallet in its currency and in the base
        (at the newest rate on or before today; null without one), net worth in the base,
        the wallets without a rate, and the revaluation."""
        wallets, unconverted = [], {}
        net_worth = Decimal(0)
        for wallet in self.wallets:
            row = dict(wallet)
            balance = Decimal(wallet["balance"])
            if wallet["currency"] == BASE:
                row["balance_base"] = wallet["balance"]
            else:
                rates = [
                    r
                    for r in self.rates + self.reference_rates
                    if r["currency"] == wallet["currency"] and r["date"] <= self.today
                ]
                newest = max(rates, key=lambda r: r["date"], default=None)
                row["balance_base"] = (
                    written(balance * Decimal(newest["rate"]), BASE) if newest else None
                )
                if newest is None:
                    total = unconverted.get(wallet["currency"], Decimal(0)) + balance
                    unconverted[wallet["currency"]] = total
            if row["balance_base"] is not None:
                net_worth += Decimal(row["balance_base"])
            wallets.append(row)
        return {
            "currency": BASE,
            "pending_allocation": self.pending,
            "net_worth": written(net_worth, BASE),
            "unconverted": [
                {"currency": code, "amount": written(amount, code)}
                for code, amount in unconverted.items()
            ],
            "revaluation": self.revaluation,
            "wallets": wallets,
            "buckets": [dict(b) for b in self.buckets],
        }

    def _transaction_created(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST transactions in currencies: the amount in the wallet's currency with its
        places (else 422), base_amount given or from the rate (else 422), to_amount needed
        between currencies."""
        wallet = self._wallet(body.get("wallet") or body.get("from_wallet"))
        currency = wallet["currency"] if wallet else BASE
        fields = {k: v for k, v in body.items() if k != "id"}
        amount = Decimal(str(body["amount"]))
        if -amount.as_tuple().exponent > PLACES[currency]:
            message = f"Use at most {PLACES[currency]} decimal places for {currency}."
            raise ApiError(422, "validation_error", message, [FieldError(message, "amount")])
        fields["amount"] = written(amount, currency)
        target = self._wallet(body.get("to_wallet"))
        if target is not None and target["currency"] != currency and not body.get("to_amount"):
            message = f"Give the amount received in {target['currency']}."
            raise ApiError(422, "validation_error", message, [FieldError(message, "to_amount")])
        if body.get("base_amount"):
            base_amount = body["base_amount"]
        elif currency == BASE:
            base_amount = fields["amount"]
        elif target is not None and target["currency"] == BASE:
            base_amount = body["to_amount"]
        else:
            found = self.lookup(currency, body["date"])
            if found["rate"] is None:
                message = (
                    f"No {currency}→{BASE} rate for {body['date']}; give base_amount or add a rate"
                )
                raise ApiError(
                    422,
                    "validation_error",
                    "Some of the data you sent is not valid.",
                    [FieldError(message, "base_amount")],
                )
            base_amount = written(amount * Decimal(found["rate"]), BASE)
        fields.update(currency=currency, base_amount=base_amount)
        return transaction("tx-new", **fields)

    def _currency_write(self, method: str, path: str, body: Any) -> Any:
        """Wallet currencies and the ledger's rates (SPEC §14)."""
        if path == f"{LP}/rates" and method == "POST":
            rate = {"id": f"rate-{len(self.rates) + 10}", **body}
            self.rates.append(rate)
            return rate
        removed = re.fullmatch(rf"{LP}/rates/([^/]+)", path)
        if removed and method == "DELETE":
            self.rates = [r for r in self.rates if r["id"] != removed[1]]
            return None
        if path == f"{LP}/wallets" and method == "POST":
            wallet = {
                "id": "w-new",
                "kind": "virtual",
                "archived": False,
                "currency": BASE,
                "balance": "0",
                "created_at": "2025-03-05T10:00:00Z",
                **body,
            }
            wallet["balance"] = written(Decimal(wallet["balance"]), wallet["currency"])
            self.wallets.append(wallet)
            return wallet
        changed = re.fullmatch(rf"{LP}/wallets/([^/]+)", path)
        if changed and method == "PATCH" and "currency" in body:
            wallet = self._wallet(changed[1])
            used = any(wallet_change(t, changed[1]) is not None for t in self.transactions)
            if used and body["currency"] != wallet["currency"]:
                raise ApiError(
                    409,
                    "conflict",
                    "The currency of a wallet with transactions can't change.",
                )
            wallet.update(body)
            return dict(wallet)
        if path == f"{LP}/transactions" and method == "POST":
            return self._transaction_created(body)
        return _NOT_MINE

    def fail(self, method: str, path: str, error: ApiError) -> None:
        self.failures[(method, path)] = error

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.method != "GET"]

    def gets(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == "GET" and c.path == path]

    # --- the ApiClient surface the dashboard uses ---------------------------------------

    def me(self) -> dict[str, Any]:
        return self.get("/auth/me")

    def ledgers(self) -> list[dict[str, Any]]:
        return self.get_all("/ledgers")

    def sign_out(self) -> None:
        self.calls.append(Call("POST", "/auth/logout"))

    def sign_in(self, email: str, password: str, otp: str | None = None) -> None:
        # Kept apart from `calls`: a sign-in is no write to the ledger.
        error = self.failures.get(("POST", "/auth/token"))
        if error is not None:
            raise error
        self.otps.append(otp)
        if self.otp_required and not otp:
            raise ApiError(401, "otp_required", "Enter the code from your authenticator app.")
        self.signed_in.append((email, password))

    def register(self, email: str, password: str, full_name: str = "") -> dict[str, Any]:
        self.calls.append(Call("POST", "/auth/register", {"email": email}))
        return dict(self.user)

    def password_reset(self, email: str) -> dict[str, Any]:
        return self._request("POST", "/auth/password-reset", {"email": email}, None)

    def password_reset_confirm(self, token: str, new_password: str) -> None:
        body = {"token": token, "new_password": new_password}
        self._request("POST", "/auth/password-reset/confirm", body, None)

    def verify_email(self, token: str) -> None:
        self._request("POST", "/auth/verify-email", {"token": token}, None)

    def get(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        return self._request("GET", path, json, params)

    def get_all(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        return self._request("GET", path, None, params)["items"]

    def post(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        return self._request("POST", path, json, params)

    def patch(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        return self._request("PATCH", path, json, params)

    def put(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        return self._request("PUT", path, json, params)

    def delete(
        self,
        path: str,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        *,
        slow: bool = False,
    ) -> Any:
        return self._request("DELETE", path, json, params)

    def upload(
        self, path: str, *, files: Mapping[str, Any], data: Mapping[str, str] | None = None
    ) -> Any:
        self.calls.append(Call("POST", path, files=dict(files), data=dict(data or {})))
        if ("POST", path) in self.failures:
            raise self.failures[("POST", path)]
        if path == f"{LP}/imports":
            return {"detected": _detected(dict(data or {})), **self.import_check}
        if path == f"{LP}/receipts":
            return {"id": "r-new", "status": "queued"}
        attached = re.fullmatch(rf"{LP}/transactions/([^/]+)/attachments", path)
        if attached:
            name, content, _type = files["file"]
            return {"id": "a-new", "filename": name, "size": len(content)}
        return {"id": "new"}

    def download(self, path: str, params: Mapping[str, Any] | None = None) -> bytes:
        if path in self.files:
            self.calls.append(Call("GET", path))
            return self.files[path]
        return self._request("GET", path, None, params)

    # --- routing ------------------------------------------------------------------------

    def _request(self, method: str, path: str, json: Any, params: Any) -> Any:
        self.calls.append(Call(method, path, json, dict(params or {})))
        if (method, path) in self.failures:
            raise self.failures[(method, path)]
        if (method, path) in self.answers:
            return self.answers[(method, path)]
        if method == "GET":
            return self._read(path, dict(params or {}))
        return self._write(method, path, json)

    def _read(self, path: str, params: dict[str, Any]) -> Any:
        lists = {
            "/auth/me": None,
            "/ledgers": self.ledger_list,
            "/auth/api-keys": self.api_keys,
            "/auth/sessions": self.sessions,
            f"{LP}/wallets": self.wallets,
            f"{LP}/buckets": self.buckets,
            f"{LP}/categories": self.categories,
            f"{LP}/members": self.members,
            f"{LP}/invitations": self.invitations,
            "/invitations": self.my_invitations,
            f"{LP}/import-profiles": self.import_profiles,
            f"{LP}/payees": self.payees,
            f"{LP}/rules": self.rules,
            "/ledgers/ledger-2/wallets": [],
            "/ledgers/ledger-2/buckets": [],
            "/ledgers/ledger-2/categories": [],
            "/ledgers/ledger-2/invitations": [],
            "/ledgers/ledger-2/members": [
                {**self.members[0], "role": "viewer"},
                {**self.members[1], "role": "owner"},
            ],
        }
        if path == "/auth/me":
            return self.user
        if path == "/currencies":
            return [dict(c) for c in self.currencies]
        if path == f"{LP}/rates/lookup":
            return self.lookup(params["currency"], params["date"])
        if path == f"{LP}/rates":
            items = sorted(self.rates, key=lambda r: (r["date"], r["currency"]), reverse=True)
            if params.get("currency"):
                items = [r for r in items if r["currency"] == params["currency"]]
            return {"items": items, "count": len(items)}
        if path == "/auth/2fa":
            return dict(self.two_factor)
        if path in lists:
            items = lists[path]
            archived = params.get("archived")
            if archived is not None:
                items = [i for i in items if str(i["archived"]).lower() == str(archived).lower()]
            return {"items": items, "count": len(items)}
        if path.endswith("/transactions"):
            items = self.transactions
            if path != f"{LP}/transactions":
                items = []
            if params.get("kind"):
                items = [t for t in items if t["kind"] == params["kind"]]
            for name in ("payee", "category"):
                if params.get(name):
                    items = [t for t in items if t.get(name) == params[name]]
            if params.get("q"):
                needle = str(params["q"]).casefold()
                items = [t for t in items if needle in (t["description"] or "").casefold()]
            if params.get("wallet"):
                items = self._wallet_register(params["wallet"], items)
            else:
                items = [{**t, "running_balance": None} for t in items]
            size = int(params.get("page_size", 50))
            page = int(params.get("page", 1))
            count = self.transaction_count if self.transaction_count is not None else len(items)
            start = (page - 1) * size
            shown = items[start : start + size] if self.transaction_count is None else items
            return {"items": shown, "count": count}
        if path == f"{LP}/activity":
            items = self.activity
            for name in ("object_type", "object_id", "actor"):
                if params.get(name):
                    key = {"actor": "actor_id"}.get(name, name)
                    items = [e for e in items if str(e.get(key) or "") == str(params[name])]
            return {"items": items, "count": len(items)}
        if path.endswith("/reports/balances"):
            return self._balances()
        if path in (f"{LP}/reports/net-worth", f"{LP}/reports/forecast", f"{LP}/reports/trends"):
            return copy.deepcopy(self.insights[path.rsplit("/", 1)[-1]])
        if path in self.exports:
            return self.exports[path]
        attached = re.fullmatch(rf"{LP}/transactions/([^/]+)/attachments", path)
        if attached:
            items = self.attachments.get(attached[1], [])
            return {"items": items, "count": len(items)}
        receipt = re.fullmatch(rf"{LP}/receipts/([^/]+)", path)
        if receipt and receipt[1] in self.receipts:
            return copy.deepcopy(self.receipts[receipt[1]])
        if path == f"{LP}/imports/{IMPORT_ID}":
            answer = self.import_progress[0]
            if len(self.import_progress) > 1:
                self.import_progress.pop(0)
            return dict(answer)
        if re.fullmatch(rf"{LP}/transactions/[^/]+", path):
            tid = path.rsplit("/", 1)[-1]
            found = next((t for t in self.transactions if t["id"] == tid), None)
            if found is not None:
                return found
        if path in (f"{LP}/budgets", f"{LP}/goals", f"{LP}/recurring"):
            items = getattr(self, path.rsplit("/", 1)[-1])
            return {"items": items, "count": len(items)}
        if path == f"{LP}/budgets/status":
            return self.budget_status
        if path == "/notifications":
            items = self.notifications
            if params.get("unread") == "true":
                items = [n for n in items if n["read_at"] is None]
            size, page = int(params.get("page_size", 50)), int(params.get("page", 1))
            return {"items": items[(page - 1) * size : page * size], "count": len(items)}
        raise ApiError(404, "not_found", f"The fake API has no GET {path}.")

    def _wallet_register(self, wallet_id: str, items: list[dict[str, Any]]) -> list[dict]:
        """As the API: the wallet's transactions, each with the wallet's balance after it
        (``running_balance``, newest first: the current balance, then backwards)."""
        wallet = next((w for w in self.wallets if w["id"] == wallet_id), None)
        balance = Decimal(wallet["balance"]) if wallet else Decimal(0)
        register = []
        for item in items:
            change = wallet_change(item, wallet_id)
            if change is None:
                continue
            currency = wallet["currency"] if wallet else BASE
            register.append({**item, "running_balance": written(balance, currency)})
            balance -= change
        return register

    def _write(self, method: str, path: str, body: Any) -> Any:
        security = self._security(method, path, body)
        if security is not _NOT_MINE:
            return security
        currency = self._currency_write(method, path, body)
        if currency is not _NOT_MINE:
            return currency
        if method == "DELETE":
            left = re.fullmatch(r"/ledgers/([^/]+)/members/user-1", path)
            if left:  # leaving a ledger: it is no longer among the user's ledgers
                self.ledger_list = [x for x in self.ledger_list if x["id"] != left[1]]
            return None
        if path == f"{LP}/members" and method == "POST":
            detail = f"An invitation was sent to {body['email']}."
            return {"email": body["email"], "role": body["role"], "detail": detail}
        accepted = re.fullmatch(r"/invitations/([^/]+)/accept", path)
        if accepted:
            invitation = next(i for i in self.my_invitations if i["id"] == accepted[1])
            self.my_invitations.remove(invitation)
            ledger = {
                "id": "ledger-9",
                "name": invitation["name"],
                "currency": "EUR",
                "role": invitation["role"],
                "created_at": "2025-03-05T10:00:00Z",
            }
            self.ledger_list.append(ledger)
            return ledger
        accepted_receipt = re.fullmatch(rf"{LP}/receipts/([^/]+)/accept", path)
        if accepted_receipt:
            self.receipts.pop(accepted_receipt[1], None)
            return transaction("tx-new", **body["overrides"])
        if path == f"{LP}/transactions" and method == "POST":
            return transaction("tx-new", **{k: v for k, v in body.items() if k != "id"})
        if path == f"{LP}/transactions/bulk" and method == "PATCH":
            # As the API: the same changes on every listed transaction, {updated: n}.
            ids = list(dict.fromkeys(body["ids"]))
            for item in self.transactions:
                if item["id"] in ids:
                    item.update(body["changes"])
            return {"updated": len(ids)}
        if re.fullmatch(rf"{LP}/transactions/[^/]+", path):
            tid = path.rsplit("/", 1)[-1]
            old = next(t for t in self.transactions if t["id"] == tid)
            return {**old, **body}
        if path == f"{LP}/rules/preview":
            shown = [t for t in self.transactions if t["kind"] == "expense"]
            return {"matched": len(shown), "transactions": shown[:20]}
        applied = re.fullmatch(rf"{LP}/rules/([^/]+)/apply", path)
        if applied:
            return {"matched": 3, "changed": 2, "transactions": ["tx-1", "tx-4"]}
        if path == f"{LP}/payees/p-landlord/merge":
            return {"moved": 3}
        if path == f"{LP}/imports/{IMPORT_ID}/commit":
            return {
                **self.import_check,
                "status": "running",
                "skip_duplicates": body["skip_duplicates"],
            }
        if path == f"{LP}/import-profiles" and method == "POST":
            profile = {"id": "profile-new", "wallet": None, **body}
            self.import_profiles.append(profile)
            return profile
        if path == "/ledgers/import-json":
            restored = {"id": "ledger-3", "name": "Family", "currency": "EUR", "role": "owner"}
            self.ledger_list.append({**restored, "created_at": "2025-03-05T10:00:00Z"})
            return restored
        if path == f"{LP}/allocations/run":
            return {"allocated": 1}
        if path.endswith("/reconcile"):
            return {"adjustment": None, "balance": body["actual_balance"]}
        if path == f"{LP}/buckets/allocation":
            return {"items": self.buckets, "count": len(self.buckets)}
        if path == "/auth/password":
            return None
        if path == "/auth/api-keys":
            return {
                "id": "key-2",
                "name": body["name"],
                "prefix": "bk_XyZ1",
                "key": "bk_XyZ1_the-whole-secret-key",
                "created_at": "2025-03-05T08:00:00Z",
                "expires_at": body.get("expires_at"),
                "last_used_at": None,
            }
        if path == "/auth/me":
            self.user = {**self.user, **body}
            return self.user
        planned = re.fullmatch(rf"{LP}/recurring/([^/]+)(/run)?", path)
        if planned and planned[2]:
            return {"created": 2, "next_date": "2025-05-01"}
        if planned and method == "PATCH":
            old = next(r for r in self.recurring if r["id"] == planned[1])
            return {**old, **body}
        if path == f"{LP}/recurring":
            return recurring("rec-new", **{**body, "next_date": "2025-04-01"})
        read = re.fullmatch(r"/notifications/([^/]+)/read", path)
        if read:
            item = next(n for n in self.notifications if n["id"] == read[1])
            item["read_at"] = "2025-03-05T08:00:00Z"
            return dict(item)
        if path == "/notifications/read-all":
            unread = [n for n in self.notifications if n["read_at"] is None]
            for item in unread:
                item["read_at"] = "2025-03-05T08:00:00Z"
            return {"read": len(unread)}
        return {"id": "new", **(body or {})}

    def _security(self, method: str, path: str, body: Any) -> Any:
        """Two-factor sign-in, sessions and mailed links, as the API answers them."""
        if path == "/auth/2fa/setup":
            return {
                "secret": "JBSWY3DPEHPK3PXP",
                "otpauth_url": "otpauth://totp/Budget:ada%40example.com?secret=JBSWY3DPEHPK3PXP"
                "&issuer=Budget",
            }
        if path == "/auth/2fa/enable":
            self.two_factor = {"enabled": True, "backup_codes_left": 10}
            return {"backup_codes": [f"code{n}-abcde" for n in range(10)]}
        if path == "/auth/2fa" and method == "DELETE":
            self.two_factor = {"enabled": False, "backup_codes_left": 0}
            return None
        if path == "/auth/sessions/revoke-all":
            self.sessions = []
            return None
        ended = re.fullmatch(r"/auth/sessions/([^/]+)", path)
        if ended and method == "DELETE":
            self.sessions = [s for s in self.sessions if s["id"] != ended[1]]
            return None
        if path == "/auth/password-reset":
            return {"detail": "If an account uses this email, a link is on its way."}
        if path in ("/auth/password-reset/confirm", "/auth/verify-email"):
            return None
        if path == "/auth/verify-email/resend":
            return {"detail": "A new link to verify your email is on its way."}
        return _NOT_MINE


_NOT_MINE = object()


# --- planning: budgets, goals, recurring transactions, notifications --------------------------


def budget(bid: str, category: str, name: str, amount: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": bid,
        "category": category,
        "category_name": name,
        "amount": amount,
        "alert_percent": 80,
        "rollover": False,
        "start_month": "2025-01",
        "end_month": None,
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    }
    base.update(fields)
    return base


BUDGETS = [
    budget("bu-groceries", "c-groceries", "Groceries", "400.00"),
    budget("bu-housing", "c-housing", "Housing", "1200.00", alert_percent=90, end_month="2025-12"),
    # A budget of a category archived since still reports.
    budget("bu-old", "c-oldexp", "Old stuff", "50.00"),
]


def budget_status(
    item: Mapping[str, Any], spent: str, remaining: str, percent: str, state: str
) -> dict[str, Any]:
    return {
        "budget": item["id"],
        "category": item["category"],
        "category_name": item["category_name"],
        "category_group": None,
        "rollover": item["rollover"],
        "limit": item["amount"],
        "carried": "0.00",
        "available": item["amount"],
        "spent": spent,
        "remaining": remaining,
        "percent_used": percent,
        "alert_percent": item["alert_percent"],
        "state": state,
    }


# The status of every month the tests look at: one budget per state.
BUDGET_STATUS = [
    budget_status(BUDGETS[0], "340.00", "60.00", "85.00", "warning"),
    budget_status(BUDGETS[1], "1234.50", "-34.50", "102.88", "exceeded"),
    budget_status(BUDGETS[2], "10.00", "40.00", "20.00", "ok"),
]


def goal(gid: str, name: str, bucket: str, bucket_name: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": gid,
        "name": name,
        "bucket": bucket,
        "bucket_name": bucket_name,
        "target_amount": "1000.00",
        "target_date": None,
        "saved": "0.00",
        "progress_percent": "0.00",
        "monthly_needed": None,
        "on_track": True,
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    }
    base.update(fields)
    return base


GOALS = [
    goal(
        "g-holiday",
        "Summer holiday",
        "b-fun",
        "Fun",
        target_date="2025-08-31",
        saved="300.00",
        progress_percent="30.00",
        monthly_needed="140.00",
        on_track=False,
    ),
    goal(
        "g-house",
        "House deposit",
        "b-savings",
        "Savings",
        target_date="2026-12-31",
        saved="1200.00",
        progress_percent="120.00",
        monthly_needed="0.00",
    ),
    goal(
        "g-rainy",
        "Rainy day",
        "b-savings",
        "Savings",
        target_amount="5000.00",
        saved="1200.00",
        progress_percent="24.00",
    ),
]


def recurring(rid: str, kind: str, amount: str, **fields: Any) -> dict[str, Any]:
    base = transaction(rid, kind, amount)
    for name in ("date", "allocation_status", "allocations"):
        base.pop(name)
    base.update(
        frequency="monthly",
        interval=1,
        start_date="2025-01-01",
        end_date=None,
        active=True,
        next_date="2025-04-01",
    )
    base.update(fields)
    return base


RECURRING = [
    recurring(
        "rec-rent",
        "expense",
        "950.00",
        description="Rent",
        category="c-housing",
        wallet="w-bank",
        bucket="b-unalloc",
    ),
    recurring(
        "rec-salary",
        "income",
        "3000.00",
        description="Salary",
        category="c-salary",
        wallet="w-bank",
        start_date="2025-01-28",
        next_date="2025-03-28",
        active=False,
    ),
    recurring(
        "rec-gym",
        "expense",
        "30.00",
        description="Gym",
        category="c-groceries",
        wallet="w-cash",
        bucket="b-fun",
        frequency="weekly",
        interval=2,
        end_date="2025-02-28",
        next_date=None,
    ),
]


def notification(nid: str, title: str, created_at: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": nid,
        "ledger": LEDGER_ID,
        "kind": "budget_warning",
        "title": title,
        "message": "",
        "data": {},
        "created_at": created_at,
        "read_at": None,
    }
    base.update(fields)
    return base


# Newest first, as the API lists them; two unread.
NOTIFICATIONS = [
    notification(
        "n-housing",
        "Budget exceeded: Housing",
        "2025-03-04T10:05:00Z",
        kind="budget_exceeded",
        message="Family: 1234.50 EUR spent on Housing in March 2025, over the budget of "
        "1200.00 EUR by 34.50 EUR (102.88 %).",
    ),
    notification(
        "n-groceries",
        "Budget warning: Groceries at 85.00 %",
        "2025-03-03T09:00:00Z",
        message="Family: 340.00 of 400.00 EUR spent on Groceries in March 2025 (85.00 %; you "
        "asked to be told at 80 %).",
    ),
    notification(
        "n-february",
        "Budget warning: Groceries at 82.50 %",
        "2025-02-20T18:30:00Z",
        message="Family: 330.00 of 400.00 EUR spent on Groceries in February 2025 (82.50 %; "
        "you asked to be told at 80 %).",
        read_at="2025-02-21T08:00:00Z",
    ),
]


@contextmanager
def served() -> Iterator[FakeLedgerClient]:
    """A fresh fake behind get_client(), with no cached reads of earlier tests."""
    client = FakeLedgerClient()
    st.cache_data.clear()  # cached reads are keyed by user and ledger, and both repeat here
    with patch("dashboard.api.get_client", return_value=client):
        yield client
    st.cache_data.clear()


def _page_script(view: str) -> None:
    """What app.py does for one page: the page when signed in, otherwise sign-in."""
    import importlib

    from dashboard import session
    from dashboard.views import sign_in

    if session.is_signed_in():
        importlib.import_module(f"dashboard.views.{view}").render()
    else:
        sign_in.render()


def app_on(view: str, *, ledger_id: str = LEDGER_ID, role: str | None = None) -> AppTest:
    """One page (``dashboard.views.<view>``), signed in as Ada with ``ledger_id`` current."""
    at = AppTest.from_function(_page_script, args=(view,), default_timeout=15)
    ledgers = [dict(ledger) for ledger in LEDGERS]
    if role is not None:
        next(ledger for ledger in ledgers if ledger["id"] == ledger_id)["role"] = role
    at.session_state[session.USER_KEY] = dict(USER)
    at.session_state[session.LEDGERS_KEY] = ledgers
    at.session_state[session.CURRENT_LEDGER_KEY] = ledger_id
    return at


def texts(at: AppTest) -> str:
    """Every piece of text on the page, for "does it say X" assertions."""
    parts = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "subheader"):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [str(element.value) for element in at.get("code")]
    return "\n".join(parts)
