"""Every write about users, sessions and API keys."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja_jwt.exceptions import TokenError
from ninja_jwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from ninja_jwt.tokens import RefreshToken

from budget.accounts import mailed_tokens, sessions, two_factor
from budget.accounts.models import LOCALES, AccountToken, ApiKey, User
from budget.accounts.signals import user_deleting, user_registered
from budget.common.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound

API_KEY_PREFIX = "bk_"
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def password_validate(*, password: str, user: User, field: str) -> None:
    """Every password set for a user passes here first (AUTH_PASSWORD_VALIDATORS, which
    compare it with the user's email and name); 422 naming `field` otherwise."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        messages = list(error.messages)
        raise Invalid(
            " ".join(messages), errors=[{"field": field, "message": m} for m in messages]
        ) from error


def user_register(
    *, email: str, password: str, full_name: str = "", email_verified: bool = False
) -> User:
    """Creates the user (and, through `user_registered`, their first ledger) and mails a
    link to verify the email once the transaction commits. `email_verified`: the local
    demo's made-up addresses, which no mail could reach, count as verified."""
    email = User.objects.normalize_email(email)
    full_name = full_name.strip()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with this email already exists.", code="email_taken")
    password_validate(
        password=password, user=User(email=email, full_name=full_name), field="password"
    )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email,
                password=password,
                full_name=full_name,
                email_verified_at=timezone.now() if email_verified else None,
            )
            # Their first ledger, made their default (budget.ledgers).
            user_registered.send(sender=User, user=user)
            if not email_verified:
                mailed_tokens.email_verification_request(user=user)
    except IntegrityError as error:  # a concurrent registration with the same email won
        raise Conflict("An account with this email already exists.", code="email_taken") from error
    return user


def registration_check() -> None:
    """Self-registration can be closed (REGISTRATION_OPEN=false): 403."""
    if not settings.REGISTRATION_OPEN:
        raise Forbidden(
            "Registration is closed on this server. Ask its administrator for an account.",
            code="registration_closed",
        )


def user_authenticate(
    *, request: HttpRequest, email: str, password: str, otp: str | None = None
) -> User:
    """The user whose password this is; with 2FA on, `otp` must be a current code or an
    unused backup code (401 `otp_required` / `otp_invalid`), asked only after the password
    is right."""
    user = authenticate(request, username=User.objects.normalize_email(email), password=password)
    if user is None:
        raise NotAuthenticated("Email or password is incorrect.", code="invalid_credentials")
    two_factor.two_factor_check(user=user, otp=otp)
    return user


def tokens_issue(*, user: User, user_agent: str = "") -> dict[str, str]:
    """A new session and its token pair (a sign-in)."""
    return sessions.session_start(user=user, user_agent=user_agent)


def _refresh_token_load(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)  # checks signature, expiry, type and the blacklist
    except TokenError as error:
        raise NotAuthenticated(
            "The refresh token is invalid, expired or already used. Sign in again.",
            code="token_not_valid",
        ) from error


def tokens_refresh(*, refresh: str, user_agent: str = "") -> dict[str, str]:
    """Rotates: the given refresh token is blacklisted and a new pair of the same session
    is issued (its last use and user agent recorded)."""
    with transaction.atomic():
        token = _refresh_token_load(refresh)
        user = User.objects.filter(pk=token.get("user_id"), is_active=True).first()
        if user is None:
            raise NotAuthenticated("This account no longer exists.", code="token_not_valid")
        old = OutstandingToken.objects.get(jti=token["jti"])
        _, created = BlacklistedToken.objects.get_or_create(token=old)
        if not created:  # a concurrent refresh with the same token got there first
            raise NotAuthenticated("The refresh token was already used.", code="token_not_valid")
        return sessions.session_rotate(user=user, old=old, user_agent=user_agent)


def tokens_revoke(*, user: User, refresh: str) -> None:
    try:
        token = RefreshToken(refresh)
    except TokenError as error:
        raise Invalid(
            "The refresh token is invalid or already revoked.", field="refresh"
        ) from error
    if str(token.get("user_id")) != str(user.pk):
        raise Invalid("The refresh token belongs to another session.", field="refresh")
    token.blacklist()
    # The session's access token stops too, not only its refresh token.
    session_id = token.get(sessions.SESSION_CLAIM)
    sessions.sessions_mark_revoked([session_id] if session_id else [])


def user_sessions_end(*, user: User, keep: str | None = None) -> None:
    """Ends every session of the user but `keep` (a session id): their refresh tokens are
    blacklisted and their access tokens refused (budget.accounts.sessions)."""
    sessions.sessions_revoke_all(user=user, keep=keep)


def user_update(
    *,
    user: User,
    full_name: str | None = None,
    default_ledger_id=None,
    email_notifications: bool | None = None,
    locale: str | None = None,
) -> User:
    fields = []
    if locale is not None:
        if locale and locale not in LOCALES:
            raise Invalid("Choose one of the languages the list offers.", field="locale")
        user.locale = locale
        fields.append("locale")
    if full_name is not None:
        user.full_name = full_name.strip()
        fields.append("full_name")
    if default_ledger_id is not None:
        if not user.memberships.filter(ledger_id=default_ledger_id).exists():
            raise Invalid("You are not a member of that ledger.", field="default_ledger_id")
        user.default_ledger_id = default_ledger_id
        fields.append("default_ledger")
    if email_notifications is not None:
        user.email_notifications = email_notifications
        fields.append("email_notifications")
    if fields:
        user.save(update_fields=fields)
    return user


def password_change(
    *, user: User, current_password: str, new_password: str, session_id: str | None = None
) -> None:
    """Every other session ends; the one that changed it (`session_id`) goes on."""
    if not user.check_password(current_password):
        raise Invalid("The current password is wrong.", field="current_password")
    password_validate(password=new_password, user=user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        user_sessions_end(user=user, keep=session_id)


def password_reset_confirm(*, token: str, new_password: str) -> None:
    """Sets the password of the user a reset link was mailed to, and ends every session.
    The link is spent only when the new password is taken (a weak one can be retried).
    Opening the link proves the address is theirs: it counts as verified."""
    with transaction.atomic():
        spent = mailed_tokens.account_token_use(
            raw=token, purpose=AccountToken.Purpose.PASSWORD_RESET
        )
        user = spent.user
        password_validate(password=new_password, user=user, field="new_password")
        user.set_password(new_password)
        fields = ["password"]
        if user.email_verified_at is None and spent.email == user.email:
            user.email_verified_at = timezone.now()
            fields.append("email_verified_at")
        user.save(update_fields=fields)
        user_sessions_end(user=user)


def email_verify(*, token: str) -> User:
    with transaction.atomic():
        spent = mailed_tokens.account_token_use(
            raw=token, purpose=AccountToken.Purpose.EMAIL_VERIFICATION
        )
        user = spent.user
        if spent.email != user.email:
            raise Invalid(
                "This link was for another address. Ask for a new one.",
                field="token",
                code=mailed_tokens.TOKEN_INVALID,
            )
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
    return user


def email_verification_resend(*, user: User) -> None:
    if user.email_verified_at is not None:
        raise Conflict("Your email is already verified.", code="email_already_verified")
    mailed_tokens.email_verification_request(user=user)


def user_delete(*, user: User, password: str) -> None:
    """Removes the user and every ledger they were the only member of. Refuses while they
    are the last owner of a ledger that others still use."""
    if not user.check_password(password):
        raise Invalid("The password is wrong.", field="password")
    user_erase(user=user)


def user_erase(*, user: User) -> None:
    """Deletes the user without asking for their password (the `clear` command): what only
    they used goes too, and it is refused while they are the last owner of a ledger that
    others still use (budget.ledgers)."""
    with transaction.atomic():
        user_deleting.send(sender=User, user=user)
        user.delete()


def _api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(
    *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid("The expiry must be in the future.", field="expires_at")
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        user=user,
        name=name.strip(),
        prefix=raw_key[: len(API_KEY_PREFIX) + 8],
        key_hash=_api_key_hash(raw_key),
        expires_at=expires_at,
    )
    return api_key, raw_key


def api_key_delete(*, user: User, key_id) -> None:
    deleted, _ = ApiKey.objects.filter(user=user, pk=key_id).delete()
    if not deleted:
        raise NotFound("No such API key.")


def api_key_user(*, raw_key: str) -> User | None:
    """The active user an unexpired API key belongs to, or None."""
    now = timezone.now()
    api_key = (
        ApiKey.objects.select_related("user")
        .filter(key_hash=_api_key_hash(raw_key), user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .first()
    )
    if api_key is None:
        return None
    if api_key.last_used_at is None or now - api_key.last_used_at > _LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.user.api_key_name = api_key.name
    return api_key.user
