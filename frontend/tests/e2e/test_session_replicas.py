"""Two dashboard replicas on one Redis (DASHBOARD_REDIS_URL): a sign-in on one is remembered on
the other, as behind a balancer without sticky sessions, and a sign-out on either ends it on
both. The replicas are two more `streamlit run server.py` beside the session's servers; the
browser sends the cookie to both (cookies do not tell ports apart)."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Cookie

from tests.e2e.browser import (
    PASSWORD,
    expect_no_traceback,
    expect_sign_in_page,
    expect_signed_in,
    sign_in,
    sign_out,
    wait_until_idle,
)
from tests.e2e.conftest import Servers, _keep_logs, _start_dashboard, _stop
from tests.e2e.test_session import _account
from tests.redis_store import TEST_REDIS_URL, unreachable_reason

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def replicas(servers: Servers, request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    reason = unreachable_reason()
    if reason:
        pytest.skip(reason)
    processes: list[subprocess.Popen[bytes]] = []
    with (
        tempfile.TemporaryDirectory(prefix="budget-e2e-replicas-") as tmp,
        contextlib.ExitStack() as logs,
    ):
        try:
            urls = [
                _start_dashboard(
                    Path(tmp),
                    servers.api_url,
                    processes,
                    logs,
                    name=f"dashboard-replica-{n}",
                    extra_env={"DASHBOARD_REDIS_URL": TEST_REDIS_URL},
                )
                for n in (1, 2)
            ]
            yield urls[0], urls[1]
        finally:
            for process in processes:
                _stop(process)
            if request.session.testsfailed:
                _keep_logs(Path(tmp))


def test_a_sign_in_on_one_replica_is_remembered_on_the_other(
    browser: Browser, servers: Servers, replicas: tuple[str, str]
) -> None:
    one, two = replicas
    email = _account(servers, "Mary Somerville")
    ledger = "Mary Somerville's budget"
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    try:
        first = context.new_page()
        first.goto(one)
        expect_sign_in_page(first)
        sign_in(first, email, PASSWORD)
        expect_signed_in(first, email, ledger)
        wait_until_idle(first)
        cookie = _session_cookie(context)

        second = context.new_page()
        second.goto(two)  # another process, which never saw this sign-in
        expect_signed_in(second, email, ledger)
        expect_no_traceback(second)

        sign_out(second)
        context.add_cookies([cookie])  # a copy of the cookie kept from before the sign-out
        first.reload()
        expect_sign_in_page(first)  # the session ended in Redis, for both replicas
    finally:
        context.close()


def _session_cookie(context: BrowserContext) -> Cookie:
    """The cookie arrives once the page's claim request is answered, just after sign-in."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        cookie = next((c for c in context.cookies() if c["name"] == "budget_session"), None)
        if cookie is not None:
            return cookie
        time.sleep(0.1)
    pytest.fail("no budget_session cookie 10 s after sign-in")
