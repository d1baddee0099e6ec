"""Benchmark of the CSV import job and the streamed CSV export, on PostgreSQL and Redis.

    cd backend && ../.venv/bin/python bench/run_import_bench.py [--rows 100000]
        [--export-sizes 100000,1000000] [--redis-url redis://127.0.0.1:6379/14]
        [--database-url postgres://postgres@127.0.0.1:5432/budget_import_bench]

It drops and recreates the bench database and migrates it, starts gunicorn (2 workers) and a
Django-Q2 cluster (`manage.py qcluster`, 2 workers), and sets up a ledger through the API.

- Import: writes a CSV of N rows (expenses, incomes with and without a bucket, transfers,
  adjustments; tags and notes here and there), POSTs it to /imports (the check, timed), commits
  it and polls the job until done (the worker, timed), then waits until the worker has split
  every income. The worker processes' resident memory is sampled while it runs and their
  peak (VmHWM) read at the end; so is the web worker's for the check. Then `rollup_check`,
  the undo (DELETE, timed) and `rollup_check` again.
- OFX import: the same for an OFX 2.x statement of N transactions (`STMTTRN` with a signed
  `TRNAMT`, `FITID`, `NAME`, `MEMO`), into the same ledger after the CSV import is undone, with
  the default wallet and categories a bank file needs; then its undo.
- Export: COPYs each size's transactions into a ledger of its own and streams
  GET /export.csv from a fresh gunicorn each time, reading the serving worker's peak memory
  before and after: it must stay about the same for 100 000 and 1 000 000 rows.

The CSV file is imported twice: into a ledger without rules, then (after the undo) with
`--rules N` (default 50) active rules (SPEC §12): text conditions of every operator (RE2
patterns among them), amount ranges, kinds; actions that add tags and fill notes. Every row
of the check goes through all of them. The OFX statement comes last, rules still active.

While each commit runs, a probe in its own connection tries the ledger's row lock as every
write takes it (FOR NO KEY UPDATE NOWAIT) every 20 ms: the longest stretch it could not get
it is the "lock held". Each undo (DELETE: 202 and a worker for a large import) is timed
until the job is `undone`, its progress polled.

Prints a Markdown table with the machine's 1-minute load average beside each import (other
work on the machine slows every figure), and writes bench-results/import.json. Targets:
check + commit of 100 000 CSV rows ≤ 10 s (issue 21), with 50 rules and for OFX ≤ 30 s
(issues 13/14), worker peak ≤ 300 MB, ledger lock held ≤ 5 s, undo ≤ 5 s.
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from run_bench import (
    BACKEND,
    CLUSTER,
    RESULTS,
    Api,
    database_analyze,
    database_label,
    database_recreate,
    machine_facts,
    redis_cleanup,
    rules_create,
    server_env,
    server_start,
    server_stop,
)
from run_reports_bench import (
    BUCKETS,
    EXPENSES,
    EXTRA_EXPENSES,
    EXTRA_INCOMES,
    WALLETS,
    Rows,
    bulk_copy,
    ledger_setup,
    manage,
)

TOTAL_TARGET_SECONDS = 30.0  # issues 13/14: with 50 rules, and an OFX file
PLAIN_TARGET_SECONDS = 10.0  # issue 21: a CSV file into a ledger without rules
WORKER_TARGET_MB = 300.0
LOCK_TARGET_SECONDS = 5.0
UNDO_TARGET_SECONDS = 5.0
PROBE_SECONDS = 0.02
POLL_SECONDS = 0.2
FIRST_DAY = date(2023, 1, 1)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the imported file")
    parser.add_argument("--export-sizes", default="100000,1000000")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/budget_import_bench"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rules", type=int, default=50, help="active rules of the ledger")
    args = parser.parse_args()
    if urlsplit(args.database_url).scheme not in {"postgres", "postgresql", "pgsql"}:
        parser.error(
            "the benchmark measures the production setup and needs PostgreSQL: pass "
            "--database-url postgres://USER@HOST:PORT/DBNAME (SQLite is not supported)."
        )
    try:
        args.export_sizes = [int(s.replace("_", "")) for s in args.export_sizes.split(",") if s]
    except ValueError:
        parser.error("--export-sizes takes comma-separated integers, e.g. 100000,1000000.")
    if args.rows < 1 or min(args.export_sizes or [1]) < 1:
        parser.error("--rows and --export-sizes must be at least 1.")
    return args


# --- Processes and their memory -------------------------------------------------------------


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB; empty when it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {
        key: int(value.split()[0])
        for key, value in (line.split(":", 1) for line in lines if ":" in line)
        if key in {"VmRSS", "VmHWM"}
    }


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


def peak_mb(pids: list[int]) -> float:
    """The largest peak resident memory (VmHWM) among the processes, in MB."""
    return round(max((_status(p).get("VmHWM", 0) for p in pids), default=0) / 1024, 1)


def rss_mb(pids: list[int]) -> float:
    return round(max((_status(p).get("VmRSS", 0) for p in pids), default=0) / 1024, 1)


def web_start(
    env: dict[str, str], log_path: Path, timeout: int = 60
) -> tuple[subprocess.Popen, str]:
    """gunicorn with 2 sync workers and the production image's 60 s timeout."""
    return server_start(env, log_path, timeout=timeout)


def cluster_start(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BACKEND,
        env={**env, "Q_WORKERS": "2"},
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(descendants(process.pid)) < 2:
        if process.poll() is not None:
            raise SystemExit(f"qcluster exited with {process.returncode}; see {log_path}.")
        time.sleep(0.2)
    time.sleep(1.0)  # the workers import Django before they take tasks
    return process


# --- The file -------------------------------------------------------------------------------


def csv_write(path: Path, rows: int, rng: random.Random) -> dict[str, int]:
    """A file in the import's default format, with the extra transfer columns."""
    expenses = {**EXPENSES, **EXTRA_EXPENSES}
    names = list(expenses)
    wallets = [w["name"] for w in WALLETS]
    buckets = list(BUCKETS)
    incomes = ["Salary", "Other income", *EXTRA_INCOMES]
    days = [FIRST_DAY + timedelta(days=d) for d in range(3 * 365)]
    kinds = dict.fromkeys(["expense", "income", "income_split", "transfer", "adjustment"], 0)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "date",
                "kind",
                "amount",
                "description",
                "category",
                "wallet",
                "bucket",
                "notes",
                "tags",
                "from_wallet",
                "to_wallet",
                "from_bucket",
                "to_bucket",
            ]
        )
        for _ in range(rows):
            day = rng.choice(days).isoformat()
            roll = rng.random()
            tags = rng.choice(["", "", "", "family", "work|online", "weekend"])
            notes = "paid by card" if rng.random() < 0.05 else ""
            if roll < 0.85:
                name = rng.choice(names)
                low, high, descriptions = expenses[name]
                cents = rng.randint(low * 100, high * 100)
                bucket = rng.choice(buckets) if rng.random() < 0.5 else ""
                row = [day, "expense", f"{cents / 100:.2f}", rng.choice(descriptions), name]
                row += [rng.choice(wallets), bucket, notes, tags, "", "", "", ""]
                kinds["expense"] += 1
            elif roll < 0.95:
                split = rng.random() < 0.6
                cents = rng.randint(300_00, 3000_00)
                bucket = "" if split else rng.choice(buckets)
                row = [day, "income", f"{cents / 100:.2f}", "Income", rng.choice(incomes)]
                row += [wallets[0], bucket, notes, tags, "", "", "", ""]
                kinds["income"] += 1
                kinds["income_split"] += split
            elif roll < 0.99:
                source, target = rng.sample(wallets, 2)
                cents = rng.randint(1000, 800_00)
                row = [day, "transfer", f"{cents / 100:.2f}", "Transfer", "Transfer", "", ""]
                row += [notes, tags, source, target, "", ""]
                kinds["transfer"] += 1
            else:
                cents = rng.randint(100, 200_00) * rng.choice((1, -1))
                row = [day, "adjustment", f"{cents / 100:.2f}", "Correction", ""]
                row += [rng.choice(wallets), "", notes, tags, "", "", "", ""]
                kinds["adjustment"] += 1
            writer.writerow(row)
    return kinds


OFX_HEADER = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
<DTSERVER>{end}120000</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID>
<STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>
<STMTRS><CURDEF>EUR</CURDEF>
<BANKACCTFROM><BANKID>10020030</BANKID><ACCTID>4711</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE>
</BANKACCTFROM>
<BANKTRANLIST><DTSTART>{start}</DTSTART><DTEND>{end}</DTEND>
"""
OFX_FOOTER = """</BANKTRANLIST>
<LEDGERBAL><BALAMT>0.00</BALAMT><DTASOF>{end}</DTASOF></LEDGERBAL>
</STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
"""


def ofx_write(path: Path, rows: int, rng: random.Random) -> dict[str, int]:
    """An OFX 2.x (XML) statement of `rows` transactions, as a bank's export: card payments
    and direct debits (negative TRNAMT), salaries and refunds (positive), a FITID each."""
    expenses = {**EXPENSES, **EXTRA_EXPENSES}
    names = list(expenses)
    days = [FIRST_DAY + timedelta(days=d) for d in range(3 * 365)]
    kinds = {"expense": 0, "income": 0}
    dates = {"start": f"{days[0]:%Y%m%d}", "end": f"{days[-1]:%Y%m%d}"}
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(OFX_HEADER.format(**dates))
        for number in range(rows):
            day = rng.choice(days)
            memo = "Card payment" if rng.random() < 0.5 else ""
            if rng.random() < 0.9:
                low, high, descriptions = expenses[rng.choice(names)]
                amount = f"-{rng.randint(low * 100, high * 100) / 100:.2f}"
                kind, name = "DEBIT", rng.choice(descriptions)
                kinds["expense"] += 1
            else:
                amount = f"{rng.randint(300_00, 3000_00) / 100:.2f}"
                kind, name = "CREDIT", "ACME Payroll &amp; Co"
                kinds["income"] += 1
            out.write(
                f"<STMTTRN><TRNTYPE>{kind}</TRNTYPE><DTPOSTED>{day:%Y%m%d}120000.000[0:GMT]"
                f"</DTPOSTED><TRNAMT>{amount}</TRNAMT><FITID>2025{number:010d}</FITID>"
                f"<NAME>{name}</NAME>{f'<MEMO>{memo}</MEMO>' if memo else ''}</STMTTRN>\n"
            )
        out.write(OFX_FOOTER.format(**dates))
    return kinds


# --- Import ---------------------------------------------------------------------------------


def import_run(args, api: Api, web: subprocess.Popen, cluster: subprocess.Popen, rng) -> dict:
    path = RESULTS / f"import-{args.rows}.csv"
    started = time.perf_counter()
    kinds = csv_write(path, args.rows, rng)
    return file_import(args, api, web, cluster, path, kinds, started, "text/csv", {})


def ofx_import_run(args, api: Api, web: subprocess.Popen, cluster: subprocess.Popen, rng) -> dict:
    path = RESULTS / f"import-{args.rows}.ofx"
    started = time.perf_counter()
    kinds = ofx_write(path, args.rows, rng)
    defaults = {
        "wallet": WALLETS[0]["name"],
        "income_category": "Salary",
        "expense_category": "Groceries",
    }
    return file_import(args, api, web, cluster, path, kinds, started, "application/x-ofx", defaults)


def file_import(
    args,
    api: Api,
    web: subprocess.Popen,
    cluster: subprocess.Popen,
    path: Path,
    kinds: dict[str, int],
    started: float,
    mime: str,
    fields: dict[str, str],
) -> dict:
    """Checks, commits and waits for the import of `path` (written since `started`)."""
    print(
        f"  wrote {path.name}: {path.stat().st_size / 1e6:.1f} MB in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    web_pids = descendants(web.pid)
    web_before = peak_mb(web_pids)
    started = time.perf_counter()
    with path.open("rb") as handle:
        job = api.call(
            "POST",
            f"{api.ledger}/imports",
            201,
            files={"file": (path.name, handle, mime)},
            data=fields,
        )
    check_seconds = time.perf_counter() - started
    if job["status"] != "validated":
        raise SystemExit(f"The file did not check out: {job['detail']} {job['errors'][:5]}")
    print(f"  check: {check_seconds:.1f} s, {job['detail']}", flush=True)

    workers = descendants(cluster.pid)
    worker_before = peak_mb(workers)
    job_path = f"{api.ledger}/imports/{job['id']}"
    probe = LockProbe(args.database_url, api.ledger.rsplit("/", 1)[-1])
    probe.start()
    started = time.perf_counter()
    api.call("POST", f"{job_path}/commit", 202, json={"skip_duplicates": False})
    samples, highest_rss = 0, 0.0
    while True:
        body = api.call("GET", job_path)
        highest_rss = max(highest_rss, rss_mb(workers))
        samples += 1
        if body["status"] != "running":
            break
        if time.perf_counter() - started > 600:
            raise SystemExit("The import did not finish within 10 minutes.")
        time.sleep(POLL_SECONDS)
    commit_seconds = time.perf_counter() - started
    lock_seconds = probe.stop()
    if body["status"] != "done":
        raise SystemExit(f"The import ended {body['status']}: {body['detail']}")
    print(
        f"  commit: {commit_seconds:.1f} s, {body['detail']} Ledger lock held at most "
        f"{lock_seconds:.2f} s.",
        flush=True,
    )
    while api.call("GET", f"{api.ledger}/reports/balances")["pending_allocation"] != "0.00":
        time.sleep(POLL_SECONDS)
    allocated_seconds = time.perf_counter() - started
    print(f"  every income split after {allocated_seconds:.1f} s", flush=True)
    worker_peak = peak_mb(descendants(cluster.pid))
    web_peak = peak_mb(web_pids)
    return {
        "rows": args.rows,
        "format": job.get("detected", {}).get("format"),
        "file_mb": round(path.stat().st_size / 1e6, 2),
        "kinds": kinds,
        "check_seconds": round(check_seconds, 2),
        "commit_seconds": round(commit_seconds, 2),
        "total_seconds": round(check_seconds + commit_seconds, 2),
        "lock_held_seconds": lock_seconds,
        "lock_probes_refused": probe.refused,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "allocated_after_commit_seconds": round(allocated_seconds, 2),
        "progress_polls": samples,
        "web_worker_peak_mb": {"before": web_before, "after": web_peak},
        "cluster_worker_peak_mb": {"before": worker_before, "after": worker_peak},
        "cluster_worker_sampled_rss_mb": highest_rss,
        "job": job_path,
    }


class LockProbe(threading.Thread):
    """Tries the ledger's row lock, as a write takes it, every PROBE_SECONDS in a
    connection of its own; `longest` is the longest stretch it could not get it."""

    def __init__(self, database_url: str, ledger_id: str) -> None:
        super().__init__(daemon=True)
        self.url, self.ledger_id = database_url, ledger_id
        self.running = True
        self.longest = 0.0
        self.refused = 0

    def run(self) -> None:
        blocked_since = None
        with psycopg.connect(self.url) as conn:
            while self.running:
                now = time.perf_counter()
                try:
                    conn.execute(
                        "SELECT 1 FROM ledgers_ledger WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                        [self.ledger_id],
                    )
                    if blocked_since is not None:
                        self.longest = max(self.longest, now - blocked_since)
                        blocked_since = None
                except psycopg.errors.LockNotAvailable:
                    self.refused += 1
                    blocked_since = blocked_since if blocked_since is not None else now
                conn.rollback()
                time.sleep(PROBE_SECONDS)
        if blocked_since is not None:
            self.longest = max(self.longest, time.perf_counter() - blocked_since)

    def stop(self) -> float:
        self.running = False
        self.join(timeout=30)
        return round(self.longest, 2)


def undo_run(api: Api, job_path: str, cluster: subprocess.Popen) -> dict:
    """DELETE, then the job polled until it is `undone` (a large import: 202 and a worker)."""
    workers = descendants(cluster.pid)
    started = time.perf_counter()
    response = api.session.delete(api.base + job_path, timeout=300)
    if response.status_code not in (202, 204):
        raise SystemExit(f"DELETE {job_path} answered {response.status_code}: {response.text}")
    polls, highest_rss = 0, 0.0
    while api.call("GET", job_path)["status"] != "undone":
        highest_rss = max(highest_rss, rss_mb(workers))
        polls += 1
        if time.perf_counter() - started > 600:
            raise SystemExit("The undo did not finish within 10 minutes.")
        time.sleep(POLL_SECONDS)
    seconds = round(time.perf_counter() - started, 2)
    print(f"  undo: {seconds:.1f} s (DELETE answered {response.status_code})", flush=True)
    return {
        "seconds": seconds,
        "status_code": response.status_code,
        "progress_polls": polls,
        "cluster_worker_sampled_rss_mb": highest_rss,
    }


# --- Export ---------------------------------------------------------------------------------


def export_run(args, env: dict[str, str], size: int, rng: random.Random) -> dict:
    """COPYs `size` transactions into a new ledger and streams its CSV export from a fresh
    gunicorn, reading the serving worker's peak memory before and after."""
    web, base = web_start(env, RESULTS / f"gunicorn-export-{size}.log")
    try:
        api = Api(base).sign_in(f"export-{size}-{int(time.time())}@example.com")
        ledger = ledger_setup(api)
        print(f"  COPYing {size} transactions ...", flush=True)
        load = bulk_copy(args.database_url, Rows(rng, ledger), size)
        manage(env, "rollup_check", "--rebuild")
        database_analyze(args.database_url)
        # Warm both workers up (imports, connections) on a small export first.
        for _ in range(4):
            small = {"date_from": "2025-12-31"}
            api.session.get(f"{base}{api.ledger}/export.csv", params=small, timeout=60)
        workers = descendants(web.pid)
        before = peak_mb(workers)
        started = time.perf_counter()
        received = lines = 0
        with api.session.get(f"{base}{api.ledger}/export.csv", stream=True, timeout=600) as r:
            r.raise_for_status()
            first_byte = None
            for chunk in r.iter_content(chunk_size=64 * 1024):
                if first_byte is None:
                    first_byte = time.perf_counter() - started
                received += len(chunk)
                lines += chunk.count(b"\n")
        seconds = time.perf_counter() - started
        after = peak_mb(workers)
    finally:
        server_stop(web)
    print(
        f"  export.csv: {lines - 1} rows, {received / 1e6:.1f} MB in {seconds:.1f} s; "
        f"worker peak {before} → {after} MB",
        flush=True,
    )
    return {
        "rows": size,
        "copy_seconds": load["seconds"],
        "csv_rows": lines - 1,
        "mb": round(received / 1e6, 1),
        "seconds": round(seconds, 2),
        "first_byte_seconds": round(first_byte or 0, 3),
        "rows_per_second": round(size / seconds),
        "web_worker_peak_mb": {"before": before, "after": after},
    }


# --- Report ---------------------------------------------------------------------------------


def import_lines(imp: dict, undo: dict, label: str, target: float) -> list[str]:
    def ok(value: float, limit: float) -> str:
        return "yes" if value <= limit else "NO"

    peak = imp["cluster_worker_peak_mb"]["after"]
    load = f"load {imp['load_average_1m']:.1f}"
    return [
        f"| {label} import {imp['rows']} rows ({imp['file_mb']} MB): check (POST /imports) | "
        f"{imp['check_seconds']:.1f} s | - | - | {load} |",
        f"| {label} commit (worker) | {imp['commit_seconds']:.1f} s | - | - | {load} |",
        f"| {label} check + commit | {imp['total_seconds']:.1f} s | ≤ {target:.0f} s | "
        f"{ok(imp['total_seconds'], target)} | {load} |",
        f"| {label} ledger lock held (longest wait of a write) | {imp['lock_held_seconds']:.2f} s"
        f" | ≤ {LOCK_TARGET_SECONDS:.0f} s | {ok(imp['lock_held_seconds'], LOCK_TARGET_SECONDS)}"
        f" | {load} |",
        f"| {label} worker peak memory (VmHWM) | {peak} MB (before "
        f"{imp['cluster_worker_peak_mb']['before']} MB) | ≤ {WORKER_TARGET_MB:.0f} MB | "
        f"{ok(peak, WORKER_TARGET_MB)} | - |",
        f"| {label} web worker peak memory during the check | "
        f"{imp['web_worker_peak_mb']['after']} MB (before {imp['web_worker_peak_mb']['before']}"
        " MB) | - | - | - |",
        f"| {label} incomes split (after the commit started) | "
        f"{imp['allocated_after_commit_seconds']:.1f} s | - | - | - |",
        f"| {label} undo ({imp['rows']} transactions; DELETE {undo['status_code']}, until "
        f"`undone`) | {undo['seconds']:.1f} s | ≤ {UNDO_TARGET_SECONDS:.0f} s | "
        f"{ok(undo['seconds'], UNDO_TARGET_SECONDS)} | load {undo['load_average_1m']:.1f} |",
    ]


def table(results: dict) -> str:
    rules = results["config"]["rules"]
    lines = [
        "| measurement | result | target | ok? | 1-min load |",
        "|---|---|---|---|---|",
        *import_lines(results["import"], results["undo"], "CSV (no rules)", PLAIN_TARGET_SECONDS),
    ]
    if "import_rules" in results:
        lines += import_lines(
            results["import_rules"],
            results["rules_undo"],
            f"CSV ({rules} rules)",
            TOTAL_TARGET_SECONDS,
        )
    if "import_ofx" in results:
        lines += import_lines(
            results["import_ofx"],
            results["ofx_undo"],
            f"OFX ({rules} rules)",
            TOTAL_TARGET_SECONDS,
        )
    exports = results["exports"]
    for size, e in exports.items():
        lines.append(
            f"| export.csv {int(size)} rows ({e['mb']} MB, {e['rows_per_second']} rows/s) | "
            f"{e['seconds']:.1f} s, web worker peak {e['web_worker_peak_mb']['before']} → "
            f"{e['web_worker_peak_mb']['after']} MB | memory flat | - | - |"
        )
    m = results["machine"]
    lines += [
        "",
        f"Rollup after the import: {results['rollup_after_import']}; after the undo: "
        f"{results['rollup_after_undo']}; after the import with rules: "
        f"{results.get('rollup_after_rules_import')}; after the OFX import: "
        f"{results.get('rollup_after_ofx_import')}. Machine: nproc {m['nproc']}, RAM {m['ram']}, "
        f"PostgreSQL {m['postgresql']}, Python {m['python']}; gunicorn 2 workers, qcluster 2 "
        "workers, Redis broker and cache.",
    ]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    print(f"Recreating {urlsplit(args.database_url).path.lstrip('/')} ...", flush=True)
    pg_version = database_recreate(args.database_url)
    env = {**server_env(args), "IMPORT_MAX_ROWS": str(max(args.rows, 200_000))}
    manage(env, "migrate", "--noinput", "-v", "0")
    results: dict = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "rows": args.rows,
            "export_sizes": args.export_sizes,
            "database": database_label(args.database_url),
            "seed": args.seed,
            "rules": args.rules,
        },
        "machine": machine_facts(pg_version),
    }
    web, base = web_start(env, RESULTS / "gunicorn-import.log")
    cluster = cluster_start(env, RESULTS / "qcluster-import.log")
    try:
        api = Api(base).sign_in(f"import-{int(time.time())}@example.com")
        ledger_setup(api, rules=0)

        def undo(job_path: str) -> dict:
            return {**undo_run(api, job_path, cluster), "load_average_1m": os.getloadavg()[0]}

        print(f"Importing {args.rows} rows without rules ...", flush=True)
        results["import"] = import_run(args, api, web, cluster, rng)
        _, results["rollup_after_import"] = manage(env, "rollup_check")
        results["undo"] = undo(results["import"]["job"])
        _, results["rollup_after_undo"] = manage(env, "rollup_check")
        if args.rules:
            rules_create(api, args.rules)
            print(f"Importing {args.rows} rows with {args.rules} rules ...", flush=True)
            results["import_rules"] = import_run(args, api, web, cluster, rng)
            _, results["rollup_after_rules_import"] = manage(env, "rollup_check")
            results["rules_undo"] = undo(results["import_rules"]["job"])
        print(f"Importing an OFX statement of {args.rows} transactions ...", flush=True)
        results["import_ofx"] = ofx_import_run(args, api, web, cluster, rng)
        _, results["rollup_after_ofx_import"] = manage(env, "rollup_check")
        results["ofx_undo"] = undo(results["import_ofx"]["job"])
    finally:
        server_stop(web)
        server_stop(cluster)
    results["exports"] = {}
    try:
        for size in args.export_sizes:
            print(f"Exporting {size} transactions ...", flush=True)
            results["exports"][str(size)] = export_run(args, env, size, rng)
    finally:
        removed = redis_cleanup(args.redis_url)
        print(f"Removed {removed} Redis key(s) of the '{CLUSTER}' queue.", flush=True)
    out = RESULTS / "import.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(results))
    print()
    print(f"Results written to {out}. The database {database_label(args.database_url)} is kept.")


if __name__ == "__main__":
    main()
