"""`backup` / `restore` commands: create data, back up, delete it, restore, data is back.

Each round trip runs in a subprocess with its own settings (a scratch SQLite file in a
temporary VAR_DIR, or a scratch PostgreSQL database), never against the test database."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from budget.exchange.backups import backup_path

BACKEND = Path(__file__).resolve().parents[3]

ROUND_TRIP = r"""
import io, sys
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError
from budget.accounts.services import user_register
from budget.ledgers.models import Ledger

call_command("migrate", verbosity=0)
user_register(email="keep@example.com", password="correct-horse-battery-staple", full_name="K")
assert Ledger.objects.filter(name__contains="K").count() == 1

out = io.StringIO()
call_command("backup", "--dir", sys.argv[1], stdout=out)
path = Path(out.getvalue().strip())
assert path.is_file() and path.name.startswith("budget-"), path
print("BACKUP", path.name)

Ledger.objects.all().delete()
assert Ledger.objects.count() == 0

try:
    call_command("restore", "--file", str(path) + ".missing", "--yes")
    raise SystemExit("a missing file must be refused")
except CommandError as error:
    assert "No backup file" in str(error)

call_command("restore", "--file", str(path), "--yes", stdout=io.StringIO())
from django.db import connections
connections.close_all()
assert Ledger.objects.filter(name__contains="K").count() == 1, list(Ledger.objects.all())
print("RESTORED")
"""


def _run(env_overrides: dict[str, str], backups: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env_overrides}
    result = subprocess.run(
        [sys.executable, "-c", ROUND_TRIP, str(backups)],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "RESTORED" in result.stdout
    return result


def test_backup_path_is_named_by_the_utc_time(tmp_path):
    from datetime import UTC, datetime

    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    path = backup_path(directory=tmp_path, extension="dump", now=now)
    assert path == tmp_path / "budget-20260102T030405Z.dump"


def test_sqlite_backup_and_restore_round_trip(tmp_path):
    result = _run(
        {"VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": "", "REDIS_URL": ""},
        tmp_path / "backups",
    )
    assert ".sqlite3" in result.stdout
    assert len(list((tmp_path / "backups").glob("budget-*.sqlite3"))) == 1


@pytest.mark.django_db
def test_restore_refuses_a_missing_file_and_asks_first(tmp_path, monkeypatch, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    missing = tmp_path / "nope.dump"
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", "--file", str(missing), "--yes")
    present = tmp_path / "budget-x.sqlite3"
    present.write_bytes(b"")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", "--file", str(present))
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", "--file", str(present))


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump and pg_restore")
def test_postgresql_backup_and_restore_round_trip(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    import psycopg

    db = connection.settings_dict
    scratch = f"budget_backup_{uuid.uuid4().hex[:12]}"
    admin = {
        "host": db["HOST"] or None,
        "port": db["PORT"] or None,
        "user": db["USER"] or None,
        "password": db["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{scratch}"
        result = _run({"DATABASE_URL": url, "VAR_DIR": str(tmp_path / "var")}, tmp_path / "b")
        assert ".dump" in result.stdout
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def test_the_password_goes_in_the_environment_never_on_the_command_line():
    from budget.exchange.backups import _pg_args_env

    args, env = _pg_args_env(
        {"HOST": "db", "PORT": 5433, "USER": "budget", "PASSWORD": "s3cret", "OPTIONS": {}}
    )
    assert args == ["--host", "db", "--port", "5433", "--username", "budget", "--no-password"]
    assert "s3cret" not in " ".join(args)
    assert env["PGPASSWORD"] == "s3cret"


def test_a_failed_pg_dump_leaves_no_file(tmp_path, monkeypatch):
    from budget.exchange import backups

    def fail(command, env):
        Path(command[command.index("--file") + 1]).write_bytes(b"")
        raise backups.BackupError("pg_dump failed: no such database")

    monkeypatch.setattr(backups, "vendor", lambda alias="default": "postgresql")
    monkeypatch.setattr(backups, "_database", lambda alias="default": {"NAME": "x"})
    monkeypatch.setattr(backups, "_run", fail)
    with pytest.raises(backups.BackupError):
        backups.database_backup(directory=tmp_path)
    assert list(tmp_path.iterdir()) == []
