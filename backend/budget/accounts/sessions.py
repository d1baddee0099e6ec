"""Sessions over django-ninja-jwt's refresh tokens.

A sign-in starts a `UserSession` that points at its refresh token (an `OutstandingToken`);
each rotation (`POST /auth/token/refresh`) blacklists the old token and points the session
at the new one, recording the time and the user agent. The session's id travels in every
token of the session as the `sid` claim: that is how `GET /auth/sessions` knows which
session is the caller's (`current`).

Revoking a session blacklists its refresh token, so it cannot get new access tokens, and
marks its id revoked in the cache for the access token's lifetime, so its access token stops
working at once wherever the cache is shared (Redis); with the per-process local-memory
cache of the embedded default an access token of another process may work until it expires
(ACCESS_TOKEN_MINUTES).
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja_jwt.settings import api_settings
from ninja_jwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from ninja_jwt.tokens import RefreshToken
from ninja_jwt.utils import datetime_from_epoch

from budget.accounts.models import User, UserSession
from budget.common.errors import NotFound

SESSION_CLAIM = "sid"
USER_AGENT_MAX = 255


def user_agent_of(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.headers.get("User-Agent", "")[:USER_AGENT_MAX]


def _refresh_token_mint(
    *, user: User, session_id: uuid.UUID
) -> tuple[RefreshToken, OutstandingToken]:
    """A refresh token carrying the session's id, recorded as outstanding (what
    `RefreshToken.for_user` does, with the `sid` claim inside the stored token)."""
    refresh = RefreshToken()
    refresh[api_settings.USER_ID_CLAIM] = str(user.pk)
    refresh[SESSION_CLAIM] = str(session_id)
    outstanding = OutstandingToken.objects.create(
        user=user,
        jti=refresh[api_settings.JTI_CLAIM],
        token=str(refresh),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return refresh, outstanding


def _pair(refresh: RefreshToken) -> dict[str, str]:
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def session_start(*, user: User, user_agent: str = "") -> dict[str, str]:
    """A new session (a sign-in) and its first token pair."""
    session_id = uuid.uuid4()
    with transaction.atomic():
        refresh, outstanding = _refresh_token_mint(user=user, session_id=session_id)
        UserSession.objects.create(
            id=session_id, user=user, token=outstanding, user_agent=user_agent[:USER_AGENT_MAX]
        )
    return _pair(refresh)


def session_rotate(*, user: User, old: OutstandingToken, user_agent: str = "") -> dict[str, str]:
    """A new pair for the session whose refresh token `old` was just blacklisted. A token
    without a session (minted before sessions existed) starts one."""
    session = UserSession.objects.filter(token=old, user=user).first()
    if session is None:
        return session_start(user=user, user_agent=user_agent)
    refresh, outstanding = _refresh_token_mint(user=user, session_id=session.id)
    session.token = outstanding
    session.last_used_at = timezone.now()
    fields = ["token", "last_used_at"]
    if user_agent:
        session.user_agent = user_agent[:USER_AGENT_MAX]
        fields.append("user_agent")
    session.save(update_fields=fields)
    return _pair(refresh)


def sessions_open(*, user: User) -> QuerySet[UserSession]:
    """The user's sessions whose refresh token still works, newest use first."""
    return (
        UserSession.objects.filter(
            user=user,
            token__expires_at__gt=timezone.now(),
            token__blacklistedtoken__isnull=True,
        )
        .select_related("token")
        .order_by("-last_used_at", "-created_at", "id")
    )


def _revoked_key(session_id: object) -> str:
    return f"accounts:revoked-session:{session_id}"


def sessions_mark_revoked(session_ids: list[object]) -> None:
    """Access tokens of these sessions are refused from now on (until they would expire)."""
    if not session_ids:
        return
    lifetime = settings.NINJA_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    cache.set_many({_revoked_key(sid): True for sid in session_ids}, timeout=int(lifetime) + 60)


def _revoke(sessions: list[UserSession]) -> None:
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=s.token_id) for s in sessions], ignore_conflicts=True
    )
    sessions_mark_revoked([s.id for s in sessions])


def session_revoke(*, user: User, session_id) -> None:
    """Ends one of the user's open sessions; 404 for another user's or an ended one."""
    session = sessions_open(user=user).filter(pk=session_id).first()
    if session is None:
        raise NotFound("No such session.")
    _revoke([session])


def sessions_revoke_all(*, user: User, keep: str | None = None) -> int:
    """Ends every open session of the user but `keep` (the caller's, after a password
    change). Refresh tokens without a session (minted before sessions existed) go too."""
    sessions = [s for s in sessions_open(user=user) if str(s.id) != str(keep)]
    _revoke(sessions)
    loose = OutstandingToken.objects.filter(
        user=user, blacklistedtoken__isnull=True, session__isnull=True
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=t) for t in loose], ignore_conflicts=True
    )
    return len(sessions)


def session_revoked(session_id: str) -> bool:
    """True when the session was revoked within the access token's lifetime (a cache read,
    no query: this runs on every request)."""
    return bool(cache.get(_revoked_key(session_id)))
