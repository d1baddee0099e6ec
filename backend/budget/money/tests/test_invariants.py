"""Invariants 1 and 2 under a random mix of writes through the API.

After every sequence: Σ wallet balances = Σ bucket balances; each balance equals a plain
recomputation from the stored transactions and allocation rows (written here without the
app's rollup code); and the rollup equals a fresh aggregation over the raw rows."""

import random
from collections import defaultdict
from decimal import Decimal

import pytest

from budget.money.models import NONE_ID, Rollup, Transaction
from budget.money.rollup import rollup_drift
from budget.money.tests.helpers import tx_path
from budget.money.tests.movements import movements

pytestmark = pytest.mark.django_db


def recompute(ledger):
    """Balances and rollup keys from `movements`, which reads the raw rows."""
    wallets: dict = defaultdict(Decimal)
    buckets: dict = defaultdict(Decimal)
    rollup: dict = defaultdict(Decimal)
    for m in movements(ledger):
        if m.wallet:
            wallets[m.wallet] += m.amount
        if m.bucket:
            buckets[m.bucket] += m.amount
        key = (
            m.date.replace(day=1),
            m.kind,
            m.wallet or NONE_ID,
            m.bucket or NONE_ID,
            m.category or NONE_ID,
        )
        rollup[key] += m.amount
    return wallets, buckets, {k: v for k, v in rollup.items() if v}


class Scenario:
    def __init__(self, api, household, seed: int) -> None:
        self.api, self.h, self.rnd = api, household, random.Random(seed)
        self.ids: list[str] = []
        self.path = tx_path(household.ledger)

    def amount(self, signed=False) -> str:
        cents = self.rnd.choice(
            [1, 2, 3, 99, 100, 1001, 33333, 10**6, 10**9 + 7, self.rnd.randint(1, 10**7)]
        )
        if signed and self.rnd.random() < 0.5:
            cents = -cents
        return f"{Decimal(cents).scaleb(-2):.2f}"

    def day(self) -> str:
        rnd = self.rnd
        year, month, day = rnd.randint(2023, 2026), rnd.randint(1, 12), rnd.randint(1, 28)
        return f"{year}-{month:02d}-{day:02d}"

    def body(self) -> dict:
        h, rnd = self.h, self.rnd
        wallets = [str(h.bank.pk), str(h.cash.pk)]
        buckets = [str(h.unallocated.pk), str(h.savings.pk), str(h.fun.pk), str(h.bills.pk)]
        kind = rnd.choice(["income", "income", "expense", "expense", "transfer", "adjustment"])
        body = {"kind": kind, "date": self.day(), "amount": self.amount(kind == "adjustment")}
        if kind in ("income", "expense"):
            body["wallet"] = rnd.choice(wallets)
            body["category"] = str(h.salary.pk if kind == "income" else h.groceries.pk)
            if rnd.random() < 0.3:
                body["bucket"] = rnd.choice(buckets)
        elif kind == "adjustment":
            body["wallet"] = rnd.choice(wallets)
            if rnd.random() < 0.5:
                body["bucket"] = rnd.choice(buckets)
        else:
            if rnd.random() < 0.7:
                body["from_wallet"], body["to_wallet"] = rnd.sample(wallets, 2)
            if "from_wallet" not in body or rnd.random() < 0.4:
                body["from_bucket"], body["to_bucket"] = rnd.sample(buckets, 2)
        return body

    def step(self) -> None:
        rnd, api = self.rnd, self.api
        action = rnd.choices(
            ["create", "bulk", "patch", "delete", "allocate", "percents"], [40, 5, 25, 12, 10, 8]
        )[0]
        if action == "create" or not self.ids:
            response = api.post(self.path, self.body())
            assert response.status_code == 201, response.content
            self.ids.append(response.json()["id"])
        elif action == "bulk":
            response = api.post(
                f"{self.path}/bulk", {"items": [self.body() for _ in range(rnd.randint(1, 8))]}
            )
            assert response.status_code == 201, response.content
            self.ids += [t["id"] for t in response.json()]
        elif action == "patch":
            tx_id = rnd.choice(self.ids)
            change = rnd.choice(["amount", "date", "description", "replace"])
            if change == "replace":
                body = self.body()
                body.update(
                    {
                        k: None
                        for k in (
                            "wallet",
                            "bucket",
                            "from_wallet",
                            "to_wallet",
                            "from_bucket",
                            "to_bucket",
                            "category",
                        )
                        if k not in body
                    }
                )
            else:
                current = api.get(f"{self.path}/{tx_id}").json()
                body = {
                    change: {
                        "amount": self.amount(current["kind"] == "adjustment"),
                        "date": self.day(),
                        "description": f"edit {rnd.random()}",
                    }[change]
                }
            response = api.patch(f"{self.path}/{tx_id}", body)
            assert response.status_code == 200, response.content
        elif action == "delete":
            tx_id = self.ids.pop(rnd.randrange(len(self.ids)))
            assert api.delete(f"{self.path}/{tx_id}").status_code == 204
        elif action == "allocate":
            assert api.post(f"/ledgers/{self.h.ledger.pk}/allocations/run").status_code == 200
        else:
            first = rnd.randint(0, 6000)
            second = rnd.randint(0, 10000 - first)
            percents = {
                str(self.h.savings.pk): f"{Decimal(first).scaleb(-2)}",
                str(self.h.fun.pk): f"{Decimal(second).scaleb(-2)}",
                str(self.h.bills.pk): "0.00",
            }
            response = api.put(
                f"/ledgers/{self.h.ledger.pk}/buckets/allocation", {"percents": percents}
            )
            assert response.status_code == 200, response.content


@pytest.mark.parametrize("seed", range(6))
def test_random_writes_keep_balances_exact(owner_api, household, seed):
    scenario = Scenario(owner_api, household, seed)
    for _ in range(80):
        scenario.step()

    lid = household.ledger.pk
    wallets = {
        w["id"]: Decimal(w["balance"])
        for w in owner_api.get(f"/ledgers/{lid}/wallets").json()["items"]
    }
    buckets = {
        b["id"]: Decimal(b["balance"])
        for b in owner_api.get(f"/ledgers/{lid}/buckets").json()["items"]
    }

    # Invariant 1
    assert sum(wallets.values()) == sum(buckets.values())

    expected_wallets, expected_buckets, expected_rollup = recompute(household.ledger)
    assert wallets == {
        str(k): expected_wallets.get(k, Decimal("0.00"))
        for k in (household.bank.pk, household.cash.pk)
    }
    assert buckets == {
        str(b.pk): expected_buckets.get(b.pk, Decimal("0.00"))
        for b in (household.unallocated, household.savings, household.fun, household.bills)
    }

    stored = {
        (r.month, r.kind, r.wallet_id, r.bucket_id, r.category_id): r.amount
        for r in Rollup.objects.filter(ledger=household.ledger)
        if r.amount
    }
    assert stored == expected_rollup
    assert rollup_drift(ledger_id=household.ledger.pk) == []

    # Invariant 2: every split income's parts add up to its amount, with no zero rows.
    for tx in Transaction.objects.filter(ledger=household.ledger, allocation_status="allocated"):
        parts = list(tx.allocations.values_list("amount", flat=True))
        assert all(p > 0 for p in parts)
        assert sum(parts) <= tx.amount
