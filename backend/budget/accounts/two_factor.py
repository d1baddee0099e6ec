"""Two-factor sign-in with TOTP (RFC 6238, pyotp) and single-use backup codes.

Setting up stores a new secret, not yet in force; enabling takes a code from the app (it
proves the app has the secret) and hands out 10 backup codes, shown once and stored as
SHA-256. With 2FA on, `POST /auth/token` needs an `otp`: a current code or an unused backup
code. A code is taken once: the time step of the last code taken is stored and only a later
step passes, in one conditional UPDATE, so even two requests at once cannot both use it.
API keys are not affected (they are for scripts and are made by a signed-in user).
"""

import hashlib
import hmac
import secrets
import time

import pyotp
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from budget.accounts.models import BackupCode, TwoFactor, User
from budget.common.errors import Conflict, Invalid, NotAuthenticated

ISSUER = "Budget"
# The 401 codes of POST /auth/token with 2FA on (the dashboard asks for the code on the first).
OTP_REQUIRED = "otp_required"
OTP_INVALID = "otp_invalid"
BACKUP_CODE_COUNT = 10
# Codes of one step before and after the current one pass too: phone clocks drift.
VALID_WINDOW = 1
_BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _enabled(user: User) -> TwoFactor | None:
    return TwoFactor.objects.filter(user=user, enabled_at__isnull=False).first()


def two_factor_status(*, user: User) -> dict[str, object]:
    two_factor = _enabled(user)
    left = 0
    if two_factor is not None:
        left = BackupCode.objects.filter(user=user, used_at__isnull=True).count()
    return {"enabled": two_factor is not None, "backup_codes_left": left}


def two_factor_setup(*, user: User) -> dict[str, str]:
    """A new secret for the user's authenticator app; 2FA is on only after `enable`."""
    if _enabled(user) is not None:
        raise Conflict(
            "Two-factor sign-in is already on. Turn it off first to set up a new app.",
            code="two_factor_enabled",
        )
    secret = pyotp.random_base32()
    TwoFactor.objects.update_or_create(
        user=user, defaults={"secret": secret, "enabled_at": None, "last_counter": None}
    )
    url = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return {"secret": secret, "otpauth_url": url}


def two_factor_enable(*, user: User, code: str) -> list[str]:
    """Turns 2FA on when `code` comes from the secret set up; returns the backup codes."""
    two_factor = TwoFactor.objects.filter(user=user).first()
    if two_factor is None:
        raise Conflict("Set up two-factor sign-in first.", code="two_factor_not_set_up")
    if two_factor.enabled_at is not None:
        raise Conflict("Two-factor sign-in is already on.", code="two_factor_enabled")
    with transaction.atomic():
        if not _totp_take(two_factor, code):
            raise Invalid(
                "The code is not right. Enter the 6 digits your app shows now.",
                field="code",
                code=OTP_INVALID,
            )
        TwoFactor.objects.filter(pk=two_factor.pk).update(enabled_at=timezone.now())
        return _backup_codes_replace(user)


def two_factor_disable(*, user: User, password: str, code: str) -> None:
    two_factor = _enabled(user)
    if two_factor is None:
        raise Conflict("Two-factor sign-in is not on.", code="two_factor_not_enabled")
    if not user.check_password(password):
        raise Invalid("The password is wrong.", field="password")
    with transaction.atomic():
        if not _code_take(two_factor, code):
            raise Invalid(
                "The code is not right or was already used.", field="code", code=OTP_INVALID
            )
        BackupCode.objects.filter(user=user).delete()
        two_factor.delete()


def two_factor_check(*, user: User, otp: str | None) -> None:
    """At sign-in, after the password: nothing when 2FA is off; 401 `otp_required` without
    a code, `otp_invalid` with a wrong or used one."""
    two_factor = _enabled(user)
    if two_factor is None:
        return
    if not otp or not otp.strip():
        raise NotAuthenticated(
            "Enter the code from your authenticator app, or a backup code.",
            code=OTP_REQUIRED,
        )
    if not _code_take(two_factor, otp):
        raise NotAuthenticated(
            "The code is not right or was already used. Wait for the next one and try again.",
            code=OTP_INVALID,
        )


def _code_take(two_factor: TwoFactor, code: str) -> bool:
    return _totp_take(two_factor, code) or _backup_code_take(two_factor.user_id, code)


def _totp_take(two_factor: TwoFactor, code: str) -> bool:
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(two_factor.secret)
    now = int(time.time()) // totp.interval
    for counter in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            taken = (
                TwoFactor.objects.filter(pk=two_factor.pk)
                .filter(Q(last_counter__isnull=True) | Q(last_counter__lt=counter))
                .update(last_counter=counter)
            )
            return bool(taken)
    return False


def _backup_hash(code: str) -> str:
    normal = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def _backup_code_take(user_id, code: str) -> bool:
    found = (
        BackupCode.objects.filter(user_id=user_id, code_hash=_backup_hash(code), used_at=None)
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        return False
    return bool(BackupCode.objects.filter(pk=found, used_at=None).update(used_at=timezone.now()))


def _backup_codes_replace(user: User) -> list[str]:
    """Ten new codes (50 random bits each, `xxxxx-xxxxx`); the old ones stop working."""
    codes = []
    for _ in range(BACKUP_CODE_COUNT):
        raw = "".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    BackupCode.objects.filter(user=user).delete()
    BackupCode.objects.bulk_create(
        [BackupCode(user=user, code_hash=_backup_hash(code)) for code in codes]
    )
    return codes
