"""Benchmark of shared expenses (SPEC §15) over HTTP, against PostgreSQL and Redis.

    cd backend && ../.venv/bin/python bench/run_groups_bench.py [--people 50]
        [--expenses 10000] [--samples 200] [--trip-expenses 200]
        [--database-url postgres://postgres@127.0.0.1:5432/budget_groups_bench]
        [--redis-url redis://127.0.0.1:6379/14]

It drops and recreates the bench database, migrates it and starts gunicorn (2 workers). A
group of --people participants gets --expenses expenses (one or two payers, split equally
between 2 to all of them, rounded as the API rounds), written straight into the database
with the participants' running totals recounted once; then GET …/balances and
GET …/settle-up are timed over HTTP (target: p50 ≤ 50 ms each). Then a trip of 6 people
and --trip-expenses expenses in all four split modes is entered through the API, its
settle-up suggestions are recorded as settlements, and every balance must be zero after at
most 5 transfers. Prints a Markdown table and writes bench-results/groups.json.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlsplit

from run_bench import (
    RESULTS,
    Api,
    database_label,
    database_recreate,
    machine_facts,
    measure,
    redis_cleanup,
    server_env,
    server_start,
    server_stop,
)

BACKEND = Path(__file__).resolve().parent.parent
TARGET_MS = 50.0
TRIP_PEOPLE = 6


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--expenses", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--trip-expenses", type=int, default=200)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_GROUPS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/budget_groups_bench"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if urlsplit(args.database_url).scheme not in {"postgres", "postgresql", "pgsql"}:
        parser.error("the benchmark needs PostgreSQL: pass --database-url postgres://…")
    if args.people < 2 or args.expenses < 1:
        parser.error("--people must be at least 2 and --expenses at least 1.")
    return args


def bulk_load(env: dict[str, str], gid: str, expenses: int, seed: int) -> float:
    """Writes the expenses in this process through the ORM (bulk), as the API would have
    split them, and recounts the participants' totals once; returns the seconds taken."""
    os.environ.update(env)
    sys.path.insert(0, str(BACKEND))
    import django

    django.setup()
    from budget.groups.models import Expense, Group, Participant, Payer, Share
    from budget.groups.services import participants_totals_rebuild
    from budget.groups.splitting import split_by_weights

    started = time.perf_counter()
    rng = random.Random(seed)
    group = Group.objects.get(pk=gid)
    people = list(Participant.objects.filter(group=group).order_by("created_at", "id"))
    day = date(2025, 1, 1)
    for start in range(0, expenses, 1000):
        rows, payers, shares = [], [], []
        for i in range(start, min(start + 1000, expenses)):
            cents = rng.randint(100, 50_000)
            amount = Decimal(cents).scaleb(-2)
            expense = Expense(
                group=group,
                title=f"Expense {i}",
                amount=amount,
                group_amount=amount,
                date=day + timedelta(days=i % 365),
                currency=group.currency,
                split_mode="equal",
            )
            rows.append(expense)
            who = rng.sample(people, 2 if rng.random() < 0.2 and cents > 1 else 1)
            first = Decimal(rng.randint(1, cents - 1)).scaleb(-2) if len(who) == 2 else amount
            paid = [first, amount - first][: len(who)]
            payers += [
                Payer(expense=expense, participant=p, amount=a, paid=a, position=n)
                for n, (p, a) in enumerate(zip(who, paid, strict=True))
            ]
            parts = rng.sample(people, rng.randint(2, len(people)))
            owed = split_by_weights(amount, [Fraction(1)] * len(parts))
            shares += [
                Share(expense=expense, participant=p, owed=o, position=n)
                for n, (p, o) in enumerate(zip(parts, owed, strict=True))
            ]
        Expense.objects.bulk_create(rows)
        Payer.objects.bulk_create(payers, batch_size=5000)
        Share.objects.bulk_create(shares, batch_size=5000)
    participants_totals_rebuild(group=group)
    return time.perf_counter() - started


def big_group(api: Api, args: argparse.Namespace, env: dict[str, str]) -> dict:
    group = api.call("POST", "/groups", 201, json={"name": "Big group", "currency": "EUR"})
    gid = group["id"]
    for n in range(args.people - 1):
        api.call("POST", f"/groups/{gid}/participants", 201, json={"name": f"Person {n + 2}"})
    print(f"Loading {args.expenses} expenses for {args.people} people ...", flush=True)
    seconds = bulk_load(env, gid, args.expenses, args.seed)
    balances = api.call("GET", f"/groups/{gid}/balances")
    total = sum(Decimal(b["balance"]) for b in balances)
    transfers = api.call("GET", f"/groups/{gid}/settle-up")["transfers"]
    non_zero = sum(1 for b in balances if Decimal(b["balance"]))
    return {
        "people": args.people,
        "expenses": args.expenses,
        "load_seconds": round(seconds, 1),
        "balances_sum": str(total),
        "transfers": len(transfers),
        "non_zero_balances": non_zero,
        "balances": measure(lambda i: api.call("GET", f"/groups/{gid}/balances"), args.samples),
        "settle_up": measure(lambda i: api.call("GET", f"/groups/{gid}/settle-up"), args.samples),
    }


def trip(api: Api, expenses: int, seed: int) -> dict:
    """6 people, `expenses` expenses in every split mode through the API, then settled."""
    rng = random.Random(seed + 1)
    gid = api.call("POST", "/groups", 201, json={"name": "Trip", "currency": "EUR"})["id"]
    people = [api.call("GET", f"/groups/{gid}")["me"]]
    people += [
        api.call("POST", f"/groups/{gid}/participants", 201, json={"name": f"Friend {n}"})["id"]
        for n in range(1, TRIP_PEOPLE)
    ]
    for i in range(expenses):
        cents = rng.randint(100, 30_000)
        mode = ["equal", "shares", "percent", "exact"][i % 4]
        parts = rng.sample(people, rng.randint(2, TRIP_PEOPLE))
        if mode == "equal":
            values = [None] * len(parts)
        elif mode == "shares":
            values = [str(rng.randint(1, 4)) for _ in parts]
        else:
            total = 10_000 if mode == "percent" else cents
            cuts = sorted(rng.sample(range(1, total), len(parts) - 1))
            values = [
                f"{(b - a) / 100:.2f}" for a, b in zip([0, *cuts], [*cuts, total], strict=True)
            ]
        payer = rng.choice(people)
        api.call(
            "POST",
            f"/groups/{gid}/expenses",
            201,
            json={
                "title": f"Trip expense {i}",
                "amount": f"{cents / 100:.2f}",
                "date": "2025-07-01",
                "paid_by": [{"participant": payer, "amount": f"{cents / 100:.2f}"}],
                "split": {
                    "mode": mode,
                    "parts": [
                        {"participant": p, "value": v} for p, v in zip(parts, values, strict=True)
                    ],
                },
            },
        )
    transfers = api.call("GET", f"/groups/{gid}/settle-up")["transfers"]
    for transfer in transfers:
        api.call(
            "POST",
            f"/groups/{gid}/settlements",
            201,
            json={
                "from": transfer["from"],
                "to": transfer["to"],
                "amount": transfer["amount"],
                "date": "2025-07-10",
            },
        )
    after = api.call("GET", f"/groups/{gid}/balances")
    return {
        "people": TRIP_PEOPLE,
        "expenses": expenses,
        "transfers": len(transfers),
        "all_zero_after": all(Decimal(b["balance"]) == 0 for b in after),
    }


def table(results: dict) -> str:
    big, trip_result = results["big_group"], results["trip"]
    lines = [
        f"Groups bench: {big['people']} people, {big['expenses']} expenses "
        f"(loaded in {big['load_seconds']} s); Σ balances = {big['balances_sum']}; "
        f"{big['transfers']} suggested transfers for {big['non_zero_balances']} non-zero balances",
        "",
        "| request | p50 ms | p95 ms | max ms | target p50 | ok |",
        "|---|---|---|---|---|---|",
    ]
    for key, label in (("balances", "GET balances"), ("settle_up", "GET settle-up")):
        m = big[key]
        ok = "yes" if m["p50_ms"] <= TARGET_MS else "NO"
        lines.append(
            f"| {label} | {m['p50_ms']} | {m['p95_ms']} | {m['max_ms']} | {TARGET_MS} | {ok} |"
        )
    lines += [
        "",
        f"Trip: {trip_result['people']} people, {trip_result['expenses']} expenses → "
        f"{trip_result['transfers']} transfers (≤ 5), every balance zero afterwards: "
        f"{trip_result['all_zero_after']}",
        f"Machine: {results['machine']}",
    ]
    return "\n".join(lines)


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
    process, base = server_start(env, RESULTS / "gunicorn-groups-bench.log")
    try:
        api = Api(base).sign_in("groups-bench@example.com")
        results = {
            "machine": machine_facts(pg_version),
            "database": database_label(args.database_url),
            "big_group": big_group(api, args, env),
            "trip": trip(api, args.trip_expenses, args.seed),
        }
    finally:
        server_stop(process)
        redis_cleanup(args.redis_url)
    out = RESULTS / "groups.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table(results))
    print(f"\nResults written to {out}.")


if __name__ == "__main__":
    main()
