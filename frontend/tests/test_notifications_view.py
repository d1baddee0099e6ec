from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data, session
from dashboard.api import SESSION_EXPIRED_MESSAGE, ApiError, ApiUnavailable, SessionExpired
from dashboard.formatting import literal
from dashboard.views import notifications
from tests import pages
from tests.conftest import EMAIL
from tests.fake_api import PASSWORD, FakeApiState
from tests.fake_ledger import FakeLedgerClient, app_on, notification, served, texts
from tests.report_data import FakeReportClient


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def _page(**kwargs: Any) -> AppTest:
    return app_on("notifications", **kwargs).run()


def _titles(at: AppTest) -> list[str]:
    shown = [m.value for m in at.markdown]
    return [text for text in shown if text.strip("*").startswith("Budget")]


def _versions(at: AppTest) -> int:
    return at.session_state.get(data.DATA_VERSION_KEY, 0)


# --- the page ---------------------------------------------------------------------------------


def test_notifications_are_listed_newest_first_with_the_unread_marked(
    fake: FakeLedgerClient,
) -> None:
    at = _page()

    assert not at.exception
    assert at.title[0].value == "Notifications"
    # Unread titles in bold, each under a "New" badge; the read one plain.
    assert _titles(at) == [
        "**Budget exceeded: Housing**",
        "**Budget warning: Groceries at 85.00 %**",
        "Budget warning: Groceries at 82.50 %",
    ]
    assert [m.value for m in at.markdown].count(":blue-badge[New]") == 2
    page = texts(at)
    assert "2 unread notifications." in page
    assert "over the budget of 1200.00 EUR by 34.50 EUR (102.88 %)." in page
    assert [b.key for b in at.button] == [
        notifications.REFRESH_KEY,
        notifications.READ_ALL_KEY,
        "notification_read_n-housing",
        "notification_read_n-groceries",
    ]
    # One page of the list and the unread count: two reads.
    assert [(c.path, c.params) for c in fake.calls] == [
        ("/notifications", {"unread": "true", "page_size": "1"}),
        ("/notifications", {"page": "1", "page_size": str(notifications.PAGE_SIZE)}),
    ]


def test_marking_one_read_posts_and_refreshes(fake: FakeLedgerClient) -> None:
    at = _page()
    at.button(key="notification_read_n-groceries").click().run()

    assert not at.exception
    [post] = fake.writes()
    assert (post.method, post.path) == ("POST", "/notifications/n-groceries/read")
    assert _versions(at) == 1
    assert "1 unread notification." in texts(at)
    assert [b.key for b in at.button][2:] == ["notification_read_n-housing"]


def test_marking_all_read(fake: FakeLedgerClient) -> None:
    at = _page()
    at.button(key=notifications.READ_ALL_KEY).click().run()

    assert not at.exception
    [post] = fake.writes()
    assert (post.method, post.path) == ("POST", "/notifications/read-all")
    assert "Marked 2 notifications read." in texts(at)
    assert "Everything is read." in texts(at)
    assert at.button(key=notifications.READ_ALL_KEY).disabled
    assert [b.key for b in at.button] == [notifications.REFRESH_KEY, notifications.READ_ALL_KEY]
    assert ":blue-badge[New]" not in texts(at)


def test_refresh_reads_again(fake: FakeLedgerClient) -> None:
    at = _page()
    fake.notifications.insert(
        0, notification("n-new", "Budget warning: Leisure at 80.00 %", "2025-03-05T07:00:00Z")
    )
    at.run()
    assert "2 unread notifications." in texts(at)  # cached

    at.button(key=notifications.REFRESH_KEY).click().run()

    assert _versions(at) == 1
    assert "3 unread notifications." in texts(at)
    assert _titles(at)[0] == "**Budget warning: Leisure at 80.00 %**"


def test_unread_only(fake: FakeLedgerClient) -> None:
    at = _page()
    at.toggle(key=notifications.UNREAD_ONLY_KEY).set_value(True).run()

    assert fake.calls[-1].params == {
        "page": "1",
        "page_size": str(notifications.PAGE_SIZE),
        "unread": "true",
    }
    assert _titles(at) == [
        "**Budget exceeded: Housing**",
        "**Budget warning: Groceries at 85.00 %**",
    ]

    at.button(key=notifications.READ_ALL_KEY).click().run()
    assert "No unread notifications." in texts(at)


def test_no_notifications_says_what_comes_here(fake: FakeLedgerClient) -> None:
    fake.notifications = []
    at = _page()

    assert not at.exception
    assert "No notifications yet. When spending reaches a budget's alert percentage" in texts(at)
    assert at.button(key=notifications.READ_ALL_KEY).disabled


def test_a_skipped_recurring_transaction_is_shown_as_plain_text(fake: FakeLedgerClient) -> None:
    # As the daily job writes it (budget.planning.services); the template's description is
    # the user's own text.
    message = (
        "Family: the recurring expense '*Tokyo* flat_2' (90000 JPY) due on 2025-03-01 was "
        "not made: there is no JPY→EUR exchange rate for that date or the 7 days before. It "
        "will not be made later by itself: add it under Transactions with its amount in EUR "
        "(what your bank charged), or add the rate first. So that the next occurrences are "
        "made, add JPY rates in Setup → Rates."
    )
    fake.notifications = [
        notification(
            "n-rent",
            "Recurring transaction not made: *Tokyo* flat_2",
            "2025-04-10T00:05:00Z",
            kind="recurring_skipped",
            message=message,
            data={"template": "r-1", "date": "2025-03-01", "currency": "JPY"},
        )
    ]
    at = _page()

    assert not at.exception
    shown = [m.value for m in at.markdown]
    assert f"**{literal('Recurring transaction not made: *Tokyo* flat_2')}**" in shown
    assert literal(message) in shown


def test_many_notifications_come_a_page_at_a_time(fake: FakeLedgerClient) -> None:
    fake.notifications = [
        notification(f"n-{i}", f"Budget warning {i}", f"2025-03-01T10:{i:02d}:00Z")
        for i in range(45)
    ]
    at = _page()

    assert len(_titles(at)) == notifications.PAGE_SIZE
    assert _titles(at)[0] == "**Budget warning 0**"
    at.session_state[notifications.PAGE_KEY] = 3
    at.run()

    assert _titles(at) == [f"**Budget warning {i}**" for i in range(40, 45)]
    assert fake.calls[-1].params == {"page": "3", "page_size": str(notifications.PAGE_SIZE)}


def test_other_ledgers_are_named(fake: FakeLedgerClient) -> None:
    fake.notifications = [
        notification("n-club", "Budget warning: Drinks at 90.00 %", "2025-03-01T10:00:00Z")
    ]
    fake.notifications[0]["ledger"] = "ledger-2"
    at = _page()

    assert any(c.value.endswith(" · Club") for c in at.caption)


def test_an_api_error_shows_its_detail(fake: FakeLedgerClient) -> None:
    fake.fail("POST", "/notifications/n-housing/read", ApiError(404, "not_found", "Not found."))
    at = _page()
    at.button(key="notification_read_n-housing").click().run()

    assert not at.exception
    assert [e.value for e in at.error] == ["Not found."]
    assert _versions(at) == 0


def test_an_expired_session_returns_to_sign_in(fake: FakeLedgerClient) -> None:
    fake.fail("POST", "/notifications/read-all", SessionExpired())
    at = _page()
    at.button(key=notifications.READ_ALL_KEY).click().run()

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [w.value for w in at.warning] == [SESSION_EXPIRED_MESSAGE]


def test_times_are_local_and_short() -> None:
    assert notifications.when("not a time") == "not a time"
    assert notifications.when("2025-03-04T10:05:00Z").endswith(":05")
    assert notifications.unread_label(1) == "1 unread notification."
    assert notifications.nav_label(0) == "Notifications"
    assert notifications.nav_label(1234) == "Notifications (1,234)"


# --- the unread count on every page -----------------------------------------------------------


class _Client(FakeReportClient):
    """The report fake with notifications that can be marked read."""

    def __init__(self, unread: int = 3) -> None:
        super().__init__({"/notifications": self._notifications})
        self.items = [
            notification(f"n-{i}", f"Budget alert {i}", "2025-03-04T10:00:00Z")
            for i in range(unread)
        ]
        self.posts: list[str] = []
        self.failure: ApiError | None = None

    def _notifications(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.failure is not None:
            raise self.failure
        items = self.items
        if params.get("unread") == "true":
            items = [n for n in items if n["read_at"] is None]
        return {"items": items[: int(params.get("page_size", 50))], "count": len(items)}

    def post(self, path: str, json: Any = None, params: Any = None) -> Any:
        self.posts.append(path)
        item = next(n for n in self.items if path == f"/notifications/{n['id']}/read")
        item["read_at"] = "2025-03-05T08:00:00Z"
        return item

    def count_reads(self) -> list[dict[str, Any]]:
        return [p for path, p in self.calls if path == "/notifications" and "unread" in p]


def _link(at: AppTest) -> Any:
    [link] = at.sidebar.get("page_link")
    return link


def test_every_page_shows_the_unread_count_in_the_sidebar() -> None:
    client = _Client(unread=3)
    with pages.serving(client):
        at = pages.signed_in_app().run()
        assert at.title[0].value == "Overview"
        assert _link(at).proto.label == "Notifications (3)"
        assert _link(at).proto.icon == ":material/notifications_active:"
        assert _link(at).proto.page == "notifications"

        pages.open_page(at, "yearly")
        assert at.title[0].value == "Yearly report"
        assert _link(at).proto.label == "Notifications (3)"

    assert not at.exception
    # Cached: one small read for the count (page_size 1), however many pages are opened.
    assert client.count_reads() == [{"unread": "true", "page_size": "1"}]


def test_the_count_follows_the_data_version_and_marking_read() -> None:
    client = _Client(unread=2)
    with pages.serving(client):
        at = pages.open_page(pages.signed_in_app(), "notifications")
        assert at.title[0].value == "Notifications"
        assert _link(at).proto.label == "Notifications (2)"

        at.button(key="notification_read_n-0").click().run()

        assert client.posts == ["/notifications/n-0/read"]
        assert _link(at).proto.label == "Notifications (1)"

        at.button(key="notification_read_n-1").click().run()
        assert _link(at).proto.label == "Notifications"
        assert _link(at).proto.icon == ":material/notifications:"

    assert not at.exception
    assert len(client.count_reads()) == 3  # one per data version


def test_a_failed_count_leaves_a_plain_link_and_the_page_works() -> None:
    client = _Client()
    client.failure = ApiUnavailable("http://127.0.0.1:8000/api/v1")
    with pages.serving(client):
        at = pages.signed_in_app().run()

    assert not at.exception
    assert at.title[0].value == "Overview"
    assert _link(at).proto.label == "Notifications"
    assert not at.sidebar.error


def test_an_expired_session_while_counting_returns_to_sign_in() -> None:
    client = _Client()
    client.failure = SessionExpired()
    with pages.serving(client):
        at = pages.signed_in_app().run()

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [w.value for w in at.warning] == [SESSION_EXPIRED_MESSAGE]
    assert session.USER_KEY not in at.session_state


def test_the_real_client_reads_the_count_over_http(api_url: str, api_state: FakeApiState) -> None:
    api_state.unread_notifications = 4
    with patch("dashboard.config.API_URL", api_url):
        at = AppTest.from_file(pages.APP, default_timeout=10).run()
        at.text_input(key="sign_in_email").input(EMAIL)
        at.text_input(key="sign_in_password").input(PASSWORD)
        at.button(key="sign_in_submit").click().run()

    assert not at.exception
    assert _link(at).proto.label == "Notifications (4)"
    [call] = api_state.calls_to("/notifications")
    assert sorted(call.query.split("&")) == ["page_size=1", "unread=true"]
