"""The register edited in place (a description and an amount typed into the table, the running
balance after it follows), and a phone's sidebar that closes once a page is chosen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import (
    PASSWORD,
    TIMEOUT_MS,
    ApiUser,
    Screenshot,
    choose,
    expect_no_traceback,
    expect_success,
    go_to,
    main,
    sidebar,
    sign_in,
    wait_until_idle,
)
from tests.e2e.conftest import Servers

pytestmark = pytest.mark.e2e

ROW_PX = 35  # the grid's header and rows (dashboard/views/transactions.py)


def _editor(page: Page) -> Locator:
    # The grid's element holds a second test id of the same name inside (its canvas part).
    return page.locator(".st-key-wide_tx_editor").get_by_test_id("stDataFrame").first


def _row(grid: Locator, row: int) -> Locator:
    return grid.locator("tbody tr[role=row]").nth(row)


def _cell(grid: Locator, row: int, column: int) -> Locator:
    return _row(grid, row).locator("td[role=gridcell]").nth(column)


def _edit_cell(page: Page, grid: Locator, row: int, column: int, text: str, current: str) -> None:
    """Type ``text`` over the cell (0-based ``row`` of the data, ``column``) of the editor,
    which holds ``current``: a click on the row's first cell, arrows to the column, Enter
    opens the cell's editor."""
    box = grid.bounding_box()
    assert box is not None
    overlay = page.locator("#portal textarea, #portal input").first
    # A busy browser may drop an arrow key sent while the grid takes focus, which opens a
    # read-only neighbour instead: close it and walk again (at most 3 tries).
    for _ in range(3):
        page.mouse.click(box["x"] + 12, box["y"] + ROW_PX * (row + 1) + ROW_PX / 2)
        page.wait_for_timeout(200)
        for _ in range(column):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        expect(overlay).to_be_visible(timeout=TIMEOUT_MS)
        if overlay.is_editable() and current in overlay.input_value():
            break
        page.keyboard.press("Escape")
        expect(overlay).to_have_count(0, timeout=TIMEOUT_MS)
    overlay.fill(text)
    page.keyboard.press("Enter")
    expect(overlay).to_have_count(0, timeout=TIMEOUT_MS)


def test_a_description_and_an_amount_edited_in_the_register(
    page: Page, servers: Servers, screenshot: Screenshot
) -> None:
    user = ApiUser(servers.api_url, "Ada Lovelace")
    bank = user.post(
        user.ledger_path("/wallets"),
        {
            "name": "Bank",
            "kind": "virtual",
            "opening_balance": "500.00",
            "opening_date": "2026-01-01",
        },
    )["id"]
    for day, amount, description, category in (
        ("2026-01-10", "100.00", "Rent", "Housing"),
        ("2026-01-12", "20.00", "Shop", "Groceries"),
    ):
        body = {
            "kind": "expense",
            "date": day,
            "amount": amount,
            "wallet": bank,
            "category": user.category(category),
            "description": description,
        }
        user.post(user.ledger_path("/transactions"), body)
    sign_in(page, user.email, PASSWORD)
    expect(main(page).get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    go_to(page, "Transactions")
    choose(page.locator(".st-key-tx_filter_wallet"), page, "Wallet", "Bank")
    wait_until_idle(page)
    main(page).get_by_text("Edit in the table", exact=True).click()
    wait_until_idle(page)
    grid = _editor(page)
    expect(grid).to_be_visible(timeout=TIMEOUT_MS)
    # The grid's cells reach the page's accessible table a moment after it is drawn.
    # Each row's cells may arrive one by one: wait for the ones checked (Playwright retries).
    expect(_cell(grid, 0, 2)).to_have_text("Shop", timeout=TIMEOUT_MS)
    expect(_cell(grid, 1, 2)).to_have_text("Rent", timeout=TIMEOUT_MS)
    expect(_row(grid, 0)).to_contain_text("380.00 EUR", timeout=TIMEOUT_MS)

    # The newest row: Description is the third column, Amount the sixth.
    _edit_cell(page, grid, 0, 2, "Weekly shop", current="Shop")
    _edit_cell(page, grid, 0, 5, "-45,00", current="20")
    screenshot("register-inline-edited")
    main(page).get_by_role("button", name="Save changes").click()
    expect_success(page, "Saved 1 changed transaction.")
    expect_no_traceback(page)

    items = user.get(user.ledger_path("/transactions"), wallet=bank, page_size="50")["items"]
    shop = next(t for t in items if t["date"] == "2026-01-12")
    assert (shop["description"], shop["amount"]) == ("Weekly shop", "45.00")
    assert shop["running_balance"] == "355.00"
    # The table shows it: the new description, and the balance after it 25.00 lower.
    grid = _editor(page)
    expect(grid.locator("td[role=gridcell]", has_text="Weekly shop")).to_have_count(
        1, timeout=TIMEOUT_MS
    )
    expect(_cell(grid, 0, 2)).to_have_text("Weekly shop", timeout=TIMEOUT_MS)
    expect(_row(grid, 0)).to_contain_text("-45.00", timeout=TIMEOUT_MS)
    expect(_row(grid, 0)).to_contain_text("355.00 EUR", timeout=TIMEOUT_MS)
    # The rows before it keep their balance.
    expect(_row(grid, 1)).to_contain_text("400.00 EUR", timeout=TIMEOUT_MS)
    screenshot("register-inline-saved")


def test_on_a_phone_the_sidebar_closes_after_choosing_a_page(
    page: Page, servers: Servers, screenshot: Screenshot
) -> None:
    user = ApiUser(servers.api_url, "Grace Hopper")
    user.wallet("Bank", "100.00")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, user.email, PASSWORD)
    expect(main(page).get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)

    for title, heading in (("Transactions", "Transactions"), ("Setup", "Setup")):
        side = sidebar(page)
        if side.get_attribute("data-collapsed") != "false":
            page.get_by_test_id("stExpandSidebarButton").click()
        expect(side).to_have_attribute("data-collapsed", "false", timeout=TIMEOUT_MS)
        side.get_by_role("link", name=title, exact=True).click()
        expect(main(page).get_by_role("heading", name=heading).first).to_be_visible(
            timeout=TIMEOUT_MS
        )
        wait_until_idle(page)
        # Closed, and the page's content is what is in sight.
        expect(side).to_have_attribute("data-collapsed", "true", timeout=TIMEOUT_MS)
        heading_box = main(page).get_by_role("heading", name=heading).first.bounding_box()
        assert heading_box is not None
        assert 0 <= heading_box["x"] < 390
        # Collapsing slides the sidebar out (a CSS transition): wait for it to leave the screen.
        page.wait_for_function(
            "() => { const s = document.querySelector('[data-testid=stSidebar]');"
            " const r = s.getBoundingClientRect(); return !(r.right > 0 && r.width > 0"
            " && getComputedStyle(s).visibility !== 'hidden'); }",
            timeout=TIMEOUT_MS,
        )
        expect_no_traceback(page)
        screenshot(f"phone-sidebar-closed-{title.lower()}")


def test_a_wide_window_keeps_its_sidebar_open_after_navigation(
    page: Page, servers: Servers
) -> None:
    user = ApiUser(servers.api_url, "Alan Turing")
    sign_in(page, user.email, PASSWORD)
    expect(main(page).get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)
    sidebar(page).get_by_role("link", name="Setup", exact=True).click()
    expect(main(page).get_by_role("heading", name="Setup").first).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    page.wait_for_timeout(1_000)  # the script's tries are over
    expect(sidebar(page)).to_have_attribute("data-collapsed", "false")
