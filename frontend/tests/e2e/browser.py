"""What the e2e tests do in the browser: find Streamlit's widgets, tables and metrics the way a
person sees them, and wait for them robustly.

Streamlit keeps hidden tabs and collapsed parts in the DOM, so every locator for something a
person acts on is narrowed to visible elements. Tables (``st.dataframe``) are drawn on a
canvas; their cells are read from the accessible grid that Glide Data Grid keeps inside it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

TIMEOUT_MS = 20_000
PASSWORD = "Correct-Horse-Battery-42"

Screenshot = Callable[[str], Path]


def unique_email(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:8]}@example.com"


def visible(locator: Locator) -> Locator:
    # Streamlit keeps every tab in the DOM and hides the inactive ones.
    return locator.filter(visible=True)


def field(page: Page | Locator, label: str) -> Locator:
    return visible(page.get_by_label(label, exact=True))


def sidebar(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar")


def main(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def expect_no_traceback(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)


def expect_no_error(page: Page) -> None:
    """No exception, and no red error box (the API's or a form's message)."""
    expect_no_traceback(page)
    expect(visible(page.get_by_test_id("stAlertContentError"))).to_have_count(0)


def expect_heading(page: Page, title: str) -> None:
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=TIMEOUT_MS)


def wait_until_idle(page: Page) -> None:
    """Until Streamlit's rerun is over: while it runs, what the last run drew stays on the
    page marked stale (faded), next to what this run has drawn so far."""
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=TIMEOUT_MS)


# --- signing in ------------------------------------------------------------------------------


def expect_sign_in_page(page: Page) -> None:
    expect_heading(page, "Budget")
    expect(page.get_by_role("tab", name="Sign in")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("tab", name="Register")).to_be_visible(timeout=TIMEOUT_MS)


def register(page: Page, email: str, full_name: str, password: str = PASSWORD) -> None:
    page.get_by_role("tab", name="Register").click()
    field(page, "Email").fill(email)
    field(page, "Full name (optional)").fill(full_name)
    field(page, "Password").fill(password)
    field(page, "Repeat password").fill(password)
    page.get_by_role("button", name="Create account").click()


def sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_role("tab", name="Sign in").click()
    field(page, "Email").fill(email)
    field(page, "Password").fill(password)
    visible(page.get_by_role("button", name="Sign in", exact=True)).click()


def sign_out(page: Page) -> None:
    sidebar(page).get_by_role("button", name="Sign out").click()
    expect_sign_in_page(page)


def expect_signed_in(page: Page, email: str, ledger_name: str) -> None:
    """The landing page after sign-in (Overview) and the sidebar every page shows: who is
    signed in, the ledger switcher on their ledger, their role in it, and Sign out."""
    expect_heading(page, "Overview")
    side = sidebar(page)
    expect(side.get_by_text("Signed in as", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    expect(side.get_by_text(email, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    expect(side.get_by_role("combobox", name="Current ledger")).to_have_value(
        f"{ledger_name} (EUR)", timeout=TIMEOUT_MS
    )
    expect(side.get_by_text(f"You own {ledger_name}.", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(side.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT_MS)
    expect_no_traceback(page)


def go_to(page: Page, title: str, heading: str | None = None) -> None:
    """Open a page from the sidebar's navigation and wait for its title."""
    sidebar(page).get_by_role("link", name=title, exact=True).click()
    expect_heading(page, heading or title)
    wait_until_idle(page)


# --- widgets ---------------------------------------------------------------------------------


def choose(scope: Page | Locator, page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the visible selectbox labelled ``label``."""
    box = visible(scope.get_by_role("combobox", name=label, exact=True))
    # A rerun still drawing the page closes an open list: open it once the page is still,
    # and once more if the list closed again at once.
    wait_until_idle(page)
    box.click()
    choice = visible(page.get_by_role("option", name=option, exact=True))
    try:
        expect(choice).to_be_visible(timeout=3_000)
    except AssertionError:
        box.click()
    choice.click()
    expect(box).to_have_value(option, timeout=TIMEOUT_MS)


def type_and_commit(locator: Locator, text: str) -> None:
    """A text input outside a form sends its value to Streamlit on Enter (or blur)."""
    locator.fill(text)
    locator.press("Enter")


def expect_success(page: Page, text: str) -> None:
    """The green message a page shows after a write, and the end of the run that shows it."""
    message = visible(page.get_by_test_id("stAlertContentSuccess")).filter(has_text=text)
    problem = visible(page.get_by_test_id("stAlertContentError"))
    # An error box instead fails at once, with what it says.
    expect(message.or_(problem).first).to_be_visible(timeout=TIMEOUT_MS)
    if problem.count():
        raise AssertionError(f"Expected {text!r}; the page says {problem.all_inner_texts()}")
    wait_until_idle(page)


def tab(page: Page, name: str) -> Locator:
    return visible(page.get_by_role("tab", name=name, exact=True))


def tab_panel(page: Page, name: str) -> Locator:
    return visible(page.get_by_role("tabpanel", name=name, exact=True))


# --- metrics and tables ----------------------------------------------------------------------


def metric_value(scope: Page | Locator, label: str) -> Locator:
    """The value of the visible ``st.metric`` whose label is exactly ``label``."""
    metrics = visible(scope.get_by_test_id("stMetric"))
    label_element = metrics.page.get_by_test_id("stMetricLabel").filter(has_text=_exactly(label))
    metric = metrics.filter(has=label_element)
    return metric.get_by_test_id("stMetricValue")


def table(scope: Page | Locator, *columns: str) -> Locator:
    """The one visible ``st.dataframe`` with all these column headers."""
    found = visible(scope.get_by_test_id("stDataFrame"))
    page = found.page
    for column in columns:
        header = page.locator("th[role=columnheader]", has_text=_exactly(column))
        found = found.filter(has=header)
    expect(found).to_have_count(1, timeout=TIMEOUT_MS)
    return found


def row(grid: Locator, *cells: str) -> Locator:
    """The table rows whose first cells are exactly ``cells``, in order."""
    found = grid.locator("tbody tr[role=row]")
    for index, text in enumerate(cells, start=1):
        cell = grid.page.locator(
            f"td[role=gridcell][aria-colindex='{index}']", has_text=_exactly(text)
        )
        found = found.filter(has=cell)
    return found


def expect_row(grid: Locator, *cells: str, whole: bool = True) -> None:
    """Exactly one row reads ``cells``: all of its cells, or (``whole=False``, for a table
    wider than the page, whose columns out of sight are not drawn) its first cells."""
    found = row(grid, *cells)
    try:
        expect(found).to_have_count(1, timeout=TIMEOUT_MS)
    except AssertionError as error:
        raise AssertionError(f"No row {list(cells)} in {cell_texts(grid)}") from error
    if whole:
        expect(found.locator("td[role=gridcell]")).to_have_count(len(cells))


def _exactly(text: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def cell_texts(grid: Locator) -> list[list[str]]:
    """Every rendered row of a table as its cells' texts (for messages on failure)."""
    return [
        [cell.strip() for cell in tr.locator("td[role=gridcell]").all_text_contents()]
        for tr in grid.locator("tbody tr[role=row]").all()
    ]


class ApiUser:
    """A registered user through the API, to set things up and to check what the dashboard
    wrote (``requests`` against the real backend)."""

    def __init__(self, api_url: str, full_name: str) -> None:
        import requests

        self.http = requests.Session()
        self.url = api_url
        self.email = unique_email(full_name.split()[0].lower())
        body = {"email": self.email, "password": PASSWORD, "full_name": full_name}
        answer = self.http.post(f"{api_url}/auth/register", json=body, timeout=10)
        assert answer.status_code == 201, answer.text
        tokens = self.http.post(
            f"{api_url}/auth/token", json={"email": self.email, "password": PASSWORD}, timeout=10
        ).json()
        self.http.headers["Authorization"] = f"Bearer {tokens['access']}"
        self.ledger = self.get("/auth/me")["default_ledger_id"]
        self.ledger_name = f"{full_name}'s budget"

    def get(self, path: str, **params: str) -> dict:
        answer = self.http.get(self.url + path, params=params, timeout=10)
        assert answer.ok, answer.text
        return answer.json()

    def post(self, path: str, body: dict) -> dict:
        answer = self.http.post(self.url + path, json=body, timeout=10)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def ledger_path(self, path: str) -> str:
        return f"/ledgers/{self.ledger}{path}"

    def category(self, name: str) -> str:
        items = self.get(self.ledger_path("/categories"), page_size="100")["items"]
        return next(c["id"] for c in items if c["name"] == name)

    def wallet(self, name: str, opening_balance: str = "0.00") -> str:
        body = {"name": name, "kind": "virtual", "opening_balance": opening_balance}
        return self.post(self.ledger_path("/wallets"), body)["id"]
