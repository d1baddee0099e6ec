"""The one HTTP client of the dashboard: auth, token refresh, errors.

Views never call ``requests`` themselves; they call ``get_client()`` and catch ``ApiError``.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

import requests
import streamlit as st

from dashboard import config, session
from dashboard.formatting import parse_money

__all__ = [
    "ApiClient",
    "ApiError",
    "ApiUnavailable",
    "FieldError",
    "MemoryTokenStore",
    "SessionExpired",
    "TokenStore",
    "Tokens",
    "error_from_response",
    "get_client",
    "parse_money",
]

SESSION_EXPIRED_MESSAGE = "Your session has expired. Please sign in again."
PAGE_SIZE = 50
# Uploads (a CSV to check, a ledger to restore) and downloads (exports) move whole files and
# the server works through every row first: they may take far longer than a JSON answer.
TRANSFER_TIMEOUT_SECONDS = 300.0

# POSTs under a ledger (or a group) take an Idempotency-Key: the server runs one key once.
IDEMPOTENCY_HEADER = "Idempotency-Key"
TODAY_HEADER = "Budget-Today"  # the server's today, on every answer of the API
_IDEMPOTENT_PATH = re.compile(r"/(?:ledgers|groups)/[^/]+/.")

# A file for a multipart upload: (file name, content, content type). Bytes, not a stream, so
# the request can be sent again after a token refresh.
UploadFile = tuple[str, bytes, str]


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str


class TokenStore(Protocol):
    def get(self) -> Tokens | None: ...

    def set(self, tokens: Tokens) -> None: ...

    def clear(self) -> None: ...


class MemoryTokenStore:
    """Keeps tokens in a plain attribute: for scripts and tests."""

    def __init__(self, tokens: Tokens | None = None) -> None:
        self.tokens = tokens

    def get(self) -> Tokens | None:
        return self.tokens

    def set(self, tokens: Tokens) -> None:
        self.tokens = tokens

    def clear(self) -> None:
        self.tokens = None


@dataclass(frozen=True)
class FieldError:
    message: str
    field: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.field:
            where.append(self.field.replace("_", " ") if where else _label(self.field))
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ApiError(Exception):
    """A non-2xx answer of the API (or no answer at all, see the subclasses)."""

    def __init__(
        self,
        status: int | None,
        code: str,
        detail: str,
        errors: list[FieldError] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []
        super().__init__(str(self))

    def __str__(self) -> str:
        sentences = [_sentence(self.detail)]
        for error in self.errors:
            sentence = _sentence(str(error))
            if sentence not in sentences:
                sentences.append(sentence)
        return " ".join(s for s in sentences if s)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(status={self.status!r}, code={self.code!r}, detail={self.detail!r})"


def error_from_response(response: requests.Response) -> ApiError:
    """Build the ApiError for a non-2xx answer from the API's JSON error body."""
    fallback = f"The budget server answered with an error (HTTP {response.status_code})."
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return ApiError(response.status_code, "http_error", fallback)
    detail = body.get("detail")
    raw_errors = body.get("errors")
    # Django Ninja's stock validation error puts the field problems in "detail".
    if isinstance(detail, list) and raw_errors is None:
        raw_errors, detail = detail, None
    errors = [e for e in (_field_error(item) for item in raw_errors or []) if e]
    if not isinstance(detail, str) or not detail:
        detail = "Some of the data you sent is not valid." if errors else fallback
    code = body.get("code")
    code = code if isinstance(code, str) else "http_error"
    return ApiError(response.status_code, code, detail, errors)


class ApiUnavailable(ApiError):
    def __init__(self, base_url: str) -> None:
        super().__init__(
            None,
            "api_unavailable",
            f"The budget server can't be reached at {base_url}. Is it running?",
        )


class SessionExpired(ApiError):
    def __init__(self) -> None:
        super().__init__(401, "session_expired", SESSION_EXPIRED_MESSAGE)


class ApiClient:
    def __init__(
        self,
        base_url: str,
        timeout: float,
        tokens: TokenStore,
        http: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.tokens = tokens
        self.http = http or requests.Session()
        self.server_today: date | None = None  # from the last answer's TODAY_HEADER
        # The browser's User-Agent, sent on: the API's session list names the device the
        # person signed in with, not this server's HTTP library.
        self.user_agent: str | None = None

    # --- auth -------------------------------------------------------------------------------

    def register(self, email: str, password: str, full_name: str = "") -> dict[str, Any]:
        body = {"email": email, "password": password}
        if full_name:
            body["full_name"] = full_name
        return self.request("POST", "/auth/register", json=body, authenticated=False)

    def sign_in(self, email: str, password: str, otp: str | None = None) -> None:
        """With two-factor sign-in on, the API answers 401 ``otp_required`` until ``otp`` (a
        code from the app or a backup code) comes along."""
        body = {"email": email, "password": password}
        if otp:
            body["otp"] = otp
        answer = self.request("POST", "/auth/token", json=body, authenticated=False)
        self.tokens.set(Tokens(access=answer["access"], refresh=answer["refresh"]))

    def password_reset(self, email: str) -> dict[str, Any]:
        """Asks for a reset link by mail; the API answers alike for every email."""
        return self.request(
            "POST", "/auth/password-reset", json={"email": email}, authenticated=False
        )

    def password_reset_confirm(self, token: str, new_password: str) -> None:
        body = {"token": token, "new_password": new_password}
        self.request("POST", "/auth/password-reset/confirm", json=body, authenticated=False)

    def verify_email(self, token: str) -> None:
        self.request("POST", "/auth/verify-email", json={"token": token}, authenticated=False)

    def sign_out(self) -> None:
        """Blacklist the refresh token if the API lets us, and forget the tokens in any case."""
        tokens = self.tokens.get()
        try:
            if tokens is None:
                return
            response = self._send("POST", "/auth/logout", {"refresh": tokens.refresh}, None, True)
            if response.status_code == 401:
                # The access token ran out; refreshing rotates the refresh token, so the new
                # one is what must be blacklisted.
                fresh = self._refresh()
                self._send("POST", "/auth/logout", {"refresh": fresh.refresh}, None, True)
        except ApiError:
            pass
        finally:
            self.tokens.clear()

    def resume(self) -> None:
        """Start from a remembered refresh token: it is used (and so rotated) right away, so a
        stolen old one is worth nothing once the owner came back."""
        self._refresh()

    def me(self) -> dict[str, Any]:
        return self.get("/auth/me")

    def ledgers(self) -> list[dict[str, Any]]:
        return self.get_all("/ledgers")

    # --- generic ----------------------------------------------------------------------------

    def get(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, json=json, params=params)

    def post(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("POST", path, json=json, params=params)

    def patch(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("PATCH", path, json=json, params=params)

    def put(self, path: str, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("PUT", path, json=json, params=params)

    def delete(
        self,
        path: str,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        *,
        slow: bool = False,
    ) -> Any:
        """``slow``: the server works for a while (undoing an import): the long timeout."""
        return self.request("DELETE", path, json=json, params=params, slow=slow)

    def get_all(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a paginated list endpoint (``{"items": [...], "count": N}``)."""
        return list(self._iter_pages(path, params))

    def upload(
        self,
        path: str,
        *,
        files: Mapping[str, UploadFile],
        data: Mapping[str, str] | None = None,
    ) -> Any:
        """POST a multipart form: ``files`` by field name, ``data`` as plain form fields."""
        return self.request("POST", path, files=files, data=data)

    def download(self, path: str, params: Mapping[str, Any] | None = None) -> bytes:
        """GET a file (an export) as the server sent it, byte for byte."""
        return self.request("GET", path, params=params, raw=True)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, UploadFile] | None = None,
        data: Mapping[str, str] | None = None,
        raw: bool = False,
        slow: bool = False,
        authenticated: bool = True,
    ) -> Any:
        """Send one request; JSON answers come back parsed (numbers as Decimal), 204 as None.

        ``json`` may also be a document already encoded (bytes), sent as it is. With ``files``
        (and ``data``) the body is a multipart form. ``raw`` returns the answer's bytes.
        """
        # Files go up, exports come down whole and slow requests work long: the longer timeout.
        transfer = slow or raw or isinstance(json, bytes) or files is not None
        form = _Form(files, data, transfer=transfer)
        # One call is one user action, so one key: the retry after a token refresh sends the
        # same key, and the server writes once even if the first attempt did get through.
        key = idempotency_key(method, path)
        response = self._send(method, path, json, params, authenticated, form, key)
        if response.status_code == 401 and authenticated:
            self._refresh()
            response = self._send(method, path, json, params, authenticated, form, key)
            if response.status_code == 401:
                self.tokens.clear()
                raise SessionExpired()
        if raw:
            if not response.ok:
                raise error_from_response(response)
            return response.content
        return _read(response)

    # --- internals --------------------------------------------------------------------------

    def _iter_pages(self, path: str, params: Mapping[str, Any] | None) -> Iterator[dict[str, Any]]:
        page, seen = 1, 0
        while True:
            answer = self.get(path, params={**(params or {}), "page": page, "page_size": PAGE_SIZE})
            items = answer["items"]
            yield from items
            seen += len(items)
            if not items or seen >= answer["count"]:
                return
            page += 1

    def _send(
        self,
        method: str,
        path: str,
        json: Any,
        params: Mapping[str, Any] | None,
        authenticated: bool,
        form: _Form | None = None,
        key: str | None = None,
    ) -> requests.Response:
        headers = {"Accept": "application/json"}
        if self.user_agent:
            headers["User-Agent"] = self.user_agent
        if key is not None:
            headers[IDEMPOTENCY_HEADER] = key
        data: Any = None
        files = None
        timeout = self.timeout
        if form is not None:
            # With files, requests writes the multipart Content-Type (and boundary) itself.
            data, files = form.data, form.files
            if form.transfer:
                timeout = max(self.timeout, TRANSFER_TIMEOUT_SECONDS)
        if json is not None:
            headers["Content-Type"] = "application/json"
            data = json if isinstance(json, bytes) else jsonlib.dumps(json, default=_encode)
        tokens = self.tokens.get()
        if authenticated and tokens is not None:
            headers["Authorization"] = f"Bearer {tokens.access}"
        try:
            response = self.http.request(
                method,
                self.base_url + path,
                data=data,
                files=files,
                params=params,
                headers=headers,
                timeout=timeout,
            )
        except requests.RequestException as exc:
            raise ApiUnavailable(self.base_url) from exc
        with contextlib.suppress(KeyError, ValueError):
            self.server_today = date.fromisoformat(response.headers[TODAY_HEADER])
        return response

    def _refresh(self) -> Tokens:
        """Renew the token pair once; anything but success ends the session."""
        tokens = self.tokens.get()
        if tokens is None:
            raise SessionExpired()
        response = self._send(
            "POST", "/auth/token/refresh", {"refresh": tokens.refresh}, None, False
        )
        if not response.ok:
            self.tokens.clear()
            raise SessionExpired()
        try:
            answer = response.json()
            fresh = Tokens(access=answer["access"], refresh=answer.get("refresh", tokens.refresh))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.tokens.clear()
            raise SessionExpired() from exc
        self.tokens.set(fresh)
        return fresh


@dataclass(frozen=True)
class _Form:
    files: Mapping[str, UploadFile] | None
    data: Mapping[str, str] | None
    transfer: bool


def idempotency_key(method: str, path: str) -> str | None:
    """A fresh key for a POST under /ledgers/{lid}/ or /groups/{gid}/, else None."""
    if method.upper() != "POST" or not _IDEMPOTENT_PATH.match(path):
        return None
    return str(uuid.uuid4())


def get_client() -> ApiClient:
    """The client of the current browser session (tests patch this to swap the client)."""
    client = st.session_state.get(session.CLIENT_KEY)
    if client is None:
        client = ApiClient(config.API_URL, config.API_TIMEOUT_SECONDS, session.SessionTokenStore())
        client.user_agent = _browser_user_agent()
        st.session_state[session.CLIENT_KEY] = client
    return client


def _browser_user_agent() -> str | None:
    """The User-Agent of the browser this session runs for (None outside a browser)."""
    try:
        agent = st.context.headers.get("User-Agent")
    except Exception:  # no script run context (a plain script, a test)
        return None
    return agent[:255] if isinstance(agent, str) and agent else None


def _read(response: requests.Response) -> Any:
    if not response.ok:
        raise error_from_response(response)
    if response.status_code == 204 or not response.content:
        return None
    if "json" not in response.headers.get("Content-Type", ""):
        return response.text
    return response.json(parse_float=Decimal)


def _encode(value: Any) -> str:
    # Money goes out as a string so no float ever touches it.
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be sent to the API.")


def _field_error(item: Any) -> FieldError | None:
    if not isinstance(item, dict):
        return FieldError(message=str(item)) if item else None
    message = item.get("message") or item.get("msg")
    if not message:
        return None
    field = item.get("field")
    if field is None and isinstance(item.get("loc"), list):
        # Ninja's loc is like ["body", "payload", "amount"]; the last part names the field.
        field = str(item["loc"][-1]) if item["loc"] else None
    row = item.get("row")
    return FieldError(
        message=str(message),
        field=str(field) if field is not None else None,
        row=row if isinstance(row, int) else None,
    )


def _label(field: str) -> str:
    text = field.replace("_", " ")
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."
