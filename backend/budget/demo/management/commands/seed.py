"""Demo data: a realistic household and, on request, many more random transactions.

Everything goes through the money services (wallet_create, bucket_create, transactions_create,
incomes_allocate), so the demo ledger obeys the same rules and rollup as the API's writes.
"""

import calendar
import logging
import random
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from budget.accounts import services as account_services
from budget.accounts.models import User
from budget.ledgers.models import Ledger, Membership, Role
from budget.money import services
from budget.money.models import (
    Bucket,
    Category,
    CategoryType,
    Kind,
    Transaction,
    Wallet,
    WalletKind,
)
from budget.planning import services as planning

CHUNK = 1000
D = Decimal

# (name, kind, opening balance)
WALLETS = [
    ("Checking account", WalletKind.VIRTUAL, D("2500.00")),
    ("Savings account", WalletKind.VIRTUAL, D("8000.00")),
    ("Cash", WalletKind.PHYSICAL, D("150.00")),
    ("Loan to Sam", WalletKind.LOAN, None),
]
# Unallocated takes the remaining 10 %.
BUCKETS = [
    ("Essentials", D("50.00")),
    ("Savings", D("20.00")),
    ("Fun", D("10.00")),
    ("Emergency", D("10.00")),
]
# Expense category → (lowest, highest amount, bucket it is paid from, descriptions).
EXPENSES = {
    "Groceries": (
        18,
        140,
        "Essentials",
        ["Supermarket", "Farmers market", "Bakery", "Organic shop"],
    ),
    "Housing": (40, 300, "Essentials", ["Home repairs", "Furniture", "Cleaning supplies"]),
    "Utilities": (
        25,
        160,
        "Essentials",
        ["Electricity", "Water", "Internet", "Phone plan", "Heating"],
    ),
    "Transport": (2, 80, "Essentials", ["Fuel", "Train ticket", "Bus pass", "Parking", "Taxi"]),
    "Health": (10, 220, "Emergency", ["Pharmacy", "Dentist", "Doctor", "Glasses"]),
    "Leisure": (8, 150, "Fun", ["Cinema", "Restaurant", "Concert", "Books", "Streaming", "Bar"]),
    "Other expenses": (5, 120, None, ["Gift", "Haircut", "Post office", "Donation"]),
}
# Chosen so that, with incomes of 900-1500 split 50/20/10/10/10, every bucket roughly
# breaks even or grows.
EXPENSE_WEIGHTS = {
    "Groceries": 36,
    "Transport": 20,
    "Leisure": 12,
    "Other expenses": 10,
    "Utilities": 8,
    "Health": 6,
    "Housing": 4,
}
# Monthly limits per expense category, from the first month of the history.
BUDGETS = [("Groceries", D("450.00")), ("Leisure", D("180.00")), ("Transport", D("220.00"))]
# (description, kind, category, amount, day of the month): from next month on.
RECURRING = [
    ("Salary ACME GmbH", Kind.INCOME, "Salary", D("3780.00"), 25),
    ("Rent", Kind.EXPENSE, "Housing", D("1050.00"), 1),
    ("Internet", Kind.EXPENSE, "Utilities", D("39.99"), 12),
]
TAGS = ["family", "weekend", "work", "kids", "vacation", "online", "recurring", "birthday"]


def _months(start: date, end: date) -> Iterator[date]:
    month = start.replace(day=1)
    while month <= end:
        yield month
        month = (month + timedelta(days=32)).replace(day=1)


def _month_start(day: date, months: int) -> date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _day(month: date, day: int) -> date:
    return month.replace(day=min(day, calendar.monthrange(month.year, month.month)[1]))


def _cents(rng: random.Random, low: float, high: float) -> Decimal:
    return D(rng.randint(int(low * 100), int(high * 100))).scaleb(-2)


class Household:
    """Ids of what the demo ledger holds, by name, for building transaction rows."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        wallets = Wallet.objects.filter(ledger=ledger, archived=False).order_by("created_at", "id")
        self.wallets = {w.name: w for w in wallets}
        # Ordered, so that the same --seed picks the same rows.
        buckets = Bucket.objects.filter(ledger=ledger, archived=False).order_by("created_at", "id")
        self.buckets = {b.name: b for b in buckets}
        categories = Category.objects.filter(ledger=ledger, archived=False).order_by("name")
        self.categories = {c.name: c for c in categories}
        self.system = next(b for b in self.buckets.values() if b.is_system)

    def wallet(self, name: str) -> UUID:
        return self.wallets[name].pk

    def bucket(self, name: str | None) -> UUID | None:
        return self.buckets[name].pk if name in self.buckets else None

    def category(self, name: str) -> UUID:
        return self.categories[name].pk

    def of_type(self, type_: str) -> list[Category]:
        return [c for c in self.categories.values() if c.type == type_]


class Command(BaseCommand):
    help = (
        "Fills the demo user's ledger with a realistic household: wallets, buckets with "
        "percentages, opening balances and about --years years (ending today) of salary, rent, "
        "groceries, bills, transfers and a loan; every income is then allocated. Creates the "
        "demo user first when missing. Does nothing more when the ledger already has wallets, "
        "except topping it up to --transactions rows with random ones. Refused in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default=None, help="default: DEMO_USER_EMAIL")
        parser.add_argument(
            "--password", default=None, help="for a new user; default: DEMO_USER_PASSWORD"
        )
        parser.add_argument(
            "--transactions",
            type=int,
            default=None,
            help="top the ledger up to this many transactions with random realistic rows",
        )
        parser.add_argument("--years", type=int, default=2, help="history length (default 2)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("Demo data is for local use only; refusing in production.")
        if options["years"] < 1:
            raise CommandError("--years must be at least 1.")
        if options["transactions"] is not None and options["transactions"] < 0:
            raise CommandError("--transactions cannot be negative.")
        started = time.perf_counter()
        rng = random.Random(options["seed"])
        email = options["email"] or settings.DEMO_USER_EMAIL
        ledger = self._ledger(email, options["password"] or settings.DEMO_USER_PASSWORD)
        self.end = timezone.localdate()
        self.start = self.end - timedelta(days=round(365.25 * options["years"]))

        before = Transaction.objects.filter(ledger=ledger).count()
        # Each chunk of incomes also enqueues its allocation task; allocating right here
        # leaves those tasks nothing to do, so their "Enqueued" log lines are only noise.
        q_logger = logging.getLogger("django-q")
        q_level = q_logger.level
        q_logger.setLevel(max(q_level, logging.WARNING))
        try:
            if not Wallet.objects.filter(ledger=ledger).exists():
                self._household_create(ledger)
                self._create(ledger, self._history(Household(ledger), rng))
                self._planning_create(Household(ledger))
            target = options["transactions"]
            existing = Transaction.objects.filter(ledger=ledger).count()
            if target is not None and target > existing:
                self._create(ledger, self._random_rows(ledger, rng, target - existing))
            allocated = services.incomes_allocate(ledger=ledger)
        finally:
            q_logger.setLevel(q_level)

        total = Transaction.objects.filter(ledger=ledger).count()
        seconds = time.perf_counter() - started
        if total == before and not allocated:
            self.stdout.write(
                f"{email}'s ledger '{ledger.name}' is already seeded ({total} transactions); "
                "nothing to do."
            )
            return
        wallets = Wallet.objects.filter(ledger=ledger).count()
        buckets = Bucket.objects.filter(ledger=ledger).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {email}'s ledger '{ledger.name}': {wallets} wallets, {buckets} buckets, "
                f"{total} transactions ({total - before} new, {allocated} incomes allocated) "
                f"in {seconds:.1f} s."
            )
        )

    # --- The ledger -----------------------------------------------------------------------

    def _ledger(self, email: str, password: str) -> Ledger:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = account_services.user_register(
                email=email, password=password, full_name="Demo Family", email_verified=True
            )
            self.stdout.write(f"Registered {email}.")
        if user.default_ledger_id:
            return user.default_ledger
        membership = (
            Membership.objects.filter(user=user, role=Role.OWNER)
            .select_related("ledger")
            .order_by("created_at")
            .first()
        )
        if membership is None:
            raise CommandError(f"{email} owns no ledger to seed.")
        return membership.ledger

    def _household_create(self, ledger: Ledger) -> None:
        for name, kind, opening in WALLETS:
            services.wallet_create(
                ledger=ledger,
                name=name,
                kind=kind,
                opening_balance=opening,
                opening_date=self.start,
            )
        for name, percent in BUCKETS:
            services.bucket_create(ledger=ledger, name=name, allocation_percent=percent)

    def _create(self, ledger: Ledger, rows: list[dict[str, Any]]) -> None:
        rows.sort(key=lambda row: row["date"])  # created_at then follows the dates
        for offset in range(0, len(rows), CHUNK):
            services.transactions_create(
                ledger=ledger, items=rows[offset : offset + CHUNK], bulk=True
            )

    def _planning_create(self, h: Household) -> None:
        """Budgets, goals and the fixed monthly payments from next month on (the history
        already holds this month's), so the planning page has something to show."""
        for category, limit in BUDGETS:
            planning.budget_create(
                ledger=h.ledger,
                category=h.category(category),
                amount=limit,
                start_month=self.start.replace(day=1),
            )
        planning.goal_create(
            ledger=h.ledger,
            name="Summer holiday",
            bucket=h.bucket("Fun"),
            target_amount=D("7500.00"),
            target_date=_month_start(self.end, 8),
        )
        planning.goal_create(
            ledger=h.ledger,
            name="Emergency fund",
            bucket=h.bucket("Emergency"),
            target_amount=D("15000.00"),
        )
        next_month = _month_start(self.end, 1)
        for description, kind, category, amount, day in RECURRING:
            planning.recurring_create(
                ledger=h.ledger,
                kind=kind,
                amount=amount,
                description=description,
                category=h.category(category),
                wallet=h.wallet("Checking account"),
                frequency="monthly",
                interval=1,
                start_date=_day(next_month, day),
                active=True,
            )

    # --- The household's history ------------------------------------------------------------

    def _history(self, h: Household, rng: random.Random) -> list[dict[str, Any]]:
        checking, savings, cash = (
            h.wallet("Checking account"),
            h.wallet("Savings account"),
            h.wallet("Cash"),
        )
        rows: list[dict[str, Any]] = []

        def add(on: date, kind: str, amount: Decimal, description: str, **refs: Any) -> None:
            if self.start <= on <= self.end:
                rows.append(
                    {
                        "kind": kind,
                        "date": on,
                        "amount": amount,
                        "description": description,
                        "tags": refs.pop("tags", []),
                        **refs,
                    }
                )

        def expense(on: date, category: str, amount: Decimal, description: str, **refs) -> None:
            bucket = EXPENSES[category][2] if category in EXPENSES else "Essentials"
            refs.setdefault("wallet", checking)
            add(
                on,
                Kind.EXPENSE,
                amount,
                description,
                category=h.category(category),
                bucket=h.bucket(bucket),
                **refs,
            )

        salary = D("3600.00")
        for month in _months(self.start, self.end):
            if month.month == 1 and month > self.start:
                salary += D("90.00")  # a yearly raise
            add(
                _day(month, 25),
                Kind.INCOME,
                salary,
                "Salary ACME GmbH",
                wallet=checking,
                category=h.category("Salary"),
                tags=["salary"],
            )
            expense(_day(month, 1), "Housing", D("1050.00"), "Rent", tags=["rent"])
            expense(_day(month, 3), "Utilities", _cents(rng, 60, 140), "Electricity and heating")
            expense(_day(month, 12), "Utilities", D("39.99"), "Internet")
            expense(_day(month, 15), "Utilities", D("24.90"), "Phone plan")
            expense(_day(month, 5), "Transport", D("49.00"), "Monthly bus pass", tags=["commute"])
            for _ in range(rng.randint(1, 3)):
                expense(_day(month, rng.randint(1, 28)), "Transport", _cents(rng, 35, 75), "Fuel")
            for _ in range(rng.randint(2, 4)):
                expense(
                    _day(month, rng.randint(1, 28)),
                    "Leisure",
                    _cents(rng, 12, 90),
                    rng.choice(EXPENSES["Leisure"][3]),
                    tags=[rng.choice(["weekend", "family"])] if rng.random() < 0.4 else [],
                )
            if rng.random() < 0.3:
                expense(
                    _day(month, rng.randint(1, 28)),
                    "Health",
                    _cents(rng, 15, 180),
                    rng.choice(EXPENSES["Health"][3]),
                )
            add(
                _day(month, 26),
                Kind.TRANSFER,
                D("400.00"),
                "Monthly savings",
                from_wallet=checking,
                to_wallet=savings,
                category=h.category("Transfer"),
                tags=["savings"],
            )
            add(
                _day(month, 2),
                Kind.TRANSFER,
                D("200.00"),
                "Cash withdrawal",
                from_wallet=checking,
                to_wallet=cash,
                category=h.category("Transfer"),
            )
        week = self.start + timedelta(days=(5 - self.start.weekday()) % 7)  # Saturdays
        while week <= self.end:
            paid_cash = rng.random() < 0.3
            expense(
                week,
                "Groceries",
                _cents(rng, 45, 130),
                "Weekly shop",
                wallet=cash if paid_cash else checking,
                tags=["weekly-shop"],
            )
            if rng.random() < 0.5:
                expense(
                    week + timedelta(days=3), "Groceries", _cents(rng, 6, 25), "Bakery", wallet=cash
                )
            week += timedelta(days=7)

        # A loan to a friend and its partial repayment.
        loan = h.wallet("Loan to Sam")
        lent_on = self.start + (self.end - self.start) / 3
        add(
            lent_on,
            Kind.TRANSFER,
            D("1500.00"),
            "Lent to Sam for his car",
            from_wallet=checking,
            to_wallet=loan,
            category=h.category("Loan"),
            tags=["sam"],
        )
        add(
            lent_on + timedelta(days=90),
            Kind.TRANSFER,
            D("600.00"),
            "Sam paid back part",
            from_wallet=loan,
            to_wallet=checking,
            category=h.category("Loan"),
            tags=["sam"],
        )
        # Moving money between envelopes.
        add(
            self.start + timedelta(days=40),
            Kind.TRANSFER,
            D("300.00"),
            "Top up emergency fund",
            from_bucket=h.system.pk,
            to_bucket=h.bucket("Emergency"),
        )
        add(
            self.end - timedelta(days=60),
            Kind.TRANSFER,
            D("150.00"),
            "Fun money to savings",
            from_bucket=h.bucket("Fun"),
            to_bucket=h.bucket("Savings"),
            tags=["vacation"],
        )
        # A yearly bonus, split like the salary.
        for year in range(self.start.year, self.end.year + 1):
            add(
                date(year, 12, 15),
                Kind.INCOME,
                D("1200.00"),
                "Year-end bonus",
                wallet=checking,
                category=h.category("Other income"),
                tags=["bonus"],
            )
        return rows

    # --- Random top-up ----------------------------------------------------------------------

    def _random_rows(self, ledger: Ledger, rng: random.Random, count: int) -> list[dict[str, Any]]:
        """`count` random rows: ~87 % expenses, ~8 % incomes (left for the split), ~5 %
        transfers between wallets or buckets; whatever wallets, buckets and categories the
        ledger has."""
        h = Household(ledger)
        wallets = list(h.wallets.values())
        spending = [w for w in wallets if w.kind != WalletKind.LOAN] or wallets
        if not spending:
            raise CommandError("The ledger has no active wallet to put transactions in.")
        # Incomes land in the main account, most spending leaves it, and transfers mostly
        # feed the other wallets from it, so no wallet drifts far below zero.
        main = next((w for w in spending if w.kind == WalletKind.VIRTUAL), spending[0]).pk
        cash = next((w.pk for w in spending if w.kind == WalletKind.PHYSICAL), main)
        others = [w.pk for w in spending if w.pk != main]
        incomes = h.of_type(CategoryType.INCOME)
        expenses = h.of_type(CategoryType.EXPENSE)
        if not incomes or not expenses:
            raise CommandError("The ledger needs an active income and an active expense category.")
        neutral = h.of_type(CategoryType.NEUTRAL)
        buckets = [b.pk for b in h.buckets.values()]
        weights = [EXPENSE_WEIGHTS.get(c.name, 5) for c in expenses]
        days = (self.end - self.start).days

        rows = []
        for _ in range(count):
            on = self.start + timedelta(days=rng.randint(0, days))
            roll = rng.random()
            if roll < 0.08:
                # Sized so that incomes roughly cover the expenses around them.
                category = rng.choice(incomes)
                row = {
                    "kind": Kind.INCOME,
                    "amount": _cents(rng, 900, 1500),
                    "wallet": main,
                    "category": category.pk,
                    "description": "Salary" if category.name == "Salary" else "Side job",
                }
            elif roll < 0.12 and others:
                source, target = main, rng.choice(others)
                if rng.random() < 0.2:
                    source, target = target, source
                row = {
                    "kind": Kind.TRANSFER,
                    "amount": _cents(rng, 50, 800),
                    "from_wallet": source,
                    "to_wallet": target,
                    "description": "Transfer",
                }
                if neutral and rng.random() < 0.5:
                    row["category"] = rng.choice(neutral).pk
            elif roll < 0.13 and len(buckets) > 1:
                source, target = rng.sample(buckets, 2)
                row = {
                    "kind": Kind.TRANSFER,
                    "amount": _cents(rng, 20, 300),
                    "from_bucket": source,
                    "to_bucket": target,
                    "description": "Moved between buckets",
                }
            else:
                category = rng.choices(expenses, weights)[0]
                low, high, bucket, descriptions = EXPENSES.get(
                    category.name, (5, 120, None, [category.name])
                )
                row = {
                    "kind": Kind.EXPENSE,
                    "amount": _cents(rng, low, high),
                    "wallet": cash if rng.random() < 0.07 else main,
                    "category": category.pk,
                    "bucket": h.bucket(bucket),
                    "description": rng.choice(descriptions),
                }
            row["date"] = on
            row["tags"] = [rng.choice(TAGS)] if rng.random() < 0.15 else []
            rows.append(row)
        return rows
