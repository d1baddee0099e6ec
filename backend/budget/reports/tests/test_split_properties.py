"""Split transactions (SPEC §13) as properties: any sequence of split and unsplit creates,
patches, deletes, allocations and percent changes keeps invariants 1 to 3, and the reports
and budgets equal an independent sum over the stored lines and transactions."""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget.common.money import ZERO
from budget.money import selectors, services
from budget.money.models import Allocation, Transaction, TransactionSplit
from budget.money.rollup import rollup_drift
from budget.money.tests.movements import movements
from budget.planning import selectors as planning
from budget.planning import services as planning_services
from budget.reports import selectors as reports

pytestmark = pytest.mark.django_db

MONTHS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
INCOME = ("Salary", "Other income")
EXPENSE = ("Groceries", "Leisure", "Health")
BUCKETS = (None, "unallocated", "savings", "fun", "bills")


@st.composite
def parts_of(draw, cents: int) -> list[int]:
    """`cents` cut into 0 (not split) or 2 to 4 positive parts."""
    count = draw(st.sampled_from([0, 0, 2, 2, 3, 4]))
    if count == 0 or cents < count:
        return []
    cuts = draw(
        st.lists(st.integers(1, cents - 1), min_size=count - 1, max_size=count - 1, unique=True)
    )
    points = [0, *sorted(cuts), cents]
    return [b - a for a, b in pairwise(points)]


@st.composite
def a_transaction(draw) -> dict:
    kind = draw(st.sampled_from(["income", "expense"]))
    cents = draw(st.integers(1, 10**8))
    parts = draw(parts_of(cents))
    names = INCOME if kind == "income" else EXPENSE
    return {
        "kind": kind,
        "cents": cents,
        "month": draw(st.sampled_from(MONTHS)),
        "wallet": draw(st.sampled_from(["bank", "cash"])),
        "bucket": draw(st.sampled_from(BUCKETS)),
        "category": draw(st.sampled_from(names)),
        "lines": [
            {
                "cents": part,
                "category": draw(st.sampled_from(names)),
                "bucket": draw(st.sampled_from(BUCKETS)) if kind == "expense" else None,
            }
            for part in parts
        ],
    }


actions = st.one_of(
    st.tuples(st.just("create"), a_transaction()),
    st.tuples(st.just("replace"), st.integers(0, 50), a_transaction()),
    st.tuples(st.just("unsplit"), st.integers(0, 50)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("allocate")),
    st.tuples(st.just("percents"), st.integers(0, 6000), st.integers(0, 4000)),
)


class Book:
    def __init__(self, h) -> None:
        self.h = h
        self.ids: list = []
        self.buckets = {
            "unallocated": h.unallocated,
            "savings": h.savings,
            "fun": h.fun,
            "bills": h.bills,
        }

    def data(self, spec: dict) -> dict:
        h = self.h
        bucket = self.buckets.get(spec["bucket"])
        data = {
            "kind": spec["kind"],
            "date": spec["month"].replace(day=10),
            "amount": Decimal(spec["cents"]).scaleb(-2),
            "wallet": (h.bank if spec["wallet"] == "bank" else h.cash).pk,
            "bucket": bucket.pk if bucket and not bucket.is_system else None,
            "category": None,
            "splits": [],
        }
        if spec["lines"]:
            data["splits"] = [
                {
                    "category": h.category(line["category"]).pk,
                    "amount": Decimal(line["cents"]).scaleb(-2),
                    "bucket": self.buckets[line["bucket"]].pk if line["bucket"] else None,
                }
                for line in spec["lines"]
            ]
        else:
            data["category"] = h.category(spec["category"]).pk
        return data

    def run(self, action: tuple) -> None:
        name, *args = action
        if name == "create":
            self.ids.append(
                services.transaction_create(ledger=self.h.ledger, data=self.data(args[0])).pk
            )
        elif name == "allocate":
            services.incomes_allocate(ledger=self.h.ledger)
        elif name == "percents":
            services.bucket_percents_set(
                ledger=self.h.ledger,
                percents={
                    self.h.savings.pk: Decimal(args[0]).scaleb(-2),
                    self.h.fun.pk: Decimal(args[1]).scaleb(-2),
                    self.h.bills.pk: ZERO,
                },
            )
        elif self.ids:
            tx = Transaction.objects.get(pk=self.ids[args[0] % len(self.ids)])
            if name == "delete":
                self.ids.remove(tx.pk)
                services.transaction_delete(tx=tx)
            elif name == "unsplit":
                names = INCOME if tx.kind == "income" else EXPENSE
                services.transaction_update(
                    tx=tx, changes={"category": self.h.category(names[0]).pk}
                )
            else:  # replace every field, lines included (or none: unsplit)
                services.transaction_update(tx=tx, changes=self.data(args[1]))


def expected_by_category(ledger) -> dict:
    """(kind, month, category id) → amount, over lines where a transaction has them."""
    totals: dict = defaultdict(Decimal)
    lines: dict = defaultdict(list)
    for line in TransactionSplit.objects.filter(transaction__ledger=ledger):
        lines[line.transaction_id].append(line)
    for tx in Transaction.objects.filter(ledger=ledger, kind__in=("income", "expense")):
        month = tx.date.replace(day=1)
        for category, amount in [(x.category_id, x.amount) for x in lines[tx.pk]] or [
            (tx.category_id, tx.amount)
        ]:
            totals[tx.kind, month, category] += amount
    return totals


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(actions, min_size=1, max_size=12))
def test_splits_keep_the_invariants_and_the_reports_equal_the_lines(household, steps):
    h = household
    savepoint = transaction.savepoint()  # each example starts from the household alone
    try:
        for category in ("Groceries", "Leisure"):
            planning_services.budget_create(
                ledger=h.ledger,
                category=h.category(category).pk,
                amount=Decimal("500.00"),
                start_month=MONTHS[0],
            )
        book = Book(h)
        for step in steps:
            book.run(step)
        _check(h)
    finally:
        transaction.savepoint_rollback(savepoint)


def _check(h) -> None:
    ledger = h.ledger
    wallets = {w.pk: w.balance for w in selectors.wallets_of(ledger=ledger)}
    buckets = {b.pk: b.balance for b in selectors.buckets_of(ledger=ledger)}
    # Invariant 1, and each balance is the plain recomputation from the rows.
    assert sum(wallets.values()) == sum(buckets.values())
    by_wallet, by_bucket = defaultdict(Decimal), defaultdict(Decimal)
    for m in movements(ledger):
        by_wallet[m.wallet] += m.amount
        by_bucket[m.bucket] += m.amount
    assert wallets == {pk: by_wallet.get(pk, ZERO) for pk in wallets}
    assert buckets == {pk: by_bucket.get(pk, ZERO) for pk in buckets}
    assert rollup_drift(ledger_id=ledger.pk) == []

    # Invariant 2: an allocated income's parts (of its whole amount, split or not) are
    # positive and leave a non-negative rest in Unallocated.
    for tx in Transaction.objects.filter(ledger=ledger, allocation_status="allocated"):
        parts = list(Allocation.objects.filter(transaction=tx).values_list("amount", flat=True))
        assert all(p > 0 for p in parts)
        assert sum(parts, ZERO) <= tx.amount
    for tx_id, total in (
        TransactionSplit.objects.filter(transaction__ledger=ledger)
        .values_list("transaction_id", "transaction__amount")
        .distinct()
    ):
        lines = TransactionSplit.objects.filter(transaction_id=tx_id)
        assert sum(lines.values_list("amount", flat=True), ZERO) == total

    # Invariant 3: the reports and budgets equal sums over the lines and transactions.
    expected = expected_by_category(ledger)
    year = reports.yearly(ledger=ledger, scope=reports.Scope(), year=2025)
    for kind in ("income", "expense"):
        assert year["totals"][kind] == sum(
            (v for (k, _, _), v in expected.items() if k == kind), ZERO
        )
    assert {c["id"]: c["total"] for c in year["categories"]} == {
        category: total
        for category in {c for (_, _, c) in expected}
        if (total := sum((v for (_, _, c), v in expected.items() if c == category), ZERO))
    }
    for month in MONTHS:
        monthly = reports.monthly(
            ledger=ledger, scope=reports.Scope(), year=2025, month=month.month
        )
        assert {c["id"]: c["total"] for c in monthly["categories"]} == {
            c: v for (_, m, c), v in expected.items() if m == month and v
        }
        assert sum((d["expense"] for d in monthly["days"]), ZERO) == monthly["totals"]["expense"]
        status = planning.budget_status(ledger=ledger, month=month)
        assert {row["category"]: row["spent"] for row in status} == {
            h.category(name).pk: expected.get(("expense", month, h.category(name).pk), ZERO)
            for name in ("Groceries", "Leisure")
        }
