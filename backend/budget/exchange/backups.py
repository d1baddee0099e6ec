"""Whole-database backups: `pg_dump`/`pg_restore` on PostgreSQL, SQLite's online backup
API otherwise. Used by the `backup` and `restore` management commands."""

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections


class BackupError(Exception):
    pass


def _database(alias: str = "default") -> dict[str, Any]:
    return connections[alias].settings_dict


def vendor(alias: str = "default") -> str:
    return connections[alias].vendor


def backup_dir() -> Path:
    return Path(settings.BACKUP_DIR or settings.VAR_DIR / "backups")


def backup_path(*, directory: Path, extension: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return directory / f"budget-{stamp}.{extension}"


def _pg_args_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL tools; the password goes in the environment,
    never on the command line (where `ps` would show it)."""
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return [*args, "--no-password"], env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (it comes with the PostgreSQL client).")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip() or result.returncode}")


def database_backup(*, directory: Path | None = None, alias: str = "default") -> Path:
    """Writes `budget-<UTC timestamp>.dump` (PostgreSQL, custom format) or `.sqlite3`."""
    directory = Path(directory or backup_dir())
    directory.mkdir(parents=True, exist_ok=True)
    db = _database(alias)
    if vendor(alias) == "postgresql":
        path = backup_path(directory=directory, extension="dump")
        args, env = _pg_args_env(db)
        try:
            _run(["pg_dump", "--format=custom", "--file", str(path), *args, str(db["NAME"])], env)
        except BackupError:
            path.unlink(missing_ok=True)  # no half-written file that looks like a backup
            raise
        return path
    if vendor(alias) == "sqlite":
        path = backup_path(directory=directory, extension="sqlite3")
        _sqlite_copy(source=str(db["NAME"]), target=str(path))
        return path
    raise BackupError(f"No backup for the {vendor(alias)} database.")


def database_restore(*, path: Path, alias: str = "default") -> None:
    """Replaces the database's content with the backup at `path`."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    db = _database(alias)
    connections[alias].close()  # nothing of ours holds the database while it is replaced
    if vendor(alias) == "postgresql":
        args, env = _pg_args_env(db)
        command = ["pg_restore", "--clean", "--if-exists", "--no-owner", *args]
        _run([*command, "--dbname", str(db["NAME"]), str(path)], env)
    elif vendor(alias) == "sqlite":
        _sqlite_copy(source=str(path), target=str(db["NAME"]))
    else:
        raise BackupError(f"No restore for the {vendor(alias)} database.")


def _sqlite_copy(*, source: str, target: str) -> None:
    """SQLite's online backup: a consistent copy even while others write to `source`."""
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
