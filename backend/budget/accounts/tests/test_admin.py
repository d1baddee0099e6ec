"""The Django admin: its sign-in form is throttled, and ADMIN_ENABLED=false removes it."""

import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import config.urls
from budget.accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


def _reload_urls() -> None:
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def admin_disabled():
    with override_settings(ADMIN_ENABLED=False):
        _reload_urls()
        yield
    _reload_urls()


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(email="root@example.com", password="root-pass-2026-x")


def test_admin_sign_in_works(client, superuser):
    response = client.post(LOGIN, {"username": "root@example.com", "password": "root-pass-2026-x"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@override_settings(AUTH_THROTTLE_IP_RATE="2/min", AUTH_THROTTLE_EMAIL_RATE="100/min")
def test_admin_sign_in_throttled_per_ip(client, superuser):
    for n in range(2):
        response = client.post(LOGIN, {"username": f"u{n}@example.com", "password": "x"})
        assert response.status_code == 200  # the form again, with its error
    throttled = client.post(LOGIN, {"username": "root@example.com", "password": "root-pass-2026-x"})
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert not client.session.get("_auth_user_id")
    assert client.get(LOGIN).status_code == 200  # showing the form costs nothing


@override_settings(AUTH_THROTTLE_IP_RATE="100/min", AUTH_THROTTLE_EMAIL_RATE="2/min")
def test_admin_sign_in_throttled_per_username_across_ips(client, superuser):
    for n in range(2):
        response = client.post(
            LOGIN, {"username": "root@example.com", "password": "x"}, REMOTE_ADDR=f"10.0.2.{n}"
        )
        assert response.status_code == 200
    throttled = client.post(
        LOGIN,
        {"username": "ROOT@example.com", "password": "root-pass-2026-x"},
        REMOTE_ADDR="10.0.2.9",
    )
    assert throttled.status_code == 429


def test_admin_disabled_is_not_served(client, superuser, admin_disabled):
    assert client.get("/admin/").status_code == 404
    response = client.post(LOGIN, {"username": "root@example.com", "password": "root-pass-2026-x"})
    assert response.status_code == 404
    assert client.get("/api/v1/health").status_code == 200
