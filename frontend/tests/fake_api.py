"""A small real HTTP server that imitates the budget API's auth and ledger endpoints."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/api/v1"
PASSWORD = "correct horse battery staple"


@dataclass
class Call:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeApiState:
    """What the fake API knows; tests change it to stage situations."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    valid_access: set[str] = field(default_factory=set)
    valid_refresh: set[str] = field(default_factory=set)
    blacklisted: set[str] = field(default_factory=set)
    ledgers: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    issued: int = 0
    refresh_disabled: bool = False
    reject_every_access_token: bool = False
    today: str | None = None  # the Budget-Today header of every answer, when set
    unread_notifications: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_pair(self) -> dict[str, str]:
        self.issued += 1
        pair = {"access": f"access-{self.issued}", "refresh": f"refresh-{self.issued}"}
        self.valid_access.add(pair["access"])
        self.valid_refresh.add(pair["refresh"])
        return pair

    def expire_access_tokens(self) -> None:
        self.valid_access.clear()

    def calls_to(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == PREFIX + path]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = _body(self.headers.get("Content-Type", ""), raw)
        state = self.server.state
        with state.lock:
            state.calls.append(Call(method, path, query, dict(self.headers), body))
        route = _ROUTES.get((method, path.removeprefix(PREFIX)))
        if route is None:
            self._answer(404, {"detail": "Not found.", "code": "not_found"})
            return
        # The client may have given up already (timeout tests).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self, state, body, query)

    def _answer(
        self, status: int, body: Any = None, content_type: str = "application/json"
    ) -> None:
        data = (
            b""
            if body is None
            else (body if isinstance(body, bytes) else json.dumps(body).encode())
        )
        self.send_response(status)
        if self.server.state.today:
            self.send_header("Budget-Today", self.server.state.today)
        if data:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self, state: FakeApiState) -> bool:
        header = self.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        if token in state.valid_access and not state.reject_every_access_token:
            return True
        self._answer(
            401,
            {
                "detail": "Authentication credentials were not provided.",
                "code": "not_authenticated",
            },
        )
        return False


def _body(content_type: str, raw: bytes) -> Any:
    """JSON as parsed; a multipart form as {field: text, or (file name, bytes) for a file}."""
    if not raw:
        return None
    if not content_type.startswith("multipart/form-data"):
        return json.loads(raw)
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.message_from_bytes(head + raw, policy=email.policy.HTTP)
    form: dict[str, Any] = {}
    for part in message.iter_parts():
        content = part.get_payload(decode=True)
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        form[name] = (filename, content) if filename else content.decode()
    return form


def _register(handler: _Handler, state: FakeApiState, body: dict, _query: str) -> None:
    if len(body["password"]) < 8:
        handler._answer(
            422,
            {
                "detail": "The password is too weak.",
                "code": "validation_error",
                "errors": [{"field": "password", "message": "This password is too short."}],
            },
        )
        return
    if body["email"].lower() in state.users:
        handler._answer(
            409, {"detail": "An account with this email already exists.", "code": "email_taken"}
        )
        return
    user = {
        "id": f"user-{len(state.users) + 1}",
        "email": body["email"],
        "full_name": body.get("full_name", ""),
        "default_ledger_id": "ledger-1",
        "date_joined": "2025-01-01T00:00:00Z",
    }
    state.users[body["email"].lower()] = {**user, "password": body["password"]}
    handler._answer(201, user)


def _token(handler: _Handler, state: FakeApiState, body: dict, _query: str) -> None:
    user = state.users.get(body["email"].lower())
    if user is None or user["password"] != body["password"]:
        handler._answer(
            401, {"detail": "Email or password is incorrect.", "code": "invalid_credentials"}
        )
        return
    if user.get("otp") and body.get("otp") != user["otp"]:
        code = "otp_invalid" if body.get("otp") else "otp_required"
        handler._answer(
            401, {"detail": "Enter the code from your authenticator app.", "code": code}
        )
        return
    handler._answer(200, state.issue_pair())


def _refresh(handler: _Handler, state: FakeApiState, body: dict, _query: str) -> None:
    token = body["refresh"]
    if state.refresh_disabled or token not in state.valid_refresh:
        handler._answer(401, {"detail": "Token is invalid or expired.", "code": "token_not_valid"})
        return
    state.valid_refresh.discard(token)
    state.blacklisted.add(token)
    handler._answer(200, state.issue_pair())


def _logout(handler: _Handler, state: FakeApiState, body: dict, _query: str) -> None:
    if handler._authorised(state):
        state.valid_refresh.discard(body["refresh"])
        state.blacklisted.add(body["refresh"])
        handler._answer(204)


def _me(handler: _Handler, state: FakeApiState, _body: Any, _query: str) -> None:
    if handler._authorised(state):
        user = next(iter(state.users.values()))
        handler._answer(200, {k: v for k, v in user.items() if k != "password"})


def _notifications(handler: _Handler, state: FakeApiState, _body: Any, query: str) -> None:
    """Only the unread count (the sidebar's ``?unread=true&page_size=1``)."""
    if handler._authorised(state):
        handler._answer(200, {"items": [], "count": state.unread_notifications})


def _ledgers(handler: _Handler, state: FakeApiState, _body: Any, query: str) -> None:
    if not handler._authorised(state):
        return
    params = dict(part.split("=") for part in query.split("&") if part)
    page, size = int(params.get("page", 1)), int(params.get("page_size", 50))
    items = state.ledgers[(page - 1) * size : page * size]
    handler._answer(200, {"items": items, "count": len(state.ledgers)})


def _empty(handler: _Handler, state: FakeApiState, _body: Any, _query: str) -> None:
    if handler._authorised(state):
        handler._answer(204)


def _echo(handler: _Handler, state: FakeApiState, body: Any, _query: str) -> None:
    if handler._authorised(state):
        handler._answer(200, {"received": body, "amount": 12.30})


def _slow(handler: _Handler, _state: FakeApiState, _body: Any, _query: str) -> None:
    time.sleep(1.0)
    handler._answer(200, {"status": "late"})


def _bulk_error(handler: _Handler, state: FakeApiState, _body: Any, _query: str) -> None:
    if handler._authorised(state):
        handler._answer(
            422,
            {
                "detail": "Some rows are not valid; nothing was created.",
                "code": "validation_error",
                "errors": [{"row": 3, "field": "amount", "message": "Enter at most 2 decimals."}],
            },
        )


def _upload(handler: _Handler, state: FakeApiState, body: Any, _query: str) -> None:
    if handler._authorised(state):
        files = {
            k: {"name": v[0], "text": v[1].decode()} for k, v in body.items() if type(v) is tuple
        }
        fields = {k: v for k, v in body.items() if type(v) is str}
        handler._answer(201, {"files": files, "fields": fields})


def _download(handler: _Handler, state: FakeApiState, _body: Any, query: str) -> None:
    if handler._authorised(state):
        handler._answer(200, f"date,amount\r\n{query}\r\n".encode(), content_type="text/csv")


def _proxy_error(handler: _Handler, _state: FakeApiState, _body: Any, _query: str) -> None:
    handler._answer(502, b"<html>Bad gateway</html>", content_type="text/html")


_ROUTES = {
    ("POST", "/auth/register"): _register,
    ("POST", "/auth/token"): _token,
    ("POST", "/auth/token/refresh"): _refresh,
    ("POST", "/auth/logout"): _logout,
    ("GET", "/auth/me"): _me,
    ("GET", "/ledgers"): _ledgers,
    ("GET", "/notifications"): _notifications,
    ("DELETE", "/test/empty"): _empty,
    ("POST", "/test/echo"): _echo,
    ("GET", "/test/slow"): _slow,
    ("POST", "/test/bulk-error"): _bulk_error,
    ("GET", "/test/proxy-error"): _proxy_error,
    ("POST", "/test/upload"): _upload,
    ("GET", "/test/download"): _download,
    # Under a ledger, where POSTs carry an Idempotency-Key.
    ("POST", "/ledgers/ledger-1/test/echo"): _echo,
    ("POST", "/ledgers/ledger-1/test/upload"): _upload,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: FakeApiState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


@contextmanager
def running_fake_api(state: FakeApiState) -> Iterator[str]:
    """Serve the fake API on a free port; yields its base URL."""
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
