"""Profiles the import's check and commit in-process (cProfile), on the database of
DATABASE_URL (PostgreSQL for real figures), with the job functions themselves.

    cd backend && DATABASE_URL=postgres://... REDIS_URL=redis://... \
        ../.venv/bin/python bench/profile_import.py [--rows 100000] [--rules 0] [--ofx] [--top 15]

Sets up a ledger through the API (Django's test client, as the import bench does over HTTP),
writes the bench's file, then times and profiles `import_validate` and `import_run` apart,
printing the top functions of each by own time (tottime) and by cumulative time.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
import uuid
from pathlib import Path

BACKEND = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(BACKEND), str(BACKEND / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("IMPORT_MAX_ROWS", "1000000")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from run_bench import PASSWORD, rules_create  # noqa: E402
from run_import_bench import WALLETS, csv_write, ofx_write  # noqa: E402
from run_reports_bench import ledger_setup  # noqa: E402

from budget.accounts.models import User  # noqa: E402
from budget.exchange import import_services  # noqa: E402
from budget.exchange.models import ImportRow, ImportStatus  # noqa: E402
from budget.money.models import Transaction  # noqa: E402


class LocalApi:
    """The bench's `Api`, through Django's test client."""

    def __init__(self) -> None:
        self.client = Client(HTTP_HOST="localhost")
        self.headers: dict[str, str] = {}

    def call(self, method, path, expect=200, json=None, params=None, **_):
        url = "/api/v1" + path
        if method == "GET":
            response = self.client.get(url, params or {}, headers=self.headers)
        else:
            response = getattr(self.client, method.lower())(
                url, json or {}, content_type="application/json", headers=self.headers
            )
        if response.status_code != expect:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.content[:500]}")
        return response.json() if response.content else None

    def sign_in(self, email: str) -> "LocalApi":
        user = self.call("POST", "/auth/register", 201, json={"email": email, "password": PASSWORD})
        tokens = self.call("POST", "/auth/token", json={"email": email, "password": PASSWORD})
        self.headers["Authorization"] = f"Bearer {tokens['access']}"
        self.ledger = f"/ledgers/{user['default_ledger_id']}"
        self.user = User.objects.get(pk=user["id"])
        return self


def profiled(label: str, function, top: int):
    profile = cProfile.Profile()
    started, cpu = time.perf_counter(), time.process_time()
    profile.enable()
    result = function()
    profile.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"\n=== {label}: {seconds:.2f} s, {cpu:.2f} s CPU here (load {os.getloadavg()[0]:.2f}) ==="
    )
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(top)
        text = out.getvalue()
        print(text[text.find("   ncalls") :])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=0)
    parser.add_argument("--ofx", action="store_true")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--no-profile", action="store_true", help="time only")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the first SQL chunk")
    parser.add_argument("--only", choices=("check", "commit"), help="profile only this part")
    args = parser.parse_args()
    call_command("migrate", "--noinput", verbosity=0)
    api = LocalApi().sign_in(f"profile-{uuid.uuid4().hex[:8]}@example.com")
    ledger_setup(api, rules=0)
    if args.rules:
        rules_create(api, args.rules)
    rng = random.Random(42)
    path = BACKEND / "bench-results" / f"profile-{args.rows}.{'ofx' if args.ofx else 'csv'}"
    path.parent.mkdir(exist_ok=True)
    options = {}
    if args.ofx:
        ofx_write(path, args.rows, rng)
        options = {
            "wallet": WALLETS[0]["name"],
            "income_category": "Salary",
            "expense_category": "Groceries",
        }
    else:
        csv_write(path, args.rows, rng)
    ledger = api.user.default_ledger if hasattr(api.user, "default_ledger") else None
    from budget.ledgers.models import Ledger

    ledger = Ledger.objects.get(pk=api.ledger.rsplit("/", 1)[-1])

    def check():
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        return import_services.import_validate(
            ledger=ledger, user=api.user, upload=upload, options=options
        )

    top = 0 if args.no_profile else args.top
    run = (lambda label, f: _timed(label, f)) if args.no_profile else None
    job = _timed("check", check) if run or args.only == "commit" else profiled("check", check, top)
    print(job.detail, "ImportRows:", ImportRow.objects.filter(job=job).count())
    job.status, job.run_id = ImportStatus.RUNNING, uuid.uuid4()
    job.total, job.started_at = job.valid_rows, timezone.now()
    job.save()

    if args.explain:
        _explain(job)
        return

    def commit():
        return import_services.import_run(job_id=job.pk, run_id=job.run_id)

    if run or args.only == "check":
        result = _timed("commit", commit)
    else:
        result = profiled("commit", commit, top)
    job.refresh_from_db()
    print(result, job.detail, Transaction.objects.filter(import_job=job).count())


def _explain(job) -> None:
    """EXPLAIN ANALYZE of the commit's first INSERT … SELECT, rolled back."""
    from django.db import connection, transaction

    from budget.exchange import commit_sql

    captured = []
    real = connection.cursor

    with transaction.atomic():
        import_services._constraints_now()
        payees = commit_sql.payees_of(job)
        ends = commit_sql.chunk_ends(job, import_services.COMMIT_CHUNK)

        class Spy:
            def __init__(self):
                self.cursor = real()

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.cursor.close()

            def execute(self, sql, params):
                self.cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                captured.extend(row[0] for row in self.cursor.fetchall())

            def fetchone(self):
                return (0, 0)

        class Connection:
            ops = connection.ops

            def cursor(self):
                return Spy()

        commit_sql.connection = Connection()
        try:
            commit_sql.rows_copy(job, payees, after=0, upto=ends[0])
        finally:
            commit_sql.connection = connection
        transaction.set_rollback(True)
    print("\n".join(captured))


def _server_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far, when it runs on this
    machine (its /proc entry readable); else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(label, function):
    """Runs `function`, printing its wall time, this process's CPU time and that of its
    PostgreSQL backend (on a shared machine the CPU times compare runs better; the rest of
    the wall time is waiting for a core)."""
    server = _server_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    result = function()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    after = _server_cpu()
    db = f", {after - server:.2f} s CPU in PostgreSQL" if server is not None and after else ""
    print(f"=== {label}: {seconds:.2f} s, {cpu:.2f} s CPU here{db} (load {os.getloadavg()[0]:.2f})")
    return result


if __name__ == "__main__":
    main()
