from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import labels, session
from dashboard.api import SESSION_EXPIRED_MESSAGE, ApiError, FieldError, SessionExpired
from tests.fake_ledger import LP, FakeLedgerClient, app_on, served, texts


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def _page(**kwargs: Any) -> AppTest:
    return app_on("account", **kwargs).run()


def _table(at: AppTest, first_column: str) -> Any:
    return next(t.value for t in at.dataframe if t.value.columns[0] == first_column)


# --- profile and password ---------------------------------------------------------------------


def test_the_page_has_profile_ledgers_members_and_keys(fake: FakeLedgerClient) -> None:
    at = _page()

    assert not at.exception
    assert [t.label for t in at.tabs] == ["Profile", "Security", "Ledgers", "Members", "API keys"]
    assert at.text_input(key="account_email").value == "ada@example.com"
    assert at.text_input(key="account_full_name").value == "Ada Lovelace"


def test_saving_the_profile_patches_only_what_changed(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="account_full_name").input("Ada King")
    at.button(key="account_profile_save").click().run()

    assert not at.exception
    [patch_call] = fake.writes()
    assert (patch_call.method, patch_call.path, patch_call.json) == (
        "PATCH",
        "/auth/me",
        {"full_name": "Ada King"},
    )
    assert at.session_state[session.USER_KEY]["full_name"] == "Ada King"
    assert "Saved your profile." in texts(at)


def test_alert_emails_are_switched_on_in_the_profile(fake: FakeLedgerClient) -> None:
    at = _page()
    assert at.checkbox(key="account_email_notifications").value is False
    at.checkbox(key="account_email_notifications").check()
    at.button(key="account_profile_save").click().run()

    assert not at.exception
    [patch_call] = fake.writes()
    assert (patch_call.path, patch_call.json) == ("/auth/me", {"email_notifications": True})
    assert at.session_state[session.USER_KEY]["email_notifications"] is True


def test_choosing_a_locale_saves_it_and_writes_money_in_it(fake: FakeLedgerClient) -> None:
    at = _page()
    assert at.selectbox(key="account_locale").value == ""  # the browser's language

    at.selectbox(key="account_locale").set_value("de_DE")
    at.button(key="account_profile_save").click().run()

    assert not at.exception
    [patch_call] = fake.writes()
    assert (patch_call.path, patch_call.json) == ("/auth/me", {"locale": "de_DE"})
    assert at.session_state[session.USER_KEY]["locale"] == "de_DE"


def test_changing_the_password(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="account_pw_current").input("old secret 1")
    at.text_input(key="account_pw_new").input("new secret 22")
    at.text_input(key="account_pw_repeat").input("new secret 22")
    at.button(key="account_pw_submit").click().run()

    [post] = fake.writes()
    assert (post.path, post.json) == (
        "/auth/password",
        {"current_password": "old secret 1", "new_password": "new secret 22"},
    )
    assert "Changed your password. Every other device was signed out." in texts(at)
    # The API ends every other session; this one goes on without signing in again.
    assert fake.signed_in == []
    assert session.USER_KEY in at.session_state


def test_a_mistyped_new_password_is_caught_before_sending(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="account_pw_current").input("old secret 1")
    at.text_input(key="account_pw_new").input("new secret 22")
    at.text_input(key="account_pw_repeat").input("new secret 23")
    at.button(key="account_pw_submit").click().run()

    assert fake.writes() == []
    assert "**New password**: The two are not the same." in at.error[0].value


def test_a_weak_password_shows_the_api_field_error(fake: FakeLedgerClient) -> None:
    fake.fail(
        "POST",
        "/auth/password",
        ApiError(
            422,
            "validation_error",
            "The password is too weak.",
            [FieldError(field="new_password", message="This password is too short.")],
        ),
    )
    at = _page()
    at.text_input(key="account_pw_current").input("old secret 1")
    at.text_input(key="account_pw_new").input("short")
    at.text_input(key="account_pw_repeat").input("short")
    at.button(key="account_pw_submit").click().run()

    assert not at.exception
    error = at.error[0].value
    assert "The password is too weak." in error
    assert "**New password**: This password is too short." in error


# --- API keys ---------------------------------------------------------------------------------


def test_api_keys_are_listed_without_the_secret(fake: FakeLedgerClient) -> None:
    at = _page()

    keys = next(t.value for t in at.dataframe if "Key" in t.value.columns)
    assert keys.to_dict("records") == [
        {
            "Name": "Backup script",
            "Key": "bk_AbCd…",
            "Created": "2025-02-01",
            "Expires": "never",
            "Last used": "2025-03-01",
        }
    ]


def test_a_new_key_is_shown_once_to_copy(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="account_key_name").input("Import script")
    at.toggle(key="account_key_expires").set_value(True)
    at.button(key="account_key_submit").click().run()

    assert not at.exception
    [post] = fake.writes()
    assert post.path == "/auth/api-keys"
    assert post.json["name"] == "Import script"
    assert post.json["expires_at"].endswith("T23:59:59+00:00")
    [code] = at.get("code")
    assert code.value == "bk_XyZ1_the-whole-secret-key"
    assert "shown only this once" in texts(at)

    at.button(key="account_key_done").click().run()
    assert not at.get("code")


def test_a_key_without_expiry_sends_no_expiry(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="account_key_name").input("Forever")
    at.button(key="account_key_submit").click().run()

    [post] = fake.writes()
    assert post.json == {"name": "Forever"}


def test_revoking_a_key_asks_first(fake: FakeLedgerClient) -> None:
    at = _page()
    at.button(key="account_key_key-1_revoke").click().run()
    assert fake.writes() == []
    at.button(key="account_key_key-1_revoke_confirm").click().run()

    [delete] = fake.writes()
    assert (delete.method, delete.path) == ("DELETE", "/auth/api-keys/key-1")
    assert "Revoked the key Backup script." in texts(at)


def test_no_keys_says_what_they_are_for(fake: FakeLedgerClient) -> None:
    fake.api_keys = []
    at = _page()

    assert "No API keys yet. Create one for a script" in texts(at)


# --- ledgers ----------------------------------------------------------------------------------


def test_ledgers_are_listed_with_the_role(fake: FakeLedgerClient) -> None:
    at = _page()

    ledgers = _table(at, "Ledger")
    assert ledgers.to_dict("records") == [
        {"Ledger": "Family", "Currency": "EUR", "Your role": "Owner", "Current": "✓"},
        {"Ledger": "Club", "Currency": "USD", "Your role": "Viewer", "Current": ""},
    ]
    # Only owned ledgers can be renamed or deleted.
    assert at.selectbox(key="account_ledger_pick").options == ["Family · EUR"]


def test_creating_a_ledger_switches_to_it(fake: FakeLedgerClient) -> None:
    created = {
        "id": "ledger-3",
        "name": "Holiday house",
        "currency": "GBP",
        "role": "owner",
        "created_at": "2025-03-05T00:00:00Z",
    }
    fake.answers[("POST", "/ledgers")] = created
    at = _page()
    at.text_input(key="account_ledger_name").input("Holiday house")
    assert at.selectbox(key="account_ledger_currency").value == "EUR"
    at.selectbox(key="account_ledger_currency").set_value("GBP")
    fake.ledger_list.append(created)
    at.button(key="account_ledger_create_submit").click().run()

    assert not at.exception
    [post] = fake.writes()
    assert post.json == {"name": "Holiday house", "currency": "GBP"}
    assert at.session_state[session.CURRENT_LEDGER_KEY] == "ledger-3"
    assert "switched to it" in texts(at)


def test_renaming_a_ledger(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="account_ledger_ledger-1_name").input("The Lovelaces")
    at.button(key="account_ledger_ledger-1_rename_submit").click().run()

    [patch_call] = fake.writes()
    assert (patch_call.method, patch_call.path, patch_call.json) == (
        "PATCH",
        "/ledgers/ledger-1",
        {"name": "The Lovelaces"},
    )


def test_deleting_a_ledger_needs_its_name_typed(fake: FakeLedgerClient) -> None:
    key = "account_ledger_ledger-1_delete"
    at = _page()
    at.button(key=key).click().run()
    assert at.button(key=f"{key}_confirm").disabled
    at.text_input(key=f"{key}_typed").input("Family").run()
    at.button(key=f"{key}_confirm").click().run()

    assert not at.exception
    [delete] = fake.writes()
    assert (delete.method, delete.path) == ("DELETE", "/ledgers/ledger-1")


# --- members ----------------------------------------------------------------------------------


def test_members_are_listed(fake: FakeLedgerClient) -> None:
    at = _page()

    members = _table(at, "Name")
    assert members["Email"].tolist() == ["ada@example.com", "charles@example.com"]
    assert members["Role"].tolist() == ["Owner", "Editor"]


def test_an_owner_invites_a_member_by_email(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="account_member_email").input("grace@example.com")
    at.selectbox(key="account_member_role").select("viewer")
    at.button(key="account_member_submit").click().run()

    [post] = fake.writes()
    assert (post.path, post.json) == (
        f"{LP}/members",
        {"email": "grace@example.com", "role": "viewer"},
    )
    assert (
        "Invitation sent to grace@example.com as viewer. They become a member when they "
        "accept it." in texts(at)
    )


def test_a_refused_invitation_shows_the_detail(fake: FakeLedgerClient) -> None:
    fake.fail(
        "POST",
        f"{LP}/members",
        ApiError(
            422,
            "validation_error",
            "Some fields are invalid.",
            [FieldError(field="email", message="Enter a valid email address.")],
        ),
    )
    at = _page()
    at.text_input(key="account_member_email").input("nobody@")
    at.button(key="account_member_submit").click().run()

    assert not at.exception
    assert "**Email**: Enter a valid email address." in at.error[0].value


def test_an_owner_sees_and_revokes_pending_invitations(fake: FakeLedgerClient) -> None:
    at = _page()

    pending = _table(at, "Email")
    assert pending.to_dict("records") == [
        {"Email": "grace@example.com", "Role": "Viewer", "Invited": pending["Invited"][0]}
    ]
    at.button(key="account_invitation_revoke").click().run()

    [revoke] = fake.writes()
    assert (revoke.method, revoke.path) == ("DELETE", f"{LP}/invitations/inv-1")
    assert "Revoked the invitation to grace@example.com." in texts(at)


def test_a_viewer_sees_no_pending_invitations(fake: FakeLedgerClient) -> None:
    at = _page(ledger_id="ledger-2")

    assert not [b for b in at.button if b.key == "account_invitation_revoke"]
    assert not any(c.path.endswith("/invitations") for c in fake.calls)


def test_an_owner_changes_a_role_and_removes_a_member(fake: FakeLedgerClient) -> None:
    at = _page()
    assert at.selectbox(key="account_member_pick").options == [
        "Charles Babbage (charles@example.com)"
    ]
    at.selectbox(key="account_member_user-2_role").select("viewer").run()
    at.button(key="account_member_user-2_save").click().run()
    at.button(key="account_member_user-2_remove").click().run()
    at.button(key="account_member_user-2_remove_confirm").click().run()

    change, remove = fake.writes()
    assert (change.method, change.path, change.json) == (
        "PATCH",
        f"{LP}/members/user-2",
        {"role": "viewer"},
    )
    assert (remove.method, remove.path) == ("DELETE", f"{LP}/members/user-2")


def test_a_viewer_sees_members_and_can_only_leave(fake: FakeLedgerClient) -> None:
    at = _page(ledger_id="ledger-2")

    assert not at.exception
    assert not [w for w in at.text_input if w.key == "account_member_email"]
    at.button(key="account_leave").click().run()
    at.button(key="account_leave_confirm").click().run()

    [leave] = fake.writes()
    assert (leave.method, leave.path) == ("DELETE", "/ledgers/ledger-2/members/user-1")
    assert at.session_state[session.CURRENT_LEDGER_KEY] == "ledger-1"
    assert "You left Club." in texts(at)


def test_the_only_owner_is_told_how_to_leave_instead_of_a_button(
    fake: FakeLedgerClient,
) -> None:
    at = _page()

    assert not [b for b in at.button if b.key == "account_leave"]
    assert "You are the only owner of Family: to leave it, first make another member" in texts(at)


def test_a_refused_leave_shows_the_detail(fake: FakeLedgerClient) -> None:
    fake.members[1]["role"] = "owner"
    detail = "The last owner cannot leave: make someone else an owner, or delete the ledger."
    fake.fail("DELETE", f"{LP}/members/user-1", ApiError(409, "last_owner", detail))
    at = _page()
    at.button(key="account_leave").click().run()
    at.button(key="account_leave_confirm").click().run()

    assert not at.exception
    assert [e.value for e in at.error] == [detail]


# --- errors and sessions ----------------------------------------------------------------------


def test_an_api_error_on_one_section_keeps_the_page(fake: FakeLedgerClient) -> None:
    fake.fail("GET", "/auth/api-keys", ApiError(500, "server_error", "Something broke."))
    at = _page()

    assert not at.exception
    assert [e.value for e in at.error] == ["Something broke."]
    assert _table(at, "Ledger")["Ledger"].tolist() == ["Family", "Club"]


def test_an_expired_session_returns_to_sign_in_with_the_message(fake: FakeLedgerClient) -> None:
    fake.fail("GET", "/ledgers", SessionExpired())
    at = _page()

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [w.value for w in at.warning] == [SESSION_EXPIRED_MESSAGE]


def test_the_sidebar_switcher_follows_a_ledger_a_page_switched_to(
    fake: FakeLedgerClient,
) -> None:
    """app.py: the switcher shows the current ledger even when a page changed it."""
    at = AppTest.from_file("../app.py", default_timeout=15)
    at.session_state[session.USER_KEY] = dict(fake.user)
    at.session_state[session.LEDGERS_KEY] = [dict(ledger) for ledger in fake.ledger_list]
    at.session_state[session.CURRENT_LEDGER_KEY] = "ledger-1"
    with patch("dashboard.api.get_client", return_value=fake):
        at.run()
        assert at.sidebar.selectbox(key="ledger_switcher").value == "ledger-1"
        assert "You own **Family**." in [m.value for m in at.sidebar.markdown]

        at.sidebar.selectbox(key="ledger_switcher").select("ledger-2").run()
        assert at.session_state[session.CURRENT_LEDGER_KEY] == "ledger-2"
        assert "You can view **Club**; changes are off." in [m.value for m in at.sidebar.markdown]

        at.session_state[session.CURRENT_LEDGER_KEY] = "ledger-1"  # as a page would
        at.run()
        assert at.sidebar.selectbox(key="ledger_switcher").value == "ledger-1"
    assert labels.ROLES["viewer"] == "Viewer"
