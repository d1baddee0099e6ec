"""Two of each, past one machine (README "Running more than one of each"): two API servers
(gunicorn, as the images run it) and two Django-Q2 clusters on one PostgreSQL database and
one Redis. Concurrent writes go through both servers at once — incomes that the clusters
allocate, expenses, transfers, edits that re-allocate, deletes — and afterwards every
invariant holds: the books balance (1), each income is split exactly once and loses no
cent (2), the reports equal plain sums over the rows (3), the rollup has no drift, both
servers answer the same balances and counts, and a sign-out through one is a sign-out on the
other (nothing lives in a process)."""

import random
import threading
from collections import defaultdict
from contextlib import ExitStack
from datetime import date
from decimal import Decimal

import pytest
import requests
from django.db import connection
from tests.cluster import api_server, cluster, shared_database, skip_without_redis, wait_for

from budget.accounts import services as account_services
from budget.money.allocation import Share, split
from budget.money.models import Allocation, AllocationStatus, Bucket, Transaction
from budget.money.rollup import rollup_drift
from budget.money.tests.movements import movements

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.cluster,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several processes on one database: PostgreSQL (SQLite is one process's file)",
    ),
]

THREADS = 4  # clients writing at once, two on each API server
STEPS = 24  # writes per client
YEAR = 2025


class Client:
    """One person's session against one API server, writing through it."""

    def __init__(self, base: str, token: str, h, seed: int) -> None:
        self.base, self.h, self.rnd = base, h, random.Random(seed)
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.path = f"/ledgers/{h.ledger.pk}/transactions"
        self.mine: list[str] = []  # ids this client made and may edit or delete
        self.failures: list[str] = []

    def call(self, method: str, path: str, expect: int, body: dict | None = None):
        response = self.http.request(method, self.base + path, json=body, timeout=60)
        if response.status_code != expect:
            self.failures.append(f"{method} {path} → {response.status_code}: {response.text}")
            return None
        return response.json() if response.content else None

    def day(self) -> str:
        return f"{YEAR}-{self.rnd.randint(1, 12):02d}-{self.rnd.randint(1, 28):02d}"

    def amount(self) -> str:
        return f"{Decimal(self.rnd.randint(1, 500_000)).scaleb(-2):.2f}"

    def body(self) -> dict:
        h, rnd = self.h, self.rnd
        kind = rnd.choice(["income", "income", "expense", "expense", "transfer"])
        body = {"kind": kind, "date": self.day(), "amount": self.amount()}
        if kind == "income":  # no bucket: pending until a cluster splits it
            body |= {"wallet": str(h.bank.pk), "category": str(h.salary.pk)}
        elif kind == "expense":
            body |= {"wallet": str(rnd.choice([h.bank, h.cash]).pk)}
            body |= {
                "category": str(h.groceries.pk),
                "bucket": str(rnd.choice([h.fun, h.bills]).pk),
            }
        else:
            body |= {"from_wallet": str(h.bank.pk), "to_wallet": str(h.cash.pk)}
        return body

    def step(self) -> None:
        action = self.rnd.choices(["create", "bulk", "edit", "delete"], [50, 10, 25, 15])[0]
        if action == "create" or not self.mine:
            created = self.call("POST", self.path, 201, self.body())
            self.mine += [created["id"]] if created else []
        elif action == "bulk":
            items = [self.body() for _ in range(self.rnd.randint(2, 6))]
            created = self.call("POST", f"{self.path}/bulk", 201, {"items": items})
            self.mine += [t["id"] for t in created or []]
        elif action == "edit":  # an allocated income's new amount or date re-allocates it
            change = self.rnd.choice([{"amount": self.amount()}, {"date": self.day()}])
            self.call("PATCH", f"{self.path}/{self.rnd.choice(self.mine)}", 200, change)
        else:
            tx_id = self.mine.pop(self.rnd.randrange(len(self.mine)))
            self.call("DELETE", f"{self.path}/{tx_id}", 204)

    def run(self) -> None:
        try:
            for _ in range(STEPS):
                self.step()
        except Exception as error:  # reported by the test's assertion
            self.failures.append(repr(error))


def _sum(items: list[dict]) -> Decimal:
    return sum((Decimal(item["balance"]) for item in items), Decimal("0.00"))


@pytest.mark.django_db(transaction=True)
def test_two_api_servers_and_two_clusters_keep_every_invariant(user, household, settings, tmp_path):
    skip_without_redis()
    h = household
    token = account_services.tokens_issue(user=user)["access"]
    logs = [tmp_path / name for name in ("api-1.log", "api-2.log", "q-1.log", "q-2.log")]
    with shared_database(tmp_path, settings) as env, ExitStack() as stack:
        apis = [stack.enter_context(api_server(env, log)) for log in logs[:2]]
        clusters = [stack.enter_context(cluster(env, log)) for log in logs[2:]]

        clients = [Client(apis[n % 2], token, h, seed=n) for n in range(THREADS)]
        threads = [
            threading.Thread(target=c.run, name=f"client-{n}") for n, c in enumerate(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not any(thread.is_alive() for thread in threads), "a client never finished"
        assert [f for c in clients for f in c.failures] == []

        def settled() -> bool:
            pending = Transaction.objects.filter(
                ledger=h.ledger, allocation_status=AllocationStatus.PENDING
            )
            return not pending.exists()

        for process, log in zip(clusters, logs[2:], strict=True):
            assert process.poll() is None, log.read_text()[-3000:]
        wait_for(settled, "every income allocated by the clusters", logs[2], timeout=120)

        # Both servers answer the same, from the one database and the one cache.
        lid = h.ledger.pk
        answers = []
        for base in apis:
            http = clients[0].http
            wallets = http.get(f"{base}/ledgers/{lid}/wallets", timeout=60).json()["items"]
            buckets = http.get(f"{base}/ledgers/{lid}/buckets", timeout=60).json()["items"]
            count = http.get(f"{base}/ledgers/{lid}/transactions", timeout=60).json()["count"]
            yearly = http.get(f"{base}/ledgers/{lid}/reports/yearly?year={YEAR}", timeout=60)
            answers.append((wallets, buckets, count, yearly.json()["totals"]))

        # A sign-out through one server ends the session on the other at once.
        pair = account_services.tokens_issue(user=user)
        ended = requests.Session()
        ended.headers["Authorization"] = f"Bearer {pair['access']}"
        assert ended.get(f"{apis[1]}/auth/me", timeout=60).status_code == 200
        out = ended.post(f"{apis[0]}/auth/logout", json={"refresh": pair["refresh"]}, timeout=60)
        assert out.status_code == 204, out.text
        assert ended.get(f"{apis[1]}/auth/me", timeout=60).status_code == 401
    assert answers[0] == answers[1]
    wallets, buckets, count, totals = answers[0]
    rows = Transaction.objects.filter(ledger=h.ledger)
    made = {tx_id for c in clients for tx_id in c.mine}
    assert count == rows.count() == len(made)
    assert set(map(str, rows.values_list("pk", flat=True))) == made

    # Invariant 1, and each balance equals a plain sum over the raw rows.
    assert _sum(wallets) == _sum(buckets)
    by_wallet, by_bucket = defaultdict(Decimal), defaultdict(Decimal)
    for m in movements(h.ledger):
        by_wallet[str(m.wallet)] += m.amount if m.wallet else 0
        by_bucket[str(m.bucket)] += m.amount if m.bucket else 0
    assert {w["id"]: Decimal(w["balance"]) for w in wallets} == {
        w["id"]: by_wallet[w["id"]] for w in wallets
    }
    assert {b["id"]: Decimal(b["balance"]) for b in buckets} == {
        b["id"]: by_bucket[b["id"]] for b in buckets
    }
    assert rollup_drift(ledger_id=h.ledger.pk) == []

    # Invariant 2 and "exactly once": each income's rows are the split rule's parts of its
    # current amount, one row per bucket — not two allocations added up, not a lost cent.
    shares = [
        Share(bucket_id=b.pk, percent=b.allocation_percent, created_at=b.created_at)
        for b in Bucket.objects.filter(ledger=h.ledger, is_system=False, archived=False)
    ]
    incomes = rows.filter(kind="income")
    assert incomes.count() > 10
    for income in incomes:
        assert income.allocation_status == AllocationStatus.ALLOCATED
        parts = list(
            Allocation.objects.filter(transaction=income).values_list("bucket_id", "amount")
        )
        expected, rest = split(income.amount, shares)
        assert dict(parts) == expected
        assert len(parts) == len(expected)
        assert sum(expected.values()) + rest == income.amount

    # Invariant 3: the yearly report equals plain sums over the transactions.
    def plain(kind: str) -> Decimal:
        return sum((t.amount for t in rows.filter(kind=kind, date__year=YEAR)), Decimal("0.00"))

    assert Decimal(totals["income"]) == plain("income")
    assert Decimal(totals["expense"]) == plain("expense")
    assert Decimal(totals["net"]) == plain("income") - plain("expense")
    assert not rows.filter(date__lt=date(YEAR, 1, 1)).exists()
