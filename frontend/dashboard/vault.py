"""Keeping a person signed in across reloads and tabs, without the browser ever holding a token.

The dashboard's server keeps each remembered session's token pair here, under a random session
id. The browser holds only that id, in an HttpOnly cookie (``SameSite=Strict``, ``Secure``
behind HTTPS) that page scripts cannot read. Streamlit's script cannot set a cookie itself, so
the cookie is handed over through a route of the ASGI app (``server.py``): after sign-in the
page posts a one-time claim code (valid for a minute) and the answer sets the cookie. A new tab
or a reload sends the cookie with its first request; ``st.context.cookies`` reads it there.

Trade-offs (see the README): the store lives in the dashboard's memory, so restarting the
dashboard signs everybody out (the refresh tokens stay valid at the API until they expire or are
blacklisted), and one dashboard process serves a remembered session (no sticky sessions needed
with one replica).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dashboard.api import Tokens

COOKIE_NAME = "budget_session"
ROUTE_PATH = "/dashboard-session"
CLAIM_SECONDS = 60
# As long as the API's refresh tokens live (REFRESH_TOKEN_DAYS at the API, 7 by default).
SESSION_DAYS = int(os.environ.get("SESSION_DAYS", "7"))


@dataclass
class _Entry:
    tokens: Tokens
    expires_at: float


class SessionVault:
    """Session id → token pair, and one-time claim codes → session id. Thread-safe."""

    def __init__(self, lifetime_seconds: float = SESSION_DAYS * 86400) -> None:
        self.lifetime_seconds = lifetime_seconds
        self._lock = threading.Lock()
        self._sessions: dict[str, _Entry] = {}
        self._claims: dict[str, tuple[str, float]] = {}

    def open(self, tokens: Tokens) -> tuple[str, str]:
        """Remember ``tokens``; returns (session id, claim code for the cookie)."""
        session_id = secrets.token_urlsafe(32)
        code = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._sessions[session_id] = _Entry(tokens, now + self.lifetime_seconds)
            self._claims[code] = (session_id, now + CLAIM_SECONDS)
            self._forget_expired(now)
        return session_id, code

    def claim(self, code: str) -> str | None:
        """The session id for a claim code, once; None when unknown, used or too old."""
        with self._lock:
            session_id, expires_at = self._claims.pop(code, (None, 0.0))
            if session_id is None or expires_at < time.monotonic():
                return None
            return session_id if session_id in self._sessions else None

    def tokens(self, session_id: str | None) -> Tokens | None:
        if not session_id:
            return None
        with self._lock:
            entry = self._sessions.get(session_id)
            if entry is None or entry.expires_at < time.monotonic():
                self._sessions.pop(session_id, None)
                return None
            return entry.tokens

    def update(self, session_id: str, tokens: Tokens) -> None:
        """A rotated pair replaces the old one for every tab of the session."""
        with self._lock:
            entry = self._sessions.get(session_id)
            if entry is not None:
                entry.tokens = tokens

    def close(self, session_id: str | None) -> None:
        with self._lock:
            self._sessions.pop(session_id or "", None)

    def _forget_expired(self, now: float) -> None:
        for code, (_, expires_at) in list(self._claims.items()):
            if expires_at < now:
                del self._claims[code]
        for session_id, entry in list(self._sessions.items()):
            if entry.expires_at < now:
                del self._sessions[session_id]


VAULT = SessionVault()


def cookie_session_id(cookies: Any) -> str | None:
    """The session id the browser sent (``st.context.cookies``), if any."""
    value = cookies.get(COOKIE_NAME) if cookies is not None else None
    return value if isinstance(value, str) and value else None


def claim_script(code: str, base_path: str = "") -> str:
    """The snippet that trades the claim code for the cookie (the page's own origin)."""
    url = f"{base_path.rstrip('/')}{ROUTE_PATH}"
    return (
        "<script>fetch("
        f"{url!r}, {{method: 'POST', credentials: 'same-origin', body: {code!r}}}"
        ");</script>"
    )


def clear_script(base_path: str = "") -> str:
    url = f"{base_path.rstrip('/')}{ROUTE_PATH}"
    return f"<script>fetch({url!r}, {{method: 'DELETE', credentials: 'same-origin'}});</script>"


# --- the ASGI route (server.py) -------------------------------------------------------------


async def session_route(request: Any) -> Any:
    """POST a claim code → the cookie is set (204); DELETE → the cookie is cleared (204)."""
    from starlette.responses import Response

    response = Response(status_code=204)
    secure = _is_https(request)
    if request.method == "DELETE":
        VAULT.close(request.cookies.get(COOKIE_NAME))
        response.delete_cookie(
            COOKIE_NAME, path="/", secure=secure, httponly=True, samesite="strict"
        )
        return response
    code = (await request.body())[:200].decode("ascii", errors="ignore").strip()
    session_id = VAULT.claim(code)
    if session_id is None:
        return Response(status_code=404)
    response.set_cookie(
        COOKIE_NAME,
        session_id,
        max_age=int(VAULT.lifetime_seconds),
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    return response


def routes() -> list[Any]:
    from starlette.routing import Route

    return [Route(ROUTE_PATH, session_route, methods=["POST", "DELETE"])]


def _is_https(request: Any) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"
