"""Bearer authentication: a JWT access token, or an API key (`bk_…`) for scripts."""

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja_jwt.exceptions import TokenError
from ninja_jwt.tokens import AccessToken

from budget.accounts import services
from budget.accounts.models import User


def jwt_user_id(token: str) -> str | None:
    """The user id in a valid, unexpired access token, or None."""
    try:
        return AccessToken(token)["user_id"]
    except (TokenError, KeyError):
        return None


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if token.startswith(services.API_KEY_PREFIX):
            user = services.api_key_user(raw_key=token)
            if user is not None:  # the activity log says which key wrote
                request.auth_via = f"api_key:{user.api_key_name}"
            return user
        user_id = jwt_user_id(token)
        if user_id is None:
            return None
        return User.objects.filter(pk=user_id, is_active=True).first()
