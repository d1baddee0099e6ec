"""Sign-in with two-factor codes, the mailed links (?reset=, ?verify=), Forgot password, and
Account → Security (email verification, two-factor sign-in, signed-in devices)."""

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import security, session
from dashboard.api import ApiError, FieldError
from dashboard.views import security as security_view
from dashboard.views import sign_in
from tests.fake_ledger import FakeLedgerClient, _page_script, app_on, served, texts


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def signed_out(**query: str) -> AppTest:
    at = AppTest.from_function(_page_script, args=("account",), default_timeout=15)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def security_tab() -> AppTest:
    return app_on("account").run()


def _sign_in(at: AppTest, otp: str | None = None) -> AppTest:
    at.text_input(key="sign_in_email").input("ada@example.com")
    at.text_input(key="sign_in_password").input("secret password")
    if otp is not None:
        at.text_input(key="sign_in_otp").input(otp)
    return at.button(key="sign_in_submit").click().run()


# --- sign-in with a second factor --------------------------------------------------------------


def test_sign_in_without_2fa_shows_no_code_field(fake: FakeLedgerClient) -> None:
    at = signed_out()
    assert not at.exception
    assert "sign_in_otp" not in [w.key for w in at.text_input]
    _sign_in(at)
    assert fake.signed_in == [("ada@example.com", "secret password")]
    assert at.session_state[session.USER_KEY]["email"] == "ada@example.com"


def test_sign_in_asks_for_the_code_when_the_api_wants_one(fake: FakeLedgerClient) -> None:
    fake.otp_required = True
    at = _sign_in(signed_out())

    assert not at.exception
    assert session.USER_KEY not in at.session_state
    assert "Two-factor sign-in is on" in texts(at)
    # email and password stay typed in; the code goes with them
    assert at.text_input(key="sign_in_email").value == "ada@example.com"
    at.text_input(key="sign_in_otp").input(" 123456 ")
    at.button(key="sign_in_submit").click().run()

    assert fake.otps == [None, "123456"]
    assert fake.signed_in == [("ada@example.com", "secret password")]
    assert session.USER_KEY in at.session_state


def test_a_wrong_code_shows_the_api_detail_and_keeps_the_code_field(
    fake: FakeLedgerClient,
) -> None:
    fake.otp_required = True
    at = _sign_in(signed_out())
    fake.fail(
        "POST", "/auth/token", ApiError(401, "otp_invalid", "The code is not right or was used.")
    )
    at.text_input(key="sign_in_otp").input("000000")
    at.button(key="sign_in_submit").click().run()

    assert not at.exception
    assert "The code is not right or was used." in at.error[0].value
    assert at.text_input(key="sign_in_otp") is not None
    assert session.USER_KEY not in at.session_state


# --- forgot password and the mailed links -------------------------------------------------------


def test_forgot_password_asks_for_a_link(fake: FakeLedgerClient) -> None:
    at = signed_out()
    assert [t.label for t in at.tabs] == ["Sign in", "Register", "Forgot password"]
    at.text_input(key="forgot_email").input("ada@example.com")
    at.button(key="forgot_submit").click().run()

    [call] = fake.writes()
    assert (call.path, call.json) == ("/auth/password-reset", {"email": "ada@example.com"})
    assert "a link is on its way" in at.success[0].value


def test_forgot_password_needs_an_email(fake: FakeLedgerClient) -> None:
    at = signed_out()
    at.button(key="forgot_submit").click().run()
    assert fake.writes() == []
    assert "Enter the email" in at.error[0].value


def test_a_reset_link_opens_the_new_password_form(fake: FakeLedgerClient) -> None:
    at = signed_out(reset="tok-123")
    assert not at.exception
    assert not at.tabs  # only the new password form
    at.text_input(key="reset_new").input("a brand new pass 7")
    at.text_input(key="reset_repeat").input("a brand new pass 7")
    at.button(key="reset_submit").click().run()

    [call] = fake.writes()
    assert (call.path, call.json) == (
        "/auth/password-reset/confirm",
        {"token": "tok-123", "new_password": "a brand new pass 7"},
    )
    assert "reset" not in at.query_params
    assert "Your new password is set" in at.success[0].value
    assert at.tabs[0].label == "Sign in"


def test_a_mistyped_new_password_is_caught_before_sending(fake: FakeLedgerClient) -> None:
    at = signed_out(reset="tok-123")
    at.text_input(key="reset_new").input("a brand new pass 7")
    at.text_input(key="reset_repeat").input("a brand new pass 8")
    at.button(key="reset_submit").click().run()
    assert fake.writes() == []
    assert "not the same" in at.error[0].value


def test_an_expired_reset_link_says_to_ask_again(fake: FakeLedgerClient) -> None:
    fake.fail(
        "POST",
        "/auth/password-reset/confirm",
        ApiError(422, "token_expired", "This link has expired. Ask for a new one."),
    )
    at = signed_out(reset="tok-old")
    at.text_input(key="reset_new").input("a brand new pass 7")
    at.text_input(key="reset_repeat").input("a brand new pass 7")
    at.button(key="reset_submit").click().run()

    assert not at.exception
    assert "This link has expired." in at.error[0].value
    assert "Forgot password" in at.error[0].value
    assert at.query_params["reset"] == "tok-old"


def test_a_weak_new_password_shows_the_api_field_error(fake: FakeLedgerClient) -> None:
    fake.fail(
        "POST",
        "/auth/password-reset/confirm",
        ApiError(
            422,
            "validation_error",
            "This password is too short.",
            [FieldError(field="new_password", message="This password is too short.")],
        ),
    )
    at = signed_out(reset="tok-123")
    at.text_input(key="reset_new").input("short")
    at.text_input(key="reset_repeat").input("short")
    at.button(key="reset_submit").click().run()
    assert "too short" in at.error[0].value


def test_a_verify_link_verifies_once_and_leaves_the_address_bar(fake: FakeLedgerClient) -> None:
    at = signed_out(verify="tok-v")

    assert not at.exception
    calls = [c for c in fake.writes() if c.path == "/auth/verify-email"]
    assert [c.json for c in calls] == [{"token": "tok-v"}]
    assert "verify" not in at.query_params
    assert "Your email is verified" in at.success[0].value
    at.run()
    assert len([c for c in fake.writes() if c.path == "/auth/verify-email"]) == 1


def test_a_used_verify_link_says_what_to_do(fake: FakeLedgerClient) -> None:
    fake.fail("POST", "/auth/verify-email", ApiError(422, "token_used", "This link was used."))
    at = signed_out(verify="tok-v")
    assert "This link was used." in at.error[0].value
    assert "Account → Security" in at.error[0].value


# --- Account → Security --------------------------------------------------------------------------


def test_security_tab_shows_verified_email_2fa_off_and_the_devices(fake: FakeLedgerClient) -> None:
    at = security_tab()

    assert not at.exception
    said = texts(at)
    assert "is verified" in said
    assert "Off. With it on" in said
    devices = next(t.value for t in at.dataframe if t.value.columns[0] == "Device")
    assert list(devices["Device"]) == ["Firefox on Linux", "Safari on iPhone"]
    assert list(devices["This device"]) == ["yes", ""]


def test_an_unverified_email_can_ask_for_a_new_link(fake: FakeLedgerClient) -> None:
    fake.user["email_verified"] = False
    at = security_tab()
    assert "is not verified yet" in at.warning[0].value
    at.button(key="account_verify_resend").click().run()

    assert [c.path for c in fake.writes()] == ["/auth/verify-email/resend"]
    assert "Sent a new link to ada@example.com." in texts(at)


def test_turning_2fa_on_shows_a_local_qr_code_then_the_backup_codes_once(
    fake: FakeLedgerClient,
) -> None:
    at = security_tab()
    at.button(key="account_2fa_setup").click().run()

    assert not at.exception
    assert len(at.get("image")) == 1
    assert "JBSWY3DPEHPK3PXP" in texts(at)
    at.text_input(key="account_2fa_code").input("123456")
    at.button(key="account_2fa_enable").click().run()

    enable = next(c for c in fake.writes() if c.path == "/auth/2fa/enable")
    assert enable.json == {"code": "123456"}
    said = texts(at)
    assert "Two-factor sign-in is on." in said
    assert "code0-abcde" in said
    assert "code9-abcde" in said
    assert "10 of your backup codes are left" in said
    at.button(key="account_2fa_codes_done").click().run()
    assert "code0-abcde" not in texts(at)


def test_a_wrong_code_keeps_2fa_off_and_says_why(fake: FakeLedgerClient) -> None:
    fake.fail(
        "POST",
        "/auth/2fa/enable",
        ApiError(
            422,
            "otp_invalid",
            "The code is not right.",
            [FieldError(field="code", message="The code is not right.")],
        ),
    )
    at = security_tab()
    at.button(key="account_2fa_setup").click().run()
    at.text_input(key="account_2fa_code").input("000000")
    at.button(key="account_2fa_enable").click().run()

    assert not at.exception
    assert "The code is not right." in at.error[0].value
    assert security_view.BACKUP_CODES_KEY not in at.session_state


def test_turning_2fa_off_needs_password_and_code(fake: FakeLedgerClient) -> None:
    fake.two_factor = {"enabled": True, "backup_codes_left": 7}
    at = security_tab()
    assert "7 of your backup codes are left" in texts(at)
    at.button(key="account_2fa_off_submit").click().run()
    assert fake.writes() == []
    at.text_input(key="account_2fa_off_password").input("secret password")
    at.text_input(key="account_2fa_off_code").input("abcde-fghjk")
    at.button(key="account_2fa_off_submit").click().run()

    [call] = fake.writes()
    assert (call.method, call.path, call.json) == (
        "DELETE",
        "/auth/2fa",
        {"password": "secret password", "code": "abcde-fghjk"},
    )
    assert "Two-factor sign-in is off." in texts(at)


def test_signing_out_another_device_asks_first(fake: FakeLedgerClient) -> None:
    at = security_tab()
    assert at.selectbox(key="account_session_pick").value == "s-phone"
    at.button(key="account_session_s-phone_revoke").click().run()
    assert fake.writes() == []
    at.button(key="account_session_s-phone_revoke_confirm").click().run()

    [call] = fake.writes()
    assert (call.method, call.path) == ("DELETE", "/auth/sessions/s-phone")
    assert "Signed out Safari on iPhone." in texts(at)


def test_sign_out_everywhere_ends_this_session_too(fake: FakeLedgerClient) -> None:
    at = security_tab()
    at.button(key="account_sessions_revoke_all").click().run()
    at.button(key="account_sessions_revoke_all_confirm").click().run()

    assert [c.path for c in fake.writes()] == ["/auth/sessions/revoke-all"]
    assert session.USER_KEY not in at.session_state
    assert "You signed out on every device." in at.warning[0].value


def test_the_2fa_code_names_are_the_sign_in_page_s() -> None:
    assert sign_in.OTP_REQUIRED == security.OTP_REQUIRED == "otp_required"


# --- pure helpers -------------------------------------------------------------------------------


def test_the_qr_code_is_a_png_made_locally() -> None:
    png = security.qr_png("otpauth://totp/Budget:ada%40example.com?secret=JBSWY3DPEHPK3PXP")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/140.0 Safari/537.36 Edg/140.0",
            "Edge on Windows",
        ),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1", "Safari on iPhone"),
        ("curl/8.5.0", "curl"),
        ("", "Unknown device"),
        (None, "Unknown device"),
        ("my-script/1.0", "my-script/1.0"),
    ],
)
def test_device_label(agent: str | None, label: str) -> None:
    assert security.device_label(agent) == label
