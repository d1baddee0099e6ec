"""The Webhooks page: owners list, add (the secret shown once), turn off and delete webhooks,
and see their deliveries; others are told only owners manage them."""

from collections.abc import Iterator

import pytest

from dashboard.views.webhooks import SECRET_KEY, deliveries_table, events_text
from tests.fake_ledger import LP, FakeLedgerClient, app_on, served, texts

HOOK = {
    "id": "hook-1",
    "url": "https://example.com/budget",
    "events": ["transaction.created", "budget.alert"],
    "active": True,
    "created_at": "2025-03-01T09:00:00Z",
    "updated_at": "2025-03-01T09:00:00Z",
}
DELIVERY = {
    "id": "del-1",
    "event": "transaction.created",
    "status": "pending",
    "attempts": 2,
    "response_code": 500,
    "last_error": "Answered 500.",
    "at": "2025-03-05T08:00:00Z",
    "last_attempt_at": "2025-03-05T08:02:00Z",
    "next_attempt_at": "2025-03-05T08:10:00Z",
}


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        client.answers[("GET", f"{LP}/webhooks")] = {"items": [dict(HOOK)], "count": 1}
        client.answers[("GET", f"{LP}/webhooks/hook-1/deliveries")] = {
            "items": [dict(DELIVERY)],
            "count": 7,
        }
        yield client


def _table(at, first_column: str):
    return next(t.value for t in at.dataframe if t.value.columns[0] == first_column)


def test_events_and_deliveries_read_as_words() -> None:
    assert events_text(["*"]) == "Everything"
    assert events_text(HOOK["events"]) == "Transaction created, Budget alert"
    assert deliveries_table([DELIVERY]).to_dict("records") == [
        {
            "At": "2025-03-05 08:00:00",
            "Event": "Transaction created",
            "Status": "Waiting to retry",
            "Attempts": 2,
            "Response": "500",
            "Error": "Answered 500.",
        }
    ]


def test_an_owner_sees_webhooks_and_deliveries(fake: FakeLedgerClient) -> None:
    at = app_on("webhooks").run()

    assert not at.exception
    assert _table(at, "URL").to_dict("records") == [
        {
            "URL": "https://example.com/budget",
            "Events": "Transaction created, Budget alert",
            "Active": "Yes",
        }
    ]
    assert _table(at, "At")["Status"].tolist() == ["Waiting to retry"]
    assert "The latest 1 of 7." in texts(at)


def test_adding_shows_the_secret_until_it_is_copied(fake: FakeLedgerClient) -> None:
    fake.answers[("POST", f"{LP}/webhooks")] = {
        **HOOK,
        "id": "hook-2",
        "url": "https://example.com/new",
        "events": ["*"],
        "secret": "whsec_the-secret",
    }
    at = app_on("webhooks").run()
    at.text_input(key="webhooks_url").input("https://example.com/new")
    at.button(key="webhooks_submit").click().run()

    assert not at.exception
    [post] = fake.writes()
    assert (post.path, post.json) == (
        f"{LP}/webhooks",
        {"url": "https://example.com/new", "events": ["*"]},
    )
    assert [c.value for c in at.code] == ["whsec_the-secret"]
    assert "copy it now, it is not shown again" in texts(at)
    at.run()
    assert [c.value for c in at.code] == ["whsec_the-secret"]  # still there on the next run
    at.button(key="webhooks_secret_done").click().run()
    assert not at.code
    assert SECRET_KEY not in at.session_state


def test_no_events_is_refused_before_the_api(fake: FakeLedgerClient) -> None:
    at = app_on("webhooks").run()
    at.text_input(key="webhooks_url").input("https://example.com/new")
    at.multiselect(key="webhooks_events").set_value([])
    at.button(key="webhooks_submit").click().run()

    assert not fake.writes()
    assert "Choose at least one event." in at.error[0].value


def test_an_owner_turns_a_webhook_off_and_deletes_it(fake: FakeLedgerClient) -> None:
    at = app_on("webhooks").run()
    at.button(key="webhooks_hook-1_active").click().run()
    at.button(key="webhooks_hook-1_delete").click().run()
    at.button(key="webhooks_hook-1_delete_confirm").click().run()

    off, delete = fake.writes()
    assert (off.method, off.path, off.json) == (
        "PATCH",
        f"{LP}/webhooks/hook-1",
        {"active": False},
    )
    assert (delete.method, delete.path) == ("DELETE", f"{LP}/webhooks/hook-1")
    assert "Deleted the webhook https://example.com/budget." in texts(at)


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_others_are_told_only_owners_manage_webhooks(fake: FakeLedgerClient, role: str) -> None:
    at = app_on("webhooks", role=role).run()

    assert not at.exception
    assert "Only the ledger's owners manage its webhooks." in texts(at)
    assert not [c for c in fake.calls if "/webhooks" in c.path]
