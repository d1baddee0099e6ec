"""A family's week at the dashboard: expenses typed on the quick-add line by keyboard only,
the wallet register, a phone's width and the dark theme."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser import (
    PASSWORD,
    TIMEOUT_MS,
    ApiUser,
    Screenshot,
    expect_no_traceback,
    expect_signed_in,
    main,
    sign_in,
    wait_until_idle,
)
from tests.e2e.conftest import SCREENSHOTS_DIR as SCREENSHOTS
from tests.e2e.conftest import Servers

pytestmark = pytest.mark.e2e

# (payee, category typed, amount as typed); "" leaves the category to the payee's last one.
EXPENSES = [
    ("Bakery", "Groc", "3,20"),
    ("Corner shop", "Groc", "12,50"),
    ("Bakery", "", "4.10"),
    ("Landlord", "Hous", "1.234,56"),
    ("Bus company", "Trans", "2,90"),
]


def _pick(page: Page, text: str) -> None:
    """Type into the focused select box and take the first option it offers with Enter."""
    page.keyboard.type(text)
    expect(page.get_by_role("option").first).to_be_visible(timeout=TIMEOUT_MS)
    page.keyboard.press("Enter")
    expect(page.get_by_role("option")).to_have_count(0, timeout=TIMEOUT_MS)


def _quick_add(page: Page, payee: str, category: str, amount: str) -> None:
    """Keys only: the cursor is in the payee box (where the line puts it after each save)."""
    _pick(page, payee)
    page.keyboard.press("Tab")
    if category:
        _pick(page, category)
    page.keyboard.press("Tab")
    page.keyboard.type(amount)
    page.keyboard.press("Enter")
    expect(main(page).get_by_text("Added: ")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)


def test_five_expenses_by_keyboard_on_the_quick_add_line(
    page: Page, servers: Servers, screenshot: Screenshot
) -> None:
    user = ApiUser(servers.api_url, "Ada Lovelace")
    user.wallet("Bank", "2000.00")
    sign_in(page, user.email, PASSWORD)
    expect_signed_in(page, user.email, user.ledger_name)

    payee_box = main(page).get_by_role("combobox", name="Payee")
    payee_box.focus()
    for number, (payee, category, amount) in enumerate(EXPENSES, start=1):
        if number > 1:
            expect(payee_box).to_be_focused(timeout=TIMEOUT_MS)  # ready for the next one
        _quick_add(page, payee, category, amount)
    expect_no_traceback(page)
    screenshot("week-01-quick-add")

    items = user.get(user.ledger_path("/transactions"), kind="expense", page_size="50")["items"]
    written = sorted((t["payee_name"], t["amount"]) for t in items)
    assert written == sorted(
        [
            ("Bakery", "3.20"),
            ("Corner shop", "12.50"),
            ("Bakery", "4.10"),
            ("Landlord", "1234.56"),
            ("Bus company", "2.90"),
        ]
    )
    assert {t["kind"] for t in items} == {"expense"}
    groceries = user.category("Groceries")
    bakery = [t for t in items if t["payee_name"] == "Bakery"]
    assert {t["category"] for t in bakery} == {groceries}  # the second one by the payee
    assert sum(Decimal(t["amount"]) for t in items) == Decimal("1257.26")


PAGES = [
    ("", "Overview"),
    ("transactions", "Transactions"),
    ("setup", "Setup"),
    ("planning", "Planning"),
    ("home", "Home"),
    ("account", "Account"),
    ("notifications", "Notifications"),
    ("monthly", "Monthly report"),
    ("yearly", "Yearly report"),
    ("historical", "Historical report"),
    ("forecast", "Forecast"),
    ("trends", "Trends"),
]


def test_a_phone_at_390_px_never_scrolls_sideways_and_sees_the_amounts(
    page: Page, servers: Servers, screenshot: Screenshot
) -> None:
    user = ApiUser(servers.api_url, "Grace Hopper")
    bank = user.wallet("Bank", "500.00")
    body = {
        "kind": "expense",
        "date": "2026-01-15",
        "amount": "1234.56",
        "wallet": bank,
        "category": user.category("Housing"),
        "description": "A rather long rent description",
    }
    user.post(user.ledger_path("/transactions"), body)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, user.email, PASSWORD)
    expect(main(page).get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)

    for path, heading in PAGES:
        page.goto(f"{servers.dashboard_url}/{path}")
        expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=TIMEOUT_MS)
        wait_until_idle(page)
        expect_no_traceback(page)
        overflow = page.evaluate(
            "() => [document.documentElement, ...document.querySelectorAll('[data-testid=stMain]')]"
            ".map(e => e.scrollWidth - e.clientWidth)"
        )
        assert max(overflow) <= 0, f"/{path} scrolls sideways by {max(overflow)} px"
        screenshot(f"phone-{path or 'overview'}")
        if path in ("", "transactions"):
            amount = main(page).locator(".bk-amount").filter(has_text="1,234.56").first
            expect(amount).to_be_visible(timeout=TIMEOUT_MS)
            box = amount.bounding_box()
            assert box is not None
            assert box["x"] + box["width"] <= 390


def test_dark_mode_follows_the_system_with_readable_charts(
    browser: Browser, servers: Servers
) -> None:
    user = ApiUser(servers.api_url, "Hedy Lamarr")
    bank = user.wallet("Bank", "800.00")
    body = {
        "kind": "expense",
        "date": "2026-01-15",
        "amount": "45.00",
        "wallet": bank,
        "category": user.category("Groceries"),
        "description": "Weekly shop",
    }
    user.post(user.ledger_path("/transactions"), body)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, color_scheme="dark")
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(servers.dashboard_url)
        sign_in(page, user.email, PASSWORD)
        expect(main(page).get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)
        wait_until_idle(page)
        background = page.evaluate(
            "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
        )
        assert _luminance(background) < 0.2, background  # a dark page
        for path in ("", "transactions", "monthly", "trends"):
            page.goto(f"{servers.dashboard_url}/{path}")
            expect(main(page).locator("h1").first).to_be_visible(timeout=TIMEOUT_MS)
            wait_until_idle(page)
            page.wait_for_timeout(800)  # charts draw after the run
            expect_no_traceback(page)
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(
                path=str(SCREENSHOTS / f"dark-{path or 'overview'}.png"), full_page=True
            )
        # Chart text takes the theme's colour: light on the dark page.
        page.goto(f"{servers.dashboard_url}/")
        expect(main(page).locator("h1").first).to_be_visible(timeout=TIMEOUT_MS)
        wait_until_idle(page)
        label = main(page).locator("[data-testid=stVegaLiteChart] text").first
        expect(label).to_be_visible(timeout=TIMEOUT_MS)
        assert _luminance(label.evaluate("e => getComputedStyle(e).fill")) > 0.4
    finally:
        context.close()


def _luminance(css_colour: str) -> float:
    """0 (black) to 1 (white) for "rgb(r, g, b)" / "rgba(...)"."""
    numbers = [float(n) for n in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3]]
    red, green, blue = (n / 255 for n in numbers)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
