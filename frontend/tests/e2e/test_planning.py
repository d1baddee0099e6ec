"""A budget warns when spending nears its limit, in a real browser against the real API and its
Django-Q2 worker.

The account and its wallet Checking are made through the API. On the Planning page a budget of
100.00 EUR a month goes to Groceries (alert at the default 80 %). An expense of 85.00 EUR is then
added through the API, as a script or another family member would; the worker's budget check
sends a notification. After Refresh the budget's bar and row read Warning (85.00 %), and the
sidebar link says "Notifications (1)" on every page; the notification is opened and marked read.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.browser import (
    PASSWORD,
    TIMEOUT_MS,
    Screenshot,
    choose,
    expect_heading,
    expect_no_error,
    expect_row,
    expect_signed_in,
    expect_success,
    field,
    go_to,
    main,
    sidebar,
    sign_in,
    tab,
    tab_panel,
    table,
    unique_email,
    visible,
    wait_until_idle,
)
from tests.e2e.conftest import Servers

pytestmark = pytest.mark.e2e

FULL_NAME = "Grace Hopper"
LEDGER = f"{FULL_NAME}'s budget"
STATUS_COLUMNS = ("Category", "Limit", "Spent", "Remaining", "Used", "State")
# The worker polls its queue every second; generous for a slow CI machine.
NOTIFICATION_TIMEOUT_SECONDS = 60


def _today() -> dt.date:
    # The dashboard's "today" (the month picker's default).
    return dt.datetime.now(dt.UTC).astimezone().date()


class _Api:
    """The same user through the API, for what happens outside the dashboard."""

    def __init__(self, api_url: str, email: str) -> None:
        self.url = api_url
        register = requests.post(
            f"{api_url}/auth/register",
            json={"email": email, "password": PASSWORD, "full_name": FULL_NAME},
            timeout=10,
        )
        assert register.status_code == 201, register.text
        tokens = requests.post(
            f"{api_url}/auth/token", json={"email": email, "password": PASSWORD}, timeout=10
        ).json()
        self.headers = {"Authorization": f"Bearer {tokens['access']}"}
        self.ledger = self.get("/auth/me")["default_ledger_id"]

    def get(self, path: str, **params: str) -> dict:
        answer = requests.get(self.url + path, params=params, headers=self.headers, timeout=10)
        assert answer.ok, answer.text
        return answer.json()

    def post(self, path: str, body: dict) -> dict:
        answer = requests.post(self.url + path, json=body, headers=self.headers, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def category(self, name: str) -> str:
        categories = self.get(f"/ledgers/{self.ledger}/categories", page_size="100")["items"]
        return next(c["id"] for c in categories if c["name"] == name)

    def wait_for_unread(self, count: int) -> list[dict]:
        deadline = time.monotonic() + NOTIFICATION_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            answer = self.get("/notifications", unread="true")
            if answer["count"] >= count:
                return answer["items"]
            time.sleep(0.5)
        raise AssertionError(f"No {count} unread notification(s) after {deadline} s")


def test_a_budget_warns_and_notifies(page: Page, servers: Servers, screenshot: Screenshot) -> None:
    email = unique_email("grace")
    api = _Api(servers.api_url, email)
    wallet = api.post(f"/ledgers/{api.ledger}/wallets", {"name": "Checking", "kind": "virtual"})[
        "id"
    ]

    sign_in(page, email, PASSWORD)
    expect_signed_in(page, email, LEDGER)
    side = sidebar(page)
    expect(side.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    _add_budget(page)
    month = f"{_today():%B %Y}"
    content = main(page)
    expect_row(
        table(content, *STATUS_COLUMNS),
        "Groceries",
        "100.00 EUR",
        "0.00 EUR",
        "100.00 EUR",
        "0.00 %",
        "OK",
    )
    expect(content.get_by_text(f"Every budget is within its limit in {month}.")).to_be_visible()
    screenshot("30-planning-budget")

    # 85 % of the limit, spent elsewhere: the worker's check sends the warning.
    api.post(
        f"/ledgers/{api.ledger}/transactions",
        {
            "kind": "expense",
            "date": _today().isoformat(),
            "amount": "85.00",
            "description": "Weekly shop",
            "category": api.category("Groceries"),
            "wallet": wallet,
        },
    )
    [sent] = api.wait_for_unread(1)
    assert sent["title"] == "Budget warning: Groceries at 85.00 %"

    visible(content.get_by_role("button", name="Refresh")).click()
    expect(side.get_by_role("link", name="Notifications (1)", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    wait_until_idle(page)
    content = main(page)
    expect_row(
        table(content, *STATUS_COLUMNS),
        "Groceries",
        "100.00 EUR",
        "85.00 EUR",
        "15.00 EUR",
        "85.00 %",
        "Warning",
    )
    expect(content.get_by_text(f"Close to the limit in {month}: Groceries.")).to_be_visible()
    expect(visible(content.get_by_test_id("stVegaLiteChart"))).to_have_count(1)
    screenshot("31-planning-budget-warning")

    _goals_and_recurring(page, api, wallet, screenshot)

    # The count is in the sidebar of every page.
    go_to(page, "Overview")
    expect(side.get_by_role("link", name="Notifications (1)", exact=True)).to_be_visible()

    _read_the_notification(page)
    screenshot("32-notifications-read")


def _add_budget(page: Page) -> None:
    go_to(page, "Planning")
    expect(tab(page, "Budgets")).to_have_attribute("aria-selected", "true")
    budgets = tab_panel(page, "Budgets")
    expect(budgets.get_by_text("No budgets yet.", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    form = visible(budgets.get_by_test_id("stForm")).filter(
        has=page.get_by_role("button", name="Add budget")
    )
    choose(form, page, "Expense category", "Groceries")
    field(form, "Monthly limit (EUR)").fill("100.00")
    expect(field(form, "Alert at (% of the limit)")).to_have_value("80")
    visible(form.get_by_role("button", name="Add budget")).click()
    expect_success(page, "Added a budget of 100.00 EUR a month for Groceries.")
    expect_no_error(page)


def _goals_and_recurring(page: Page, api: _Api, wallet: str, screenshot: Screenshot) -> None:
    """A goal and a recurring rent made through the API show on their tabs."""
    bucket = api.post(
        f"/ledgers/{api.ledger}/buckets", {"name": "Holidays", "allocation_percent": "0"}
    )["id"]
    target = dt.date(_today().year + 1, 12, 31)
    api.post(
        f"/ledgers/{api.ledger}/goals",
        {
            "name": "Summer trip",
            "bucket": bucket,
            "target_amount": "1200.00",
            "target_date": str(target),
        },
    )
    start = _today() + dt.timedelta(days=1)
    api.post(
        f"/ledgers/{api.ledger}/recurring",
        {
            "kind": "expense",
            "amount": "950.00",
            "description": "Rent",
            "category": api.category("Housing"),
            "wallet": wallet,
            "frequency": "monthly",
            "interval": 1,
            "start_date": start.isoformat(),
        },
    )
    content = main(page)
    visible(content.get_by_role("button", name="Refresh")).click()
    wait_until_idle(page)

    tab(page, "Goals").click()
    expect(tab(page, "Goals")).to_have_attribute("aria-selected", "true")
    wait_until_idle(page)
    goals = tab_panel(page, "Goals")
    expect(goals.get_by_text("Summer trip")).to_be_visible(timeout=TIMEOUT_MS)
    expect(goals.get_by_text("0.00 EUR of 1,200.00 EUR (0.00 %)")).to_be_visible()
    expect(
        goals.get_by_text(f"By {target.day} December {target.year}:", exact=False)
    ).to_be_visible()
    screenshot("33-planning-goals")

    tab(page, "Recurring").click()
    expect(tab(page, "Recurring")).to_have_attribute("aria-selected", "true")
    wait_until_idle(page)
    recurring = tab_panel(page, "Recurring")
    expect_row(
        table(recurring, "Description", "Kind", "Amount", "Repeats", "Next date", "Status"),
        "Rent",
        "Expense",
        "950.00 EUR",
        "Monthly",
        start.isoformat(),
        "Active",
    )
    expect_no_error(page)
    screenshot("34-planning-recurring")


def _read_the_notification(page: Page) -> None:
    side = sidebar(page)
    side.get_by_role("link", name="Notifications (1)", exact=True).click()
    expect_heading(page, "Notifications")
    wait_until_idle(page)
    content = main(page)
    expect(content.get_by_text("1 unread notification.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(content.get_by_text("Budget warning: Groceries at 85.00 %")).to_be_visible()
    expect(content.get_by_text("New", exact=True)).to_be_visible()
    expect(
        content.get_by_text(re.compile(r"85\.00 of 100\.00 EUR spent on Groceries"))
    ).to_be_visible()

    visible(content.get_by_role("button", name="Mark read")).click()
    expect(content.get_by_text("Everything is read.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(side.get_by_role("link", name="Notifications", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(visible(content.get_by_role("button", name="Mark read"))).to_have_count(0)
    expect(content.get_by_text("New", exact=True)).to_have_count(0)
    expect_no_error(page)
