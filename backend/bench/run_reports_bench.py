"""Benchmark of the four reports (SPEC §5) and the three insights (SPEC §18: net worth, forecast,
trends) over HTTP, on PostgreSQL and Redis.

    cd backend && ../.venv/bin/python bench/run_reports_bench.py [--sizes 100000,1000000]
        [--samples 100] [--database-url postgres://postgres@127.0.0.1:5432/budget_reports_bench]
        [--redis-url redis://127.0.0.1:6379/14] [--currencies 3] [--reuse] [--explain]

For each size it drops and recreates the bench database and migrates it; sets up one user's
ledger through the API (3 wallets in the base currency EUR, plus with `--currencies 2/3` a
USD and a JPY wallet; 4 buckets with percents, 15 categories); COPYs a ledger rate of each
foreign currency for every day, N transactions dated 2016-01-01 … 2025-12-31 (amounts in
thousandths, SPEC §14: each with its currency and its base amount converted at its day's rate,
rounded once half away from zero, as the API does; cross-currency transfers with `to_amount`),
and the allocation rows of the split incomes, straight into the tables: one COPY per table in
one database transaction, the transactions streamed as they are generated, with the loaded
tables' non-unique indexes and foreign keys dropped before and made again after (a built
index, a foreign key checked by one join; the schema is compared with what it was). It then
rebuilds the rollup with `manage.py rollup_check --rebuild`, checks it with `manage.py
rollup_check` and runs VACUUM ANALYZE, timing each phase. `--reuse` skips all of that and
measures the database the last run built (one size; what it needs is recorded in
bench-results/reports-build-<database>.json). `--explain` also runs EXPLAIN (ANALYZE,
BUFFERS) of the queries behind page 1 of the list under each filter and behind the page
halfway through it by cursor (bench/explain_list.py) and stops on a sequential scan of
money_transaction. Then it times the reports on two
gunicorn servers (2 workers each): one uncached (REPORT_CACHE_SECONDS=0), one with the
default Redis cache; the transaction list of one year on the uncached one; page 1 of the list
under each filter, and the page halfway through it by number and by cursor, on the cached one;
and the bare GROUP BY over the raw rows through psycopg. Prints one Markdown table per size
and writes bench-results/reports.json. The database is kept for inspection; the Django-Q2
queue keys of the `bench` cluster are deleted from Redis. The helpers come from run_bench.py.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from run_bench import (
    BACKEND,
    EXPENSES,
    PASSWORD,
    RESULTS,
    Api,
    _pg_url,
    database_analyze,
    database_label,
    database_recreate,
    machine_facts,
    measure,
    percentile,
    redis_cleanup,
    rules_create,
    server_env,
    server_start,
    server_stop,
)

WARMUP = 10
BARE_RUNS = 10
COPY_CHUNK = 100_000
FIRST_DAY, LAST_DAY = date(2016, 1, 1), date(2025, 12, 31)
YEAR, MONTH = 2024, 6
CACHED_TARGET_MS = 5.0
LIST_TARGET_MS = 30.0
PAGE_TARGET_MS = 15.0  # page 1 of 50 of the list, each filter, the count cached by version
PAYEES = 200
RULES = 50
SPLIT_SHARE = 0.10  # of all transactions: expenses with 2-3 lines

EXTRA_EXPENSES = {  # added to run_bench's seven default expense categories
    "Insurance": (30, 900, ["Car insurance", "Home insurance"]),
    "Education": (15, 2000, ["Course", "Tuition", "School supplies"]),
    "Clothing": (10, 300, ["Shoes", "Jacket", "Clothes"]),
}
EXTRA_INCOMES = ["Freelance", "Interest"]  # added to Salary and Other income
BUCKETS = {"Essentials": "50.00", "Savings": "20.00", "Fun": "10.00", "Travel": "5.00"}
WALLETS = [
    {"name": "Checking", "kind": "virtual", "opening_balance": "5000.00"},
    {"name": "Cash", "kind": "physical", "opening_balance": "200.00"},
    {"name": "Savings account", "kind": "virtual"},
]
BASE = "EUR"  # the ledger's currency (a new ledger's default)
# Wallets in other currencies (--currencies N adds the first N - 1), no opening balance.
FOREIGN_WALLETS = [
    {"name": "US account", "kind": "virtual", "currency": "USD"},
    {"name": "Yen cash", "kind": "physical", "currency": "JPY"},
]
PLACES = {"EUR": 2, "USD": 2, "JPY": 0}  # minor units (budget.common.currencies)
# Base units per one unit, around which each day's ledger rate wanders; and the factor
# from a euro amount range to this currency's.
RATE_AROUND = {"USD": Decimal("0.91"), "JPY": Decimal("0.0064")}
SCALE = {"EUR": 1, "USD": 1, "JPY": 150}
FOREIGN_SHARE = 0.35  # of the rows in a wallet: in a foreign wallet when there are any
# Share of each kind; incomes split further into explicit bucket / allocated / pending.
MIX = {"expense": 0.78, "income": 0.12, "transfer": 0.08, "adjustment": 0.02}
INCOME_MIX = {"bucket": 0.30, "allocated": 0.68, "pending": 0.02}
COLUMNS = (
    "id",
    "ledger_id",
    "kind",
    "date",
    "amount",
    "description",
    "notes",
    "tags",
    "allocation_status",
    "created_at",
    "updated_at",
    "category_id",
    "wallet_id",
    "bucket_id",
    "from_wallet_id",
    "to_wallet_id",
    "from_bucket_id",
    "to_bucket_id",
    "external_id",  # NOT NULL without a database default: "" as Django writes it
    "payee_id",
    "currency",  # SPEC §14: the wallet's (a transfer's from_wallet's; else the base)
    "base_amount",  # thousandths of the base currency, converted once at the day's rate
    "to_amount",  # a transfer between wallets of different currencies: what arrived
    "foreign_amount",
    "foreign_currency",  # NOT NULL without a database default: ""
)
SPLIT_COLUMNS = (
    "id",
    "ledger_id",
    "transaction_id",
    "category_id",
    "bucket_id",
    "amount",
    "base_amount",
    "description",
    "position",
)
BARE = {  # the yardstick: the same sums straight over the raw rows
    "balances": """
        SELECT wallet, sum(amount) FROM (
            SELECT wallet_id AS wallet,
                   CASE WHEN kind = 'expense' THEN -amount ELSE amount END AS amount
              FROM money_transaction WHERE ledger_id = %(lid)s AND wallet_id IS NOT NULL
            UNION ALL
            SELECT from_wallet_id, -amount
              FROM money_transaction WHERE ledger_id = %(lid)s AND from_wallet_id IS NOT NULL
            UNION ALL
            SELECT to_wallet_id, COALESCE(to_amount, amount)
              FROM money_transaction WHERE ledger_id = %(lid)s AND to_wallet_id IS NOT NULL
        ) AS movements GROUP BY wallet""",
    "monthly": """
        SELECT date, kind, category_id, sum(base_amount) FROM money_transaction
         WHERE ledger_id = %(lid)s AND date BETWEEN '2024-06-01' AND '2024-06-30'
         GROUP BY 1, 2, 3""",
    "yearly": """
        SELECT date_trunc('month', date), kind, category_id, sum(base_amount) FROM money_transaction
         WHERE ledger_id = %(lid)s AND date BETWEEN '2024-01-01' AND '2024-12-31'
         GROUP BY 1, 2, 3""",
    "historical": """
        SELECT extract(year from date), kind, category_id, sum(base_amount) FROM money_transaction
         WHERE ledger_id = %(lid)s GROUP BY 1, 2, 3""",
    # Net worth per month end: every wallet movement up to the range's end, by month.
    "net_worth": """
        SELECT date_trunc('month', date), wallet_id,
               sum(CASE WHEN kind = 'expense' THEN -base_amount ELSE base_amount END)
          FROM money_transaction
         WHERE ledger_id = %(lid)s AND wallet_id IS NOT NULL AND date <= '2025-12-31'
         GROUP BY 1, 2""",
    # The forecast starts from today's net worth.
    "forecast": """
        SELECT sum(CASE WHEN kind = 'expense' THEN -base_amount ELSE base_amount END)
          FROM money_transaction WHERE ledger_id = %(lid)s AND wallet_id IS NOT NULL""",
    "trends": """
        SELECT date_trunc('month', date), kind, category_id, sum(base_amount) FROM money_transaction
         WHERE ledger_id = %(lid)s AND kind IN ('income', 'expense')
           AND date BETWEEN '2025-01-01' AND '2025-12-31'
         GROUP BY 1, 2, 3""",
}
# The checks (not timed): each wallet's booked base value from the rollup, and the net worth
# straight from the raw rows and the ledger's rates: each wallet's balance in its currency at
# the latest rate on or before today, rounded half away from zero (PostgreSQL's round on
# numeric) to the base's cents, a base wallet at its balance.
BOOKED = """
    SELECT wallet_id, sum(base_amount) FROM money_rollup
     WHERE ledger_id = %(lid)s GROUP BY wallet_id"""
NET_WORTH = f"""
    WITH balance AS ({BARE["balances"]}),
         latest AS (
             SELECT DISTINCT ON (currency) currency, rate FROM rates_ledgerrate
              WHERE ledger_id = %(lid)s AND date <= CURRENT_DATE ORDER BY currency, date DESC)
    SELECT sum(CASE WHEN w.currency = %(base)s THEN b.sum::numeric / 1000
                    ELSE round(b.sum::numeric / 1000 * l.rate, 2) END)
      FROM balance AS b JOIN money_wallet AS w ON w.id = b.wallet
      LEFT JOIN latest AS l ON l.currency = w.currency"""
# The templates the forecast runs on (made through the API, so their past occurrences exist).
TEMPLATES = [
    ("expense", "1200.00", "Rent", "monthly", 1),
    ("income", "3100.00", "Salary", "monthly", 1),
    ("expense", "85.00", "Market", "weekly", 1),
    ("expense", "12.99", "Streaming", "monthly", 1),
    ("expense", "640.00", "Car insurance", "yearly", 1),
]
LABELS = {
    "balances": "balances",
    "monthly": f"monthly {YEAR}-{MONTH:02d}",
    "yearly": f"yearly {YEAR}",
    "historical": "historical",
    "net_worth": "net-worth 2025-01…2025-12",
    "forecast": "forecast 12 months, typical",
    "trends": "trends 12 months",
    "transaction_list": f"transactions {YEAR}, page 1-5 of 50",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated row counts")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_REPORTS_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/budget_reports_bench",
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database the last run built (one size, same --currencies) "
        "without rebuilding it",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also EXPLAIN (ANALYZE, BUFFERS) page 1 of the list under each filter",
    )
    parser.add_argument(
        "--currencies",
        type=int,
        default=3,
        help="1: every wallet in EUR; 2: and a USD wallet; 3: and a JPY wallet",
    )
    args = parser.parse_args()
    if urlsplit(args.database_url).scheme not in {"postgres", "postgresql", "pgsql"}:
        parser.error(
            "the benchmark measures the production setup and needs PostgreSQL: pass "
            "--database-url postgres://USER@HOST:PORT/DBNAME (SQLite is not supported)."
        )
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes comma-separated integers, e.g. 100000,1000000.")
    if not 1 <= args.currencies <= 1 + len(FOREIGN_WALLETS):
        parser.error(f"--currencies is 1 to {1 + len(FOREIGN_WALLETS)}.")
    if args.reuse and len(args.sizes) != 1:
        parser.error("--reuse measures the one size the database holds: pass one --sizes.")
    if not args.sizes or min(args.sizes) < 1 or args.samples < 1:
        parser.error("--sizes and --samples must be at least 1.")
    return args


def allocation_rule():
    """budget.money.allocation (plain Python: the split rule, cent-exact). A script in bench/
    does not have the backend on its path, so it is put there first."""
    if str(BACKEND) not in sys.path:
        sys.path.insert(0, str(BACKEND))
    from budget.money import allocation

    return allocation


def convert(amount: Decimal, rate: Decimal, places: int) -> Decimal:
    """As budget.money.conversion.convert: `amount` times `rate` with 40 significant digits,
    rounded once, half away from zero, to `places` decimals."""
    with localcontext() as context:
        context.prec = 40
        return (amount * rate).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def lines_base(amounts: list[int], total: int, base_total: int) -> list[int]:
    """As budget.money.conversion.lines_base, in thousandths of a base of 2 places: the
    base total's cents shared in proportion to the lines' amounts by largest remainder."""
    if total == base_total:
        return list(amounts)
    whole = base_total // 10
    floors, order = [], []
    for index, amount in enumerate(amounts):
        floor, remainder = divmod(whole * amount, total)
        floors.append(floor)
        order.append((-remainder, index))
    for _, index in sorted(order)[: whole - sum(floors)]:
        floors[index] += 1
    return [f * 10 for f in floors]


def thousandths(value: Decimal | str) -> int:
    return int(Decimal(value).scaleb(3))


def uncached_target(size: int, report: str = "") -> float:
    if report == "monthly":  # its days come from the daily rollup: flat with the history
        return 30.0 if size <= 100_000 else 15.0
    return 30.0 if size <= 100_000 else 60.0


def load_1m() -> float:
    return round(os.getloadavg()[0], 2)


# --- Setting up the ledger through the API --------------------------------------------------


@dataclass
class Ledger:
    """The ids the generator needs, as the API answered them (strings)."""

    id: str
    wallets: list[str]  # the base currency's first, then the foreign ones
    currencies: dict[str, str]  # wallet id → currency
    buckets: list[str]  # the four buckets with a percent
    system_bucket: str
    shares: list  # budget.money.allocation.Share, in the order the worker splits by
    expenses: dict[str, tuple[str, int, int, list[str]]]  # name → (id, low, high, descriptions)
    incomes: list[str]  # Salary first
    transfer: str
    payees: list[str]


def ledger_setup(api: Api, *, rules: int = RULES, currencies: int = 1) -> Ledger:
    lid = api.ledger
    answer = api.call("GET", lid)
    if answer["currency"] != BASE:
        raise SystemExit(f"The bench expects a new ledger in {BASE}: {answer}")
    made = [
        api.call("POST", f"{lid}/wallets", 201, json={**body, "opening_date": str(FIRST_DAY)})
        for body in [*WALLETS, *FOREIGN_WALLETS[: currencies - 1]]
    ]
    wallets = [w["id"] for w in made]
    for name, percent in BUCKETS.items():
        api.call("POST", f"{lid}/buckets", 201, json={"name": name, "allocation_percent": percent})
    for name in EXTRA_EXPENSES:
        api.call("POST", f"{lid}/categories", 201, json={"name": name, "type": "expense"})
    for name in EXTRA_INCOMES:
        api.call("POST", f"{lid}/categories", 201, json={"name": name, "type": "income"})

    buckets = api.call("GET", f"{lid}/buckets", params={"page_size": 500})["items"]
    system = next(b["id"] for b in buckets if b["is_system"])
    user = sorted(
        (b for b in buckets if not b["is_system"]), key=lambda b: (b["created_at"], b["id"])
    )
    shares = [  # as services._allocate builds them: created_at, id order
        allocation_rule().Share(
            uuid.UUID(b["id"]),
            Decimal(b["allocation_percent"]),
            datetime.fromisoformat(b["created_at"]),
        )
        for b in user
    ]
    categories = api.call("GET", f"{lid}/categories", params={"page_size": 500})["items"]
    by_name = {c["name"]: c for c in categories}
    for kind, amount, description, frequency, interval in TEMPLATES:
        category = by_name["Salary" if kind == "income" else "Housing"]["id"]
        api.call(
            "POST",
            f"{lid}/recurring",
            201,
            json={
                "kind": kind,
                "amount": amount,
                "description": description,
                "wallet": wallets[0],
                "category": category,
                "frequency": frequency,
                "interval": interval,
                "start_date": "2025-12-01",
            },
        )
    incomes = [c["id"] for c in categories if c["type"] == "income"]
    incomes.sort(key=lambda cid: cid != by_name["Salary"]["id"])
    payees = [
        api.call("POST", f"{lid}/payees", 201, json={"name": f"Payee {n:03d}"})["id"]
        for n in range(PAYEES)
    ]
    rules_create(api, rules)
    return Ledger(
        id=lid.rsplit("/", 1)[-1],
        wallets=wallets,
        currencies={w["id"]: w["currency"] for w in made},
        buckets=[b["id"] for b in user],
        system_bucket=system,
        shares=shares,
        expenses={
            name: (by_name[name]["id"], low, high, descriptions)
            for name, (low, high, descriptions) in (EXPENSES | EXTRA_EXPENSES).items()
        },
        incomes=incomes,
        transfer=by_name["Transfer"]["id"],
        payees=payees,
    )


# --- Generating and copying the rows --------------------------------------------------------


class Rows:
    """Transactions as Django stores them (amounts in thousandths, UUID pks, allocation_status,
    tags '[]', currency and base_amount), with the allocation rows of split incomes computed
    by `split` from the base amount, the split lines with their base amounts, and a ledger
    rate of each foreign currency for every day."""

    def __init__(self, rng: random.Random, ledger: Ledger) -> None:
        self.rng = rng
        self.ledger = ledger
        self.split = allocation_rule().split
        days = (LAST_DAY - FIRST_DAY).days + 1
        self.days = [str(FIRST_DAY + timedelta(days=d)) for d in range(days)]
        self.expense_names = list(ledger.expenses)
        self.all_buckets = [*ledger.buckets, ledger.system_bucket]
        self.home = [w for w in ledger.wallets if ledger.currencies[w] == BASE]
        self.foreign = [w for w in ledger.wallets if ledger.currencies[w] != BASE]
        # (currency, day) → base units per unit: a walk around RATE_AROUND, 6 significant digits
        self.rates: dict[tuple[str, str], Decimal] = {}
        for currency in sorted({ledger.currencies[w] for w in self.foreign}):
            around, drift = RATE_AROUND[currency], 1.0
            step = Decimal(1).scaleb(around.adjusted() - 5)
            for day in self.days:
                drift = min(1.2, max(0.8, drift * (1 + rng.uniform(-0.004, 0.004))))
                self.rates[currency, day] = (around * Decimal(drift)).quantize(step)
        edges, total = [], 0.0
        for kind, share in MIX.items():
            total += share
            edges.append((total, kind))
        self.edges = edges
        self.counts: dict[str, int] = dict.fromkeys(
            [
                *MIX,
                *(f"income_{k}" for k in INCOME_MIX),
                "split",
                "split_lines",
                "foreign",
                "cross_currency_transfers",
            ],
            0,
        )
        # Splits come from expenses: this share of them makes SPLIT_SHARE of all rows.
        self.split_share = SPLIT_SHARE / MIX["expense"]

    def rate_rows(self) -> list[tuple]:
        """The rates_ledgerrate rows (id, ledger, currency, date, rate, created_at)."""
        stamp = f"{FIRST_DAY} 00:00:00+00"
        return [
            (self._uuid(), self.ledger.id, currency, day, rate, stamp)
            for (currency, day), rate in self.rates.items()
        ]

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _kind(self) -> str:
        roll = self.rng.random()
        for edge, kind in self.edges:
            if roll < edge:
                return kind
        return self.edges[-1][1]

    def _wallet(self) -> str:
        if self.foreign and self.rng.random() < FOREIGN_SHARE:
            return self.rng.choice(self.foreign)
        return self.rng.choice(self.home)

    def _amount(self, currency: str, low: float, high: float) -> int:
        """A random amount of `low`…`high` euros' worth in `currency`'s minor units, as
        thousandths."""
        unit = 10 ** PLACES[currency]
        scale = SCALE[currency]
        minor = self.rng.randint(int(low * scale * unit), int(high * scale * unit))
        return minor * 10 ** (3 - PLACES[currency])

    def _base(self, currency: str, day: str, amount: int) -> int:
        """The base amount of `amount` thousandths of `currency` on `day`, in thousandths."""
        if currency == BASE:
            return amount
        value = convert(Decimal(amount).scaleb(-3), self.rates[currency, day], PLACES[BASE])
        return thousandths(value)

    def _to_amount(self, source: str, target: str, day: str, amount: int) -> int:
        """What arrives in `target` for `amount` thousandths of `source`, through the day's
        rates, in `target`'s minor units (at least one)."""
        rate = {BASE: Decimal(1)}
        with localcontext() as context:
            context.prec = 40
            value = (
                Decimal(amount).scaleb(-3)
                * self.rates.get((source, day), rate.get(source))
                / self.rates.get((target, day), rate.get(target))
            )
        step = Decimal(1).scaleb(-PLACES[target])
        return thousandths(max(step, value.quantize(step, rounding=ROUND_HALF_UP)))

    def _lines(self, tx_id: str, amount: int, base: int, currency: str, bucket: str) -> list[tuple]:
        """2-3 split lines of `amount` thousandths (whole minor units of `currency`) in
        distinct expense categories, each with its share of `base`."""
        rng, ledger = self.rng, self.ledger
        unit = 10 ** (3 - PLACES[currency])
        names = rng.sample(self.expense_names, rng.choice((2, 3)))
        cuts = sorted(rng.sample(range(1, amount // unit), len(names) - 1))
        parts = [(b - a) * unit for a, b in zip([0, *cuts], [*cuts, amount // unit], strict=True)]
        bases = lines_base(parts, amount, base)
        return [
            (
                self._uuid(),
                ledger.id,
                tx_id,
                ledger.expenses[name][0],
                rng.choice(ledger.buckets) if rng.random() < 0.2 else None,
                part,
                part_base,
                "",
                position,
            )
            for position, (name, part, part_base) in enumerate(
                zip(names, parts, bases, strict=True)
            )
        ]

    def chunk(self, count: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
        rng, ledger = self.rng, self.ledger
        transactions, allocations, lines = [], [], []
        for _ in range(count):
            kind = self._kind()
            self.counts[kind] += 1
            day = rng.choice(self.days)
            micro = rng.randrange(86_400_000_000)
            seconds, micro = divmod(micro, 1_000_000)
            minutes, seconds = divmod(seconds, 60)
            hours, minutes = divmod(minutes, 60)
            stamp = f"{day} {hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}+00"
            tx_id = self._uuid()
            status = "not_applicable"
            category = wallet = bucket = to_amount = None
            from_wallet = to_wallet = from_bucket = to_bucket = payee = None
            currency = BASE
            if kind in ("expense", "income") and rng.random() < 0.9:
                payee = rng.choice(ledger.payees)
            if kind == "expense":
                name = rng.choice(self.expense_names)
                category, low, high, descriptions = ledger.expenses[name]
                wallet = self._wallet()
                currency = ledger.currencies[wallet]
                amount = self._amount(currency, low, high)
                base = self._base(currency, day, amount)
                description = rng.choice(descriptions)
                bucket = rng.choice(ledger.buckets) if rng.random() < 0.6 else ledger.system_bucket
                if amount >= 3000 and rng.random() < self.split_share:
                    split = self._lines(tx_id, amount, base, currency, bucket)
                    lines += split
                    category = None
                    self.counts["split"] += 1
                    self.counts["split_lines"] += len(split)
            elif kind == "income":
                salary = rng.random() < 0.6
                category = ledger.incomes[0] if salary else rng.choice(ledger.incomes[1:])
                description = "Salary" if salary else "Income"
                wallet = ledger.wallets[0] if rng.random() < 0.8 else self._wallet()
                currency = ledger.currencies[wallet]
                amount = self._amount(currency, 300, 2000)
                base = self._base(currency, day, amount)
                roll = rng.random()
                if roll < INCOME_MIX["bucket"]:
                    self.counts["income_bucket"] += 1
                    bucket = rng.choice(ledger.buckets)
                elif roll < INCOME_MIX["bucket"] + INCOME_MIX["allocated"]:
                    self.counts["income_allocated"] += 1
                    status = "allocated"
                    parts, _ = self.split(Decimal(base).scaleb(-3), ledger.shares)
                    allocations += [
                        (ledger.id, tx_id, str(bucket_id), thousandths(part))
                        for bucket_id, part in parts.items()
                    ]
                else:
                    self.counts["income_pending"] += 1
                    status = "pending"
            elif kind == "transfer":
                category = ledger.transfer
                if rng.random() < 0.5:
                    from_wallet = self._wallet()
                    to_wallet = rng.choice([w for w in ledger.wallets if w != from_wallet])
                    currency = ledger.currencies[from_wallet]
                    receiving = ledger.currencies[to_wallet]
                    amount = self._amount(currency, 1, 2000)
                    if receiving != currency:
                        to_amount = self._to_amount(currency, receiving, day, amount)
                        self.counts["cross_currency_transfers"] += 1
                    if receiving == BASE and to_amount is not None:
                        base = to_amount  # one side in the base: that side's amount
                    else:
                        base = self._base(currency, day, amount)
                    description = "Transfer"
                else:
                    amount = base = self._amount(BASE, 1, 2000)
                    from_bucket, to_bucket = rng.sample(self.all_buckets, 2)
                    description = "Move between buckets"
            else:
                wallet = self._wallet()
                currency = ledger.currencies[wallet]
                amount = self._amount(currency, 1, 2000) * rng.choice((1, -1))
                base = self._base(currency, day, amount)
                description = "Correction"
                bucket = rng.choice(ledger.buckets) if rng.random() < 0.3 else ledger.system_bucket
            self.counts["foreign"] += currency != BASE
            transactions.append(
                (
                    tx_id,
                    ledger.id,
                    kind,
                    day,
                    amount,
                    description,
                    "",
                    "[]",
                    status,
                    stamp,
                    stamp,
                    category,
                    wallet,
                    bucket,
                    from_wallet,
                    to_wallet,
                    from_bucket,
                    to_bucket,
                    "",
                    payee,
                    currency,
                    base,
                    to_amount,
                    None,
                    "",
                )
            )
        return transactions, allocations, lines


# The tables the bench COPYs into: their non-unique indexes and their foreign keys are dropped
# before the COPY and made again after it, set-based (a B-tree or GIN index built once from
# sorted rows, a foreign key checked by one join), instead of maintained row by row.
LOADED = ("money_transaction", "money_allocation", "money_transactionsplit", "rates_ledgerrate")
MAINTENANCE_WORK_MEM = "1GB"


def load_schema(conn: psycopg.Connection) -> tuple[list[str], list[str]]:
    """The statements that make the loaded tables' non-unique indexes and foreign keys (the
    unique ones stay: they check the generated ids), as the migrations made them."""
    indexes = [
        row[0]
        for row in conn.execute(
            "SELECT pg_get_indexdef(x.indexrelid) FROM pg_index AS x "
            "JOIN pg_class AS c ON c.oid = x.indexrelid "
            "WHERE x.indrelid = ANY(%s::regclass[]) AND NOT x.indisunique "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = x.indexrelid) "
            "ORDER BY c.relname",
            (list(LOADED),),
        )
    ]
    keys = [
        f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        for table, name, definition in conn.execute(
            "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY conname",
            (list(LOADED),),
        )
    ]
    return indexes, keys


def load_schema_drop(conn: psycopg.Connection) -> None:
    for (name,) in conn.execute(
        "SELECT x.indexrelid::regclass::text FROM pg_index AS x "
        "WHERE x.indrelid = ANY(%s::regclass[]) AND NOT x.indisunique "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = x.indexrelid)",
        (list(LOADED),),
    ).fetchall():
        conn.execute(f"DROP INDEX {name}")
    for table, name in conn.execute(
        "SELECT conrelid::regclass::text, quote_ident(conname) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
        (list(LOADED),),
    ).fetchall():
        conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")


def bulk_copy(database_url: str, rows: Rows, size: int) -> dict:
    """Generates the rates and `size` transactions in chunks and streams them into one COPY
    per table, in one database transaction, with the tables' non-unique indexes and foreign
    keys dropped first and made again after (`load_schema`); checks the schema came back as
    it was."""
    generating = copying = 0.0
    allocation_rows = 0
    with psycopg.connect(_pg_url(database_url), autocommit=True) as conn:
        conn.execute(f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        indexes, keys = load_schema(conn)
        started = time.perf_counter()
        with conn.transaction():
            load_schema_drop(conn)
        drop_seconds = time.perf_counter() - started
        rates = rows.rate_rows()
        with conn.transaction(), conn.cursor() as cursor:
            with cursor.copy(
                "COPY rates_ledgerrate (id, ledger_id, currency, date, rate, created_at) FROM STDIN"
            ) as copy:
                for row in rates:
                    copy.write_row(row)
            # The allocations and split lines wait in lists until their transactions are in
            # (a few hundred thousand small tuples at 1 000 000 rows); the transactions go
            # into the COPY as they are made.
            allocations: list[tuple] = []
            lines: list[tuple] = []
            with cursor.copy(f"COPY money_transaction ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for offset in range(0, size, COPY_CHUNK):
                    started = time.perf_counter()
                    transactions, chunk_allocations, chunk_lines = rows.chunk(
                        min(COPY_CHUNK, size - offset)
                    )
                    allocations += chunk_allocations
                    lines += chunk_lines
                    generating += time.perf_counter() - started
                    started = time.perf_counter()
                    for row in transactions:
                        copy.write_row(row)
                    copying += time.perf_counter() - started
                    print(f"  {offset + len(transactions)} rows", flush=True)
            started = time.perf_counter()
            with cursor.copy(
                "COPY money_allocation (ledger_id, transaction_id, bucket_id, amount) FROM STDIN"
            ) as copy:
                for row in allocations:
                    copy.write_row(row)
            with cursor.copy(
                f"COPY money_transactionsplit ({', '.join(SPLIT_COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in lines:
                    copy.write_row(row)
            copying += time.perf_counter() - started
            allocation_rows = len(allocations)
        print(f"  generated {generating:.1f} s, COPY {copying:.1f} s", flush=True)
        started = time.perf_counter()
        with conn.transaction():
            for statement in indexes:
                conn.execute(statement)
        index_seconds = time.perf_counter() - started
        print(f"  {len(indexes)} indexes built in {index_seconds:.1f} s", flush=True)
        started = time.perf_counter()
        with conn.transaction():
            for statement in keys:
                conn.execute(statement)
        key_seconds = time.perf_counter() - started
        print(f"  {len(keys)} foreign keys checked and made in {key_seconds:.1f} s", flush=True)
        if load_schema(conn) != (indexes, keys):
            raise SystemExit("The loaded tables' indexes or foreign keys did not come back.")
    return {
        "rows": size,
        "allocation_rows": allocation_rows,
        "seconds": round(generating + copying, 2),
        "generate_seconds": round(generating, 2),
        "copy_seconds": round(copying, 2),
        "drop_seconds": round(drop_seconds, 2),
        "index_seconds": round(index_seconds, 2),
        "indexes": len(indexes),
        "foreign_key_seconds": round(key_seconds, 2),
        "foreign_keys": len(keys),
        "rows_per_second": round(size / (generating + copying)),
        "chunk": COPY_CHUNK,
        "rate_rows": len(rates),
        "kinds": rows.counts,
    }


def manage(env: dict[str, str], *arguments: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(
            f"manage.py {' '.join(arguments)} exited with {done.returncode}:\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return seconds, done.stdout.strip()


# --- Measuring ------------------------------------------------------------------------------


def bare_timings(database_url: str, ledger_id: str) -> tuple[dict, dict]:
    """p50/p95 of each bare query over BARE_RUNS runs (after one untimed run), and the
    raw per-wallet sums (in thousandths of each wallet's currency) for checking the
    balances."""
    timings: dict[str, dict] = {}
    with psycopg.connect(_pg_url(database_url), autocommit=True) as conn:
        params = {"lid": ledger_id}
        raw = {str(w): total for w, total in conn.execute(BARE["balances"], params).fetchall()}
        for name, query in BARE.items():
            runs = []
            for _ in range(BARE_RUNS):
                started = time.perf_counter()
                conn.execute(query, params).fetchall()
                runs.append((time.perf_counter() - started) * 1000)
            timings[name] = {
                "p50_ms": round(percentile(runs, 0.50), 2),
                "p95_ms": round(percentile(runs, 0.95), 2),
                "runs": BARE_RUNS,
            }
    return timings, raw


def worth_sql(database_url: str, ledger_id: str) -> tuple[dict[str, int], Decimal]:
    """Each wallet's booked base value from the rollup (thousandths), and the net worth
    computed straight from the raw rows and the rates (SPEC §14)."""
    params = {"lid": ledger_id, "base": BASE}
    with psycopg.connect(_pg_url(database_url), autocommit=True) as conn:
        booked = {str(w): total for w, total in conn.execute(BOOKED, params).fetchall()}
        net_worth = conn.execute(NET_WORTH, params).fetchone()[0] or Decimal(0)
    return booked, net_worth


def balances_check(
    balances: dict, raw: dict[str, int], booked: dict[str, int], net_worth: Decimal
) -> dict:
    """Σ wallets' booked base value = Σ buckets (invariant 1, SPEC §14); each wallet's
    balance (its own currency) = its sum over the raw rows; net worth = the SQL's; the
    revaluation = the converted wallets' worth minus their booked base value."""
    wallets = balances["wallets"]
    booked_total = sum(booked.get(w["id"], 0) for w in wallets)
    buckets = sum(thousandths(b["balance"]) for b in balances["buckets"])
    per_wallet = {w["id"]: thousandths(w["balance"]) for w in wallets}
    if booked_total != buckets:
        raise SystemExit(
            f"Σ wallets' booked base value {booked_total} != Σ buckets {buckets} "
            f"(thousandths): {balances}"
        )
    if per_wallet != raw:
        raise SystemExit(f"Wallet balances {per_wallet} != sums over the raw rows {raw}")
    if Decimal(balances["net_worth"]) != net_worth:
        raise SystemExit(f"net_worth {balances['net_worth']} != the SQL's {net_worth}")
    foreign = [w for w in wallets if w["currency"] != balances["currency"]]
    revaluation = sum(
        (Decimal(w["balance_base"]) - Decimal(booked.get(w["id"], 0)).scaleb(-3) for w in foreign),
        Decimal(0),
    )
    if Decimal(balances["revaluation"]) != revaluation or balances["unconverted"]:
        raise SystemExit(f"revaluation {balances['revaluation']} != {revaluation}: {balances}")
    return {
        "sum_wallets_booked_base": f"{Decimal(booked_total).scaleb(-3):.2f}",
        "sum_buckets": f"{Decimal(buckets).scaleb(-3):.2f}",
        "net_worth": balances["net_worth"],
        "net_worth_sql": f"{net_worth:.2f}",
        "revaluation": balances["revaluation"],
        "wallets": {w["currency"] + " " + w["name"]: w["balance"] for w in wallets},
        "pending_allocation": balances["pending_allocation"],
        "wallets_equal_raw_rows": True,
    }


def reports(api: Api, ledger: Ledger, samples: int, *, vary: bool) -> dict:
    """The four reports; with `vary`, yearly and historical alternate no filter / one wallet."""
    base = f"{api.ledger}/reports"

    def filters(i: int) -> dict:
        if not vary or i % 2 == 0:
            return {}
        return {"wallet": ledger.wallets[(i // 2) % len(ledger.wallets)]}

    return {
        "balances": measure(lambda i: api.call("GET", f"{base}/balances"), samples, WARMUP),
        "monthly": measure(
            lambda i: api.call("GET", f"{base}/monthly", params={"year": YEAR, "month": MONTH}),
            samples,
            WARMUP,
        ),
        "yearly": measure(
            lambda i: api.call("GET", f"{base}/yearly", params={"year": YEAR, **filters(i)}),
            samples,
            WARMUP,
        ),
        "historical": measure(
            lambda i: api.call("GET", f"{base}/historical", params=filters(i)), samples, WARMUP
        ),
        "net_worth": measure(
            lambda i: api.call(
                "GET",
                f"{base}/net-worth",
                params={"from": "2025-01", "to": "2025-12", **filters(i)},
            ),
            samples,
            WARMUP,
        ),
        "forecast": measure(
            lambda i: api.call(
                "GET", f"{base}/forecast", params={"months": 12, "include_typical": "true"}
            ),
            samples,
            WARMUP,
        ),
        "trends": measure(
            lambda i: api.call("GET", f"{base}/trends", params={"months": 12, **filters(i)}),
            samples,
            WARMUP,
        ),
    }


def transaction_list(api: Api, samples: int) -> tuple[dict, int]:
    params = {"date_from": f"{YEAR}-01-01", "date_to": f"{YEAR}-12-31", "page_size": 50}
    count = api.call("GET", f"{api.ledger}/transactions", params=params)["count"]

    def page(i: int) -> None:
        answer = api.call("GET", f"{api.ledger}/transactions", params={**params, "page": i % 5 + 1})
        assert len(answer["items"]) == 50, answer

    return measure(page, samples, WARMUP), count


def list_filters(ledger: Ledger) -> dict[str, dict]:
    """Page 1 of 50 of the list under each filter a register or a search uses."""
    groceries = ledger.expenses["Groceries"][0]
    return {
        "none": {},
        "wallet": {"wallet": ledger.wallets[0]},  # with running_balance on every row
        "category": {"category": groceries},
        "payee": {"payee": ledger.payees[7]},
        "q": {"q": "shoes"},
        "amount": {"min_amount": "100.00", "max_amount": "150.00"},
    }


def list_pages(api: Api, ledger: Ledger, samples: int) -> dict:
    """p50/p95 of page 1 of 50 per filter, on the server with the cache: the count is
    computed by the first request after a write and cached under the ledger's version."""
    timings = {}
    for name, params in list_filters(ledger).items():
        query = {**params, "page_size": 50}

        def page(i: int, query=query) -> None:
            answer = api.call("GET", f"{api.ledger}/transactions", params=query)
            assert answer["items"], (query, answer)
            if "wallet" in query:
                assert answer["items"][0]["running_balance"] is not None, answer["items"][0]

        timings[name] = measure(page, samples, WARMUP)
    return timings


def deep_filters(ledger: Ledger) -> dict[str, dict]:
    """The lists whose page halfway through is measured: no filter, a wallet's register."""
    return {"none": {}, "wallet": {"wallet": ledger.wallets[0]}}


def halfway(api: Api, query: dict) -> tuple[int, dict]:
    """The number of the page halfway through the list, and the page before it (whose
    `next_cursor` leads to it)."""
    path = f"{api.ledger}/transactions"
    deep = max(2, api.call("GET", path, params=query)["count"] // 100)
    return deep, api.call("GET", path, params={**query, "page": deep - 1})


def deep_pages(api: Api, ledger: Ledger, samples: int) -> dict:
    """The page halfway through the list, by number (OFFSET: reads and drops every row
    before it) and by cursor (keyset: starts at its row in the index), with no filter and
    with a wallet's register; the cursor is the `next_cursor` of the page before it."""
    timings = {}
    path = f"{api.ledger}/transactions"
    for name, params in deep_filters(ledger).items():
        query = {**params, "page_size": 50}
        deep, before = halfway(api, query)
        by_number = api.call("GET", path, params={**query, "page": deep})["items"]
        by_cursor = api.call("GET", path, params={**query, "cursor": before["next_cursor"]})
        if [t["id"] for t in by_cursor["items"]] != [t["id"] for t in by_number]:
            raise SystemExit(f"page {deep} by cursor differs from page {deep} by number")

        def offset(i: int, query=query, deep=deep) -> None:
            assert api.call("GET", path, params={**query, "page": deep})["items"]

        def keyset(i: int, query=query, cursor=before["next_cursor"]) -> None:
            assert api.call("GET", path, params={**query, "cursor": cursor})["items"]

        timings[name] = {
            "page": deep,
            "offset": measure(offset, samples, WARMUP),
            "cursor": measure(keyset, samples, WARMUP),
        }
    return timings


def explain_pages(args: argparse.Namespace, api: Api, ledger: Ledger) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of page 1's queries under each filter and of the page
    halfway by cursor of the lists `deep_pages` measures (bench/explain_list.py,
    in process with the cached server's settings): filter → the page's queries and the count
    a first request after a write makes, each with its planning and execution time and the
    tables it reads sequentially. Refuses a plan that reads money_transaction sequentially."""
    env = server_env(args)
    env.pop("REPORT_CACHE_SECONDS", None)
    token = api.session.headers["Authorization"].removeprefix("Bearer ")
    filters = list_filters(ledger)
    for name, params in deep_filters(ledger).items():  # and the page halfway, by cursor
        _, before = halfway(api, {**params, "page_size": 50})
        filters[f"{name}, halfway by cursor"] = {**params, "cursor": before["next_cursor"]}
    done = subprocess.run(
        [
            sys.executable,
            "bench/explain_list.py",
            api.ledger,
            token,
            json.dumps(filters),
        ],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"bench/explain_list.py exited with {done.returncode}:\n{done.stderr}")
    plans = json.loads(done.stdout)
    for name, queries in plans.items():
        for query in queries:
            print(
                f"  {name:9} {'count' if query['count'] else 'page':5} planning "
                f"{query['planning_ms']:7.2f} ms, execution {query['execution_ms']:8.2f} ms, "
                f"seq scans: {', '.join(query['seq_scans']) or 'none'}",
                flush=True,
            )
    scans = [
        name for name, queries in plans.items() for q in queries if q["seq_scan_money_transaction"]
    ]
    if scans:
        raise SystemExit(f"A sequential scan of money_transaction under the filters {scans}.")
    return plans


def block(name: str, loads: dict, work):
    """Runs `work()`, recording the 1-minute load average before and after."""
    before = load_1m()
    print(f"  measuring {name} (load {before}) ...", flush=True)
    result = work()
    loads[name] = {"before": before, "after": load_1m()}
    return result


# --- One size -------------------------------------------------------------------------------


def state_path(args: argparse.Namespace) -> Path:
    """Where a build records what `--reuse` needs: the user, the ledger's ids, the build's
    figures."""
    return RESULTS / f"reports-build-{urlsplit(args.database_url).path.lstrip('/')}.json"


def build(
    args: argparse.Namespace, size: int, rng: random.Random, env: dict, api: Api, migrate: float
) -> dict:
    """Sets up the ledger through `api` (a new user), loads `size` transactions, rebuilds
    and checks the rollup and runs VACUUM ANALYZE; returns the state `--reuse` reads."""
    phases = {"migrate_seconds": migrate}
    started = time.perf_counter()
    email = f"reports-{size}-{int(time.time())}@example.com"
    api.sign_in(email)
    ledger = ledger_setup(api, currencies=args.currencies)
    phases["setup_seconds"] = time.perf_counter() - started

    print(f"Generating and COPYing {size} transactions (2016-2025) ...", flush=True)
    load = bulk_copy(args.database_url, Rows(rng, ledger), size)
    print(f"  {load['seconds']:.1f} s ({load['rows_per_second']} rows/s)", flush=True)
    rebuild_seconds, rebuild_out = manage(env, "rollup_check", "--rebuild")
    print(f"  rollup_check --rebuild: {rebuild_seconds:.1f} s", flush=True)
    check_seconds, check_out = manage(env, "rollup_check")
    if not check_out.endswith(", 0 drifted"):
        raise SystemExit(f"rollup_check found drift after the rebuild:\n{check_out}")
    print(f"  rollup_check: {check_seconds:.1f} s, {check_out}", flush=True)
    started = time.perf_counter()
    autovacuum = database_analyze(args.database_url)
    analyze_seconds = time.perf_counter() - started
    print(f"  VACUUM ANALYZE: {analyze_seconds:.1f} s", flush=True)
    state = {
        "size": size,
        "currencies": args.currencies,
        "seed": args.seed,
        "email": email,
        "ledger": {k: v for k, v in asdict(ledger).items() if k != "shares"},
        "load": load,
        "phases": {k: round(v, 2) for k, v in phases.items()},
        "autovacuum": autovacuum,
        "rollup_rebuild": {
            "command": "manage.py rollup_check --rebuild",
            "seconds": round(rebuild_seconds, 2),
            "output": rebuild_out.splitlines()[-2:],
        },
        "rollup_check": {
            "command": "manage.py rollup_check",
            "seconds": round(check_seconds, 2),
            "output": check_out,
        },
        "vacuum_analyze_seconds": round(analyze_seconds, 2),
    }
    state_path(args).write_text(json.dumps(state, indent=2) + "\n")
    return state


def reused(args: argparse.Namespace, size: int, api: Api) -> dict:
    """The state of the last build in the database (`--reuse`), its user signed in again;
    refuses a build of another size or currency count, or a database that changed."""
    path = state_path(args)
    if not path.exists():
        raise SystemExit(f"--reuse: no build recorded in {path}; run once without --reuse.")
    state = json.loads(path.read_text())
    if (state["size"], state["currencies"]) != (size, args.currencies):
        raise SystemExit(
            f"--reuse: the database holds {state['size']} rows in {state['currencies']} "
            f"currencies, not {size} in {args.currencies}; run without --reuse to rebuild."
        )
    tokens = api.call("POST", "/auth/token", json={"email": state["email"], "password": PASSWORD})
    api.session.headers["Authorization"] = f"Bearer {tokens['access']}"
    api.ledger = f"/ledgers/{state['ledger']['id']}"
    with psycopg.connect(_pg_url(args.database_url)) as conn:
        rows = conn.execute(
            "SELECT count(*) FROM money_transaction WHERE ledger_id = %s", (state["ledger"]["id"],)
        ).fetchone()[0]
    if rows < size:
        raise SystemExit(f"--reuse: the ledger holds {rows} transactions, not {size}; rebuild.")
    print(f"Reusing the build recorded in {path} ({rows} transactions).", flush=True)
    return state


def run_size(args: argparse.Namespace, size: int, rng: random.Random) -> dict:
    print(f"\n== {size} transactions ==", flush=True)
    name = urlsplit(args.database_url).path.lstrip("/")
    env = server_env(args)
    env.pop("REPORT_CACHE_SECONDS", None)
    migrate_seconds = 0.0
    if args.reuse:
        with psycopg.connect(_pg_url(args.database_url)) as conn:
            pg_version = conn.execute("SHOW server_version").fetchone()[0]
    else:
        print(f"Recreating {name} and migrating ...", flush=True)
        state_path(args).unlink(missing_ok=True)  # a build that stops half-way is not reused
        pg_version = database_recreate(args.database_url)
        migrate_seconds, _ = manage(env, "migrate", "--noinput", "-v", "0")
    uncached_env = {**env, "REPORT_CACHE_SECONDS": "0"}
    servers = []
    loads: dict[str, dict] = {}
    try:
        process, base = server_start(
            uncached_env, RESULTS / f"gunicorn-reports-{size}-uncached.log"
        )
        servers.append(process)
        api = Api(base)
        if args.reuse:
            state = reused(args, size, api)
        else:
            state = build(args, size, rng, env, api, migrate_seconds)
        ledger = Ledger(**state["ledger"], shares=[])
        with psycopg.connect(_pg_url(args.database_url)) as conn:
            rollup_rows = conn.execute(
                "SELECT count(*) FROM money_rollup WHERE ledger_id = %s", (ledger.id,)
            ).fetchone()[0]
            total_rows = conn.execute(
                "SELECT count(*) FROM money_transaction WHERE ledger_id = %s", (ledger.id,)
            ).fetchone()[0]
            year_rows = conn.execute(
                "SELECT count(*) FROM money_transaction WHERE ledger_id = %s "
                "AND date BETWEEN %s AND %s",
                (ledger.id, date(YEAR, 1, 1), date(YEAR, 12, 31)),
            ).fetchone()[0]
        if args.explain:
            explains = block("EXPLAIN list pages", loads, lambda: explain_pages(args, api, ledger))

        process, cached_base = server_start(env, RESULTS / f"gunicorn-reports-{size}-cached.log")
        servers.append(process)
        cached = Api(cached_base)
        cached.session.headers.update(api.session.headers)
        cached.ledger = api.ledger

        balances = api.call("GET", f"{api.ledger}/reports/balances")
        _, raw = bare_timings(args.database_url, ledger.id)  # also warms the buffers
        booked, net_worth = worth_sql(args.database_url, ledger.id)
        checks = balances_check(
            balances, {w: raw.get(w, 0) for w in ledger.wallets}, booked, net_worth
        )

        print(f"Measuring ({args.samples} samples after {WARMUP} warm-ups) ...", flush=True)
        uncached_m = block(
            "uncached reports", loads, lambda: reports(api, ledger, args.samples, vary=True)
        )
        list_m, list_count = block(
            "transaction list (uncached)", loads, lambda: transaction_list(api, args.samples)
        )
        if list_count != year_rows:
            raise SystemExit(f"The list counted {list_count} rows of {YEAR}, psql {year_rows}.")
        cached_m = block(
            "cached reports", loads, lambda: reports(cached, ledger, args.samples, vary=False)
        )
        pages_m = block(
            "list pages (count cached)", loads, lambda: list_pages(cached, ledger, args.samples)
        )
        deep_m = block(
            "deep list pages (offset, cursor)",
            loads,
            lambda: deep_pages(cached, ledger, args.samples),
        )
        floor_m = block(
            "HTTP floor",
            loads,
            lambda: measure(lambda i: cached.call("GET", "/health"), args.samples, WARMUP),
        )
        bare_m, _ = block(
            "bare GROUP BY", loads, lambda: bare_timings(args.database_url, ledger.id)
        )
    finally:
        for process in servers:
            server_stop(process)
        removed = redis_cleanup(args.redis_url)
        print(f"Removed {removed} Redis key(s) of the Django-Q2 'bench' queue.", flush=True)

    return {
        "size": size,
        "ledger_rows": total_rows,
        "rows_in_year": year_rows,
        "database": database_label(args.database_url),
        "machine": {**machine_facts(pg_version), "autovacuum": state["autovacuum"]},
        "reused": args.reuse,
        "load": state["load"],
        "phases": state["phases"],
        "rollup_rebuild": state["rollup_rebuild"],
        "rollup_check": state["rollup_check"],
        "vacuum_analyze_seconds": state["vacuum_analyze_seconds"],
        "explain": explains if args.explain else {},
        "rollup_rows": rollup_rows,
        "checks": {**checks, "list_count": list_count},
        "measurements": {
            "uncached": uncached_m,
            "cached": cached_m,
            "transaction_list_uncached": list_m,
            "list_pages": pages_m,
            "deep_pages": deep_m,
            "bare_group_by": bare_m,
            "http_floor_health": floor_m,
        },
        "targets": {
            "uncached_p50_ms": uncached_target(size),
            "cached_p50_ms": CACHED_TARGET_MS,
            "transaction_list_p50_ms": LIST_TARGET_MS,
            "list_page_p50_ms": PAGE_TARGET_MS,
        },
        "load_average_1m": loads,
    }


def table(result: dict) -> str:
    size, m = result["size"], result["measurements"]
    target = uncached_target(size)
    lines = [
        f"### {size:,} transactions".replace(",", " "),
        "",
        "| report | uncached p50 | uncached p95 | cached p50 | cached p95 | bare GROUP BY p50 "
        "| target | ok? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key in BARE:
        target = uncached_target(size, key)
        u, c, b = m["uncached"][key], m["cached"][key], m["bare_group_by"][key]
        missed = [
            label
            for label, value, limit in (("uncached", u, target), ("cached", c, CACHED_TARGET_MS))
            if value["p50_ms"] > limit
        ]
        label = LABELS[key] + (
            " ¹" if key in {"yearly", "historical", "net_worth", "trends"} else ""
        )
        lines.append(
            f"| {label} | {u['p50_ms']:.1f} | {u['p95_ms']:.1f} | {c['p50_ms']:.1f} | "
            f"{c['p95_ms']:.1f} | {b['p50_ms']:.1f} | uncached ≤ {target:.0f} ms, cached ≤ "
            f"{CACHED_TARGET_MS:.0f} ms | {'NO (' + ', '.join(missed) + ')' if missed else 'yes'} |"
        )
    t = m["transaction_list_uncached"]
    ok = "yes" if t["p50_ms"] <= LIST_TARGET_MS else "NO"
    lines.append(
        f"| {LABELS['transaction_list']} ² | {t['p50_ms']:.1f} | {t['p95_ms']:.1f} | - | - | - "
        f"| ≤ {LIST_TARGET_MS:.0f} ms | {ok} |"
    )
    lines += [
        "",
        "| transactions, page 1 of 50, count cached ³ | p50 | p95 | target | ok? |",
        "|---|---|---|---|---|",
    ]
    for name, value in m["list_pages"].items():
        ok = "yes" if value["p50_ms"] <= PAGE_TARGET_MS else "NO"
        lines.append(
            f"| filter: {name} | {value['p50_ms']:.1f} | {value['p95_ms']:.1f} "
            f"| ≤ {PAGE_TARGET_MS:.0f} ms | {ok} |"
        )
    lines += [
        "",
        "| page halfway through the list, count cached | by number (OFFSET) p50 | p95 "
        "| by cursor p50 | p95 | cursor target | ok? |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, deep in m["deep_pages"].items():
        o, c = deep["offset"], deep["cursor"]
        ok = "yes" if c["p50_ms"] <= PAGE_TARGET_MS else "NO"
        lines.append(
            f"| filter: {name}, page {deep['page']} of 50 | {o['p50_ms']:.1f} | "
            f"{o['p95_ms']:.1f} | {c['p50_ms']:.1f} | {c['p95_ms']:.1f} "
            f"| ≤ {PAGE_TARGET_MS:.0f} ms | {ok} |"
        )
    load, kinds = result["load"], result["load"]["kinds"]
    machine, loads = result["machine"], result["load_average_1m"]
    lines += [
        "",
        "Times in ms, p50/p95 of "
        f"{m['uncached']['balances']['samples']} HTTP requests after {WARMUP} warm-ups "
        f"(gunicorn 2 workers x 1 thread each); bare GROUP BY: p50 of {BARE_RUNS} runs "
        "through psycopg on the same database. ¹ uncached: alternating no filter / a wallet "
        f"filter. ² on the uncached server, so the count of the {result['rows_in_year']} rows "
        "of the year is computed on every request. ³ on the cached server: the count is "
        "cached under the ledger's version, the page itself is read each time; the wallet "
        "filter adds `running_balance` to every row. HTTP floor (GET /health: no auth, no "
        f"database) p50 {m['http_floor_health']['p50_ms']:.1f} ms, p95 "
        f"{m['http_floor_health']['p95_ms']:.1f} ms.",
        "",
        f"- Load: {load['rows']} transactions (+ {result['ledger_rows'] - load['rows']} opening "
        f"balances made through the API) and {load['allocation_rows']} allocation rows in "
        f"{load['seconds']:.1f} s ({load['rows_per_second']} rows/s; generating "
        f"{load['generate_seconds']:.1f} s, COPY {load['copy_seconds']:.1f} s in one "
        f"database transaction with the {load['indexes']} non-unique indexes and "
        f"{load['foreign_keys']} foreign keys of the loaded tables dropped; then the indexes "
        f"built in {load['index_seconds']:.1f} s and the foreign keys checked and made in "
        f"{load['foreign_key_seconds']:.1f} s; "
        + "".join(
            f"{label} {result['phases'][key]:.1f} s, "
            for key, label in (("migrate_seconds", "migrate"), ("setup_seconds", "setup"))
            if key in result["phases"]
        ).removesuffix(", ")
        + f"{'; this run reused that build (--reuse)' if result['reused'] else ''}). "
        f"Mix: {kinds['expense']} expenses, "
        f"{kinds['income']} incomes ({kinds['income_allocated']} split, "
        f"{kinds['income_bucket']} to a bucket, {kinds['income_pending']} pending), "
        f"{kinds['transfer']} transfers, {kinds['adjustment']} adjustments; "
        f"{kinds['split']} expenses split into {kinds['split_lines']} lines; "
        f"{kinds['foreign']} in a wallet not in {BASE} "
        f"({kinds['cross_currency_transfers']} transfers between currencies, with "
        f"to_amount), {load['rate_rows']} ledger rates (each foreign currency, every day); "
        f"{PAYEES} payees on 90 % of incomes and expenses; {RULES} active rules.",
        f"- Rollup rebuild (`manage.py rollup_check --rebuild`, incl. its drift pass and "
        f"Django start-up): {result['rollup_rebuild']['seconds']:.1f} s → "
        f"{result['rollup_rows']} rollup rows; check (`manage.py rollup_check`): "
        f'{result["rollup_check"]["seconds"]:.1f} s, "{result["rollup_check"]["output"]}"; '
        f"VACUUM ANALYZE {result['vacuum_analyze_seconds']:.1f} s.",
        f"- Balances: Σ wallets' booked base value (rollup) "
        f"{result['checks']['sum_wallets_booked_base']} = Σ buckets "
        f"{result['checks']['sum_buckets']}; net worth {result['checks']['net_worth']} "
        f"(revaluation {result['checks']['revaluation']}) = the SQL over the raw rows and "
        f"the rates; each wallet's balance in its currency equals its sum over the raw rows "
        f"({', '.join(f'{k} {v}' for k, v in result['checks']['wallets'].items())}). The "
        f"list's count ({result['checks']['list_count']}) equals psql's.",
        f"- Machine: nproc {machine['nproc']}, RAM {machine['ram']}, PostgreSQL "
        f"{machine['postgresql']}, Python {machine['python']} ({machine['platform']}); "
        f"autovacuum {machine['autovacuum']}.",
        "- 1-minute load average before → after each block (other work may share the "
        "machine): "
        + "; ".join(f"{name} {v['before']} → {v['after']}" for name, v in loads.items())
        + ".",
    ]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    out = RESULTS / "reports.json"
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "sizes": args.sizes,
            "samples": args.samples,
            "warmup": WARMUP,
            "bare_runs": BARE_RUNS,
            "seed": args.seed,
            "gunicorn": "2 workers x 1 thread, one server uncached, one with the Redis cache",
            "database": database_label(args.database_url),
            "dates": [str(FIRST_DAY), str(LAST_DAY)],
            "mix": MIX,
            "income_mix": INCOME_MIX,
            "currencies": [BASE, *(w["currency"] for w in FOREIGN_WALLETS)][: args.currencies],
        },
        "sizes": {},
    }
    tables = []
    for size in args.sizes:
        result = run_size(args, size, rng)
        results["sizes"][str(size)] = result
        out.write_text(json.dumps(results, indent=2) + "\n")
        tables.append(table(result))
        print()
        print(tables[-1])
    print()
    print("\n\n".join(tables))
    print()
    print(
        f"Results written to {out}. The database {database_label(args.database_url)} is kept "
        f"for inspection, with the last size ({args.sizes[-1]} rows); the next run recreates it."
    )


if __name__ == "__main__":
    main()
