"""A real Django-Q2 cluster process for tests, on the test run's own database.

On PostgreSQL the cluster opens the test database itself, with Redis as broker and cache.
On SQLite (the embedded default: ORM broker, file cache) the test database lives in memory,
which no other process can open: `shared_database` moves the test's connection onto a file
copy for the duration, and the cluster opens that file through `VAR_DIR`.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

BACKEND = Path(__file__).resolve().parents[1]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def skip_without_redis() -> None:
    if connection.vendor == "postgresql" and not settings.REDIS_URL:
        pytest.skip("on PostgreSQL the cluster uses Redis: set REDIS_URL")


@contextmanager
def shared_database(tmp: Path, django_settings: Any) -> Iterator[dict[str, str]]:
    """Yields the environment a cluster process needs to work on the test's database.

    On SQLite the connection moves to a file copy meanwhile (what the test wrote so far is
    copied); the in-memory database stays open (closing its last connection would drop it)
    and comes back afterwards. `django_settings` is pytest-django's `settings` fixture: the
    `qcluster` file cache (progress, cluster stats) moves to `tmp` as the cluster's does."""
    if connection.vendor != "sqlite":
        yield {"DATABASE_URL": database_url(), "REDIS_URL": settings.REDIS_URL}
        return
    path = tmp / "db.sqlite3"
    connection.ensure_connection()
    memory = connection.connection
    with sqlite3.connect(path) as copy:
        memory.backup(copy)
    name = connection.settings_dict["NAME"]
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    caches = {**django_settings.CACHES}
    caches["qcluster"] = {**caches["qcluster"], "LOCATION": str(tmp / "qcluster-cache")}
    django_settings.CACHES = caches
    try:
        yield {"VAR_DIR": str(tmp)}
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = memory


@contextmanager
def cluster(
    env: dict[str, str], log: Path, *, settings_module: str = "config.settings.test"
) -> Iterator[subprocess.Popen]:
    """`manage.py qcluster` in a process group of its own, its output appended to `log`.

    On leaving: SIGTERM to the leader (it stops its workers), then SIGKILL to whatever of
    the group is left; a test may also kill the group itself half-way."""
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=BACKEND,
            env={
                **base,
                "DJANGO_SETTINGS_MODULE": settings_module,
                "Q_SYNC": "false",
                "Q_WORKERS": "2",
                "PYTHONUNBUFFERED": "1",
                **env,
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=30)
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def wait_for(
    check: Callable[[], Any],
    what: str,
    log: Path,
    process: subprocess.Popen | None = None,
    timeout: float = 120,
) -> Any:
    """Polls `check` until it returns something true; fails with the cluster's log when the
    time is up or the cluster exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if process is not None and process.poll() is not None:
            pytest.fail(f"the cluster exited while waiting for {what}:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    pytest.fail(f"no {what} within {timeout} s:\n{log.read_text()[-3000:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def api_server(
    env: dict[str, str],
    log: Path,
    *,
    workers: int = 2,
    settings_module: str = "config.settings.test",
) -> Iterator[str]:
    """gunicorn serving the API as the images run it (`config.wsgi`, sync workers), on a free
    port of 127.0.0.1, in a process group of its own; yields the base URL of /api/v1 once
    /health answers. Tasks are enqueued to the broker (Q_SYNC=false), as in production."""
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application"],
            cwd=BACKEND,
            env={
                **base,
                "DJANGO_SETTINGS_MODULE": settings_module,
                "Q_SYNC": "false",
                "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port} --workers {workers} --timeout 60",
                **env,
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}/api/v1"
        try:
            wait_for(lambda: _answers(f"{url}/health"), f"an API on :{port}", log, process, 90)
            yield url
        finally:
            if process.poll() is None:
                process.terminate()
                with suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=30)
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False
