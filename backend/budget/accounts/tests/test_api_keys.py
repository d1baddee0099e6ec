from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from tests.helpers import assert_error

from budget.accounts.models import ApiKey

pytestmark = pytest.mark.django_db


def create_key(api, user, **body):
    response = api.as_user(user).post("/auth/api-keys", {"name": "script", **body})
    assert response.status_code == 201, response.content
    return response.json()


def test_api_key_is_shown_once_and_stored_hashed(api, user):
    created = create_key(api, user)
    assert created["key"].startswith("bk_")
    assert created["prefix"] == created["key"][:11]
    stored = ApiKey.objects.get(pk=created["id"])
    assert created["key"] not in {stored.key_hash, stored.prefix}
    listed = api.as_user(user).get("/auth/api-keys").json()
    assert listed["count"] == 1
    assert "key" not in listed["items"][0]
    assert created["key"] not in str(listed)


def test_api_key_authenticates_as_its_user(api, user):
    key = create_key(api, user)["key"]
    response = api.with_token(key).get("/auth/me")
    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert api.with_token(key).get(f"/ledgers/{user.default_ledger_id}").status_code == 200
    assert ApiKey.objects.get().last_used_at is not None


def test_expired_api_key_is_refused(api, user):
    key = create_key(api, user, expires_at=(timezone.now() + timedelta(days=1)).isoformat())["key"]
    assert api.with_token(key).get("/auth/me").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert_error(api.with_token(key).get("/auth/me"), 401, "not_authenticated")


def test_api_key_expiry_must_be_in_the_future(api, user):
    response = api.as_user(user).post(
        "/auth/api-keys",
        {"name": "old", "expires_at": (timezone.now() - timedelta(minutes=1)).isoformat()},
    )
    assert_error(response, 422, field="expires_at")


def test_api_key_expiry_with_any_offset_is_kept_as_the_same_instant(api, user):
    # PostgreSQL takes offsets up to ±15:59 only; an ISO time may carry up to ±23:59.
    created = create_key(api, user, expires_at="2030-04-14T16:20:31+20:17")
    expected = datetime(2030, 4, 13, 20, 3, 31, tzinfo=UTC)
    assert datetime.fromisoformat(created["expires_at"]) == expected
    assert ApiKey.objects.get().expires_at == expected


def test_revoked_api_key_is_refused(api, user):
    created = create_key(api, user)
    assert api.as_user(user).delete(f"/auth/api-keys/{created['id']}").status_code == 204
    assert_error(api.with_token(created["key"]).get("/auth/me"), 401)


def test_api_key_of_inactive_user_is_refused(api, user):
    key = create_key(api, user)["key"]
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert_error(api.with_token(key).get("/auth/me"), 401)


def test_cannot_revoke_another_users_api_key(api, user, stranger):
    created = create_key(api, user)
    assert_error(api.as_user(stranger).delete(f"/auth/api-keys/{created['id']}"), 404)
    assert api.with_token(created["key"]).get("/auth/me").status_code == 200


def test_api_key_name_is_required(api, user):
    assert_error(api.as_user(user).post("/auth/api-keys", {"name": ""}), 422, field="name")
