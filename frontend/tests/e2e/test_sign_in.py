"""A person registers, signs out and signs in again, in a real browser against the real API."""

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
    expect_row,
    expect_sign_in_page,
    expect_signed_in,
    go_to,
    register,
    sidebar,
    sign_in,
    sign_out,
    table,
    unique_email,
)
from tests.e2e.conftest import Servers

pytestmark = pytest.mark.e2e

WRONG_PASSWORD_MESSAGE = "Email or password is incorrect."


def _expect_new_account_overview(page: Page) -> None:
    # A new account: the overview invites to set it up instead of showing empty tables.
    expect(page.get_by_text("No wallets yet — add a wallet on the Setup page.")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(
        page.get_by_text("No transactions yet — add one on the Transactions page.")
    ).to_be_visible(timeout=TIMEOUT_MS)


def _expect_home_page(page: Page, email: str, full_name: str, ledger_name: str) -> None:
    """Home (from the sidebar): who is signed in and their ledgers."""
    go_to(page, "Home")
    expect(page.get_by_text(f"Signed in as {full_name} ({email})")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(page.get_by_text("Your ledgers")).to_be_visible(timeout=TIMEOUT_MS)
    expect_row(table(page, "Name", "Currency", "Role"), ledger_name, "EUR", "Owner")
    expect_no_traceback(page)


def test_register_sign_out_and_sign_in_again(page: Page, screenshot: Screenshot) -> None:
    full_name = "Ada Lovelace"
    email = unique_email("ada")
    ledger_name = f"{full_name}'s budget"

    expect_sign_in_page(page)
    expect_no_traceback(page)
    screenshot("01-sign-in-page")

    register(page, email, full_name)
    expect_signed_in(page, email, ledger_name)
    _expect_new_account_overview(page)
    screenshot("02-overview-after-register")

    _expect_home_page(page, email, full_name, ledger_name)
    screenshot("03-home")

    sign_out(page)
    expect(page.get_by_role("heading", name="Overview")).to_have_count(0)
    # Nothing of the session is left: no email, no ledger, no Sign out. (Streamlit sometimes
    # keeps an empty sidebar frame after the signed-in pages go; it has nothing in it.)
    expect(sidebar(page).get_by_role("button", name="Sign out")).to_have_count(0)
    expect(sidebar(page).get_by_text(email)).to_have_count(0)
    expect(sidebar(page).get_by_role("combobox", name="Current ledger")).to_have_count(0)
    screenshot("04-signed-out")

    sign_in(page, email, PASSWORD)
    expect_signed_in(page, email, ledger_name)
    screenshot("05-overview-after-sign-in")


def test_wrong_password_shows_the_api_message(
    page: Page, servers: Servers, screenshot: Screenshot
) -> None:
    email = unique_email("grace")
    answer = requests.post(
        f"{servers.api_url}/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": "Grace Hopper"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text

    expect_sign_in_page(page)
    sign_in(page, email, "not-the-password-123")

    expect(page.get_by_text(WRONG_PASSWORD_MESSAGE, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stAlert")).to_have_count(1)
    expect_sign_in_page(page)
    expect(page.get_by_role("heading", name="Overview")).to_have_count(0)
    expect_no_traceback(page)
    screenshot("06-wrong-password")

    # The same form still works with the right password.
    sign_in(page, email, PASSWORD)
    expect_signed_in(page, email, "Grace Hopper's budget")
    expect_heading(page, "Overview")
