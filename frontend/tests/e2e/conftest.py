"""End-to-end fixtures: the real API, the real dashboard and a real Chromium.

Once per test session: a backend on a throwaway SQLite database (migrated from scratch) with its
Django-Q2 worker cluster (`manage.py qcluster`, the ORM broker of the embedded default, as
`make run` starts it), the Streamlit dashboard pointed at it, and a headless Debian Chromium
driven by Playwright. Every process is stopped at the end, whatever happens.

Without /usr/bin/chromium the e2e tests are skipped, unless E2E_REQUIRED=1 (CI), where a missing
browser is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
FRONTEND_DIR = Path(__file__).resolve().parents[2]
BACKEND_DIR = FRONTEND_DIR.parent / "backend"
SCREENSHOTS_DIR = Path(__file__).resolve().parent / "screenshots"
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Servers:
    api_url: str  # ends in /api/v1
    dashboard_url: str


@pytest.fixture(scope="session", autouse=True)
def _chromium_available() -> None:
    """Runs before any server starts, so a skipped session costs nothing."""
    if CHROMIUM.exists():
        return
    reason = (
        f"{CHROMIUM} is missing; install Debian's Chromium with "
        "`apt-get update && apt-get install -y chromium` to run the e2e tests"
    )
    if os.environ.get("E2E_REQUIRED") == "1":
        pytest.fail(f"E2E_REQUIRED=1 but {reason}.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def servers(request: pytest.FixtureRequest) -> Iterator[Servers]:
    """The servers' logs are copied to screenshots/logs/ when a test failed."""
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="budget-e2e-") as tmp, contextlib.ExitStack() as logs:
        try:
            api_url = _start_backend(Path(tmp), processes, logs)
            _start_worker(Path(tmp), processes, logs)
            dashboard_url = _start_dashboard(Path(tmp), api_url, processes, logs)
            yield Servers(api_url=api_url, dashboard_url=dashboard_url)
        finally:
            for process in reversed(processes):
                _stop(process)
            if request.session.testsfailed:
                _keep_logs(Path(tmp))


def _keep_logs(tmp: Path) -> None:
    kept = SCREENSHOTS_DIR / "logs"
    kept.mkdir(parents=True, exist_ok=True)
    for log in tmp.glob("*.log"):
        shutil.copyfile(log, kept / log.name)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-dev-shm-usage",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    # The page fixture looks at the outcome to keep a picture of a failure.
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, servers: Servers, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies, no session) on the dashboard's front page.

    When the test fails, the page as it was is saved as screenshots/FAILED-<test>.png (and
    removed again once the test passes)."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(servers.dashboard_url)
        yield page
        report = getattr(request.node, "e2e_report_call", None)
        failure = SCREENSHOTS_DIR / f"FAILED-{request.node.name}.png"
        if report is not None and report.failed:
            SCREENSHOTS_DIR.mkdir(exist_ok=True)
            with contextlib.suppress(Exception):
                _full_page_screenshot(page, failure)
        else:
            failure.unlink(missing_ok=True)  # from an earlier run
    finally:
        context.close()


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], Path]:
    """``screenshot("01-sign-in")`` saves a full-page PNG under tests/e2e/screenshots/."""
    SCREENSHOTS_DIR.mkdir(exist_ok=True)

    def take(step: str) -> Path:
        path = SCREENSHOTS_DIR / f"{step}.png"
        # Let Streamlit finish its rerun (the last run's elements stay, faded, until then).
        expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=20_000)
        _full_page_screenshot(page, path)
        return path

    return take


def _full_page_screenshot(page: Page, path: Path) -> None:
    """Streamlit scrolls inside its main area, not the document, so a "full page" screenshot
    alone would stop at the window's height: the window grows to the content for the picture."""
    viewport = page.viewport_size or {"width": 1280, "height": 860}
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain],"
        " [data-testid=stSidebarContent]')].map(e => e.scrollHeight), 0)"
    )
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    try:
        page.wait_for_timeout(400)  # charts and tables redraw for the new size
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(viewport)


# --- processes ------------------------------------------------------------------------------


def _backend_env(tmp: Path) -> dict[str, str]:
    """The API and the worker share it: same database, same cluster settings."""
    env = {key: value for key, value in os.environ.items() if key not in _BACKEND_ENV_DROPPED}
    env.update(
        VAR_DIR=str(tmp / "var"),
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    return env


def _start_backend(
    tmp: Path, processes: list[subprocess.Popen[bytes]], logs: contextlib.ExitStack
) -> str:
    env = _backend_env(tmp)
    log = tmp / "backend.log"
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=BACKEND_DIR,
        env=env,
        stdout=logs.enter_context(log.open("wb")),
        stderr=subprocess.STDOUT,
        timeout=START_TIMEOUT_SECONDS,
        check=False,
    )
    if migrate.returncode != 0:
        pytest.fail(f"manage.py migrate failed:\n{_tail(log)}", pytrace=False)

    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=BACKEND_DIR,
        env=env,
        stdout=logs.enter_context(log.open("ab")),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    processes.append(process)
    api_url = f"http://127.0.0.1:{port}/api/v1"
    _wait_until(
        process,
        log,
        "the backend",
        lambda: requests.get(f"{api_url}/health", timeout=2).status_code == 200,
    )
    return api_url


def _start_worker(
    tmp: Path, processes: list[subprocess.Popen[bytes]], logs: contextlib.ExitStack
) -> None:
    """`manage.py qcluster`: allocates new incomes in the background, as in production."""
    log = tmp / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BACKEND_DIR,
        env=_backend_env(tmp),
        stdout=logs.enter_context(log.open("wb")),
        stderr=subprocess.STDOUT,
        # Its own process group: the cluster forks workers, and all of them stop together.
        start_new_session=True,
    )
    processes.append(process)
    _wait_until(process, log, "the Django-Q2 worker", lambda: _cluster_running(log))


def _cluster_running(log: Path) -> bool:
    # Django-Q2 logs "Q Cluster <name> [budget] running." once every process is up.
    return any(
        "Q Cluster" in line and line.rstrip().endswith("running.")
        for line in log.read_text(errors="replace").splitlines()
    )


def _start_dashboard(
    tmp: Path,
    api_url: str,
    processes: list[subprocess.Popen[bytes]],
    logs: contextlib.ExitStack,
    *,
    name: str = "dashboard",
    extra_env: dict[str, str] | None = None,
) -> str:
    # The sidebar's timer would close select boxes the tests are about to click.
    env = dict(os.environ, API_URL=api_url, PYTHONUNBUFFERED="1", DASHBOARD_REFRESH_SECONDS="0")
    env.update(extra_env or {})
    port = _free_port()
    log = tmp / f"{name}.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "server.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=FRONTEND_DIR,
        env=env,
        stdout=logs.enter_context(log.open("wb")),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    processes.append(process)
    url = f"http://127.0.0.1:{port}"
    _wait_until(
        process,
        log,
        f"the {name}",
        lambda: requests.get(f"{url}/_stcore/health", timeout=2).text.strip() == "ok",
    )
    return url


# The e2e backend always runs on the embedded default, whatever the developer's shell says.
_BACKEND_ENV_DROPPED = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}


def _wait_until(
    process: subprocess.Popen[bytes], log: Path, name: str, ready: Callable[[], bool]
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"{name} exited with code {process.returncode} while starting:\n{_tail(log)}",
                pytrace=False,
            )
        try:
            if ready():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(
        f"{name} was not ready within {START_TIMEOUT_SECONDS} s:\n{_tail(log)}", pytrace=False
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process this fixture started, SIGKILL if it is still there after
    STOP_TIMEOUT_SECONDS, and then SIGKILL to whatever is left of its process group.

    Only the leader gets SIGTERM: a Django-Q2 cluster stops its own workers then, but when
    they all get SIGTERM at once, the cluster waits for them forever."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
    # Children that outlived their parent (a cluster's workers) go too.
    _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # Each process was started with start_new_session=True, so its group id is its pid.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
