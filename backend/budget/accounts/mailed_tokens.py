"""Single-use links mailed to a user: resetting a forgotten password, verifying the email.

A token is 256 random bits; only its SHA-256 is stored (`AccountToken`), so a copy of the
database opens no account. Mails go through Django's email backend (settings: EMAIL_*). The
reset mail is sent by a Django-Q2 task queued after the request, so a reset request does the
same work and answers the same way whether or not an account uses the email; the
verification mail is sent after the registration commits.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from budget.accounts.models import AccountToken, User
from budget.common.errors import Invalid
from budget.common.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

Purpose = AccountToken.Purpose

# The dashboard's query parameters the links carry, and the 422 codes of a link not usable.
RESET_PARAM = "reset"
VERIFY_PARAM = "verify"
TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_USED = "token_invalid", "token_expired", "token_used"
LINK_CODES = (TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_USED)

RESET_SUBJECT = "Reset your Budget password"
VERIFY_SUBJECT = "Verify your email for Budget"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _lifetime(purpose: str) -> timedelta:
    if purpose == Purpose.PASSWORD_RESET:
        return timedelta(minutes=settings.PASSWORD_RESET_MINUTES)
    return timedelta(hours=settings.EMAIL_VERIFICATION_HOURS)


def account_token_create(*, user: User, purpose: str) -> str:
    """A new token for `user`; the raw value is returned once (for the mail) and never stored.
    Earlier unused tokens of the same purpose stop working: only the newest link counts."""
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        AccountToken.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
            used_at=now
        )
        AccountToken.objects.create(
            user=user,
            purpose=purpose,
            token_hash=_hash(raw),
            email=user.email,
            expires_at=now + _lifetime(purpose),
        )
    return raw


def account_token_use(*, raw: str, purpose: str) -> AccountToken:
    """Spends the token: 422 `token_invalid` (unknown, or for something else),
    `token_expired` or `token_used`. Spending is one conditional UPDATE, so two requests with
    the same token cannot both pass. Call it inside the transaction that does the work."""
    token = (
        AccountToken.objects.select_related("user")
        .filter(token_hash=_hash(raw), purpose=purpose, user__is_active=True)
        .first()
    )
    if token is None:
        raise Invalid(
            "This link is not valid. Ask for a new one.", field="token", code=TOKEN_INVALID
        )
    now = timezone.now()
    if token.used_at is not None:
        raise Invalid(
            "This link was already used, or a newer one was sent. Ask for a new one.",
            field="token",
            code=TOKEN_USED,
        )
    if token.expires_at <= now:
        raise Invalid(
            "This link has expired. Ask for a new one.", field="token", code=TOKEN_EXPIRED
        )
    spent = AccountToken.objects.filter(pk=token.pk, used_at__isnull=True).update(used_at=now)
    if not spent:
        raise Invalid("This link was already used.", field="token", code=TOKEN_USED)
    return token


def dashboard_link(*, param: str, raw: str) -> str:
    return f"{settings.DASHBOARD_URL}/?{param}={raw}"


def _send(*, to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


# --- password reset ------------------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """Queues the reset mail. Looks nothing up: the worker does, so every request costs the
    same and says nothing about whether the email has an account."""
    enqueue_on_commit(
        "budget.accounts.tasks.password_reset_mail", email, task_name="password reset mail"
    )


def password_reset_mail_send(*, email: str) -> None:
    """The worker's half: mails a reset link when an active account uses `email`, else
    nothing (no mail to an unknown address: it would tell a stranger someone tried)."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return
    raw = account_token_create(user=user, purpose=Purpose.PASSWORD_RESET)
    minutes = settings.PASSWORD_RESET_MINUTES
    _send(
        to=user.email,
        subject=RESET_SUBJECT,
        body=(
            "Someone (hopefully you) asked to reset the password of your Budget account.\n\n"
            f"Set a new password here (the link works once, for {minutes} minutes):\n"
            f"{dashboard_link(param=RESET_PARAM, raw=raw)}\n\n"
            "If you did not ask for this, ignore this mail: your password stays as it is.\n"
        ),
    )


# --- email verification --------------------------------------------------------------------


def email_verification_request(*, user: User) -> None:
    """Mails the verification link once the current transaction commits, from this process
    (registration already tells whether an email is taken, so the time it takes tells
    nothing more). A mail that fails is logged: the user can ask again from the Account page."""
    user_id = str(user.pk)
    transaction.on_commit(lambda: _verification_mail_or_log(user_id))


def _verification_mail_or_log(user_id: str) -> None:
    try:
        email_verification_mail_send(user_id=user_id)
    except Exception:  # each backend raises its own errors (SMTP, files…)
        logger.exception("The verification mail for user %s was not sent.", user_id)


def email_verification_mail_send(*, user_id: str) -> None:
    user = User.objects.filter(pk=user_id, is_active=True, email_verified_at__isnull=True).first()
    if user is None:
        return
    raw = account_token_create(user=user, purpose=Purpose.EMAIL_VERIFICATION)
    hours = settings.EMAIL_VERIFICATION_HOURS
    _send(
        to=user.email,
        subject=VERIFY_SUBJECT,
        body=(
            "Welcome to Budget. Confirm that this address is yours, so budget alerts can be "
            "mailed to it:\n"
            f"{dashboard_link(param=VERIFY_PARAM, raw=raw)}\n\n"
            f"The link works once, for {hours} hours. If you did not register, ignore this mail.\n"
        ),
    )
