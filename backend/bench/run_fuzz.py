"""Fuzzing the API from its own OpenAPI schema with schemathesis (`make fuzz`).

    cd backend && ../.venv/bin/python bench/run_fuzz.py [--examples 10] [--max-time 300]
        [--database-url postgres://postgres@127.0.0.1:5432/budget_fuzz] [--redis-url …]

Starts gunicorn on 127.0.0.1 with a fresh database (a throwaway SQLite file by default, or
the PostgreSQL database named in --database-url, dropped and recreated), registers a user
and fills one ledger over HTTP (a wallet, a bucket, a category, a transaction, a recurring
template, a budget, a goal, an import job, a member, an API key), then runs schemathesis
over /api/v1/openapi.json with that user's token and those ids as the path parameters, so
the ledger routes are exercised and not only answered 404.

The checks are `not_a_server_error` and `status_code_conformance`: the goal is no 5xx and
no status code the schema does not declare. Exits non-zero when a check failed. The
reports (JUnit XML, NDJSON events) and the server log go to bench-results/fuzz/.

Knobs (options or environment): FUZZ_EXAMPLES (examples per operation and phase, default
10), FUZZ_SECONDS (time budget of the whole schemathesis run, default 300), FUZZ_SEED,
FUZZ_DATABASE_URL, FUZZ_REDIS_URL.
"""

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
from run_bench import database_recreate, server_start, server_stop

BACKEND = Path(__file__).resolve().parent.parent
RESULTS = BACKEND.parent / "bench-results" / "fuzz"
PASSWORD = "fuzz-Password-2026!"
CHECKS = "not_a_server_error,status_code_conformance"
# The operations that delete what a path id names → that parameter.
DELETES = {
    "ledger_delete": "lid",
    "wallet_delete": "wallet_id",
    "bucket_delete": "bucket_id",
    "category_delete": "category_id",
    "transaction_delete": "transaction_id",
    "recurring_delete": "recurring_id",
    "budget_delete": "budget_id",
    "goal_delete": "goal_id",
    "import_delete": "job_id",
    "member_remove": "user_id",
    "api_key_delete": "key_id",
    "payee_delete": "payee_id",
    "payee_merge": "payee_id",
    "rule_delete": "rule_id",
    "webhook_delete": "webhook_id",
}
# The operations that end sessions (SPEC §16): sent as a user of their own, so the owner's
# token, which every other operation uses, is never signed out midway.
SESSION_OPERATIONS = ("logout", "session_list", "session_delete", "session_revoke_all")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get
    parser.add_argument("--examples", type=int, default=int(env("FUZZ_EXAMPLES") or 10))
    parser.add_argument("--max-time", type=int, default=int(env("FUZZ_SECONDS") or 300))
    parser.add_argument("--seed", type=int, default=int(env("FUZZ_SEED") or 42))
    parser.add_argument("--database-url", default=env("FUZZ_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=env("FUZZ_REDIS_URL", ""))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--include-operation-id-regex",
        default="",
        help="Fuzz only the operations whose id matches, e.g. 'transaction_.*'.",
    )
    args = parser.parse_args()
    if args.database_url and urlsplit(args.database_url).scheme not in {
        "postgres",
        "postgresql",
        "pgsql",
    }:
        parser.error("--database-url must be a PostgreSQL URL (or empty for SQLite).")
    return args


def server_env(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "Q_CLUSTER_NAME": "fuzz",
        # The fuzzer registers and signs in thousands of times from one address.
        "AUTH_THROTTLE_IP_RATE": "100000/min",
        "AUTH_THROTTLE_EMAIL_RATE": "100000/min",
        "ACCESS_TOKEN_MINUTES": "600",
        "LOG_LEVEL": "WARNING",
        "ACCOUNT_MAIL_RATE": "100000/min",
        # Mails are files: the setup follows the verification links in them.
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(var_dir / "mail"),
        "WEBHOOK_ALLOW_PRIVATE": "true",
    }
    return env


def fuzz_server_start(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, str]:
    # No request-line or header size limit: gunicorn would answer a long URL with its own
    # HTML 414 before Django sees it; the fuzz is about what the API answers.
    limits = ("--limit-request-line", "0", "--limit-request-field_size", "0")
    return server_start(env, log_path, timeout=120, extra=limits)


class Setup:
    """One user with one ledger full of things, made over HTTP; `ids` name them by the
    path parameters of the schema."""

    def __init__(self, base: str, mail_dir: Path) -> None:
        self.base = base
        self.mail_dir = mail_dir
        self.session = requests.Session()
        self.ids: dict[str, str] = {}
        self.spare_token = ""

    def call(self, method: str, path: str, expect: int, **kwargs) -> dict:
        response = self.session.request(method, self.base + path, timeout=30, **kwargs)
        if response.status_code != expect:
            raise SystemExit(
                f"Setup: {method} {path} answered {response.status_code}, not {expect}: "
                f"{response.text[:500]}"
            )
        return response.json() if response.content else {}

    def user(self, email: str) -> str:
        """A registered user with a verified address (only such accept invitations)."""
        self.call("POST", "/auth/register", 201, json={"email": email, "password": PASSWORD})
        mails = [p.read_text() for p in sorted(self.mail_dir.glob("*.log"))]
        links = [m for m in mails if f"To: {email}" in m and "?verify=" in m]
        token = re.findall(r"\?verify=([A-Za-z0-9_\-]+)", links[-1])[0]
        self.call("POST", "/auth/verify-email", 204, json={"token": token})
        tokens = self.call("POST", "/auth/token", 200, json={"email": email, "password": PASSWORD})
        return tokens["access"]

    def run(self) -> str:
        members = [self.user(f"member{n}@fuzz.example") for n in (1, 2)]
        self.spare_token = self.user("sessions@fuzz.example")
        token = self.user("owner@fuzz.example")
        self.session.headers["Authorization"] = f"Bearer {token}"
        lid = self.call("GET", "/auth/me", 200)["default_ledger_id"]
        self.ids["lid"] = lid
        self.ids |= self.things(lid, "1", members[0])
        # The deletes get things of their own, so the other operations keep theirs.
        doomed = self.things(lid, "2", members[1])
        doomed["lid"] = self.call(
            "POST", "/ledgers", 201, json={"name": "To delete", "currency": "EUR"}
        )["id"]
        for op_id, name in DELETES.items():
            self.ids[f"{op_id}.{name}"] = doomed[name]
        return token

    def things(self, lid: str, n: str, member_token: str) -> dict[str, str]:
        """One of each thing in the ledger, named with `n`; ids by path parameter."""
        ledger = f"/ledgers/{lid}"
        wallet = self.call(
            "POST", f"{ledger}/wallets", 201, json={"name": f"Bank {n}", "kind": "virtual"}
        )["id"]
        bucket = self.call(
            "POST",
            f"{ledger}/buckets",
            201,
            json={"name": f"Savings {n}", "allocation_percent": "10.00"},
        )["id"]
        category = self.call(
            "POST", f"{ledger}/categories", 201, json={"name": f"Food {n}", "type": "expense"}
        )["id"]
        today = datetime.now(UTC).date()  # the server's TIME_ZONE is UTC
        spending = {"description": "Lunch", "category": category, "wallet": wallet}
        transaction = self.call(
            "POST",
            f"{ledger}/transactions",
            201,
            json={"kind": "expense", "amount": "12.30", "date": today.isoformat(), **spending},
        )["id"]
        recurring = self.call(
            "POST",
            f"{ledger}/recurring",
            201,
            json={
                "kind": "expense",
                "amount": "9.99",
                "frequency": "monthly",
                "start_date": today.replace(day=1).isoformat(),
                **spending,
            },
        )["id"]
        budget = self.call(
            "POST",
            f"{ledger}/budgets",
            201,
            json={"category": category, "amount": "300.00", "start_month": f"{today:%Y-%m}"},
        )["id"]
        goal = self.call(
            "POST",
            f"{ledger}/goals",
            201,
            json={"name": f"Holiday {n}", "bucket": bucket, "target_amount": "1000.00"},
        )["id"]
        csv = (
            "date,kind,amount,description,category,wallet\n"
            f"{today.isoformat()},expense,4.50,Coffee,Food {n},Bank {n}\n"
        )
        job = self.call(
            "POST",
            f"{ledger}/imports",
            201,
            files={"file": ("fuzz.csv", io.BytesIO(csv.encode()), "text/csv")},
        )["id"]
        member = self.call(
            "GET", "/auth/me", 200, headers={"Authorization": f"Bearer {member_token}"}
        )
        # Members join by accepting an invitation (SPEC §16).
        self.call(
            "POST", f"{ledger}/members", 202, json={"email": member["email"], "role": "editor"}
        )
        as_member = {"Authorization": f"Bearer {member_token}"}
        for invitation in self.call("GET", "/invitations", 200, headers=as_member)["items"]:
            self.call("POST", f"/invitations/{invitation['id']}/accept", 200, headers=as_member)
        key = self.call("POST", "/auth/api-keys", 201, json={"name": f"fuzz {n}"})["id"]
        payee = self.call("POST", f"{ledger}/payees", 201, json={"name": f"Market {n}"})["id"]
        rule = self.call(
            "POST",
            f"{ledger}/rules",
            201,
            json={
                "name": f"Market {n}",
                "conditions": [{"field": "payee_name", "op": "contains", "value": "market"}],
                "actions": [{"field": "category", "value": category}],
            },
        )["id"]
        webhook = self.call(  # the fuzz server allows private addresses: nothing listens here
            "POST",
            f"{ledger}/webhooks",
            201,
            json={"url": "http://127.0.0.1:9/hook", "events": ["*"]},
        )["id"]
        return {
            "payee_id": payee,
            "rule_id": rule,
            "webhook_id": webhook,
            "wallet_id": wallet,
            "bucket_id": bucket,
            "category_id": category,
            "transaction_id": transaction,
            "recurring_id": recurring,
            "budget_id": budget,
            "goal_id": goal,
            "job_id": job,
            "user_id": member["id"],
            "key_id": key,
        }


def config_toml(ids: dict[str, str], token: str, spare_token: str = "") -> str:
    """schemathesis.toml: the token on every request, the ids as path parameters; the
    deletes (`op_id.param` in `ids`) get ids of their own, the session operations a user of
    their own (`spare_token`)."""
    shared = {k: v for k, v in ids.items() if "." not in k}
    lines = [f'headers = {{ Authorization = "Bearer {token}" }}', "", "[parameters]"]
    lines += [f'"path.{name}" = "{value}"' for name, value in shared.items()]
    for op_id in SESSION_OPERATIONS if spare_token else ():
        lines += ["", "[[operations]]", f'include-operation-id = "{op_id}"']
        lines += [f'headers = {{ Authorization = "Bearer {spare_token}" }}']
    for key, value in ids.items():
        if "." in key:
            op_id, name = key.split(".")
            params = {**shared, name: value}
            table = ", ".join(f'"path.{k}" = "{v}"' for k, v in params.items())
            lines += ["", "[[operations]]", f'include-operation-id = "{op_id}"']
            lines += [f"parameters = {{ {table} }}"]
    return "\n".join(lines) + "\n"


def schemathesis_run(args: argparse.Namespace, base: str, config: Path) -> int:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "run",
        f"{base}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(args.examples),
        "--max-time",
        str(args.max_time),
        "--seed",
        str(args.seed),
        "--workers",
        str(args.workers),
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--report",
        "junit,ndjson",
        "--report-dir",
        str(RESULTS),
    ]
    if args.include_operation_id_regex:
        command += ["--include-operation-id-regex", args.include_operation_id_regex]
    print("$ " + " ".join(command), flush=True)
    # From bench-results/: schemathesis keeps its cache (.schemathesis/) there, ignored by git.
    return subprocess.run(command, cwd=RESULTS.parent).returncode


def main() -> None:
    args = parse_args()
    if RESULTS.exists():
        shutil.rmtree(RESULTS)
    RESULTS.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="budget-fuzz-") as var_dir:
        if args.database_url:
            print(f"Recreating {urlsplit(args.database_url).path.lstrip('/')} ...", flush=True)
            database_recreate(args.database_url)
        env = server_env(args, Path(var_dir))
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=BACKEND,
            env=env,
            check=True,
        )
        log_path = RESULTS / "gunicorn-fuzz.log"
        process, base = fuzz_server_start(env, log_path)
        try:
            setup = Setup(base, Path(var_dir) / "mail")
            token = setup.run()
            config = Path(var_dir) / "schemathesis.toml"
            config.write_text(config_toml(setup.ids, token, setup.spare_token))
            print(json.dumps(setup.ids, indent=2), flush=True)
            code = schemathesis_run(args, base, config)
        finally:
            server_stop(process)
    print(f"Reports and the server log (tracebacks of any 5xx) are in {RESULTS}.")
    sys.exit(code)


if __name__ == "__main__":
    main()
