"""A household sets up its budget and sees its first salary split, in the browser only.

Register; on Setup add the wallet Checking (opening balance 100.00) and the buckets Savings
(20 %, from the add-bucket form) and Fun (added at 0 %, then set to 10 % in the live percent
editor); on Transactions add an income of 1,000.00 to Checking (Salary, no bucket). The real
Django-Q2 worker (started by conftest) splits it in the background; the Overview shows
Savings 200.00, Fun 100.00, Unallocated 800.00 (700.00 of the income and the opening 100.00) and
a net worth of 1,100.00; the Yearly, Monthly and Historical reports show the income.

After registration, everything goes through the dashboard: no API shortcuts.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import (
    TIMEOUT_MS,
    Screenshot,
    choose,
    expect_no_error,
    expect_row,
    expect_signed_in,
    expect_success,
    field,
    go_to,
    main,
    metric_value,
    register,
    tab,
    tab_panel,
    table,
    type_and_commit,
    unique_email,
    visible,
    wait_until_idle,
)

pytestmark = pytest.mark.e2e

FULL_NAME = "Marie Curie"
LEDGER = f"{FULL_NAME}'s budget"
SPLIT = "Savings 200.00 · Fun 100.00 · Unallocated 700.00"
# The worker polls its queue every second; the Overview looks again every 3 s while an income
# is pending. Generous for a slow CI machine.
ALLOCATION_TIMEOUT_MS = 30_000


def _today() -> dt.date:
    # The dashboard's "today" (the date inputs' default, the reports' default period).
    return dt.datetime.now(dt.UTC).astimezone().date()


def test_household_budget_from_setup_to_reports(page: Page, screenshot: Screenshot) -> None:
    email = unique_email("marie")
    register(page, email, FULL_NAME)
    expect_signed_in(page, email, LEDGER)

    _set_up(page)
    screenshot("10-household-setup")

    _add_salary(page)
    screenshot("11-household-transactions")

    _overview(page)
    screenshot("12-household-overview")

    _yearly(page)
    screenshot("13-household-yearly")

    _monthly(page)
    screenshot("14-household-monthly")

    _historical(page)
    screenshot("15-household-historical")

    _account(page, email)
    screenshot("16-household-account")


# --- Setup ------------------------------------------------------------------------------------


def _set_up(page: Page) -> None:
    go_to(page, "Setup")

    # Wallets (the first tab): Checking, a bank account holding 100.00 today.
    expect(tab(page, "Wallets")).to_have_attribute("aria-selected", "true")
    wallets = tab_panel(page, "Wallets")
    field(wallets, "Name").fill("Checking")
    expect(visible(wallets.get_by_role("combobox", name="Kind"))).to_have_value(
        "Bank account, card or e-wallet"
    )
    field(wallets, "Opening balance (EUR)").fill("100.00")
    visible(wallets.get_by_role("button", name="Add wallet")).click()
    expect_success(page, "Added the wallet Checking.")
    wallets = tab_panel(page, "Wallets")
    expect_row(table(wallets, "Wallet", "Kind", "Balance"), "Checking", "Bank / card", "100.00 EUR")
    expect(wallets.get_by_text("Net worth across active wallets: 100.00 EUR")).to_be_visible()
    expect_no_error(page)

    # Buckets: Savings gets 20 % straight from the add form.
    tab(page, "Buckets").click()
    expect(tab(page, "Buckets")).to_have_attribute("aria-selected", "true")
    wait_until_idle(page)  # the page runs again to remember the open tab
    buckets = tab_panel(page, "Buckets")
    expect(buckets.get_by_role("heading", name="Add a bucket")).to_be_visible(timeout=TIMEOUT_MS)
    _add_bucket(page, "Savings", "20")
    # Fun is added at 0 % and then given 10 % in the live percent editor.
    _add_bucket(page, "Fun", "0")

    buckets = tab_panel(page, "Buckets")
    fun_percent = field(buckets, "Fun (%)")
    expect(field(buckets, "Savings (%)")).to_have_value("20.00")
    expect(fun_percent).to_have_value("0.00")
    expect(buckets.get_by_text("Total 20.00 % — Unallocated gets 80.00 %")).to_be_visible()
    save = visible(buckets.get_by_role("button", name="Save percentages"))
    expect(save).to_be_disabled()  # nothing changed yet

    type_and_commit(fun_percent, "10")
    # The total follows the typing before anything is saved.
    expect(buckets.get_by_text("Total 30.00 % — Unallocated gets 70.00 %")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(save).to_be_enabled(timeout=TIMEOUT_MS)
    save.click()
    expect_success(page, "Saved the percentages: 30.00 % to buckets, 70.00 % stays unallocated.")

    buckets = tab_panel(page, "Buckets")
    grid = table(buckets, "Bucket", "Allocation", "Balance")
    expect_row(grid, "Unallocated", "The rest", "100.00 EUR")
    expect_row(grid, "Savings", "20.00 %", "0.00 EUR")
    expect_row(grid, "Fun", "10.00 %", "0.00 EUR")
    expect(field(buckets, "Fun (%)")).to_have_value("10.00")
    expect(visible(buckets.get_by_role("button", name="Save percentages"))).to_be_disabled()
    expect_no_error(page)
    wait_until_idle(page)


def _add_bucket(page: Page, name: str, percent: str) -> None:
    buckets = tab_panel(page, "Buckets")
    form = visible(buckets.get_by_test_id("stForm")).filter(
        has=page.get_by_role("button", name="Add bucket")
    )
    field(form, "Name").fill(name)
    field(form, "Allocation percent").fill(percent)
    visible(form.get_by_role("button", name="Add bucket")).click()
    expect_success(page, f"Added the bucket {name}.")
    # The page stays on the Buckets tab, and the form is empty again for the next one.
    expect(tab(page, "Buckets")).to_have_attribute("aria-selected", "true")
    expect(field(form, "Name")).to_have_value("")
    expect_no_error(page)


# --- Transactions -----------------------------------------------------------------------------


def _add_salary(page: Page) -> None:
    go_to(page, "Transactions")
    content = main(page)
    visible(content.get_by_test_id("stExpander").filter(has_text="Add a transaction")).locator(
        "summary"
    ).click()
    form = visible(content.get_by_test_id("stForm")).filter(
        has=page.get_by_role("button", name="Add transaction")
    )
    expect(form).to_be_visible(timeout=TIMEOUT_MS)
    income = visible(content.get_by_role("radiogroup", name="Kind")).get_by_role(
        "radio", name="Income", exact=True
    )
    income.click()
    expect(income).to_be_checked(timeout=TIMEOUT_MS)
    expect(
        content.get_by_text(
            "Money enters a wallet; without a bucket it is split by the bucket percentages."
        )
    ).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)

    # One wallet: it is already chosen; no bucket means "split by the percentages".
    expect(visible(form.get_by_role("combobox", name="Wallet"))).to_have_value("Checking")
    expect(visible(form.get_by_role("combobox", name="Bucket"))).to_have_value(
        "Split by the bucket percentages"
    )
    field(form, "Amount (EUR)").fill("1,000.00")
    field(form, "Description").fill("November salary")
    choose(form, page, "Category", "Salary")
    visible(form.get_by_role("button", name="Add transaction")).click()

    today = _today().isoformat()
    expect_success(page, f"Added {today} · Income · November salary · 1,000.00 EUR.")
    expect_no_error(page)
    grid = table(content, "Date", "Kind", "Description", "Amount")
    expect(grid.locator("td[role=gridcell]").filter(has_text="November salary")).to_have_count(1)
    wait_until_idle(page)


# --- Overview ---------------------------------------------------------------------------------


def _overview(page: Page) -> None:
    go_to(page, "Overview")
    content = main(page)
    _wait_for_allocation(page)

    expect(metric_value(content, "Net worth")).to_have_text("1,100.00 EUR")
    expect(metric_value(content, "Unallocated")).to_have_text("800.00 EUR")
    expect(metric_value(content, "Pending allocation")).to_have_text("0.00 EUR")

    expect_row(
        table(content, "Wallet", "Kind", "Balance"), "Checking", "Bank / card", "1,100.00 EUR"
    )
    buckets = table(content, "Bucket", "Allocation", "Balance")
    expect_row(buckets, "Unallocated", "The rest", "800.00 EUR")
    expect_row(buckets, "Savings", "20.00 %", "200.00 EUR")
    expect_row(buckets, "Fun", "10.00 %", "100.00 EUR")

    recent = table(content, "Date", "Kind", "Description", "Category", "Wallet", "Amount", "Bucket")
    today = _today().isoformat()
    expect_row(
        recent, today, "Income", "November salary", "Salary", "Checking", "1,000.00 EUR", SPLIT
    )
    # The opening balance: an adjustment into Unallocated, on the wallet's opening date.
    expect_row(
        recent, today, "Adjustment", "Opening balance", "", "Checking", "100.00 EUR", "Unallocated"
    )
    expect(recent.locator("tbody tr[role=row]")).to_have_count(2)
    # The distribution charts of wallets and buckets, and the net worth of the last 12 months.
    expect(visible(content.get_by_test_id("stVegaLiteChart"))).to_have_count(3)
    expect_no_error(page)


def _wait_for_allocation(page: Page) -> None:
    """Until the worker's split shows. Nothing is clicked: while an income is pending, the
    Overview looks again by itself (and the income may be split already when it opens)."""
    content = main(page)
    expect(metric_value(content, "Pending allocation")).to_have_text(
        "0.00 EUR", timeout=ALLOCATION_TIMEOUT_MS
    )
    expect(
        content.get_by_text("New incomes are being split across your buckets", exact=False)
    ).to_have_count(0)
    wait_until_idle(page)


# --- Reports ----------------------------------------------------------------------------------


def _totals(content: Locator, income: str, expense: str, net: str) -> None:
    expect(metric_value(content, "Income")).to_have_text(income, timeout=TIMEOUT_MS)
    expect(metric_value(content, "Expense")).to_have_text(expense)
    expect(metric_value(content, "Net")).to_have_text(net)
    expect(metric_value(content, "Adjustments")).to_have_text("100.00 EUR")


def _yearly(page: Page) -> None:
    go_to(page, "Yearly", "Yearly report")
    content = main(page)
    today = _today()
    # The current year is the default; choosing it is what a person checking would do.
    expect(visible(content.get_by_role("combobox", name="Year"))).to_have_value(str(today.year))
    choose(content, page, "Year", str(today.year))
    wait_until_idle(page)
    _totals(content, "1,000.00 EUR", "0.00 EUR", "1,000.00 EUR")
    expect(visible(content.get_by_test_id("stVegaLiteChart"))).to_have_count(1)

    visible(content.get_by_test_id("stExpander").filter(has_text="Months as a table")).locator(
        "summary"
    ).click()
    months = table(content, "Month", "Income", "Expense", "Net")
    month = calendar.month_abbr[today.month]
    expect_row(months, month, "1,000.00 EUR", "0.00 EUR", "1,000.00 EUR")

    # Twelve month columns follow the total; the table scrolls sideways, the category pinned.
    categories = table(content, "Category", "Type", "Total", "Jan")
    expect_row(categories, "Salary", "Income", "1,000.00 EUR", whole=False)
    expect_no_error(page)


def _monthly(page: Page) -> None:
    go_to(page, "Monthly", "Monthly report")
    content = main(page)
    today = _today()
    expect(visible(content.get_by_role("combobox", name="Month"))).to_have_value(
        calendar.month_name[today.month]
    )
    _totals(content, "1,000.00 EUR", "0.00 EUR", "1,000.00 EUR")
    expect_row(table(content, "Category", "Type", "Total"), "Salary", "Income", "1,000.00 EUR")
    expect(
        content.get_by_text(f"No expenses in {calendar.month_name[today.month]}")
    ).to_be_visible()
    # The income donut (no expenses: no spending donut), categories, the daily income and expense.
    expect(visible(content.get_by_test_id("stVegaLiteChart"))).to_have_count(3)
    expect_no_error(page)


def _historical(page: Page) -> None:
    go_to(page, "Historical", "Historical report")
    content = main(page)
    year = str(_today().year)
    expect(content.get_by_text(f"All activity is in {year}.")).to_be_visible(timeout=TIMEOUT_MS)
    _totals(content, "1,000.00 EUR", "0.00 EUR", "1,000.00 EUR")
    expect(visible(content.get_by_test_id("stVegaLiteChart"))).to_have_count(1)
    expect_row(
        table(content, "Category", "Type", year, "Total"),
        "Salary",
        "Income",
        "1,000.00 EUR",
        "1,000.00 EUR",
    )
    expect_no_error(page)


# --- Account ----------------------------------------------------------------------------------


def _account(page: Page, email: str) -> None:
    go_to(page, "Account")
    profile = tab_panel(page, "Profile")
    expect(field(profile, "Email")).to_have_value(email)
    expect(field(profile, "Full name")).to_have_value(FULL_NAME)
    expect(
        visible(profile.get_by_role("combobox", name="Ledger to open after signing in"))
    ).to_have_value(f"{LEDGER} · EUR")
    expect(profile.get_by_role("heading", name="Password")).to_be_visible()
    expect_no_error(page)
