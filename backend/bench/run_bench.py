"""Benchmark of the money API over HTTP, against PostgreSQL and Redis (`make bench`).

    cd backend && ../.venv/bin/python bench/run_bench.py [--transactions 100000] [--ledgers 20]
        [--samples 200] [--database-url postgres://postgres@127.0.0.1:5432/budget_bench]
        [--redis-url redis://127.0.0.1:6379/14]

It drops and recreates the bench database, migrates it, starts gunicorn (2 workers), and then
only talks HTTP: registers users, sets up their wallets and buckets, bulk-loads transactions
and times single requests. Prints a Markdown table and writes bench-results/money.json at the
repository root. The database is kept for inspection; the Django-Q2 queue of the `bench`
cluster (which nobody consumes) is deleted from Redis.
"""

import argparse
import json
import math
import os
import platform
import random
import socket
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
import requests
from psycopg import sql

BACKEND = Path(__file__).resolve().parent.parent
RESULTS = BACKEND.parent / "bench-results"
CLUSTER = "bench"
PASSWORD = "bench-Password-2026!"
CHUNK = 1000
SMALL_LEDGER_ROWS = 2000
WARMUP = 20
# (measurement key, label, target p50 in ms)
TARGETS = {
    "income_create": ("POST one income (no bucket)", 15.0),
    "transaction_page": ("GET filtered page of 50 transactions", 15.0),
    "wallet_balances": ("GET wallets (balances)", 15.0),
    "bucket_balances": ("GET buckets (balances)", 15.0),
}
BULK_TARGET_SECONDS = 60.0

EXPENSES = {  # category → (lowest, highest amount, descriptions)
    "Groceries": (8, 140, ["Supermarket", "Bakery", "Farmers market"]),
    "Housing": (40, 1100, ["Rent", "Repairs", "Furniture"]),
    "Utilities": (20, 160, ["Electricity", "Water", "Internet", "Phone"]),
    "Transport": (2, 80, ["Fuel", "Train ticket", "Bus pass", "Taxi"]),
    "Health": (10, 220, ["Pharmacy", "Dentist", "Doctor"]),
    "Leisure": (8, 150, ["Cinema", "Restaurant", "Concert", "Books"]),
    "Other expenses": (5, 120, ["Gift", "Haircut", "Post office"]),
}
TAGS = ["family", "weekend", "work", "kids", "vacation", "online"]


def parse_args(parser: argparse.ArgumentParser | None = None) -> argparse.Namespace:
    """The bench's options; another bench passes its own parser to add options of its own."""
    parser = parser or argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--ledgers", type=int, default=20)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/budget_bench"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if urlsplit(args.database_url).scheme not in {"postgres", "postgresql", "pgsql"}:
        parser.error(
            "the benchmark measures the production setup and needs PostgreSQL: pass "
            "--database-url postgres://USER@HOST:PORT/DBNAME (SQLite is not supported)."
        )
    if args.ledgers < 1 or args.transactions < 1 or args.samples < 1:
        parser.error("--ledgers, --transactions and --samples must be at least 1.")
    return args


# --- Database, server ---------------------------------------------------------------------


def database_recreate(database_url: str) -> str:
    """Drops and recreates the database named in the URL; returns the server's version."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name or name == "postgres":
        raise SystemExit("Name a dedicated bench database in --database-url, not 'postgres'.")
    admin = _pg_url(database_url, path="/postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return conn.execute("SHOW server_version").fetchone()[0]


def database_analyze(database_url: str) -> str:
    """VACUUM ANALYZE the bench database; returns the server's autovacuum setting.

    Right after a bulk load the planner has no statistics for the new rows and guesses
    badly (it takes a filtered COUNT for one row); autovacuum would analyze within about a
    minute, and a server with autovacuum off never would. Measuring after an explicit
    ANALYZE gives the steady state a running installation is in."""
    with psycopg.connect(_pg_url(database_url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        return conn.execute("SHOW autovacuum").fetchone()[0]


def _pg_url(database_url: str, **replace: str) -> str:
    return urlunsplit(urlsplit(database_url)._replace(scheme="postgresql", **replace))


def server_env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "Q_CLUSTER_NAME": CLUSTER,
        "AUTH_THROTTLE_IP_RATE": "100000/min",
        "AUTH_THROTTLE_EMAIL_RATE": "100000/min",
        "ACCESS_TOKEN_MINUTES": "600",
        "LOG_LEVEL": "WARNING",
    }


def database_label(database_url: str) -> str:
    """host:port/name, without credentials."""
    parts = urlsplit(database_url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(
    env: dict[str, str],
    log_path: Path,
    *,
    timeout: int | None = None,
    extra: tuple[str, ...] = (),
) -> tuple[subprocess.Popen, str]:
    """gunicorn, 2 sync workers, on a free port of 127.0.0.1 (`timeout`: its worker timeout,
    as the images set it; `extra`: more gunicorn flags); waits up to 120 s for /health, with
    patience for a first request on a busy machine."""
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "1"),
            *(("--timeout", str(timeout)) if timeout else ()),
            *extra,
        ],
        cwd=BACKEND,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log_path}.")
        try:
            if requests.get(f"{base}/health", timeout=10).status_code == 200:
                return process, base
        except requests.RequestException:  # not listening yet, or busy starting
            pass
        time.sleep(0.2)
    server_stop(process)
    raise SystemExit(f"gunicorn did not answer /health within 120 s; see {log_path}.")


def server_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- The API ------------------------------------------------------------------------------


class Api:
    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def call(self, method: str, path: str, expect: int = 200, **kwargs):
        response = self.session.request(method, self.base + path, timeout=300, **kwargs)
        if response.status_code != expect:
            raise SystemExit(
                f"{method} {path} answered {response.status_code}, expected {expect}: "
                f"{response.text[:1000]}"
            )
        return response.json() if response.content else None

    def sign_in(self, email: str) -> "Api":
        user = self.call("POST", "/auth/register", 201, json={"email": email, "password": PASSWORD})
        tokens = self.call("POST", "/auth/token", json={"email": email, "password": PASSWORD})
        self.session.headers["Authorization"] = f"Bearer {tokens['access']}"
        self.ledger = f"/ledgers/{user['default_ledger_id']}"
        return self


class Household:
    """One ledger's wallets, buckets and categories, set up through the API."""

    def __init__(self, api: Api, wallets: int) -> None:
        self.api = api
        lid = api.ledger
        self.wallets = [
            api.call("POST", f"{lid}/wallets", 201, json=body)["id"]
            for body in [
                {"name": "Checking", "kind": "virtual", "opening_balance": "5000.00"},
                {"name": "Cash", "kind": "physical", "opening_balance": "200.00"},
                {"name": "Savings account", "kind": "virtual"},
            ][:wallets]
        ]
        self.buckets = [
            api.call("POST", f"{lid}/buckets", 201, json=body)["id"]
            for body in [
                {"name": "Essentials", "allocation_percent": "50.00"},
                {"name": "Savings", "allocation_percent": "20.00"},
                {"name": "Fun", "allocation_percent": "10.00"},
            ]
        ]
        categories = api.call("GET", f"{lid}/categories", params={"page_size": 500})["items"]
        self.categories = {c["name"]: c["id"] for c in categories}
        self.incomes = [c["id"] for c in categories if c["type"] == "income"]

    def rows(self, rng: random.Random, count: int, today: date) -> list[dict]:
        """~87 % expenses, ~8 % incomes without a bucket (split later), ~5 % transfers,
        dated over the two years up to today."""
        expense_names = list(EXPENSES)
        rows = []
        for _ in range(count):
            roll = rng.random()
            row: dict = {"date": (today - timedelta(days=rng.randint(0, 730))).isoformat()}
            if roll < 0.08:
                row |= {
                    "kind": "income",
                    "amount": cents(rng, 900, 1500),
                    "wallet": self.wallets[0],
                    "category": rng.choice(self.incomes),
                    "description": "Salary",
                }
            elif roll < 0.13:
                source, target = rng.sample(self.wallets, 2)
                row |= {
                    "kind": "transfer",
                    "amount": cents(rng, 20, 800),
                    "from_wallet": source,
                    "to_wallet": target,
                    "category": self.categories["Transfer"],
                    "description": "Transfer",
                }
            else:
                name = rng.choice(expense_names)
                low, high, descriptions = EXPENSES[name]
                row |= {
                    "kind": "expense",
                    "amount": cents(rng, low, high),
                    "wallet": rng.choice(self.wallets),
                    "category": self.categories[name],
                    "description": rng.choice(descriptions),
                }
                if rng.random() < 0.6:
                    row["bucket"] = rng.choice(self.buckets)
            if rng.random() < 0.15:
                row["tags"] = [rng.choice(TAGS)]
            rows.append(row)
        return rows

    def bulk_load(self, rows: list[dict]) -> float:
        started = time.perf_counter()
        for offset in range(0, len(rows), CHUNK):
            chunk = rows[offset : offset + CHUNK]
            created = self.api.call(
                "POST", f"{self.api.ledger}/transactions/bulk", 201, json={"items": chunk}
            )
            assert len(created) == len(chunk)
        return time.perf_counter() - started


def cents(rng: random.Random, low: int, high: int) -> str:
    value = rng.randint(low * 100, high * 100)
    return f"{value // 100}.{value % 100:02d}"


# --- Measuring ----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def measure(request, samples: int, warmup: int = WARMUP) -> dict[str, float]:
    """Times `request(i)` `samples` times after `warmup` untimed calls."""
    for i in range(warmup):
        request(i)
    timings = []
    for i in range(samples):
        started = time.perf_counter()
        request(i)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(percentile(timings, 0.50), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "max_ms": round(max(timings), 2),
        "samples": samples,
    }


RULE_WORDS = ("market", "rent", "fuel", "pharmacy", "cinema", "salary", "bakery", "train")


def rules_create(api: Api, count: int) -> None:
    """`count` active rules of every kind of condition; their actions add a tag and fill the
    notes, so every row stays valid whatever matches."""
    ops = ("is", "contains", "starts_with", "ends_with", "matches")
    for n in range(count):
        word = RULE_WORDS[n % len(RULE_WORDS)]
        op = ops[n % len(ops)]
        value = rf"(^|\s){word}\w*\s*\d*$" if op == "matches" else word
        conditions = [{"field": "description", "op": op, "value": value}]
        if n % 3 == 0:
            conditions.append({"field": "amount", "op": "between", "value": ["1.00", "500.00"]})
        if n % 4 == 0:
            conditions.append({"field": "kind", "op": "is_not", "value": "adjustment"})
        api.call(
            "POST",
            f"{api.ledger}/rules",
            201,
            json={
                "name": f"Rule {n}",
                "match": "all" if n % 2 else "any",
                "conditions": conditions,
                "actions": [
                    {"field": "tags", "value": [f"rule{n % 10}"]},
                    {"field": "notes", "value": f"Rule {n}"},
                ],
                "stop": n % 7 == 6,
            },
        )


def machine_facts(pg_version: str) -> dict[str, str]:
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "nproc": str(
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        ),
        "ram": ram,
        "postgresql": pg_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def report(results: dict) -> str:
    lines = [
        "| measurement | p50 ms | p95 ms | target | ok? |",
        "|---|---|---|---|---|",
    ]
    for key, (label, target) in TARGETS.items():
        m = results["measurements"][key]
        ok = "yes" if m["p50_ms"] <= target else "NO"
        lines.append(
            f"| {label} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} | ≤ {target:.0f} ms p50 | {ok} |"
        )
    bulk = results["bulk_load"]
    ok = "yes" if bulk["seconds"] <= BULK_TARGET_SECONDS else "NO"
    lines.append(
        f"| bulk load {bulk['rows']} rows ({bulk['rows_per_second']:.0f} rows/s) | "
        f"{bulk['seconds']:.1f} s total | - | ≤ {BULK_TARGET_SECONDS:.0f} s | {ok} |"
    )
    allocation = results["allocation_run"]
    lines.append(
        f"| allocations/run ({allocation['allocated']} incomes) | "
        f"{allocation['seconds']:.2f} s | - | - | - |"
    )
    m = results["machine"]
    lines += [
        "",
        f"Machine: nproc {m['nproc']}, RAM {m['ram']}, PostgreSQL {m['postgresql']}, "
        f"Python {m['python']} ({m['platform']}); gunicorn 2 workers x 1 thread; "
        f"{results['config']['ledgers']} ledgers, {results['config']['samples']} samples "
        f"after {WARMUP} warm-up requests each; VACUUM ANALYZE before measuring "
        f"(autovacuum {m['autovacuum']}); 1-min load average "
        f"{m['load_average_1m']['before_measuring']} before, "
        f"{m['load_average_1m']['after_measuring']} after measuring.",
    ]
    return "\n".join(lines)


# --- The run ------------------------------------------------------------------------------


def load(
    args: argparse.Namespace, base: str
) -> tuple[random.Random, date, Household, dict, dict, str]:
    """Registers the users, sets up their ledgers, bulk-loads `args.transactions` rows into
    the first (big) one and SMALL_LEDGER_ROWS into each other, runs the allocations and
    VACUUM ANALYZE. Returns the random generator, today, the big ledger's household, the
    bulk-load and allocation-run facts and the server's autovacuum setting."""
    rng = random.Random(args.seed)
    today = datetime.now(UTC).date()  # the server's TIME_ZONE defaults to UTC
    stamp = int(time.time())

    print(f"Registering {args.ledgers} users and setting up their ledgers ...", flush=True)
    households = []
    for i in range(args.ledgers):
        api = Api(base).sign_in(f"bench-{stamp}-{i}@example.com")
        households.append(Household(api, wallets=3 if i == 0 or i % 2 else 2))
    big, others = households[0], households[1:]

    rows = big.rows(rng, args.transactions, today)
    print(f"Bulk-loading {args.transactions} transactions into one ledger ...", flush=True)
    seconds = big.bulk_load(rows)
    bulk = {
        "rows": args.transactions,
        "seconds": round(seconds, 2),
        "rows_per_second": round(args.transactions / seconds, 1),
        "chunk": CHUNK,
    }
    print(f"  {seconds:.1f} s, {args.transactions / seconds:.0f} rows/s", flush=True)

    print(f"Bulk-loading {SMALL_LEDGER_ROWS} transactions into {len(others)} other ledgers ...")
    small_seconds = sum(h.bulk_load(h.rows(rng, SMALL_LEDGER_ROWS, today)) for h in others)
    bulk["other_ledgers_seconds"] = round(small_seconds, 2)

    started = time.perf_counter()
    allocated = big.api.call("POST", f"{big.api.ledger}/allocations/run")["allocated"]
    allocation_run = {"allocated": allocated, "seconds": round(time.perf_counter() - started, 3)}
    print(f"  allocations/run: {allocated} incomes in {allocation_run['seconds']:.2f} s")
    autovacuum = database_analyze(args.database_url)
    print(f"VACUUM ANALYZE done (this server has autovacuum {autovacuum}).", flush=True)
    return rng, today, big, bulk, allocation_run, autovacuum


def run(args: argparse.Namespace, base: str, pg_version: str) -> dict:
    rng, today, big, bulk, allocation_run, autovacuum = load(args, base)
    api, lid = big.api, big.api.ledger
    checking = big.wallets[0]
    year_ago = (today - timedelta(days=365)).isoformat()

    def income_create(i: int) -> None:
        api.call(
            "POST",
            f"{lid}/transactions",
            201,
            json={
                "kind": "income",
                "date": today.isoformat(),
                "amount": cents(rng, 900, 1500),
                "wallet": checking,
                "category": big.incomes[0],
                "description": f"Bench income {i}",
            },
        )

    def transaction_page(i: int) -> None:
        page = api.call(
            "GET",
            f"{lid}/transactions",
            params={
                "date_from": year_ago,
                "date_to": today.isoformat(),
                "wallet": checking,
                "page_size": 50,
                "page": i % 5 + 1,
            },
        )
        assert len(page["items"]) == 50

    print(f"Measuring ({args.samples} samples each) ...", flush=True)
    load_before = os.getloadavg()[0]
    measurements = {
        "income_create": measure(income_create, args.samples),
        "transaction_page": measure(transaction_page, args.samples),
        "wallet_balances": measure(lambda i: api.call("GET", f"{lid}/wallets"), args.samples),
        "bucket_balances": measure(lambda i: api.call("GET", f"{lid}/buckets"), args.samples),
    }
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "transactions": args.transactions,
            "ledgers": args.ledgers,
            "other_ledger_transactions": SMALL_LEDGER_ROWS,
            "samples": args.samples,
            "warmup": WARMUP,
            "gunicorn": "2 workers x 1 thread",
            "database": database_label(args.database_url),
        },
        "machine": {
            **machine_facts(pg_version),
            "autovacuum": autovacuum,
            "load_average_1m": {
                "before_measuring": round(load_before, 2),
                "after_measuring": round(os.getloadavg()[0], 2),
            },
        },
        "bulk_load": bulk,
        "allocation_run": allocation_run,
        "measurements": measurements,
        "targets": {
            **{key: {"p50_ms": target} for key, (_, target) in TARGETS.items()},
            "bulk_load": {"seconds": BULK_TARGET_SECONDS},
        },
    }


def redis_cleanup(redis_url: str) -> int:
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"django_q:{CLUSTER}:*"))
    if keys:
        client.delete(*keys)
    return len(keys)


def main() -> None:
    args = parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(f"Recreating {urlsplit(args.database_url).path.lstrip('/')} ...", flush=True)
    pg_version = database_recreate(args.database_url)
    env = server_env(args)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=BACKEND,
        env=env,
        check=True,
    )
    log_path = RESULTS / "gunicorn-bench.log"
    process, base = server_start(env, log_path)
    try:
        results = run(args, base, pg_version)
    finally:
        server_stop(process)
        removed = redis_cleanup(args.redis_url)
        print(f"Removed {removed} Redis key(s) of the '{CLUSTER}' queue.")
    table = report(results)
    out = RESULTS / "money.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table)
    print()
    print(
        f"Results written to {out}. The database {database_label(args.database_url)} is "
        "kept for inspection (psql it; the next run drops and recreates it)."
    )


if __name__ == "__main__":
    main()
