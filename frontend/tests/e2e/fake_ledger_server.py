"""The fake ledger of the AppTest tests (tests/fake_ledger.py) served over real HTTP, for e2e
checks of dashboard features whose backend is not in this checkout yet: sign-in answers with a
token pair, everything else goes to ``FakeLedgerClient`` as the dashboard's client would send
it, and its ApiErrors come back as the API's JSON error bodies."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from dashboard.api import ApiError
from tests.fake_ledger import FakeLedgerClient

PREFIX = "/api/v1"
TOKENS = {"access": "fake-access", "refresh": "fake-refresh"}
_AUTH = {"/auth/token": TOKENS, "/auth/token/refresh": TOKENS, "/auth/logout": None}


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

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        target, _, query = self.path.partition("?")
        path = target.removeprefix(PREFIX)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        if path in _AUTH:
            self._answer(200 if _AUTH[path] else 204, _AUTH[path])
            return
        try:
            with self.server.lock:
                answer = self.server.fake._request(method, path, body, dict(parse_qsl(query)))
        except ApiError as error:
            errors = [{"field": e.field, "message": e.message} for e in error.errors]
            self._answer(
                error.status or 500, {"detail": error.detail, "code": error.code, "errors": errors}
            )
            return
        self._answer(204 if answer is None else 201 if method == "POST" else 200, answer)

    def _answer(self, status: int, body: Any) -> None:
        data = b"" if body is None else json.dumps(body, default=str).encode()
        self.send_response(status)
        self.send_header("Budget-Today", self.server.today)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeLedgerClient, today: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self.today = today
        self.lock = threading.Lock()


@contextmanager
def serving(fake: FakeLedgerClient, today: str) -> Iterator[str]:
    """Serve ``fake`` on a free port (every answer says ``today``); yields the API's URL."""
    server = _Server(fake, today)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
