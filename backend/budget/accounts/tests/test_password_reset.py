"""Password reset (SPEC §16): a single-use link, valid 60 minutes, stored hashed, mailed
through Django's email backend; the same answer for every email; every session ends."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from tests.helpers import PASSWORD, assert_error

from budget.accounts.models import AccountToken, User
from budget.accounts.tests.helpers import link_token, link_tokens, mail_files_text, use_file_mail

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"


@pytest.fixture
def ask_reset(api, django_capture_on_commit_callbacks):
    def ask(email: str = "alice@example.com", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/auth/password-reset", {"email": email}, **extra)

    return ask


def confirm(api, token: str, new_password: str = NEW_PASSWORD):
    return api.post("/auth/password-reset/confirm", {"token": token, "new_password": new_password})


def sign_in(api, password: str = PASSWORD):
    return api.post("/auth/token", {"email": "alice@example.com", "password": password})


def test_reset_link_comes_through_the_file_backend_and_sets_the_password(
    api, user, ask_reset, settings, tmp_path
):
    folder = use_file_mail(settings, tmp_path)
    settings.DASHBOARD_URL = "https://budget.example.com"
    response = ask_reset()
    assert response.status_code == 202
    (text,) = mail_files_text(folder)
    assert "To: alice@example.com" in text
    assert "Subject: Reset your Budget password" in text
    assert "https://budget.example.com/?reset=" in text
    (token,) = link_tokens(text, "reset")
    assert confirm(api, token).status_code == 204
    assert_error(sign_in(api), 401, "invalid_credentials")
    assert sign_in(api, NEW_PASSWORD).status_code == 200


def test_reset_answers_alike_for_unknown_and_known_emails(api, user, ask_reset, mailoutbox):
    known = ask_reset("alice@example.com")
    unknown = ask_reset("nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]


def test_reset_request_looks_nothing_up_while_answering(
    api, user, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # The lookup and the mail happen in the worker's task; the request does the same
    # (nothing but queueing it) for every email, so its timing tells nothing either.
    for email in ("alice@example.com", "nobody@example.com"):
        with (
            django_capture_on_commit_callbacks(execute=False) as queued,
            django_assert_num_queries(0),
        ):
            response = api.post("/auth/password-reset", {"email": email})
        assert response.status_code == 202
        assert len(queued) == 1


def test_reset_token_is_stored_hashed(api, user, ask_reset, mailoutbox):
    ask_reset()
    token = link_token(mailoutbox[0], "reset")
    stored = AccountToken.objects.get(user=user)
    assert stored.purpose == "password_reset"
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(AccountToken.objects.values()))


def test_reset_token_works_once(api, user, ask_reset, mailoutbox):
    ask_reset()
    token = link_token(mailoutbox[0], "reset")
    assert confirm(api, token).status_code == 204
    assert_error(confirm(api, token, "yet-another-passphrase-7"), 422, "token_used", field="token")
    assert sign_in(api, NEW_PASSWORD).status_code == 200


def test_reset_token_expires_after_60_minutes(api, user, ask_reset, mailoutbox):
    ask_reset()
    token = link_token(mailoutbox[0], "reset")
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert_error(confirm(api, token), 422, "token_expired", field="token")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_reset_token_still_works_at_59_minutes(api, user, ask_reset, mailoutbox):
    ask_reset()
    token = link_token(mailoutbox[0], "reset")
    with time_machine.travel(timezone.now() + timedelta(minutes=59)):
        assert confirm(api, token).status_code == 204


def test_a_newer_reset_link_voids_the_older_one(api, user, ask_reset, mailoutbox):
    ask_reset()
    ask_reset()
    older, newer = (link_token(mail, "reset") for mail in mailoutbox)
    assert_error(confirm(api, older), 422, "token_used")
    assert confirm(api, newer).status_code == 204


@pytest.mark.parametrize("token", ["nope", "x" * 43])
def test_reset_with_an_unknown_token_is_refused(api, user, token):
    assert_error(confirm(api, token), 422, "token_invalid", field="token")


def test_a_verification_link_cannot_reset_the_password(
    api, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/auth/register", {"email": "new@example.com", "password": PASSWORD})
    token = link_token(mailoutbox[0], "verify")
    assert_error(confirm(api, token), 422, "token_invalid")


@pytest.mark.parametrize("weak", ["short", "alice@example.com", "            "])
def test_reset_applies_the_password_rules_and_keeps_the_link(
    api, user, ask_reset, mailoutbox, weak
):
    ask_reset()
    token = link_token(mailoutbox[0], "reset")
    assert_error(confirm(api, token, weak), 422, "validation_error", field="new_password")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert confirm(api, token).status_code == 204


def test_reset_ends_every_session(api, user, ask_reset, mailoutbox):
    laptop = sign_in(api).json()
    phone = sign_in(api).json()
    ask_reset()
    assert confirm(api, link_token(mailoutbox[0], "reset")).status_code == 204
    for pair in (laptop, phone):
        assert_error(api.post("/auth/token/refresh", {"refresh": pair["refresh"]}), 401)
        assert_error(api.with_token(pair["access"]).get("/auth/me"), 401)


def test_reset_link_proves_the_address(api, user, ask_reset, mailoutbox):
    ask_reset()
    confirm(api, link_token(mailoutbox[0], "reset"))
    assert User.objects.get(pk=user.pk).email_verified


def test_inactive_account_gets_no_reset_mail(api, user, ask_reset, mailoutbox):
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert ask_reset().status_code == 202
    assert mailoutbox == []


@pytest.mark.parametrize("body", [{}, {"email": "not-an-email"}, {"email": 5}])
def test_reset_request_with_bad_input_is_422(api, body, mailoutbox):
    assert_error(api.post("/auth/password-reset", body), 422, field="email")


@pytest.mark.parametrize(
    "body", [{}, {"token": ""}, {"token": "t"}, {"token": "t" * 201, "new_password": "x"}]
)
def test_reset_confirm_with_bad_input_is_422(api, body):
    assert_error(api.post("/auth/password-reset/confirm", body), 422)


@override_settings(AUTH_THROTTLE_IP_RATE="100/min", ACCOUNT_MAIL_RATE="2/hour")
def test_reset_is_throttled_per_email_across_ips(api, user, ask_reset, mailoutbox):
    for n in range(2):
        assert ask_reset(REMOTE_ADDR=f"10.0.0.{n}").status_code == 202
    throttled = ask_reset("ALICE@example.com", REMOTE_ADDR="10.0.0.9")
    assert_error(throttled, 429, "throttled")
    assert int(throttled["Retry-After"]) > 0
    assert len(mailoutbox) == 2
    # an unknown email has its own budget, and is throttled alike
    assert ask_reset("nobody@example.com", REMOTE_ADDR="10.0.0.9").status_code == 202


@override_settings(AUTH_THROTTLE_IP_RATE="2/min", ACCOUNT_MAIL_RATE="100/hour")
def test_reset_is_throttled_per_ip_across_emails(api, ask_reset):
    for n in range(2):
        assert ask_reset(f"u{n}@example.com").status_code == 202
    assert_error(ask_reset("u9@example.com"), 429, "throttled")
    assert ask_reset("u9@example.com", REMOTE_ADDR="10.9.9.9").status_code == 202


@override_settings(AUTH_THROTTLE_IP_RATE="3/min")
def test_reset_confirm_is_throttled_per_ip(api):
    for _ in range(3):
        assert_error(confirm(api, "guess"), 422, "token_invalid")
    assert_error(confirm(api, "guess"), 429, "throttled")
