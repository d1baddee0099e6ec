"""Two-factor sign-in with TOTP (RFC 6238) and backup codes (SPEC §16). Codes are computed
here with pyotp, as an authenticator app would."""

import hashlib
import time
from datetime import timedelta

import pyotp
import pytest
from django.test import override_settings
from django.utils import timezone
from tests.helpers import PASSWORD, assert_error

from budget.accounts.models import BackupCode, TwoFactor
from budget.accounts.tests.helpers import totp_for

pytestmark = pytest.mark.django_db


def sign_in(api, otp=None, **extra):
    body = {"email": "alice@example.com", "password": PASSWORD}
    if otp is not None:
        body["otp"] = otp
    return api.post("/auth/token", body, **extra)


@pytest.fixture
def clock(time_machine):
    """The clock stands still, so a code never turns stale between two lines of a test;
    `clock.shift(30)` moves it to the next 30-second step (a code is taken once per step)."""
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


@pytest.fixture
def authed(owner_api, clock):
    return owner_api


@pytest.fixture
def enabled(authed, user):
    """2FA on for alice; returns her backup codes."""
    setup = authed.post("/auth/2fa/setup").json()
    code = pyotp.TOTP(setup["secret"]).now()
    codes = authed.post("/auth/2fa/enable", {"code": code}).json()["backup_codes"]
    return codes


def test_setup_gives_a_secret_and_an_otpauth_url(authed, user):
    response = authed.post("/auth/2fa/setup")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"secret", "otpauth_url"}
    assert len(body["secret"]) >= 32
    parsed = pyotp.parse_uri(body["otpauth_url"])
    assert parsed.secret == body["secret"]
    assert parsed.name == "alice@example.com"
    assert parsed.issuer == "Budget"
    # not in force before it is enabled
    assert sign_in(authed.with_token(None)).status_code == 200
    assert authed.get("/auth/2fa").json() == {"enabled": False, "backup_codes_left": 0}


def test_enable_with_a_code_from_the_app_gives_ten_backup_codes(authed, user):
    secret = authed.post("/auth/2fa/setup").json()["secret"]
    response = authed.post("/auth/2fa/enable", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = response.json()["backup_codes"]
    assert len(codes) == len(set(codes)) == 10
    stored = set(BackupCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    assert authed.get("/auth/2fa").json() == {"enabled": True, "backup_codes_left": 10}


def test_enable_with_a_wrong_code_is_422_and_stays_off(authed, user):
    secret = authed.post("/auth/2fa/setup").json()["secret"]
    wrong = str((int(pyotp.TOTP(secret).now()) + 1) % 1_000_000).zfill(6)
    assert_error(authed.post("/auth/2fa/enable", {"code": wrong}), 422, "otp_invalid", "code")
    assert TwoFactor.objects.get(user=user).enabled_at is None
    assert not BackupCode.objects.exists()


def test_enable_without_setup_is_409(authed, user):
    assert_error(authed.post("/auth/2fa/enable", {"code": "123456"}), 409, "two_factor_not_set_up")


def test_setup_or_enable_while_on_is_409(authed, user, enabled):
    assert_error(authed.post("/auth/2fa/setup"), 409, "two_factor_enabled")
    code = totp_for(user).now()
    assert_error(authed.post("/auth/2fa/enable", {"code": code}), 409, "two_factor_enabled")


def test_sign_in_without_otp_is_401_otp_required(api, user, enabled):
    body = assert_error(sign_in(api), 401, "otp_required")
    assert "code" in body["detail"]


def test_sign_in_with_a_wrong_password_says_nothing_of_2fa(api, user, enabled):
    body = {"email": "alice@example.com", "password": "wrong", "otp": "123456"}
    assert_error(api.post("/auth/token", body), 401, "invalid_credentials")


def test_sign_in_with_a_current_code(clock, api, user, enabled):
    clock.shift(30)
    response = sign_in(api, totp_for(user).now())
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_sign_in_with_a_wrong_code_is_401_otp_invalid(api, user, enabled):
    totp = totp_for(user)
    stale = totp.at(time.time() - 120)
    assert_error(sign_in(api, stale), 401, "otp_invalid")
    assert_error(sign_in(api, "abcdef"), 401, "otp_invalid")


def test_a_code_from_the_step_before_still_passes(clock, api, user, enabled):
    clock.shift(30)
    clock.shift(30)
    assert sign_in(api, totp_for(user).at(time.time() - 30)).status_code == 200


def test_a_code_cannot_be_replayed_within_its_window(clock, api, user, enabled):
    clock.shift(30)
    code = totp_for(user).now()
    assert sign_in(api, code).status_code == 200
    assert_error(sign_in(api, code), 401, "otp_invalid")
    # nor an older step's code after a newer one was taken
    assert_error(sign_in(api, totp_for(user).at(time.time() - 30)), 401, "otp_invalid")
    clock.shift(30)
    assert sign_in(api, totp_for(user).now()).status_code == 200


def test_the_code_used_to_enable_cannot_sign_in(api, authed, user):
    secret = authed.post("/auth/2fa/setup").json()["secret"]
    code = pyotp.TOTP(secret).now()
    authed.post("/auth/2fa/enable", {"code": code})
    assert_error(sign_in(api, code), 401, "otp_invalid")


def test_backup_codes_sign_in_once_each(api, user, enabled):
    first, second = enabled[0], enabled[1]
    assert sign_in(api, first).status_code == 200
    assert_error(sign_in(api, first), 401, "otp_invalid")
    assert sign_in(api, second.upper().replace("-", " ")).status_code == 200
    status = api.as_user(user).get("/auth/2fa").json()
    assert status == {"enabled": True, "backup_codes_left": 8}


def test_disable_needs_password_and_code(clock, authed, user, enabled):
    clock.shift(30)
    code = totp_for(user).now()
    body = {"password": "wrong", "code": code}
    assert_error(authed.delete("/auth/2fa", body), 422, field="password")
    body = {"password": PASSWORD, "code": "000000" if code != "000000" else "111111"}
    assert_error(authed.delete("/auth/2fa", body), 422, "otp_invalid", field="code")
    assert authed.delete("/auth/2fa", {"password": PASSWORD, "code": code}).status_code == 204
    assert not TwoFactor.objects.exists()
    assert not BackupCode.objects.exists()
    assert sign_in(authed.with_token(None)).status_code == 200


def test_disable_with_a_backup_code(authed, user, enabled):
    body = {"password": PASSWORD, "code": enabled[3]}
    assert authed.delete("/auth/2fa", body).status_code == 204
    assert authed.get("/auth/2fa").json()["enabled"] is False


def test_disable_when_off_is_409(authed, user):
    body = {"password": PASSWORD, "code": "123456"}
    assert_error(authed.delete("/auth/2fa", body), 409, "two_factor_not_enabled")


def test_api_keys_are_unaffected(authed, user, enabled, api):
    key = authed.post("/auth/api-keys", {"name": "script"}).json()["key"]
    assert api.with_token(key).get("/auth/me").status_code == 200


def test_setup_again_replaces_a_secret_not_yet_enabled(authed, user):
    first = authed.post("/auth/2fa/setup").json()["secret"]
    second = authed.post("/auth/2fa/setup").json()["secret"]
    assert first != second
    stale = pyotp.TOTP(first).now()
    if stale != pyotp.TOTP(second).now():
        assert_error(authed.post("/auth/2fa/enable", {"code": stale}), 422, "otp_invalid")


@pytest.mark.parametrize("path", ["/auth/2fa", "/auth/2fa/setup", "/auth/2fa/enable"])
def test_two_factor_endpoints_need_authentication(api, path):
    method = api.get if path == "/auth/2fa" else api.post
    assert_error(method(path), 401)


@override_settings(AUTH_THROTTLE_IP_RATE="100/min", AUTH_THROTTLE_EMAIL_RATE="3/min")
def test_guessing_codes_at_sign_in_is_throttled(api, user, enabled):
    for n in range(3):
        assert_error(sign_in(api, "000000", REMOTE_ADDR=f"10.0.0.{n}"), 401)
    assert_error(sign_in(api, totp_for(user).now(), REMOTE_ADDR="10.0.0.9"), 429, "throttled")


@override_settings(AUTH_THROTTLE_IP_RATE="100/min", AUTH_THROTTLE_EMAIL_RATE="2/min")
def test_guessing_codes_to_enable_is_throttled(authed, user):
    authed.post("/auth/2fa/setup")
    for _ in range(2):
        authed.post("/auth/2fa/enable", {"code": "000000"})
    assert_error(authed.post("/auth/2fa/enable", {"code": "000000"}), 429, "throttled")


def test_codes_work_a_day_later(clock, api, user, enabled):
    clock.shift(timedelta(days=1))
    assert sign_in(api, totp_for(user).now()).status_code == 200
