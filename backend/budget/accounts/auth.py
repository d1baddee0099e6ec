"""Bearer authentication: a JWT access token, or an API key (`bk_…`) for scripts.

A JWT request also learns its session (`request.session_id`, the token's `sid` claim): the
session list marks it `current`, a password change keeps it. An API key has no session."""

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja_jwt.exceptions import TokenError
from ninja_jwt.tokens import AccessToken

from budget.accounts import services, sessions
from budget.accounts.models import User


def jwt_claims(token: str) -> tuple[str, str | None] | None:
    """(user id, session id) of a valid, unexpired access token of a session not revoked,
    or None."""
    try:
        access = AccessToken(token)
        user_id, session_id = access["user_id"], access.get(sessions.SESSION_CLAIM)
    except (TokenError, KeyError):
        return None
    if session_id and sessions.session_revoked(session_id):
        return None
    return user_id, session_id


def jwt_user_id(token: str) -> str | None:
    """The user id in a valid, unexpired access token, or None."""
    claims = jwt_claims(token)
    return claims[0] if claims else None


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        request.session_id = None
        if token.startswith(services.API_KEY_PREFIX):
            user = services.api_key_user(raw_key=token)
            if user is not None:  # the activity log says which key wrote
                request.auth_via = f"api_key:{user.api_key_name}"
            return user
        claims = jwt_claims(token)
        if claims is None:
            return None
        user_id, session_id = claims
        request.session_id = session_id
        return User.objects.filter(pk=user_id, is_active=True).first()
