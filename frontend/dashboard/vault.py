"""Keeping a person signed in across reloads and tabs, without the browser ever holding a token.

The dashboard's server keeps each remembered session's token pair here, under a random session
id. The browser holds only that id, in an HttpOnly cookie (``SameSite=Strict``, ``Secure``
behind HTTPS) that page scripts cannot read. Streamlit's script cannot set a cookie itself, so
the cookie is handed over through a route of the ASGI app (``server.py``): after sign-in the
page posts a one-time claim code (valid for a minute) and the answer sets the cookie. A new tab
or a reload sends the cookie with its first request; ``st.context.cookies`` reads it there.

Two stores behind one interface (see the README, "Staying signed in"):

- ``RedisSessionVault`` when the dashboard has ``DASHBOARD_REDIS_URL`` (or else ``REDIS_URL``):
  every dashboard replica sees every remembered session, and a restart signs nobody out. Keys
  name sha256 hashes of the session id and of the claim code, so reading Redis never shows a
  cookie's value, and the token pair is encrypted (Fernet) with a key derived from the session
  id, so reading Redis gives no usable token either: only the browser's cookie opens its pair.
  Redis down: no remembered session (the sign-in form), one warning in the log.
- ``SessionVault`` otherwise: the dashboard process's memory, so restarting the dashboard signs
  everybody out (the refresh tokens stay valid at the API until they expire or are
  blacklisted), and more than one replica needs sticky sessions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from cryptography.fernet import Fernet, InvalidToken

if TYPE_CHECKING:
    from redis import Redis

    from dashboard.api import Tokens

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

COOKIE_NAME = "budget_session"
ROUTE_PATH = "/dashboard-session"
CLAIM_SECONDS = 60
# As long as the API's refresh tokens live (REFRESH_TOKEN_DAYS at the API, 7 by default).
SESSION_DAYS = int(os.environ.get("SESSION_DAYS", "7"))
# Redis that does not answer costs at most this long per call, and is then left alone a while.
REDIS_TIMEOUT_SECONDS = 1.0
REDIS_RETRY_SECONDS = 5.0


class Vault(Protocol):
    lifetime_seconds: float

    def open(self, tokens: Tokens) -> tuple[str, str] | None: ...

    def claim(self, code: str) -> str | None: ...

    def tokens(self, session_id: str | None) -> Tokens | None: ...

    def update(self, session_id: str, tokens: Tokens) -> bool: ...

    def close(self, session_id: str | None) -> None: ...


@dataclass
class _Entry:
    tokens: Tokens
    expires_at: float


class SessionVault:
    """Session id → token pair, and one-time claim codes → session id, in this process's
    memory. Thread-safe."""

    def __init__(
        self,
        lifetime_seconds: float = SESSION_DAYS * 86400,
        *,
        claim_seconds: float = CLAIM_SECONDS,
    ) -> None:
        self.lifetime_seconds = lifetime_seconds
        self.claim_seconds = claim_seconds
        self._lock = threading.Lock()
        self._sessions: dict[str, _Entry] = {}
        self._claims: dict[str, tuple[str, float]] = {}

    def open(self, tokens: Tokens) -> tuple[str, str] | None:
        """Remember ``tokens``; returns (session id, claim code for the cookie), or None when
        the store cannot keep them (Redis down: the sign-in then lasts as long as the tab)."""
        session_id = secrets.token_urlsafe(32)
        code = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            self._sessions[session_id] = _Entry(tokens, now + self.lifetime_seconds)
            self._claims[code] = (session_id, now + self.claim_seconds)
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

    def update(self, session_id: str, tokens: Tokens) -> bool:
        """A rotated pair replaces the old one for every tab of the session (a closed session
        stays closed). False only when the store could not be written to (Redis down)."""
        with self._lock:
            entry = self._sessions.get(session_id)
            if entry is not None:
                entry.tokens = tokens
        return True

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


class RedisSessionVault:
    """The same vault in Redis, shared by every dashboard replica and kept across restarts.

    A session is one key, ``<prefix>session:<sha256 of the id>`` holding the pair as JSON
    sealed with a key only the session id gives (`_dump`), that
    Redis expires after the session's lifetime (set once, at open: an update keeps the TTL, as
    the memory store keeps ``expires_at``). A claim code is ``<prefix>claim:<sha256 of the
    code>``, expiring after ``claim_seconds``; it holds the session id sealed with the code, and
    GETDEL hands it out once, whichever replica asks first. Rotation is one ``SET … XX
    KEEPTTL``: the last writer wins and a closed session stays closed.

    Any Redis error counts as "nothing remembered": the caller gets None and carries on, one
    warning is logged per outage, and for ``REDIS_RETRY_SECONDS`` after a failure the store does
    not ask Redis at all (a Redis that never answers would cost a timeout on every API call)."""

    def __init__(
        self,
        url: str,
        lifetime_seconds: float = SESSION_DAYS * 86400,
        *,
        claim_seconds: float = CLAIM_SECONDS,
        prefix: str = "dashboard:",
        timeout_seconds: float = REDIS_TIMEOUT_SECONDS,
    ) -> None:
        import redis

        self.lifetime_seconds = lifetime_seconds
        self.claim_seconds = claim_seconds
        self.prefix = prefix
        self.client: Redis = redis.Redis.from_url(
            url,
            socket_connect_timeout=timeout_seconds,
            socket_timeout=timeout_seconds,
            decode_responses=True,
        )
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._lock = threading.Lock()
        self._unavailable = False
        self._retry_at = 0.0

    def open(self, tokens: Tokens) -> tuple[str, str] | None:
        session_id = secrets.token_urlsafe(32)
        code = secrets.token_urlsafe(32)

        def write(client: Redis) -> tuple[str, str]:
            with client.pipeline(transaction=True) as pipe:
                pipe.set(
                    self._session_key(session_id),
                    _dump(tokens, session_id),
                    px=_ms(self.lifetime_seconds),
                )
                pipe.set(self._claim_key(code), _seal(session_id, code), px=_ms(self.claim_seconds))
                pipe.execute()
            return session_id, code

        return self._run(write, None)

    def claim(self, code: str) -> str | None:
        def take(client: Redis) -> str | None:
            sealed = client.getdel(self._claim_key(code))
            session_id = _unseal(sealed, code) if isinstance(sealed, str) else None
            if session_id is None or not client.exists(self._session_key(session_id)):
                return None
            return session_id

        return self._run(take, None)

    def tokens(self, session_id: str | None) -> Tokens | None:
        if not session_id:
            return None
        stored = self._run(lambda client: client.get(self._session_key(session_id)), None)
        return _load(stored, session_id) if isinstance(stored, str) else None

    def update(self, session_id: str, tokens: Tokens) -> bool:
        key = self._session_key(session_id)

        def write(client: Redis) -> bool:
            client.set(key, _dump(tokens, session_id), xx=True, keepttl=True)
            return True

        return self._run(write, False)

    def close(self, session_id: str | None) -> None:
        if session_id:
            key = self._session_key(session_id)
            self._run(lambda client: client.delete(key), None)

    def _session_key(self, session_id: str) -> str:
        return f"{self.prefix}session:{_sha256(session_id)}"

    def _claim_key(self, code: str) -> str:
        return f"{self.prefix}claim:{_sha256(code)}"

    def _run(self, call: Callable[[Redis], _T], fallback: _T) -> _T:
        if time.monotonic() < self._retry_at:
            return fallback
        try:
            result = call(self.client)
        except self._errors as error:
            with self._lock:
                self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS
                first = not self._unavailable
                self._unavailable = True
            if first:
                logger.warning(
                    "Redis for remembered dashboard sessions is unavailable (%s): "
                    "sign-ins are not remembered until it is back",
                    error,
                )
            return fallback
        if self._unavailable:
            with self._lock:
                self._unavailable = False
            logger.info("Redis for remembered dashboard sessions is back")
        return result


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _ms(seconds: float) -> int:
    # PX takes a positive whole number; a lifetime of zero or less expires at once.
    return max(1, int(seconds * 1000))


def _fernet(session_id: str) -> Fernet:
    """The key of a session's stored pair: derived from its id (which only the browser's
    cookie holds; Redis names the key by another hash of it), with its own label."""
    digest = hashlib.sha256(b"budget-dashboard-tokens\0" + session_id.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _dump(tokens: Tokens, session_id: str) -> str:
    """The pair as stored: JSON, encrypted and authenticated (Fernet: AES-CBC and HMAC-SHA256,
    a fresh IV each write) under the session's key."""
    plain = json.dumps({"access": tokens.access, "refresh": tokens.refresh}).encode()
    return _fernet(session_id).encrypt(plain).decode("ascii")


def _load(stored: str, session_id: str) -> Tokens | None:
    """The pair `_dump` stored, or None when it does not open with this session's key (an
    entry written before pairs were encrypted, or altered: that session signs in again)."""
    from dashboard.api import Tokens  # dashboard.api imports this module (through session)

    try:
        pair = json.loads(_fernet(session_id).decrypt(stored.encode("ascii")))
        return Tokens(str(pair["access"]), str(pair["refresh"]))
    except (InvalidToken, ValueError, KeyError, TypeError):
        return None


def _pad(code: str) -> bytes:
    return hashlib.sha512(b"budget-dashboard-claim\0" + code.encode()).digest()


def _seal(session_id: str, code: str) -> str:
    """The session id XOR a pad derived from the claim code: only the code's holder reads it."""
    raw = session_id.encode("ascii")
    return bytes(a ^ b for a, b in zip(raw, _pad(code), strict=False)).hex()


def _unseal(sealed: str, code: str) -> str | None:
    try:
        raw = bytes.fromhex(sealed)
        return bytes(a ^ b for a, b in zip(raw, _pad(code), strict=False)).decode("ascii")
    except ValueError:
        return None


def redis_url() -> str:
    """The Redis that holds remembered sessions: DASHBOARD_REDIS_URL, else REDIS_URL (the one a
    compose file or a PaaS plugin already gives the api), else none."""
    return os.environ.get("DASHBOARD_REDIS_URL") or os.environ.get("REDIS_URL") or ""


def vault_from_env() -> Vault:
    url = redis_url()
    return RedisSessionVault(url) if url else SessionVault()


VAULT: Vault = vault_from_env()


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
