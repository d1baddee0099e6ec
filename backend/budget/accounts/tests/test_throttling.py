import pytest
from django.test import override_settings
from tests.helpers import PASSWORD, assert_error

from budget.accounts.models import User
from budget.common.client_ip import client_ip

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


@override_settings(
    TRUSTED_PROXIES=0, AUTH_THROTTLE_IP_RATE="3/min", AUTH_THROTTLE_EMAIL_RATE="100/min"
)
def test_rotating_forwarded_for_does_not_escape_the_ip_throttle(api, user):
    for n in range(3):
        response = api.post(
            "/auth/token",
            {"email": f"u{n}@example.com", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        assert response.status_code == 401
    response = api.post(
        "/auth/token",
        {"email": "alice@example.com", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    assert_error(response, 429, "throttled")


@override_settings(
    TRUSTED_PROXIES=1, AUTH_THROTTLE_IP_RATE="2/min", AUTH_THROTTLE_EMAIL_RATE="100/min"
)
def test_one_trusted_proxy_throttles_the_address_it_saw(api, user):
    # The proxy (the socket address) appends the client's address; what the client wrote
    # before it is ignored, so rotating that part changes nothing.
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(2):
        response = api.post(
            "/auth/token",
            {"email": f"u{n}@example.com", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5",
            **proxy,
        )
        assert response.status_code == 401
    throttled = api.post(
        "/auth/token",
        {"email": "alice@example.com", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.77, 203.0.113.5",
        **proxy,
    )
    assert_error(throttled, 429, "throttled")
    other_client = api.post(
        "/auth/token",
        {"email": "alice@example.com", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.6",
        **proxy,
    )
    assert other_client.status_code == 200


@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.1"),
        (1, None, "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, "198.51.100.1", "198.51.100.1"),  # fewer entries than proxies: the leftmost
        (1, "6.6.6.6,  2001:db8::1 ", "2001:db8::1"),
        (1, "6.6.6.6, not-an-address", "10.0.0.1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(
    rf, settings, trusted, forwarded_for, expected
):
    settings.TRUSTED_PROXIES = trusted
    headers = {"REMOTE_ADDR": "10.0.0.1"}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert client_ip(rf.post("/", **headers)) == expected


CHANGE = {"current_password": "wrong", "new_password": "another-long-pass-99"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("post", "/auth/password", CHANGE), ("delete", "/auth/me", {"password": "wrong"})],
)
@override_settings(AUTH_THROTTLE_IP_RATE="100/min", AUTH_THROTTLE_EMAIL_RATE="2/min")
def test_password_checks_throttled_per_user_across_ips(api, user, stranger, method, path, body):
    authed = api.as_user(user)
    for n in range(2):
        response = getattr(authed, method)(path, body, REMOTE_ADDR=f"10.0.1.{n}")
        assert response.status_code == 422
    throttled = getattr(authed, method)(path, body, REMOTE_ADDR="10.0.1.9")
    assert_error(throttled, 429, "throttled")
    assert int(throttled["Retry-After"]) > 0
    other = getattr(api.as_user(stranger), method)(path, body, REMOTE_ADDR="10.0.1.9")
    assert other.status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("post", "/auth/password", CHANGE), ("delete", "/auth/me", {"password": "wrong"})],
)
@override_settings(AUTH_THROTTLE_IP_RATE="2/min", AUTH_THROTTLE_EMAIL_RATE="100/min")
def test_password_checks_throttled_per_ip_across_users(api, make_user, method, path, body):
    for _ in range(2):
        response = getattr(api.as_user(make_user()), method)(path, body)
        assert response.status_code == 422
    throttled = getattr(api.as_user(make_user()), method)(path, body)
    assert_error(throttled, 429, "throttled")
    assert throttled["Retry-After"]


@override_settings(AUTH_THROTTLE_IP_RATE="100/min", AUTH_THROTTLE_EMAIL_RATE="2/min")
def test_password_change_and_account_deletion_share_one_budget_per_user(api, user):
    authed = api.as_user(user)
    assert authed.post("/auth/password", CHANGE).status_code == 422
    assert authed.delete("/auth/me", {"password": "wrong"}).status_code == 422
    assert_error(authed.post("/auth/password", CHANGE), 429, "throttled")
    assert User.objects.filter(pk=user.pk).exists()
