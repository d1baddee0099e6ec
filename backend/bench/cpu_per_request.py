"""CPU per request: what each request of the load benchmark's mix costs the API process and
PostgreSQL, measured on an otherwise idle gunicorn (one sync worker) so the figure does not
depend on what else the machine runs (`make bench-load` measures the rates).

    cd backend && ../.venv/bin/python bench/cpu_per_request.py [--samples 200]
        [--database-url postgres://postgres@127.0.0.1:5432/budget_load_bench]
        [--redis-url redis://127.0.0.1:6379/14]

Needs the database `make bench-load` built (its families). For each request of the mix it
sends `--samples` requests one after another over one keep-alive connection and reads the CPU
time (user + system, /proc) of the gunicorn worker and of the database's server processes
before and after: CPU ms per request for each, and the wall-clock p50.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg
import requests
from run_bench import PASSWORD, server_env, server_start, server_stop

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(p) for p in text]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/budget_load_bench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    env = {**server_env(args), "PYTHONUNBUFFERED": "1"}
    with psycopg.connect(args.database_url, autocommit=True) as db:
        email = db.execute(
            "SELECT email FROM accounts_user WHERE email LIKE 'load-%%' ORDER BY email LIMIT 1"
        ).fetchone()[0]
    log = Path("/tmp/cpu_per_request.log")
    process, base = server_start(
        env, log, extra=("--workers", "1", "--access-logfile", "-", "--timeout", "60")
    )
    try:
        worker = children(process.pid)[-1]
        http = requests.Session()
        token = http.post(f"{base}/auth/token", json={"email": email, "password": PASSWORD})
        http.headers["Authorization"] = f"Bearer {token.json()['access']}"
        me = http.get(f"{base}/auth/me").json()
        lid = f"{base}/ledgers/{me['default_ledger_id']}"
        wallets = [w["id"] for w in http.get(f"{lid}/wallets").json()["items"]]
        categories = http.get(f"{lid}/categories", params={"page_size": 500}).json()["items"]
        expense_category = next(
            c["id"] for c in categories if c.get("type", c.get("kind")) == "expense"
        )
        today = time.strftime("%Y-%m-%d")
        year, month = int(today[:4]), int(today[5:7])
        created: list[str] = []

        def create():
            body = {
                "kind": "expense",
                "date": today,
                "amount": "12.34",
                "wallet": wallets[0],
                "category": expense_category,
                "description": "cpu bench",
            }
            answer = http.post(f"{lid}/transactions", json=body)
            created.append(answer.json()["id"])
            return answer

        def edit():
            return http.patch(f"{lid}/transactions/{created[-1]}", json={"notes": "edited"})

        def delete():
            return http.delete(f"{lid}/transactions/{created.pop()}")

        mix = {
            "health": lambda: http.get(f"{base}/health"),
            "wallets": lambda: http.get(f"{lid}/wallets"),
            "buckets": lambda: http.get(f"{lid}/buckets"),
            "categories": lambda: http.get(f"{lid}/categories", params={"page_size": 500}),
            "transactions page": lambda: http.get(f"{lid}/transactions", params={"page": 2}),
            "transactions of a wallet": lambda: http.get(
                f"{lid}/transactions", params={"wallet": wallets[0]}
            ),
            "transactions search": lambda: http.get(f"{lid}/transactions", params={"q": "rent"}),
            "reports/monthly": lambda: http.get(
                f"{lid}/reports/monthly", params={"year": year, "month": month}
            ),
            "reports/yearly": lambda: http.get(f"{lid}/reports/yearly", params={"year": year}),
            "reports/balances": lambda: http.get(f"{lid}/reports/balances"),
            "create expense": create,
            "edit transaction": edit,
            "delete transaction": delete,
        }
        with psycopg.connect(args.database_url, autocommit=True) as db:
            print(f"{'request':<26} {'api ms':>8} {'db ms':>8} {'total':>8} {'wall p50':>9}")
            for name, call in mix.items():
                for _ in range(5):
                    if name == "delete transaction":
                        create()
                    assert call().status_code < 300, name
                if name == "delete transaction":
                    for _ in range(args.samples):
                        create()
                backends = [
                    row[0]
                    for row in db.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                    )
                ]
                api0 = cpu_seconds(worker)
                db0 = sum(cpu_seconds(p) for p in backends)
                walls = []
                for _ in range(args.samples):
                    t = time.perf_counter()
                    answer = call()
                    walls.append(time.perf_counter() - t)
                    assert answer.status_code < 300, (name, answer.text[:200])
                api = (cpu_seconds(worker) - api0) * 1000 / args.samples
                dbt = (sum(cpu_seconds(p) for p in backends) - db0) * 1000 / args.samples
                print(
                    f"{name:<26} {api:8.2f} {dbt:8.2f} {api + dbt:8.2f} "
                    f"{statistics.median(walls) * 1000:9.2f}",
                    flush=True,
                )
            while created:
                delete()
    finally:
        server_stop(process)


if __name__ == "__main__":
    sys.exit(main())
