"""Benchmark of POST /ledgers/import-json (restoring an exported ledger) at its size limit,
on PostgreSQL and Redis: the serving web worker's peak memory and the time taken.

    cd backend && ../.venv/bin/python bench/run_restore_bench.py [--megabytes 200]
        [--transactions 200000] [--redis-url redis://127.0.0.1:6379/14]
        [--database-url postgres://postgres@127.0.0.1:5432/budget_restore_bench]

It drops and recreates the bench database and migrates it, starts gunicorn (2 workers),
writes a ledger document of --transactions transactions whose notes pad it to just under
--megabytes (the limit, EXCHANGE_IMPORT_MAX_BYTES), restores a small one first (the worker
imports everything it needs), then POSTs the big one streamed from disk and reads the
serving worker's peak resident memory (VmHWM) before and after. Prints a Markdown table
and writes bench-results/restore.json. Target: the peak grows by at most 3 times the document.
"""

import argparse
import json
import os
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from run_bench import (
    RESULTS,
    Api,
    database_label,
    database_recreate,
    machine_facts,
    server_env,
    server_stop,
)
from run_import_bench import _status, descendants, web_start
from run_reports_bench import manage

DEFAULT_MEGABYTES = 200  # EXCHANGE_IMPORT_MAX_BYTES' default, in MiB
GROWTH_TARGET = 3.0  # peak growth ≤ 3 times the document's size


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=DEFAULT_MEGABYTES)
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_RESTORE_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/budget_restore_bench",
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if urlsplit(args.database_url).scheme not in {"postgres", "postgresql", "pgsql"}:
        parser.error("the benchmark needs PostgreSQL: pass --database-url postgres://...")
    if args.transactions < 1 or args.megabytes <= 0:
        parser.error("--transactions and --megabytes must be positive.")
    return args


def document_write(path: Path, transactions: int, limit: int, rng: random.Random) -> int:
    """A version 2 document as GET …/export.json writes it; returns its size in bytes."""
    head = {
        "format": "budget-ledger",
        "version": 2,
        "ledger": {"name": "Restored", "currency": "EUR"},
        "wallets": [
            {"id": "w1", "name": "Bank", "kind": "virtual", "archived": False},
            {"id": "w2", "name": "Cash", "kind": "physical", "archived": False},
        ],
        "buckets": [
            {"id": "b0", "name": "Unallocated", "allocation_percent": None, "is_system": True},
            {"id": "b1", "name": "Savings", "allocation_percent": "30.00", "is_system": False},
        ],
        "categories": [
            {"id": "c1", "name": "Salary", "type": "income", "archived": False},
            {"id": "c2", "name": "Groceries", "type": "expense", "archived": False},
        ],
    }
    days = [date(2020, 1, 1) + timedelta(days=d) for d in range(5 * 365)]

    def transaction(index: int, notes: str) -> dict:
        income = index % 10 == 0
        amount = rng.randint(100, 300_000) if income else rng.randint(100, 20_000)
        tx = {
            "id": f"t{index}",
            "kind": "income" if income else "expense",
            "date": rng.choice(days).isoformat(),
            "amount": f"{amount / 100:.2f}",
            "description": rng.choice(["Shop", "Market", "Salary", "Bakery", "Fuel"]),
            "notes": notes,
            "tags": ["family"] if index % 7 == 0 else [],
            "category": "c1" if income else "c2",
            "wallet": "w1",
            "bucket": None if income else "b1",
            "from_wallet": None,
            "to_wallet": None,
            "from_bucket": None,
            "to_bucket": None,
            "allocation_status": "allocated" if income else "not_applicable",
            "allocations": [{"bucket": "b1", "amount": f"{amount * 3 // 10 / 100:.2f}"}]
            if income
            else [],
            "recurring": None,
            "recurring_date": None,
        }
        return tx

    sample = len(json.dumps(transaction(1, ""), ensure_ascii=False)) + 2
    fixed = len(json.dumps(head)) + 200
    pad = max(0, min(2000, (limit - fixed) // transactions - sample - 8))
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(head)[:-1] + ', "transactions": [\n')
        for index in range(transactions):
            notes = "n" * (pad - rng.randint(0, 8))  # a little under, never over
            out.write(("," if index else "") + json.dumps(transaction(index, notes)) + "\n")
        out.write('], "recurring": [], "budgets": [], "goals": []}\n')
    return path.stat().st_size


def restore(api: Api, path: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    with path.open("rb") as body:
        response = api.session.post(
            f"{api.base}/ledgers/import-json",
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=1800,
        )
    seconds = time.perf_counter() - started
    if response.status_code != 201:
        raise SystemExit(f"The restore answered {response.status_code}: {response.text[:2000]}")
    return seconds, response.json()


def main() -> None:
    args = parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    limit = int(args.megabytes * 1024 * 1024)
    print(f"Recreating {urlsplit(args.database_url).path.lstrip('/')} ...", flush=True)
    pg_version = database_recreate(args.database_url)
    env = {**server_env(args), "EXCHANGE_IMPORT_MAX_BYTES": str(limit)}
    manage(env, "migrate", "--noinput", "-v", "0")
    small, big = RESULTS / "restore-small.json", RESULTS / "restore-big.json"
    document_write(small, 100, 100_000, rng)
    started = time.perf_counter()
    size = document_write(big, args.transactions, limit, rng)
    print(
        f"  wrote {big.name}: {size / 1e6:.1f} MB, {args.transactions} transactions in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    # No worker timeout: the restore of a document at the limit takes minutes on a small
    # machine (the production image's 60 s would end it; see the README).
    web, base = web_start(env, RESULTS / "gunicorn-restore.log", timeout=3600)
    try:
        api = Api(base).sign_in(f"restore-{int(time.time())}@example.com")
        restore(api, small)  # warm up: the worker has imported everything it needs
        workers = descendants(web.pid)
        peaks = {pid: _status(pid).get("VmHWM", 0) for pid in workers}
        seconds, ledger = restore(api, big)
        # The worker that served the restore: the one whose peak grew most.
        grown = {pid: _status(pid).get("VmHWM", 0) - peak for pid, peak in peaks.items()}
        pid = max(grown, key=grown.__getitem__)
        before = round(peaks[pid] / 1024, 1)
        after = round(_status(pid).get("VmHWM", 0) / 1024, 1)
        count = api.call("GET", f"/ledgers/{ledger['id']}/transactions")["count"]
    finally:
        server_stop(web)
    if count != args.transactions:
        raise SystemExit(f"The restored ledger has {count} transactions, not {args.transactions}.")
    growth = round(after - before, 1)
    mb = round(size / 1e6, 1)
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "megabytes": args.megabytes,
            "transactions": args.transactions,
            "database": database_label(args.database_url),
            "seed": args.seed,
        },
        "machine": machine_facts(pg_version),
        "document_mb": mb,
        "seconds": round(seconds, 1),
        "web_worker_peak_mb": {"before": before, "after": after, "growth": growth},
    }
    out = RESULTS / "restore.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    ok = "yes" if growth <= GROWTH_TARGET * mb else "NO"
    print()
    print("| measurement | result | target | ok? |")
    print("|---|---|---|---|")
    print(
        f"| import-json of {mb} MB ({args.transactions} transactions) | {seconds:.1f} s | - | - |"
    )
    print(
        f"| web worker peak memory (VmHWM) | {before} → {after} MB (+{growth} MB) | "
        f"≤ +{GROWTH_TARGET * mb:.0f} MB | {ok} |"
    )
    print()
    print(f"Results written to {out}. The database {database_label(args.database_url)} is kept.")
    big.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
