"""Benchmark of the dashboard's pages against a ledger of 100 000 transactions.

    cd backend && ../.venv/bin/python bench/run_dashboard_bench.py [--reuse] [--warm-runs 10]
        [--profile] [--transactions 100000] [--ledgers 20]
        [--database-url postgres://postgres@127.0.0.1:5432/budget_bench]
        [--redis-url redis://127.0.0.1:6379/14]

Without --reuse it builds the bench database exactly as run_bench.py does, with run_bench's
own functions: drops and recreates it, migrates it, starts gunicorn (2 workers), registers
the users and bulk-loads `--transactions` rows into one ledger (and 2 000 into each other),
runs the allocations and VACUUM ANALYZE. With --reuse it keeps the database that an earlier
run of run_bench.py or of this script left (migrating it, in case) and only starts gunicorn.

Then it signs in through the API, with the dashboard's own ApiClient, as the owner of the
ledger with the most transactions, and renders every signed-in page in this process with
Streamlit's AppTest: the real app.py, the real ApiClient talking HTTP to gunicorn, a session
seeded as signed in (tokens, user, ledgers, current ledger), the page picked by the hash
st.navigation registered for its url_path (as frontend/tests/pages.py does). Per page, in a
fresh AppTest session: one run with every cache empty (Streamlit's st.cache_data and the API's
Redis report/count cache of that ledger), one cold run (st.cache_data cleared, as the brief of
the issue defines cold) and `--warm-runs` warm runs; the page's render time is the p50 of its
cold and warm runs, printed beside the 1 s target with the load average (1, 5, 15 min).
Each run must show the page's title and no exception and no st.error. This is the server-side
script run (the API calls over HTTP plus building the tables and charts), not the browser's
paint.

Prints a Markdown table and writes bench-results/dashboard.json at the repository root; a page
over the target (or every page, with --profile) gets one more cold run under cProfile, written
to bench-results/dashboard-profile-<page>.txt. The database is kept; the Django-Q2 queue keys
of the `bench` cluster are deleted from Redis, as run_bench.py does.
"""

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
import redis
from run_bench import (
    BACKEND,
    PASSWORD,
    RESULTS,
    _pg_url,
    database_label,
    database_recreate,
    load,
    machine_facts,
    parse_args,
    percentile,
    redis_cleanup,
    server_env,
    server_start,
    server_stop,
)
from run_reports_bench import manage

FRONTEND = BACKEND.parent / "frontend"
APP = FRONTEND / "app.py"
TARGET_MS = 1000.0
TIMEOUT_SECONDS = 30
PROFILE_LINES = 40
SCRIPT_THREAD = "ScriptRunner.scriptThread"  # the thread AppTest runs the page script in
BARE_MODE_LOGGERS = (
    "streamlit.runtime.scriptrunner_utils.script_run_context",
    "streamlit.runtime.caching.cache_data_api",
)


@dataclass
class Page:
    key: str
    label: str
    url_path: str
    title: str  # the st.title the page must show
    state: dict[str, Any] = field(default_factory=dict)  # session state beyond signing in


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="--samples is run_bench.py's and unused here.",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the bench database of an earlier run instead of rebuilding it",
    )
    parser.add_argument("--warm-runs", type=int, default=10)
    parser.add_argument(
        "--profile", action="store_true", help="profile every page, not only those over target"
    )
    args = parse_args(parser)
    if args.warm_runs < 1:
        parser.error("--warm-runs must be at least 1.")
    return args


# --- The bench database -------------------------------------------------------------------


def database_facts(database_url: str) -> dict[str, Any]:
    """The ledger with the most transactions, its owner and the server's settings."""
    with psycopg.connect(_pg_url(database_url)) as conn:
        row = conn.execute(
            """
            SELECT big.ledger_id::text, big.rows, u.email
              FROM (SELECT ledger_id, count(*) AS rows FROM money_transaction
                     GROUP BY ledger_id ORDER BY rows DESC LIMIT 1) AS big
              JOIN ledgers_membership m ON m.ledger_id = big.ledger_id AND m.role = 'owner'
              JOIN accounts_user u ON u.id = m.user_id
            """
        ).fetchone()
        if row is None:
            raise SystemExit("The bench database has no transactions: run without --reuse.")
        return {
            "ledger_id": row[0],
            "transactions": row[1],
            "owner": row[2],
            "postgresql": conn.execute("SHOW server_version").fetchone()[0],
            "autovacuum": conn.execute("SHOW autovacuum").fetchone()[0],
        }


def database_reused(database_url: str) -> None:
    try:
        psycopg.connect(_pg_url(database_url)).close()
    except psycopg.OperationalError as error:
        raise SystemExit(
            f"--reuse: cannot open {database_label(database_url)} ({error}); run without "
            "--reuse to build it."
        ) from error


def api_cache_clear(redis_url: str, ledger_id: str) -> int:
    """Deletes the API's cached reports and list counts of the ledger (Django's Redis cache)."""
    client = redis.Redis.from_url(redis_url)
    keys = [
        key
        for pattern in (f"*:report:{ledger_id}:*", f"*:count:{ledger_id}:*")
        for key in client.scan_iter(pattern)
    ]
    if keys:
        client.delete(*keys)
    return len(keys)


# --- Rendering pages ----------------------------------------------------------------------


class Dashboard:
    """The dashboard's modules, imported once API_URL points at the bench server."""

    def __init__(self, base: str) -> None:
        os.environ["API_URL"] = base  # dashboard.config reads it on import
        if str(FRONTEND) not in sys.path:
            sys.path.insert(0, str(FRONTEND))
        import streamlit as st
        from streamlit.testing.v1 import AppTest

        from dashboard import api, config, session

        if base != config.API_URL:
            raise SystemExit(f"dashboard.config was imported before API_URL was set to {base}.")
        # Quiet the bare-mode notes ("missing ScriptRunContext", "No runtime found") that
        # st.cache_data.clear() outside a script run logs.
        for name in BARE_MODE_LOGGERS:
            logging.getLogger(name).disabled = True
        self.st, self.AppTest = st, AppTest
        self.api, self.config, self.session = api, config, session
        self.calls: list[tuple[str, float]] = []  # (path, ms) of the API calls of a run

    def sign_in(self, email: str) -> tuple[dict[str, Any], Any]:
        """Signs in through the API; returns the session state of a signed-in browser and
        the signed-in client."""
        client = self.api.ApiClient(
            self.config.API_URL, self.config.API_TIMEOUT_SECONDS, self.api.MemoryTokenStore()
        )
        client.sign_in(email, PASSWORD)
        state = {
            self.session.TOKENS_KEY: client.tokens.get(),
            self.session.USER_KEY: client.me(),
            self.session.LEDGERS_KEY: client.ledgers(),
        }
        return state, client

    def client(self) -> Any:
        """The real ApiClient, as get_client() would make it, noting each call it makes."""
        client = self.api.ApiClient(
            self.config.API_URL, self.config.API_TIMEOUT_SECONDS, self.session.SessionTokenStore()
        )

        def note(response: Any, *args: Any, **kwargs: Any) -> None:
            path = response.request.path_url.split("?")[0]
            self.calls.append((path, response.elapsed.total_seconds() * 1000))

        client.http.hooks["response"].append(note)
        return client

    def app(self, state: dict[str, Any], page_hash: str | None = None) -> Any:
        at = self.AppTest.from_file(str(APP), default_timeout=TIMEOUT_SECONDS)
        for key, value in {**state, self.session.CLIENT_KEY: self.client()}.items():
            at.session_state[key] = value
        if page_hash is not None:
            at._page_hash = page_hash
        return at

    def page_hashes(self, state: dict[str, Any]) -> dict[str, str]:
        """url_path → the page hash st.navigation registers (the same in every session; the
        default page, the Overview, is registered under "")."""
        at = self.app(state).run()
        problems(at, "Overview")
        return {
            info["url_pathname"]: page_hash
            for page_hash, info in at._registered_pages.items()
            if "url_pathname" in info
        }

    def timed_run(self, at: Any, page: Page) -> dict[str, Any]:
        self.calls.clear()
        started = time.perf_counter()
        at.run()
        ms = (time.perf_counter() - started) * 1000
        return {
            "ms": round(ms, 1),
            "api_calls": len(self.calls),
            "api_ms": round(sum(call_ms for _, call_ms in self.calls), 1),
            "api_paths": [path for path, _ in self.calls],
            "problems": problems(at, page.title),
        }


def problems(at: Any, title: str) -> list[str]:
    """What is wrong with the rendered page: an exception, an st.error, another title."""
    found = [f"exception: {e.value}" for e in at.exception]
    found += [f"st.error: {e.value}" for e in at.error]
    titles = [t.value for t in at.title]
    if title not in titles:
        found.append(f"expected the title {title!r}, the page shows {titles}")
    return found


def profiled(run: Callable[[], Any], out_path: Any) -> list[str]:
    """cProfile of AppTest's script thread (where the page runs) during `run()`; writes the
    top functions by cumulative and own time to `out_path`, returns the first lines."""
    profiler = cProfile.Profile()

    def start(frame: Any, event: str, arg: Any) -> None:
        sys.setprofile(None)
        if threading.current_thread().name == SCRIPT_THREAD:
            profiler.enable()

    threading.setprofile(start)
    try:
        run()
    finally:
        threading.setprofile(None)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(PROFILE_LINES)
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    out_path.write_text(text.getvalue())
    return text.getvalue().splitlines()


# --- The run ------------------------------------------------------------------------------


def pages(year: int, wallet: dict[str, Any]) -> list[Page]:
    filters = {"date_from": f"{year}-01-01", "date_to": f"{year}-12-31", "wallet": wallet["id"]}
    return [
        Page("overview", "Overview", "", "Overview"),
        Page("transactions", "Transactions, page 1", "transactions", "Transactions"),
        Page(
            "transactions_filtered",
            f"Transactions, page 1 of {year} + {wallet['name']}",
            "transactions",
            "Transactions",
            {"tx_filters": filters},  # what the filter form's Apply stores (FILTERS_KEY)
        ),
        Page(
            "transactions_register_editing",
            f"Transactions, {wallet['name']}'s register in the editor",
            "transactions",
            "Transactions",
            # The wallet's register (running balance) with "Edit in the table" on.
            {"tx_filters": {"wallet": wallet["id"]}, "tx_inline": True},
        ),
        Page("setup", "Setup", "setup", "Setup"),
        Page("planning", "Planning", "planning", "Planning"),
        Page("groups", "Groups", "groups", "Groups"),
        Page("home", "Home", "home", "Home"),
        Page("account", "Account", "account", "Account"),
        Page("notifications", "Notifications", "notifications", "Notifications"),
        Page("activity", "Activity", "activity", "Activity"),
        Page("monthly", "Reports: Monthly", "monthly", "Monthly report"),
        Page("yearly", "Reports: Yearly", "yearly", "Yearly report"),
        Page("historical", "Reports: Historical", "historical", "Historical report"),
        Page("forecast", "Reports: Forecast", "forecast", "Forecast"),
        Page("trends", "Reports: Trends", "trends", "Trends"),
    ]


def measure_page(
    dashboard: Dashboard,
    page: Page,
    state: dict[str, Any],
    page_hash: str,
    args: argparse.Namespace,
    ledger_id: str,
) -> dict[str, Any]:
    """A fresh session on the page: all caches empty, cold, then the warm runs.

    The session's first run is not timed: AppTest sets itself up in it (it discovers the
    custom components, some 60 ms), which a running Streamlit server does once, not per page.
    """
    at = dashboard.app({**state, **page.state}, page_hash)
    first = dashboard.timed_run(at, page)
    api_cache_clear(args.redis_url, ledger_id)
    dashboard.st.cache_data.clear()
    empty = dashboard.timed_run(at, page)
    dashboard.st.cache_data.clear()
    cold = dashboard.timed_run(at, page)
    warm = [dashboard.timed_run(at, page) for _ in range(args.warm_runs)]
    warm_ms = [run["ms"] for run in warm]
    runs_ms = [cold["ms"], *warm_ms]
    found = sorted({p for run in [first, empty, cold, *warm] for p in run["problems"]})
    result = {
        "label": page.label,
        "url_path": page.url_path,
        "first_run_untimed_ms": first["ms"],
        "all_caches_empty": empty,
        "cold": cold,
        # The page's server-side render time: the median of its cold and warm runs.
        "p50_ms": round(percentile(runs_ms, 0.50), 1),
        "warm_p50_ms": round(percentile(warm_ms, 0.50), 1),
        "warm_p95_ms": round(percentile(warm_ms, 0.95), 1),
        "warm_max_ms": round(max(warm_ms), 1),
        "warm_ms": warm_ms,
        "warm_api_calls": [run["api_calls"] for run in warm],
        "shows": {  # what the last run rendered, to see that the page drew its data
            "dataframes": len(at.dataframe),
            "charts": len(at.get("vega_lite_chart")),
            "metrics": len(at.metric),
            "captions": [str(c.value) for c in at.caption][:3],
        },
        "problems": found,
    }
    result["ok"] = not found and max(cold["ms"], result["warm_p95_ms"]) <= TARGET_MS
    result["all_caches_empty_ok"] = empty["ms"] <= TARGET_MS
    if not (result["ok"] and result["all_caches_empty_ok"]) or args.profile:
        out = RESULTS / f"dashboard-profile-{page.key}.txt"

        def cold_run() -> None:
            dashboard.st.cache_data.clear()
            at.run()

        lines = profiled(cold_run, out)
        result["profile"] = {"file": str(out.relative_to(BACKEND.parent)), "head": lines[:60]}
    return result


def run(args: argparse.Namespace, base: str, facts: dict[str, Any]) -> dict[str, Any]:
    dashboard = Dashboard(base)
    print(f"Signing in as {facts['owner']} (ledger {facts['ledger_id']}) ...", flush=True)
    state, client = dashboard.sign_in(facts["owner"])
    ledger_ids = [ledger["id"] for ledger in state[dashboard.session.LEDGERS_KEY]]
    if facts["ledger_id"] not in ledger_ids:
        raise SystemExit(f"{facts['owner']} is not a member of {facts['ledger_id']}.")
    state[dashboard.session.CURRENT_LEDGER_KEY] = facts["ledger_id"]
    wallets = client.get_all(f"/ledgers/{facts['ledger_id']}/wallets")
    wallet = next((w for w in wallets if w["name"] == "Checking"), wallets[0])  # the busiest
    today = datetime.now(UTC).date()
    year = today.year - 1  # the last full year of the two the bench ledger spans

    # Imports (streamlit, pandas, altair, the views) are paid once per server process, not
    # per page: one untimed run pays them here.
    hashes = dashboard.page_hashes(state)
    load_before = os.getloadavg()
    print(
        f"Rendering {len(hashes)} pages: all caches empty, cold, {args.warm_runs} warm runs "
        f"each (load average {_load(load_before)}) ...",
        flush=True,
    )
    results = {}
    for page in pages(year, wallet):
        results[page.key] = measure_page(
            dashboard, page, state, hashes[page.url_path], args, facts["ledger_id"]
        )
        r = results[page.key]
        print(
            f"  {page.label}: p50 {r['p50_ms']:.0f} ms of {TARGET_MS:.0f} ms "
            f"({'ok' if r['p50_ms'] <= TARGET_MS else 'OVER'}); cold {r['cold']['ms']:.0f} ms, "
            f"warm p50 {r['warm_p50_ms']:.0f} ms, all caches empty "
            f"{r['all_caches_empty']['ms']:.0f} ms; load average {_load(os.getloadavg())}"
            + (f"; PROBLEMS: {r['problems']}" if r["problems"] else ""),
            flush=True,
        )
    load_after = os.getloadavg()

    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "what": (
            "Wall time of AppTest.run() per page: the server-side script run (API calls over "
            "HTTP to gunicorn plus building the tables and charts), not the browser's paint."
        ),
        "config": {
            "reuse": args.reuse,
            "warm_runs": args.warm_runs,
            "target_ms": TARGET_MS,
            "gunicorn": "2 workers x 1 thread",
            "database": database_label(args.database_url),
            "ledger_transactions": facts["transactions"],
            "transactions_filter": {"year": year, "wallet": wallet["name"]},
            "cold": "st.cache_data cleared; the API's Redis report/count cache as left",
            "all_caches_empty": "st.cache_data and the ledger's Redis report/count keys cleared",
        },
        "machine": {
            **machine_facts(facts["postgresql"]),
            "autovacuum": facts["autovacuum"],
            "streamlit": dashboard.st.__version__,
            "load_average_1m": {
                "before_measuring": round(load_before[0], 2),
                "after_measuring": round(load_after[0], 2),
            },
            "load_average_1_5_15m": {
                "before_measuring": [round(x, 2) for x in load_before],
                "after_measuring": [round(x, 2) for x in load_after],
            },
        },
        "pages": results,
    }


def _load(averages: tuple[float, ...] | list[float]) -> str:
    return " / ".join(f"{x:.2f}" for x in averages) + " (1 / 5 / 15 min)"


def report(results: dict[str, Any]) -> str:
    lines = [
        "| page | p50 ms | target ms | p50 ≤ target? | cold ms | warm p50 ms | warm p95 ms "
        "| ok? (cold and warm p95 ≤ target) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results["pages"].values():
        ok = "yes" if r["ok"] else ("NO (error)" if r["problems"] else "NO")
        lines.append(
            f"| {r['label']} | {r['p50_ms']:.0f} | {TARGET_MS:.0f} | "
            f"{'yes' if r['p50_ms'] <= TARGET_MS else 'NO'} | {r['cold']['ms']:.0f} | "
            f"{r['warm_p50_ms']:.0f} | {r['warm_p95_ms']:.0f} | {ok} |"
        )
    lines += [
        "",
        f"| page | all caches empty ms | ≤ {TARGET_MS:.0f}? | API calls (ms in API) cold "
        "| API calls per warm run |",
        "|---|---|---|---|---|",
    ]
    for r in results["pages"].values():
        empty, cold = r["all_caches_empty"], r["cold"]
        warm_calls = sorted(set(r["warm_api_calls"]))
        lines.append(
            f"| {r['label']} | {empty['ms']:.0f} | "
            f"{'yes' if r['all_caches_empty_ok'] else 'NO'} | {cold['api_calls']} "
            f"({cold['api_ms']:.0f}) | {'/'.join(map(str, warm_calls))} |"
        )
    m, c = results["machine"], results["config"]
    lines += [
        "",
        "Times are the server-side script run (AppTest.run(): API calls over HTTP + building "
        "tables and charts), not the browser's paint. Cold: st.cache_data cleared; warm: "
        f"{c['warm_runs']} reruns of the same session (p95 = the run at rank "
        f"ceil(0.95 x {c['warm_runs']})). All caches empty: st.cache_data and the API's Redis "
        "report/count cache of the ledger cleared (a page right after a write). Each page "
        "in a fresh AppTest session whose first run (AppTest's own set-up) is not timed.",
        "",
        f"Machine: nproc {m['nproc']}, RAM {m['ram']}, PostgreSQL {m['postgresql']}, "
        f"Python {m['python']} ({m['platform']}), Streamlit {m['streamlit']}; gunicorn "
        f"{c['gunicorn']}; ledger of {c['ledger_transactions']:,} transactions; autovacuum "
        f"{m['autovacuum']}; load average "
        f"{_load(m['load_average_1_5_15m']['before_measuring'])} before, "
        f"{_load(m['load_average_1_5_15m']['after_measuring'])} after measuring (the machine "
        "may be shared: other work on it at the same time slows every figure).",
    ]
    return "\n".join(lines)


def main() -> None:
    args = parse()
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = server_env(args)
    if args.reuse:
        print(f"Reusing {database_label(args.database_url)} ...", flush=True)
        database_reused(args.database_url)
    else:
        print(f"Recreating {database_label(args.database_url)} ...", flush=True)
        database_recreate(args.database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    process, base = server_start(env, RESULTS / "gunicorn-dashboard-bench.log")
    try:
        if not args.reuse:
            load(args, base)
        results = run(args, base, database_facts(args.database_url))
    finally:
        server_stop(process)
        removed = redis_cleanup(args.redis_url)
        print(f"Removed {removed} Redis key(s) of the 'bench' queue.")
    out = RESULTS / "dashboard.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    table = report(results)
    print()
    print(table)
    print()
    print(f"Results written to {out}.")
    failed = [r["label"] for r in results["pages"].values() if not r["ok"]]  # the target
    if failed:
        print(f"Over target or with errors: {', '.join(failed)}; see the profiles in the JSON.")
        sys.exit(1)


if __name__ == "__main__":
    main()
