"""One JSON error shape for every failure under /api."""

import pytest
from django.db.utils import OperationalError
from tests.helpers import assert_error

from budget.accounts import selectors

pytestmark = pytest.mark.django_db


def test_unknown_api_route_is_json_404(api, user):
    body = assert_error(api.as_user(user).get("/no-such-thing"), 404, "not_found")
    assert "<" not in body["detail"]


def test_malformed_uuid_in_path_is_json_404(api, user):
    assert_error(api.as_user(user).get("/ledgers/not-a-uuid"), 404, "not_found")


def test_wrong_method_is_json_405(api, user):
    response = api.as_user(user).put("/auth/me", {})
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_body_that_is_not_json_is_400(api):
    body = assert_error(api.post("/auth/token", "{not json"), 400, "bad_request")
    assert body["detail"] == "The request body is not valid JSON."


def test_validation_error_lists_fields(api):
    body = assert_error(api.post("/auth/register", {"email": 5}), 422, "validation_error")
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"email", "password"}
    assert all(e["message"] for e in body["errors"])
    assert "email" in body["detail"]


def test_validation_messages_are_plain_sentences_not_pydantic_s(api, user):
    authed = api.as_user(user)
    response = authed.patch("/auth/me", {"full_name": "x" * 151, "email_notifications": "maybe"})

    body = assert_error(response, 422)
    messages = {error["field"]: error["message"] for error in body["errors"]}
    assert messages == {
        "full_name": "Use at most 150 characters.",
        "email_notifications": "Use true or false.",
    }


def test_unauthenticated_is_401_with_challenge(api):
    response = api.get("/ledgers")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_crash_is_json_500_without_internals(api, user, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(selectors, "user_profile", explode)
    response = api.as_user(user).get("/auth/me")
    body = assert_error(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in body["detail"]


def test_busy_database_is_503_with_retry_after(api, user, monkeypatch):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(selectors, "user_profile", locked)
    response = api.as_user(user).get("/auth/me")
    body = assert_error(response, 503, "service_unavailable")
    assert "nothing was changed" in body["detail"]
    assert response["Retry-After"] == "5"


def test_a_broken_query_is_a_500_not_a_busy_database(api, user, monkeypatch):
    def broken(**kwargs):
        raise OperationalError("no such column: accounts_user.nickname")

    monkeypatch.setattr(selectors, "user_profile", broken)
    response = api.as_user(user).get("/auth/me")
    assert_error(response, 500, "server_error")
    assert "nickname" not in response.content.decode()


def test_health_reports_database(api):
    """The embedded default, or PostgreSQL and Redis when the test run uses them: all up."""
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


def test_health_is_503_when_database_is_down(api, monkeypatch):
    from django.db import connection

    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", down)
    response = api.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"]) == ("error", "unavailable")
    assert set(body) == {"status", "database", "cache", "broker"}


def test_openapi_schema_and_docs_are_served(api):
    schema = api.get("/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/ledgers/{lid}" in paths
    docs = api.get("/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    # The UI comes from our own static files: the docs work without internet.
    assert b"cdn.jsdelivr" not in docs.content
    assert b"/static/ninja/swagger-ui-bundle.js" in docs.content
