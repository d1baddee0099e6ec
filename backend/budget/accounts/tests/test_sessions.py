"""Sessions over the refresh tokens (SPEC §16): list, revoke one, sign out everywhere; a
password change ends every other session."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from tests.helpers import PASSWORD, assert_error

from budget.accounts.models import UserSession

pytestmark = pytest.mark.django_db

LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/604.1"


def sign_in(api, user_agent: str = LAPTOP, email: str = "alice@example.com"):
    body = {"email": email, "password": PASSWORD}
    response = api.post("/auth/token", body, HTTP_USER_AGENT=user_agent)
    assert response.status_code == 200, response.content
    return response.json()


def refresh(api, pair, user_agent: str = LAPTOP):
    return api.post("/auth/token/refresh", {"refresh": pair["refresh"]}, HTTP_USER_AGENT=user_agent)


def sessions_of(api, pair):
    response = api.with_token(pair["access"]).get("/auth/sessions")
    assert response.status_code == 200, response.content
    return response.json()


def test_each_sign_in_is_a_session_with_its_user_agent(api, user):
    laptop = sign_in(api, LAPTOP)
    sign_in(api, PHONE)
    body = sessions_of(api, laptop)
    assert body["count"] == 2
    assert {s["user_agent"] for s in body["items"]} == {LAPTOP, PHONE}
    for item in body["items"]:
        assert set(item) == {"id", "created", "last_used", "user_agent", "current"}
    assert [s["user_agent"] for s in body["items"] if s["current"]] == [LAPTOP]


def test_refresh_keeps_the_session_and_records_its_use(api, user):
    pair = sign_in(api, LAPTOP)
    (before,) = sessions_of(api, pair)["items"]
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        rotated = refresh(api, pair, "Firefox/141.0").json()
        (after,) = sessions_of(api, rotated)["items"]
    assert after["id"] == before["id"]
    assert after["created"] == before["created"]
    assert after["last_used"] > before["last_used"]
    assert after["user_agent"] == "Firefox/141.0"
    assert after["current"] is True


def test_the_current_session_is_the_access_tokens(api, user):
    laptop = sign_in(api, LAPTOP)
    phone = sign_in(api, PHONE)
    current = [s["user_agent"] for s in sessions_of(api, phone)["items"] if s["current"]]
    assert current == [PHONE]
    current = [s["user_agent"] for s in sessions_of(api, laptop)["items"] if s["current"]]
    assert current == [LAPTOP]


def test_an_api_key_has_no_current_session(api, user):
    pair = sign_in(api)
    key = api.with_token(pair["access"]).post("/auth/api-keys", {"name": "s"}).json()["key"]
    items = api.with_token(key).get("/auth/sessions").json()["items"]
    assert [s["current"] for s in items] == [False]


def test_revoking_a_session_signs_that_device_out(api, user):
    laptop = sign_in(api, LAPTOP)
    phone = sign_in(api, PHONE)
    phone_id = next(s["id"] for s in sessions_of(api, laptop)["items"] if s["user_agent"] == PHONE)
    response = api.with_token(laptop["access"]).delete(f"/auth/sessions/{phone_id}")
    assert response.status_code == 204
    assert_error(refresh(api, phone), 401, "token_not_valid")
    assert_error(api.with_token(phone["access"]).get("/auth/me"), 401)
    assert [s["user_agent"] for s in sessions_of(api, laptop)["items"]] == [LAPTOP]
    assert refresh(api, laptop).status_code == 200


def test_a_revoked_sessions_access_token_is_refused_in_a_ledger_too(api, user, ledger):
    laptop = sign_in(api, LAPTOP)
    phone = sign_in(api, PHONE)
    assert api.with_token(phone["access"]).get(f"/ledgers/{ledger.pk}/wallets").status_code == 200
    phone_id = next(s["id"] for s in sessions_of(api, laptop)["items"] if not s["current"])
    api.with_token(laptop["access"]).delete(f"/auth/sessions/{phone_id}")
    assert_error(api.with_token(phone["access"]).get(f"/ledgers/{ledger.pk}/wallets"), 401)
    assert api.with_token(laptop["access"]).get(f"/ledgers/{ledger.pk}/wallets").status_code == 200


def test_revoking_another_users_session_is_404(api, user, stranger):
    mine = sign_in(api)
    theirs = sign_in(api, email="mallory@example.com")
    their_id = sessions_of(api, theirs)["items"][0]["id"]
    response = api.with_token(mine["access"]).delete(f"/auth/sessions/{their_id}")
    assert_error(response, 404)
    assert refresh(api, theirs).status_code == 200


def test_revoking_an_ended_or_unknown_session_is_404(api, user):
    pair = sign_in(api)
    other = sign_in(api, PHONE)
    other_id = next(s["id"] for s in sessions_of(api, pair)["items"] if not s["current"])
    authed = api.with_token(pair["access"])
    assert authed.delete(f"/auth/sessions/{other_id}").status_code == 204
    assert_error(authed.delete(f"/auth/sessions/{other_id}"), 404)
    assert_error(authed.delete("/auth/sessions/8e0b6c3e-7a0e-4d5e-9f43-3f1c2a9d6b10"), 404)
    assert_error(authed.delete("/auth/sessions/not-a-uuid"), 404)
    assert other  # its tokens were revoked above


def test_revoke_all_signs_out_everywhere(api, user):
    laptop = sign_in(api, LAPTOP)
    phone = sign_in(api, PHONE)
    assert api.with_token(laptop["access"]).post("/auth/sessions/revoke-all").status_code == 204
    for pair in (laptop, phone):
        assert_error(refresh(api, pair), 401)
        assert_error(api.with_token(pair["access"]).get("/auth/me"), 401)
    fresh = sign_in(api)
    assert sessions_of(api, fresh)["count"] == 1


def test_password_change_ends_every_other_session_only(api, user):
    laptop = sign_in(api, LAPTOP)
    phone = sign_in(api, PHONE)
    body = {"current_password": PASSWORD, "new_password": "another-long-pass-99"}
    assert api.with_token(laptop["access"]).post("/auth/password", body).status_code == 204
    assert_error(refresh(api, phone), 401)
    assert_error(api.with_token(phone["access"]).get("/auth/me"), 401)
    assert api.with_token(laptop["access"]).get("/auth/me").status_code == 200
    assert refresh(api, laptop).status_code == 200


def test_logout_ends_the_session(api, user):
    pair = sign_in(api)
    other = sign_in(api, PHONE)
    api.with_token(pair["access"]).post("/auth/logout", {"refresh": pair["refresh"]})
    assert [s["user_agent"] for s in sessions_of(api, other)["items"]] == [PHONE]
    assert_error(api.with_token(pair["access"]).get("/auth/me"), 401)


def test_expired_sessions_are_not_listed(api, user):
    old = sign_in(api, LAPTOP)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        fresh = sign_in(api, PHONE)
        assert [s["user_agent"] for s in sessions_of(api, fresh)["items"]] == [PHONE]
    assert old


def test_user_agent_is_cut_to_255_characters(api, user):
    pair = sign_in(api, "x" * 1000)
    assert sessions_of(api, pair)["items"][0]["user_agent"] == "x" * 255


def test_a_refresh_token_from_before_sessions_starts_one(api, user):
    from ninja_jwt.tokens import RefreshToken

    legacy = RefreshToken.for_user(user)  # as minted before sessions existed
    rotated = refresh(api, {"refresh": str(legacy)}).json()
    assert sessions_of(api, rotated)["count"] == 1
    assert UserSession.objects.filter(user=user).count() == 1


def test_sessions_need_authentication(api):
    assert_error(api.get("/auth/sessions"), 401)
    assert_error(api.post("/auth/sessions/revoke-all"), 401)


def test_session_list_has_a_fixed_query_count(api, user, django_assert_max_num_queries):
    pair = sign_in(api)
    for _ in range(5):
        sign_in(api, PHONE)
    with django_assert_max_num_queries(3):
        body = sessions_of(api, pair)
    assert body["count"] == 6
