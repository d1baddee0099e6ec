"""The fake client with one shared-expense group (SPEC §15) beside Ada's ledgers: Ada (linked,
admin), Bo (linked) and Cy (a guest), three expenses and the API's answers to them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import streamlit as st

from dashboard.api import ApiError
from tests.fake_ledger import FakeLedgerClient

GID = "g-trip"
GP = f"/groups/{GID}"

GROUPS = [
    {
        "id": GID,
        "name": "Trip *Lisbon*",
        "currency": "EUR",
        "created_at": "2025-03-01T08:00:00Z",
        "me": "p-ada",
        "admin": True,
        "balance": "40.00",
    },
    {
        "id": "g-flat",
        "name": "Flat",
        "currency": "EUR",
        "created_at": "2025-03-02T08:00:00Z",
        "me": "p-ada2",
        "admin": False,
        "balance": "-12.50",
    },
]
PARTICIPANTS = [
    {"id": "p-ada", "name": "Ada", "linked": True, "admin": True, "payment_link": None},
    {
        "id": "p-bo",
        "name": "Bo",
        "linked": True,
        "admin": False,
        "payment_link": "https://paypal.me/bo/",
    },
    {"id": "p-cy", "name": "Cy", "linked": False, "admin": False, "payment_link": None},
]
EXPENSES = [
    {
        "id": "e-1",
        "title": "Dinner",
        "amount": "60.00",
        "date": "2025-03-03",
        "currency": "EUR",
        "rate": None,
        "group_amount": "60.00",
        "category_name": "",
        "notes": "",
        "is_payment": False,
        "paid_by": [{"participant": "p-ada", "amount": "60.00", "group_amount": "60.00"}],
        "split": {
            "mode": "equal",
            "parts": [{"participant": p, "value": None} for p in ("p-ada", "p-bo", "p-cy")],
        },
        "owed": [{"participant": p, "amount": "20.00"} for p in ("p-ada", "p-bo", "p-cy")],
        "created_at": "2025-03-03T20:00:00Z",
        "updated_at": "2025-03-03T20:00:00Z",
    },
]
BALANCES = [
    {"participant": "p-ada", "name": "Ada", "paid": "60.00", "owed": "20.00", "balance": "40.00"},
    {"participant": "p-bo", "name": "Bo", "paid": "0.00", "owed": "20.00", "balance": "-20.00"},
    {"participant": "p-cy", "name": "Cy", "paid": "0.00", "owed": "20.00", "balance": "-20.00"},
]
TRANSFERS = [
    {
        "from": "p-bo",
        "from_name": "Bo",
        "to": "p-ada",
        "to_name": "Ada",
        "amount": "20.00",
        "pay_url": None,
    },
    {
        "from": "p-cy",
        "from_name": "Cy",
        "to": "p-ada",
        "to_name": "Ada",
        "amount": "20.00",
        "pay_url": None,
    },
]


class FakeGroupsClient(FakeLedgerClient):
    def __init__(self) -> None:
        super().__init__()
        self.groups = [dict(g) for g in GROUPS]
        self.participants = [dict(p) for p in PARTICIPANTS]
        self.expenses = [dict(e) for e in EXPENSES]
        self.transfers = [dict(t) for t in TRANSFERS]
        self.connection: dict[str, Any] | None = None
        self.wallets.append(
            {
                "id": "w-loan",
                "name": "Trip friends",
                "kind": "loan",
                "archived": False,
                "balance": "0.00",
                "created_at": "2025-01-01T00:00:00Z",
            }
        )

    def _read(self, path: str, params: dict[str, Any]) -> Any:
        lists = {
            "/groups": self.groups,
            f"{GP}/participants": self.participants,
            f"{GP}/expenses": self.expenses,
            "/groups/g-flat/participants": [],
        }
        if path in lists:
            return {"items": lists[path], "count": len(lists[path])}
        if path == f"{GP}/activity":
            items = [
                {
                    "id": 1,
                    "at": "2025-03-03T20:00:00Z",
                    "actor": "Ada",
                    "action": "create",
                    "expense": "e-1",
                    "summary": "expense 60.00 Dinner",
                    "changes": {},
                }
            ]
            return {"items": items, "count": 1}
        if path == f"{GP}/balances":
            return [dict(b) for b in BALANCES]
        if path == f"{GP}/settle-up":
            return {"transfers": self.transfers}
        if path == f"{GP}/participants/p-ada/ledger":
            if self.connection is None:
                raise ApiError(404, "not_found", "Not connected.")
            return self.connection
        return super()._read(path, params)

    def _write(self, method: str, path: str, body: Any) -> Any:
        if path == "/groups" and method == "POST":
            group = {**GROUPS[0], "id": "g-new", "name": body["name"], "balance": "0.00"}
            self.groups.append(group)
            return group
        if path == f"{GP}/expenses" and method == "POST":
            return {"id": "e-new", **body}
        if path == f"{GP}/settlements":
            self.transfers = [t for t in self.transfers if t["from"] != body["from"]]
            return {"id": "e-pay", "is_payment": True}
        if path == f"{GP}/participants/p-ada/ledger":
            if method == "PUT":
                self.connection = dict(body)
                return self.connection
            self.connection = None
            return None
        if re.fullmatch(rf"{GP}/participants(/[^/]+)?", path):
            return {"id": "p-new", "linked": False, "admin": False, **(body or {})}
        return super()._write(method, path, body)


@contextmanager
def served_groups() -> Iterator[FakeGroupsClient]:
    client = FakeGroupsClient()
    st.cache_data.clear()
    with patch("dashboard.api.get_client", return_value=client):
        yield client
    st.cache_data.clear()
