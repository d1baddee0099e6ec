"""Email verification and closed registration (SPEC §16)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from tests.helpers import PASSWORD, assert_error

from budget.accounts.models import User
from budget.accounts.tests.helpers import link_token, link_tokens, mail_files_text, use_file_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(api, django_capture_on_commit_callbacks):
    def register(email: str = "new@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/auth/register", {"email": email, "password": PASSWORD})

    return register


def verify(api, token: str):
    return api.post("/auth/verify-email", {"token": token})


def test_registration_mails_a_verification_link_through_the_file_backend(
    api, register, settings, tmp_path
):
    folder = use_file_mail(settings, tmp_path)
    settings.DASHBOARD_URL = "https://budget.example.com"
    response = register()
    assert response.status_code == 201
    assert response.json()["email_verified"] is False
    (text,) = mail_files_text(folder)
    assert "To: new@example.com" in text
    assert "Subject: Verify your email for Budget" in text
    (token,) = link_tokens(text, "verify")
    assert "https://budget.example.com/?verify=" + token in text
    assert verify(api, token).status_code == 204
    user = User.objects.get(email="new@example.com")
    assert user.email_verified
    assert api.as_user(user).get("/auth/me").json()["email_verified"] is True


def test_no_mail_when_the_registration_fails(api, user, register, mailoutbox):
    assert_error(register("alice@example.com"), 409, "email_taken")
    assert mailoutbox == []


def test_verification_link_works_once(api, register, mailoutbox):
    register()
    token = link_token(mailoutbox[0], "verify")
    assert verify(api, token).status_code == 204
    assert_error(verify(api, token), 422, "token_used", field="token")


def test_verification_link_expires(api, register, mailoutbox, settings):
    settings.EMAIL_VERIFICATION_HOURS = 2
    register()
    token = link_token(mailoutbox[0], "verify")
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        assert_error(verify(api, token), 422, "token_expired")
    assert not User.objects.get(email="new@example.com").email_verified


@pytest.mark.parametrize("body", [{"token": "nope"}, {"token": ""}, {}, {"token": 7}])
def test_verify_with_a_bad_token_is_422(api, body):
    assert_error(api.post("/auth/verify-email", body), 422)


def test_a_reset_link_cannot_verify(api, user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/auth/password-reset", {"email": "alice@example.com"})
    assert_error(verify(api, link_token(mailoutbox[0], "reset")), 422, "token_invalid")
    assert not User.objects.get(pk=user.pk).email_verified


def test_link_for_an_old_address_does_not_verify_a_new_one(api, register, mailoutbox):
    register()
    token = link_token(mailoutbox[0], "verify")
    User.objects.filter(email="new@example.com").update(email="changed@example.com")
    assert_error(verify(api, token), 422, "token_invalid")
    assert not User.objects.get(email="changed@example.com").email_verified


def test_resend_mails_a_new_link_and_voids_the_old(
    api, user, register, mailoutbox, django_capture_on_commit_callbacks
):
    register()
    new = User.objects.get(email="new@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(new).post("/auth/verify-email/resend")
    assert response.status_code == 202
    first, second = (link_token(mail, "verify") for mail in mailoutbox)
    assert_error(verify(api, first), 422, "token_used")
    assert verify(api, second).status_code == 204


def test_resend_when_already_verified_is_409(api, register, mailoutbox):
    register()
    verify(api, link_token(mailoutbox[0], "verify"))
    new = User.objects.get(email="new@example.com")
    assert_error(api.as_user(new).post("/auth/verify-email/resend"), 409, "email_already_verified")


def test_resend_needs_authentication(api):
    assert_error(api.post("/auth/verify-email/resend"), 401)


@override_settings(ACCOUNT_MAIL_RATE="2/hour")
def test_resend_is_throttled_per_user(api, user, django_capture_on_commit_callbacks, mailoutbox):
    authed = api.as_user(user)
    for n in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = authed.post("/auth/verify-email/resend", REMOTE_ADDR=f"10.0.0.{n}")
        assert response.status_code == 202
    assert_error(authed.post("/auth/verify-email/resend", REMOTE_ADDR="10.0.0.9"), 429)
    assert len(mailoutbox) == 2


def test_registration_closed_is_403_and_creates_nothing(api, settings, mailoutbox, register):
    settings.REGISTRATION_OPEN = False
    response = register()
    assert_error(response, 403, "registration_closed")
    assert not User.objects.exists()
    assert mailoutbox == []


def test_registration_closed_still_lets_users_sign_in(api, user, settings):
    settings.REGISTRATION_OPEN = False
    body = {"email": "alice@example.com", "password": PASSWORD}
    assert api.post("/auth/token", body).status_code == 200


def test_a_verification_mail_that_fails_is_logged_and_the_account_stays(
    api, register, settings, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with caplog.at_level("ERROR"):
        assert register().status_code == 201
    assert "verification mail" in caplog.text
    assert User.objects.filter(email="new@example.com").exists()


def test_the_demo_account_counts_as_verified_and_gets_no_mail(
    mailoutbox, django_capture_on_commit_callbacks
):
    from budget.accounts.services import user_register

    with django_capture_on_commit_callbacks(execute=True):
        demo = user_register(email="demo@example.com", password=PASSWORD, email_verified=True)
    assert demo.email_verified
    assert mailoutbox == []
