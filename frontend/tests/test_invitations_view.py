"""Home shows the invitations waiting for the signed-in user, with Accept and Decline."""

from collections.abc import Iterator

import pytest

from dashboard import session
from dashboard.views.invitations import invitation_text
from tests.fake_ledger import FakeLedgerClient, app_on, served, texts

INVITATION = {
    "id": "inv-9",
    "kind": "ledger",
    "name": "Grace's *home*",
    "role": "editor",
    "invited_by": "Grace Hopper",
    "created_at": "2025-03-04T08:00:00Z",
}


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        client.my_invitations.append(dict(INVITATION))
        yield client


def test_the_text_names_ledger_role_and_inviter_literally() -> None:
    assert invitation_text(INVITATION) == (
        "You are invited to **Grace's \\*home\\*** as editor by Grace Hopper."
    )
    assert invitation_text({**INVITATION, "invited_by": None}).endswith("as editor.")


def test_home_shows_the_invitation(fake: FakeLedgerClient) -> None:
    at = app_on("home").run()

    assert not at.exception
    assert invitation_text(INVITATION) in texts(at)


def test_accepting_joins_and_switches_to_the_ledger(fake: FakeLedgerClient) -> None:
    at = app_on("home").run()
    at.button(key="home_invitation_inv-9_accept").click().run()

    assert not at.exception
    [accept] = fake.writes()
    assert (accept.method, accept.path) == ("POST", "/invitations/inv-9/accept")
    assert at.session_state[session.CURRENT_LEDGER_KEY] == "ledger-9"
    assert "You joined Grace's \\*home\\* and switched to it." in texts(at)
    assert "You are invited" not in texts(at)


def test_declining_removes_the_invitation(fake: FakeLedgerClient) -> None:
    at = app_on("home").run()
    fake.my_invitations.clear()  # the API's answer after the decline
    at.button(key="home_invitation_inv-9_decline").click().run()

    assert not at.exception
    [decline] = fake.writes()
    assert (decline.method, decline.path) == ("POST", "/invitations/inv-9/decline")
    assert "Declined the invitation" in texts(at)
    assert "You are invited" not in texts(at)


def test_no_invitation_no_section(fake: FakeLedgerClient) -> None:
    fake.my_invitations.clear()
    at = app_on("home").run()

    assert not at.exception
    assert "Invitations" not in [s.value for s in at.subheader]
