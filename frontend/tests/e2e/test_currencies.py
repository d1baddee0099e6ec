"""Wallets in other currencies (SPEC §14) in a real Chromium. The backend of §14 is not in this
checkout yet, so the dashboard runs against the fake ledger of the AppTest tests served over
HTTP (tests/e2e/fake_ledger_server.py): a euro ledger with a dollar and a yen wallet."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import (
    TIMEOUT_MS,
    choose,
    expect_no_traceback,
    expect_row,
    go_to,
    main,
    row,
    sign_in,
    tab,
    table,
    wait_until_idle,
)
from tests.e2e.conftest import _start_dashboard, _stop
from tests.e2e.fake_ledger_server import serving
from tests.fake_ledger import USER, FakeLedgerClient

pytestmark = pytest.mark.e2e
TODAY = "2025-03-05"


@pytest.fixture(scope="module")
def fake() -> FakeLedgerClient:
    client = FakeLedgerClient()
    client.in_currencies()
    return client


@pytest.fixture(scope="module")
def dashboard_url(fake: FakeLedgerClient) -> Iterator[str]:
    processes: list = []
    with (
        serving(fake, TODAY) as api_url,
        tempfile.TemporaryDirectory(prefix="budget-e2e-fx-") as tmp,
        contextlib.ExitStack() as logs,
    ):
        try:
            yield _start_dashboard(Path(tmp), api_url, processes, logs)
        finally:
            for process in processes:
                _stop(process)


def _signed_in(browser: Browser, url: str, width: int) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": width, "height": 844})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(url)
        sign_in(page, USER["email"], "any password: the fake takes it")
        expect(main(page).get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)
        wait_until_idle(page)
        yield page
    finally:
        context.close()


@pytest.fixture
def phone(browser: Browser, dashboard_url: str) -> Iterator[Page]:
    yield from _signed_in(browser, dashboard_url, 390)


@pytest.fixture
def desk(browser: Browser, dashboard_url: str) -> Iterator[Page]:
    yield from _signed_in(browser, dashboard_url, 1280)


def test_a_phone_sees_each_amount_with_its_currency_and_the_base_beside(phone: Page) -> None:
    expect_no_traceback(phone)
    card = main(phone).locator(".bk-card").filter(has_text="Diner")
    amount = card.locator(".bk-amount")
    expect(amount).to_have_text("-20.00 USD", timeout=TIMEOUT_MS)
    expect(card).to_contain_text("In EUR: -18.40 EUR")
    box = amount.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390
    transfer = main(phone).locator(".bk-card").filter(has_text="Yen for the trip")
    expect(transfer.locator(".bk-amount")).to_have_text("100.00 EUR")
    expect(
        main(phone).get_by_text("No rate for JPY — 15,000 JPY is not in net worth.")
    ).to_be_visible()
    overflow = phone.evaluate(
        "() => [document.documentElement, ...document.querySelectorAll('[data-testid=stMain]')]"
        ".map(e => e.scrollWidth - e.clientWidth)"
    )
    assert max(overflow) <= 0


def test_adding_a_rate_then_checking_which_applies(desk: Page, fake: FakeLedgerClient) -> None:
    # Through the sidebar: a reload would need the refresh cookie, which the fake API does not set.
    go_to(desk, "Setup")
    tab(desk, "Rates").click()
    wait_until_idle(desk)
    panel = main(desk)
    choose(panel, desk, "Show the rates of", "USD")
    rates = table(panel, "Currency", "Date", "Rate")
    expect_row(rates, "USD", "2025-03-01", "1 USD = 0.92 EUR")
    expect(row(rates, "GBP")).to_have_count(0)
    form = panel.get_by_test_id("stForm").filter(has=desk.get_by_role("button", name="Add rate"))
    choose(form, desk, "Currency", "JPY — Japanese Yen")
    form.get_by_role("textbox", name="Rate (EUR per unit)").fill("0.0062")
    form.get_by_role("button", name="Add rate").click()
    expect(panel.get_by_text("Added the rate 1 JPY = 0.0062 EUR")).to_be_visible(timeout=TIMEOUT_MS)
    assert any(r["currency"] == "JPY" and r["rate"] == "0.0062" for r in fake.rates)

    check = panel.get_by_test_id("stForm").filter(
        has=desk.get_by_role("button", name="Look up the rate")
    )
    choose(check, desk, "Currency", "JPY — Japanese Yen")
    check.get_by_role("button", name="Look up the rate").click()
    expect(panel.get_by_text("1 JPY = 0.0062 EUR (your rate of")).to_be_visible(timeout=TIMEOUT_MS)
    expect_no_traceback(desk)
