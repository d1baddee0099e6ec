"""Load benchmark: families using the dashboard at once, replayed with locust against gunicorn
as the deployment runs it, on PostgreSQL and Redis (`make bench-load`).

    cd backend && ../.venv/bin/python bench/run_load_bench.py [--families 6]
        [--transactions 20000] [--rates 10,25,50,100,150,200] [--seconds 20]
        [--models sync:2,sync:4,gthread:2x4] [--threads 4] [--workers 2]
        [--database-url postgres://postgres@127.0.0.1:5432/budget_load_bench]
        [--redis-url redis://127.0.0.1:6379/14] [--reuse]

It drops and recreates the bench database, migrates it, starts a Django-Q2 cluster (it splits
the incomes the families post, as the worker does in production), registers the families
through the API (3 wallets, 3 buckets, the default categories each), bulk-loads
`--transactions` rows into each ledger and runs VACUUM ANALYZE. Then for each worker model
of `--models` (`sync:N`: N sync workers, as the images run them with WEB_CONCURRENCY=N;
`gthread:NxT`: N workers of T threads; by default 2 and 4 sync workers and 2 x 4 threads) it starts
gunicorn with the deployment's command line and offers the families' request mix at each rate
of `--rates` (requests per second, open to the server's pace: each simulated person waits a
random time, exponential with its share of the rate as mean rate, so arrivals are Poisson as
from people clicking independently, and falls behind when the server is slower; `--arrivals
lockstep` uses locust's constant_throughput instead, whose people all send at the same
instants) for `--seconds`
after a short warm-up. Prints requests per second, p50/p95 and failures per step, with the
1-minute load average beside them (the machine may be shared), the highest rate whose p95
stayed ≤ 200 ms for each model, and writes bench-results/load.json. The database is kept; the
`bench` cluster's Redis keys are deleted. `--reuse` skips the database and the families and
measures those of the last build (recorded in bench-results/load-families-<database>.json;
the writes of earlier runs stay in their ledgers).

The mix is what the dashboard asks for while a family uses it: the register and its pages,
searches, balances, reports, categories; creating expenses and incomes, editing and deleting
what was just entered (about one request in six writes).
"""

# locust patches the standard library for gevent when imported: it comes first.
import locust  # isort: skip
from locust.contrib.fasthttp import FastHttpUser  # isort: skip
from locust.env import Environment  # isort: skip

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import gevent
import psycopg
from run_bench import (
    BACKEND,
    CLUSTER,
    RESULTS,
    Api,
    Household,
    database_analyze,
    database_label,
    database_recreate,
    machine_facts,
    percentile,
    redis_cleanup,
    server_env,
    server_start,
    server_stop,
)

P95_LIMIT_MS = 200.0
TARGET_RPS = 150.0
WARMUP_SECONDS = 4
PER_PERSON_RPS = 2.0  # one person clicking through the dashboard at a brisk pace
MODELS = ("sync", "gthread")
DEFAULT_MODELS = "sync:2,sync:4,gthread:2x4"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=6)
    parser.add_argument("--transactions", type=int, default=20_000, help="rows per ledger")
    parser.add_argument("--rates", default="10,25,50,100,150,200", help="requests/s per step")
    parser.add_argument("--seconds", type=int, default=20, help="measured seconds per step")
    parser.add_argument(
        "--models",
        default=DEFAULT_MODELS,
        help="worker models to compare: sync (--workers), sync:N (N workers), gthread "
        "(--workers x --threads), gthread:NxT",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (processes)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/budget_load_bench"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--arrivals",
        choices=("poisson", "lockstep"),
        default="poisson",
        help="poisson: each person waits a random (exponential) time between requests, so "
        "the rate is met on average; lockstep: locust's constant_throughput (every person "
        "sends at the same instants)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the families the last run built in this database (their tokens last 10 h)",
    )
    args = parser.parse_args()
    if urlsplit(args.database_url).scheme not in {"postgres", "postgresql", "pgsql"}:
        parser.error("the load benchmark needs PostgreSQL: pass --database-url postgres://…")
    try:
        args.rates = [float(rate) for rate in args.rates.split(",")]
    except ValueError:
        parser.error("--rates takes comma-separated numbers, e.g. 25,50,100")
    try:
        args.models = [model_parse(m.strip(), args) for m in args.models.split(",")]
    except ValueError:
        parser.error("--models takes sync, sync:N, gthread or gthread:NxT, comma-separated")
    if min(args.rates) <= 0 or args.seconds < 1 or args.families < 1 or args.transactions < 1:
        parser.error("--rates, --seconds, --families and --transactions must be positive")
    return args


# --- The families ---------------------------------------------------------------------------


class Family:
    """What a simulated person needs to act for one family: its token, ids and dates."""

    def __init__(self, household: Household | None, today: date) -> None:
        self.today = today
        if household is None:  # filled from a saved record (--reuse)
            return
        api = household.api
        self.token = api.session.headers["Authorization"]
        self.ledger = api.ledger
        self.wallets = household.wallets
        self.buckets = household.buckets
        self.expense_categories = [
            cid for name, cid in household.categories.items() if name in ("Groceries", "Leisure")
        ]
        self.income_category = household.incomes[0]

    _SAVED = ("token", "ledger", "wallets", "buckets", "expense_categories", "income_category")

    def record(self) -> dict:
        return {name: getattr(self, name) for name in self._SAVED}

    @classmethod
    def from_record(cls, record: dict) -> "Family":
        family = cls(None, datetime.now(UTC).date())
        for name in cls._SAVED:
            setattr(family, name, record[name])
        return family


def database_version(database_url: str) -> str:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def families_path(args: argparse.Namespace) -> Path:
    return RESULTS / f"load-families-{urlsplit(args.database_url).path.lstrip('/')}.json"


def families_load(args: argparse.Namespace, base: str) -> list[Family]:
    rng = random.Random(args.seed)
    today = datetime.now(UTC).date()
    stamp = int(time.time())
    families = []
    for n in range(args.families):
        api = Api(base).sign_in(f"load-{stamp}-{n}@example.com")
        household = Household(api, wallets=3)
        print(f"  family {n + 1}: bulk-loading {args.transactions} transactions ...", flush=True)
        household.bulk_load(household.rows(rng, args.transactions, today))
        api.call("POST", f"{api.ledger}/allocations/run")
        families.append(Family(household, today))
    return families


def person_class(families: list[Family], rate_per_person: float, arrivals: str) -> type:
    """A locust user class: one person of one of the families, using the dashboard."""
    counter = iter(range(10**9))

    class Person(FastHttpUser):
        if arrivals == "lockstep":
            wait_time = locust.constant_throughput(rate_per_person)
        else:

            def wait_time(self) -> float:
                # Poisson arrivals: people click independently, each at exponential
                # intervals from their previous click (not from its answer, so a slow answer
                # does not lower the rate offered unless the person is still waiting for it).
                # With constant throughput everyone started together stays in step: a burst
                # of every person's request at once, each 1/rate seconds.
                now = time.monotonic()
                self.next_at = max(getattr(self, "next_at", now), now - 1.0)
                self.next_at += self.rng.expovariate(rate_per_person)
                return max(0.0, self.next_at - now)

        def on_start(self) -> None:
            self.family = families[next(counter) % len(families)]
            self.headers = {"Authorization": self.family.token}
            self.rng = random.Random()
            self.mine: list[str] = []

        def get(self, path: str, name: str, **params) -> None:
            path = f"{self.family.ledger}{path}"
            self.client.get(path, params=params, name=name, headers=self.headers)

        # Reading: the register and the overview.
        @locust.task(12)
        def register_page(self) -> None:
            self.get("/transactions", "transactions page", page=self.rng.randint(1, 3))

        @locust.task(6)
        def wallet_register(self) -> None:
            wallet = self.rng.choice(self.family.wallets)
            self.get("/transactions", "transactions of a wallet", wallet=wallet)

        @locust.task(3)
        def search(self) -> None:
            word = self.rng.choice(["market", "rent", "fuel", "cinema", "salary"])
            self.get("/transactions", "transactions search", q=word)

        @locust.task(8)
        def wallets(self) -> None:
            self.get("/wallets", "wallets")

        @locust.task(8)
        def buckets(self) -> None:
            self.get("/buckets", "buckets")

        @locust.task(3)
        def categories(self) -> None:
            self.get("/categories", "categories", page_size=500)

        @locust.task(6)
        def monthly(self) -> None:
            t = self.family.today
            self.get("/reports/monthly", "reports/monthly", year=t.year, month=t.month)

        @locust.task(3)
        def yearly(self) -> None:
            self.get("/reports/yearly", "reports/yearly", year=self.family.today.year)

        @locust.task(3)
        def balances(self) -> None:
            self.get("/reports/balances", "reports/balances")

        # Writing: about one request in six.
        @locust.task(5)
        def expense_create(self) -> None:
            f = self.family
            body = {
                "kind": "expense",
                "date": (f.today - timedelta(days=self.rng.randint(0, 20))).isoformat(),
                "amount": f"{self.rng.randint(100, 15000) / 100:.2f}",
                "wallet": self.rng.choice(f.wallets),
                "category": self.rng.choice(f.expense_categories),
                "bucket": self.rng.choice(f.buckets),
                "description": "Load bench",
            }
            self.created(body, "create expense")

        @locust.task(1)
        def income_create(self) -> None:
            f = self.family
            body = {
                "kind": "income",
                "date": f.today.isoformat(),
                "amount": f"{self.rng.randint(50000, 300000) / 100:.2f}",
                "wallet": f.wallets[0],
                "category": f.income_category,
                "description": "Load bench pay",
            }
            self.created(body, "create income")

        def created(self, body: dict, name: str) -> None:
            path = f"{self.family.ledger}/transactions"
            with self.client.post(
                path, json=body, name=name, headers=self.headers, catch_response=True
            ) as answer:
                if answer.status_code == 201:
                    self.mine.append(answer.json()["id"])
                else:
                    answer.failure(f"{answer.status_code}: {answer.text[:200]}")

        @locust.task(3)
        def edit(self) -> None:
            if self.mine:
                path = f"{self.family.ledger}/transactions/{self.rng.choice(self.mine)}"
                body = {"amount": f"{self.rng.randint(100, 9000) / 100:.2f}", "notes": "edited"}
                self.client.patch(path, json=body, name="edit transaction", headers=self.headers)

        @locust.task(1)
        def delete(self) -> None:
            if self.mine:
                tx_id = self.mine.pop(self.rng.randrange(len(self.mine)))
                path = f"{self.family.ledger}/transactions/{tx_id}"
                self.client.delete(path, name="delete transaction", headers=self.headers)

    return Person


# --- One step -------------------------------------------------------------------------------


def step(base: str, families: list[Family], rate: float, seconds: int, arrivals: str) -> dict:
    """Offers `rate` requests per second for `seconds` (after a warm-up); what came back."""
    people = max(1, math.ceil(rate / PER_PERSON_RPS))
    person = person_class(families, rate / people, arrivals)
    timings: list[float] = []
    by_name: dict[str, list[float]] = {}
    failures: list[str] = []
    measuring = False

    env = Environment(user_classes=[person], host=base)

    def on_request(response_time, exception, name, response=None, **kwargs) -> None:
        if not measuring:
            return
        timings.append(response_time)
        by_name.setdefault(name, []).append(response_time)
        if exception is not None:
            failures.append(f"{name}: {exception}"[:300])

    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    runner.start(people, spawn_rate=people)  # everyone at once
    gevent.sleep(WARMUP_SECONDS)
    load_before = os.getloadavg()[0]
    measuring, started = True, time.perf_counter()
    gevent.sleep(seconds)
    measuring, elapsed = False, time.perf_counter() - started
    load_after = os.getloadavg()[0]
    runner.quit()
    env.events.request.remove_listener(on_request)
    if not timings:
        raise SystemExit("No request completed during the step: is the server up?")
    return {
        "offered_rps": rate,
        "people": people,
        "requests": len(timings),
        "rps": round(len(timings) / elapsed, 1),
        "p50_ms": round(percentile(timings, 0.50), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
        "failures": len(failures),
        "failure_examples": sorted(set(failures))[:5],
        "load_average_1m": [round(load_before, 2), round(load_after, 2)],
        "endpoints": {
            name: {
                "requests": len(times),
                "p50_ms": round(percentile(times, 0.50), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
            }
            for name, times in sorted(by_name.items())
        },
    }


def model_parse(text: str, args: argparse.Namespace) -> tuple[str, int, int]:
    """(worker class, workers, threads) of `sync`, `sync:N`, `gthread` or `gthread:NxT`."""
    kind, _, size = text.partition(":")
    if kind not in MODELS:
        raise ValueError(text)
    if kind == "sync":
        workers, threads = (int(size) if size else args.workers), 1
    else:
        workers, threads = map(int, size.split("x")) if size else (args.workers, args.threads)
    if workers < 1 or threads < 1:
        raise ValueError(text)
    return kind, workers, threads


def model_key(model: tuple[str, int, int]) -> str:
    kind, workers, threads = model
    return f"{kind}:{workers}" if kind == "sync" else f"{kind}:{workers}x{threads}"


def model_flags(model: tuple[str, int, int]) -> tuple[str, ...]:
    """The deployment's gunicorn flags (Dockerfile, docker-compose.prod.yml, railway.json:
    `--workers ${WEB_CONCURRENCY}`) with the worker model under test."""
    kind, workers, threads = model
    flags = ("--workers", str(workers), "--access-logfile", "-", "--timeout", "60")
    if kind == "gthread":
        flags += ("--worker-class", "gthread", "--threads", str(threads))
    return flags


def model_label(model: tuple[str, int, int]) -> str:
    kind, workers, threads = model
    return f"{kind}: {workers} workers x {threads} thread{'s' if threads > 1 else ''}"


def best_rate(steps: list[dict]) -> float | None:
    """The highest achieved requests/s among the steps whose p95 stayed within the limit
    without failures."""
    ok = [s["rps"] for s in steps if s["p95_ms"] <= P95_LIMIT_MS and not s["failures"]]
    return max(ok) if ok else None


# --- The run --------------------------------------------------------------------------------


def cluster_start(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BACKEND,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )


def table(results: dict) -> str:
    lines = [
        "| worker model | offered req/s | achieved req/s | p50 ms | p95 ms | failures "
        "| load avg 1 min (before → after) |",
        "|---|---|---|---|---|---|---|",
    ]
    for model in results["models"].values():
        for s in model["steps"]:
            lines.append(
                f"| {model['label']} | {s['offered_rps']:.0f} | {s['rps']:.1f} | "
                f"{s['p50_ms']:.1f} | {s['p95_ms']:.1f} | {s['failures']} | "
                f"{s['load_average_1m'][0]} → {s['load_average_1m'][1]} |"
            )
    lines.append("")
    for model in results["models"].values():
        best = model["best_rps_p95_within_limit"]
        verdict = (
            "none of the steps"
            if best is None
            else f"{best:.1f} req/s ({'meets' if best >= TARGET_RPS else 'below'} the target "
            f"of {TARGET_RPS:.0f})"
        )
        lines.append(
            f"- {model['label']}: highest rate with p95 ≤ {P95_LIMIT_MS:.0f} ms: {verdict}; "
            f"most served at any p95: {model['peak_rps']:.1f} req/s"
        )
    chosen = results["chosen_model"]
    lines.append(f"- Chosen by measurement: {chosen or 'none (no step met the limit)'}.")
    c, m = results["config"], results["machine"]
    lines += [
        "",
        f"{c['families']} families of {c['transactions_per_ledger']} transactions each, "
        f"{c['seconds']} s per step after a {WARMUP_SECONDS} s warm-up, "
        f"{PER_PERSON_RPS:.0f} req/s per simulated person ({c['arrivals']} arrivals), "
        f"locust {locust.__version__} in "
        f"one process on the same machine; a Django-Q2 cluster splits the incomes meanwhile. "
        f"Machine: nproc {m['nproc']}, RAM {m['ram']}, PostgreSQL {m['postgresql']}, "
        f"Python {m['python']}; database {c['database']}.",
    ]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = {**server_env(args), "PYTHONUNBUFFERED": "1"}
    saved = families_path(args)
    if args.reuse and not saved.exists():
        raise SystemExit(f"--reuse: no record of an earlier build at {saved}")
    if not args.reuse:
        print(f"Recreating {urlsplit(args.database_url).path.lstrip('/')} ...", flush=True)
        saved.unlink(missing_ok=True)
        database_recreate(args.database_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=BACKEND,
        env=env,
        check=True,
    )
    pg_version = database_version(args.database_url)
    worker = cluster_start(env, RESULTS / "qcluster-load.log")
    results: dict = {"models": {}}
    try:
        if args.reuse:
            families = [Family.from_record(r) for r in json.loads(saved.read_text())]
            print(f"Reusing the {len(families)} families of {saved.name}", flush=True)
        else:
            process, base = server_start(env, RESULTS / "gunicorn-load-setup.log")
            try:
                print(f"Setting up {args.families} families ...", flush=True)
                families = families_load(args, base)
            finally:
                server_stop(process)
            saved.write_text(json.dumps([f.record() for f in families]) + "\n")
        autovacuum = database_analyze(args.database_url)
        for model in args.models:
            key = model_key(model)
            log = RESULTS / f"gunicorn-load-{key.replace(':', '-')}.log"
            process, base = server_start(env, log, extra=model_flags(model))
            label = model_label(model)
            steps = []
            try:
                for rate in args.rates:
                    print(f"  {label}: offering {rate:.0f} req/s ...", flush=True)
                    result = step(base, families, rate, args.seconds, args.arrivals)
                    print(
                        f"    {result['rps']:.1f} req/s, p50 {result['p50_ms']:.1f} ms, "
                        f"p95 {result['p95_ms']:.1f} ms, {result['failures']} failures, "
                        f"load {result['load_average_1m'][0]} → {result['load_average_1m'][1]}",
                        flush=True,
                    )
                    slowest = sorted(
                        result["endpoints"].items(), key=lambda item: -item[1]["p95_ms"]
                    )[:3]
                    print(
                        "    slowest p95: "
                        + ", ".join(f"{name} {e['p95_ms']:.0f} ms" for name, e in slowest),
                        flush=True,
                    )
                    steps.append(result)
            finally:
                server_stop(process)
            results["models"][key] = {
                "label": label,
                "flags": " ".join(model_flags(model)),
                "steps": steps,
                "best_rps_p95_within_limit": best_rate(steps),
                "peak_rps": max(s["rps"] for s in steps),
            }
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        removed = redis_cleanup(args.redis_url)
        print(f"Removed {removed} Redis key(s) of the '{CLUSTER}' queue.")
    bests = {m: r["best_rps_p95_within_limit"] for m, r in results["models"].items()}
    chosen = max((m for m in bests if bests[m] is not None), key=bests.get, default=None)
    results |= {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "chosen_model": chosen,
        "targets": {"rps": TARGET_RPS, "p95_ms": P95_LIMIT_MS},
        "config": {
            "families": args.families,
            "transactions_per_ledger": args.transactions,
            "rates": args.rates,
            "seconds": args.seconds,
            "arrivals": args.arrivals,
            "warmup_seconds": WARMUP_SECONDS,
            "database": database_label(args.database_url),
        },
        "machine": {**machine_facts(pg_version), "autovacuum": autovacuum},
    }
    out = RESULTS / "load.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(results))
    print(f"\nResults written to {out}.")


if __name__ == "__main__":
    main()
