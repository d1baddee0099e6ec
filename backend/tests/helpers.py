"""Helpers for backend tests: import them from here, never from a conftest."""

import json
from typing import Any

from django.test import Client

from budget.accounts import services as account_services
from budget.accounts.models import User

PASSWORD = "correct-horse-battery-staple"


class ApiClient:
    """Calls /api/v1 with JSON bodies, optionally authenticated as a user."""

    prefix = "/api/v1"

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def as_user(self, user: User) -> "ApiClient":
        return ApiClient(self.client, account_services.tokens_issue(user=user)["access"])

    def with_token(self, token: str | None) -> "ApiClient":
        return ApiClient(self.client, token)

    def request(self, method: str, path: str, body: Any = None, **extra: Any):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra)
        data = (
            body if isinstance(body, str | bytes) else json.dumps(body) if body is not None else ""
        )
        return self.client.generic(
            method, self.prefix + path, data=data, content_type="application/json", **headers
        )

    def get(self, path: str, params: dict | None = None, **extra: Any):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra)
        return self.client.get(self.prefix + path, params or {}, **headers)

    def post(self, path: str, body: Any = None, **extra: Any):
        return self.request("POST", path, body, **extra)

    def put(self, path: str, body: Any = None, **extra: Any):
        return self.request("PUT", path, body, **extra)

    def patch(self, path: str, body: Any = None, **extra: Any):
        return self.request("PATCH", path, body, **extra)

    def delete(self, path: str, body: Any = None, **extra: Any):
        return self.request("DELETE", path, body, **extra)


def assert_error(response, status: int, code: str | None = None, field: str | None = None) -> dict:
    """Asserts the API's one error shape and returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response.content
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["code"], str)
    if code:
        assert body["code"] == code, body
    if field:
        assert field in {e["field"] for e in body["errors"]}, body
    return body


def ledger_ids_of(model, parent: str) -> list[tuple]:
    """Each row of `model` as (its ledger_id, its `parent`'s ledger_id): the rows a write
    path made carry their parent's ledger (README "Distributing by ledger")."""
    return list(model.objects.order_by("pk").values_list("ledger_id", f"{parent}__ledger_id"))


def assert_ledger_of_parent(model, parent: str, *, at_least: int = 1) -> list[tuple]:
    """Every row of `model` (at least `at_least` of them) is in its `parent`'s ledger."""
    pairs = ledger_ids_of(model, parent)
    assert len(pairs) >= at_least, f"expected {model.__name__} rows, found {len(pairs)}"
    assert [own for own, _ in pairs] == [theirs for _, theirs in pairs]
    return pairs
