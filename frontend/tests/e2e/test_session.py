"""Staying signed in: a reload, a new tab and a bookmark keep the session; sign-out ends it
everywhere; a deep link opens its page after sign-in."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.browser import (
    PASSWORD,
    TIMEOUT_MS,
    Screenshot,
    expect_heading,
    expect_no_traceback,
    expect_sign_in_page,
    expect_signed_in,
    go_to,
    sign_in,
    sign_out,
    unique_email,
    wait_until_idle,
)
from tests.e2e.conftest import Servers

pytestmark = pytest.mark.e2e


def _account(servers: Servers, full_name: str) -> str:
    email = unique_email(full_name.split()[0].lower())
    answer = requests.post(
        f"{servers.api_url}/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": full_name},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return email


def test_reload_and_a_new_tab_keep_the_session_until_sign_out(
    page: Page, servers: Servers, screenshot: Screenshot
) -> None:
    email = _account(servers, "Ada Lovelace")
    ledger = "Ada Lovelace's budget"
    expect_sign_in_page(page)
    sign_in(page, email, PASSWORD)
    expect_signed_in(page, email, ledger)
    wait_until_idle(page)

    # The cookie that names the session is out of the page scripts' reach.
    cookie = next(c for c in page.context.cookies() if c["name"] == "budget_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find("budget_session") == -1

    go_to(page, "Transactions")
    page.reload()
    expect_heading(page, "Transactions")  # the same page, still signed in
    expect_no_traceback(page)
    screenshot("session-01-after-reload")

    other = page.context.new_page()
    other.goto(f"{servers.dashboard_url}/setup")
    expect_heading(other, "Setup")
    expect_no_traceback(other)

    sign_out(page)
    other.reload()
    expect_sign_in_page(other)  # signed out in every tab
    other.close()


def test_a_deep_link_opens_its_page_after_sign_in(
    page: Page, servers: Servers, screenshot: Screenshot
) -> None:
    email = _account(servers, "Grace Hopper")
    page.goto(f"{servers.dashboard_url}/transactions")
    expect_sign_in_page(page)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    screenshot("session-02-deep-link-sign-in")

    sign_in(page, email, PASSWORD)

    expect_heading(page, "Transactions")
    assert page.url.rstrip("/").endswith("/transactions")
    expect(page.get_by_text("Page not found")).to_have_count(0, timeout=TIMEOUT_MS)
    expect_no_traceback(page)
