import pytest
from django.test import override_settings
from tests.helpers import PASSWORD, assert_error

pytestmark = pytest.mark.django_db


@override_settings(AUTH_THROTTLE_IP_RATE="100/min", AUTH_THROTTLE_EMAIL_RATE="3/min")
def test_token_throttled_per_email_across_ips(api, user):
    for n in range(3):
        response = api.post(
            "/auth/token",
            {"email": "alice@example.com", "password": "wrong"},
            REMOTE_ADDR=f"10.0.0.{n}",
        )
        assert response.status_code == 401
    throttled = api.post(
        "/auth/token", {"email": "ALICE@example.com", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert_error(throttled, 429, "throttled")
    assert int(throttled["Retry-After"]) > 0
    other = api.post(
        "/auth/token", {"email": "bob@example.com", "password": "x"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 401


@override_settings(AUTH_THROTTLE_IP_RATE="3/min", AUTH_THROTTLE_EMAIL_RATE="100/min")
def test_token_throttled_per_ip_across_emails(api, user):
    for n in range(3):
        response = api.post("/auth/token", {"email": f"u{n}@example.com", "password": "x"})
        assert response.status_code == 401
    assert_error(api.post("/auth/token", {"email": "alice@example.com", "password": PASSWORD}), 429)
    elsewhere = api.post(
        "/auth/token", {"email": "alice@example.com", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert elsewhere.status_code == 200


@override_settings(AUTH_THROTTLE_IP_RATE="2/min", AUTH_THROTTLE_EMAIL_RATE="100/min")
def test_register_throttled_per_ip(api):
    for n in range(2):
        api.post("/auth/register", {"email": f"r{n}@example.com", "password": PASSWORD})
    response = api.post("/auth/register", {"email": "r9@example.com", "password": PASSWORD})
    body = assert_error(response, 429, "throttled")
    assert "Too many" in body["detail"]
    assert response["Retry-After"]


@override_settings(AUTH_THROTTLE_IP_RATE="2/min", AUTH_THROTTLE_EMAIL_RATE="2/min")
def test_authenticated_endpoints_are_not_auth_throttled(api, user):
    authed = api.as_user(user)
    for _ in range(5):
        assert authed.get("/auth/me").status_code == 200
