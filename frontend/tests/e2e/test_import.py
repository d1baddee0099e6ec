"""A person imports a bank CSV on the Transactions page, in a real browser against the real API
and its Django-Q2 worker.

The account and its wallet Checking are made through the API (the household test does setup in
the browser); the rest is the dashboard: a file with one bad row is checked and refused with the
row named; the corrected file is checked, its first rows previewed and imported while a progress
bar follows the worker; the transactions appear in the list; Undo takes them away again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser import (
    PASSWORD,
    TIMEOUT_MS,
    Screenshot,
    choose,
    expect_no_error,
    expect_row,
    expect_signed_in,
    expect_success,
    go_to,
    main,
    sign_in,
    table,
    unique_email,
    visible,
    wait_until_idle,
)
from tests.e2e.conftest import Servers

pytestmark = pytest.mark.e2e

FULL_NAME = "Emmy Noether"
LEDGER = f"{FULL_NAME}'s budget"
HEADER = "date,kind,amount,description,category,wallet\n"
BAD_CSV = (
    HEADER + "2025-03-05,expense,12.30,Bakery,Groceries,Checking\n"
    "2025-03-06,expense,9.999,Coffee beans,Groceries,Checking\n"
    "2025-03-07,income,2000.00,March salary,Salary,Checking\n"
)
GOOD_CSV = BAD_CSV.replace("9.999", "9.99")
BANK_CSV = "\ufeffBuchungstag;Text;Betrag\n05.03.2025;Bäckerei;-12,30\n07.03.2025;Gehalt;2.000,00\n"
SIGNED_WAY = "One signed amount (negative = expense)"
# The worker polls its queue every second; generous for a slow CI machine.
IMPORT_TIMEOUT_MS = 60_000


def _account_with_a_wallet(api_url: str, email: str) -> None:
    register = requests.post(
        f"{api_url}/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": FULL_NAME},
        timeout=10,
    )
    assert register.status_code == 201, register.text
    tokens = requests.post(
        f"{api_url}/auth/token", json={"email": email, "password": PASSWORD}, timeout=10
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access']}"}
    ledger = requests.get(f"{api_url}/auth/me", headers=headers, timeout=10).json()[
        "default_ledger_id"
    ]
    wallet = requests.post(
        f"{api_url}/ledgers/{ledger}/wallets",
        json={"name": "Checking", "kind": "virtual"},
        headers=headers,
        timeout=10,
    )
    assert wallet.status_code == 201, wallet.text


def test_import_a_csv_with_preview_progress_and_undo(
    page: Page, servers: Servers, screenshot: Screenshot, tmp_path: Path
) -> None:
    email = unique_email("emmy")
    _account_with_a_wallet(servers.api_url, email)
    sign_in(page, email, PASSWORD)
    expect_signed_in(page, email, LEDGER)
    go_to(page, "Transactions")
    content = main(page)
    expect(content.get_by_text("No transactions yet.", exact=False)).to_be_visible()
    section = _open_import(page)

    # A file with a bad amount on line 3: named; only its valid rows could be imported (SPEC
    # §11's partial imports), and the whole file is not offered.
    _choose_file(page, section, tmp_path / "bad.csv", BAD_CSV)
    _check(page, section)
    expect(visible(section.get_by_test_id("stAlertContentWarning"))).to_contain_text(
        "1 row has errors and will not be imported"
    )
    errors = table(section, "Row", "Field", "Message")
    expect_row(errors, "3", "Amount", whole=False)
    expect(visible(section.get_by_role("button", name="Import 2 valid rows"))).to_have_count(1)
    expect(visible(section.get_by_role("button", name="Import 3 rows"))).to_have_count(0)
    screenshot("20-import-errors")

    # The corrected file: checked, previewed, imported.
    _choose_file(page, section, tmp_path / "good.csv", GOOD_CSV)
    expect(section.get_by_text("changed since the last check", exact=False)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    _check(page, section)
    preview = table(section, "Row", "Status", "Date", "Kind", "Description")
    expect_row(preview, "2", "OK", "2025-03-05", "Expense", "Bakery", whole=False)
    expect_row(preview, "3", "OK", "2025-03-06", "Expense", "Coffee beans", whole=False)
    expect_row(preview, "4", "OK", "2025-03-07", "Income", "March salary", whole=False)
    expect_no_error(page)
    screenshot("21-import-preview")

    visible(section.get_by_role("button", name="Import 3 rows")).click()
    # The progress bar follows the worker until the rows are in (it may be quick to go).
    done = visible(page.get_by_test_id("stAlertContentSuccess")).filter(has_text="Imported 3")
    expect(done).to_be_visible(timeout=IMPORT_TIMEOUT_MS)
    expect_success(page, "Imported 3 transactions from good.csv.")
    expect_no_error(page)
    grid = table(content, "Date", "Kind", "Description", "Amount")
    expect_row(grid, "2025-03-07", "Income", "March salary", whole=False)
    expect_row(grid, "2025-03-06", "Expense", "Coffee beans", whole=False)
    expect_row(grid, "2025-03-05", "Expense", "Bakery", whole=False)
    screenshot("22-import-done")

    # Undo: the three transactions go again, and only they.
    visible(_import_section(page).get_by_role("button", name="Undo import")).click()
    expect_success(page, "Undid the import of good.csv: its 3 transactions are gone.")
    expect(content.get_by_text("No transactions yet.", exact=False)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect_no_error(page)
    screenshot("23-import-undone")

    _bank_file(page, tmp_path)
    screenshot("24-import-bank-file")

    _export_and_import_again(page, tmp_path)
    screenshot("25-import-duplicates")


def _export_and_import_again(page: Page, tmp_path: Path) -> None:
    """The list's CSV export comes from the server and imports back: as possible duplicates
    of what is already there."""
    content = main(page)
    visible(content.get_by_role("button", name="Prepare CSV")).click()
    wait_until_idle(page)
    with page.expect_download() as started:
        visible(content.get_by_role("button", name="Download CSV (2 rows)")).click()
    exported = tmp_path / "exported.csv"
    started.value.save_as(exported)
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("date,kind,amount,description,category,wallet,bucket,notes,tags")
    assert lines[1].startswith("2025-03-07,income,2000.00,Gehalt,Salary,Checking")
    assert lines[2].startswith("2025-03-05,expense,12.30,Bäckerei,Groceries,Checking")

    visible(_import_section(page).get_by_role("button", name="Import another file")).click()
    wait_until_idle(page)
    section = _import_section(page)
    _choose_file(page, section, exported, exported.read_text(encoding="utf-8"))
    _check(page, section)
    duplicates = table(section, "Row", "Already in the ledger")
    expect_row(duplicates, "2", "2025-03-07 · Income · Gehalt · 2,000.00 EUR")
    expect_row(duplicates, "3", "2025-03-05 · Expense · Bäckerei · 12.30 EUR")
    expect(visible(section.get_by_role("button", name="Import 0 rows"))).to_be_disabled()
    expect_no_error(page)


def _bank_file(page: Page, tmp_path: Path) -> None:
    """A bank's own export: its column names, day-first dates, decimal commas, signed amounts
    and no wallet or category: mapped and given defaults in the form; the dates and the
    decimal separator are left for the server to detect."""
    visible(_import_section(page).get_by_role("button", name="Import another file")).click()
    wait_until_idle(page)
    section = _import_section(page)
    _choose_file(page, section, tmp_path / "bank.csv", BANK_CSV)
    expect(section.get_by_text("No column for:", exact=False)).to_be_visible()
    choose(section, page, "Wallet for rows without one", "Checking")
    choose(section, page, "Income category for rows without one", "Salary")
    choose(section, page, "Expense category for rows without one", "Groceries")
    visible(section.get_by_text(SIGNED_WAY, exact=True)).click()
    # The mapping is laid out again for signed amounts: wait for its box before choosing.
    expect(
        visible(section.get_by_role("combobox", name="Signed amount", exact=True))
    ).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    # Right after the radio, a click only moves the focus into the first box: focus it first.
    visible(section.get_by_role("combobox", name="Date", exact=True)).focus()
    choose(section, page, "Date", "Buchungstag")
    choose(section, page, "Description", "Text")
    choose(section, page, "Signed amount", "Betrag")
    wait_until_idle(page)
    expect(section.get_by_text("No column for:", exact=False)).to_have_count(0)
    _check(page, section)
    # Day-first dates and decimal commas: detected by the server, said in one line.
    read_as = "Read as CSV · utf-8 · delimiter ; · header on line 1 · dates DD.MM.YYYY · decimal ,"
    expect(section.get_by_text(read_as, exact=True)).to_be_visible()

    preview = table(section, "Row", "Status", "Date", "Kind", "Description")
    expect_row(preview, "2", "OK", "2025-03-05", "Expense", "Bäckerei", whole=False)
    expect_row(preview, "3", "OK", "2025-03-07", "Income", "Gehalt", whole=False)
    amounts = preview.locator("td[role=gridcell]").filter(has_text=" EUR")
    expect(amounts).to_have_text(["-12.30 EUR", "2,000.00 EUR"])
    visible(section.get_by_role("button", name="Import 2 rows")).click()
    done = visible(page.get_by_test_id("stAlertContentSuccess")).filter(has_text="Imported 2")
    expect(done).to_be_visible(timeout=IMPORT_TIMEOUT_MS)
    expect_success(page, "Imported 2 transactions from bank.csv.")
    grid = table(main(page), "Date", "Kind", "Description", "Amount")
    expect_row(grid, "2025-03-07", "Income", "Gehalt", whole=False)
    expect_no_error(page)


def _import_section(page: Page) -> Locator:
    return visible(main(page).get_by_test_id("stExpander").filter(has_text="Import CSV"))


def _open_import(page: Page) -> Locator:
    section = _import_section(page)
    section.locator("summary").click()
    expect(section.get_by_text("Bank file", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    return section


def _choose_file(page: Page, section: Locator, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    section.locator("input[type=file]").set_input_files(path)
    # The uploader shows the file once the upload is through; the page runs again then.
    expect(section.get_by_text(path.name, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)


def _check(page: Page, section: Locator) -> None:
    button = visible(section.get_by_role("button", name="Check file"))
    expect(button).to_be_enabled(timeout=TIMEOUT_MS)
    button.click()
    expect(visible(section.get_by_test_id("stMetric")).first).to_be_visible(
        timeout=IMPORT_TIMEOUT_MS
    )
    wait_until_idle(page)
