"""Throttles for every endpoint that checks a password: one budget per client IP and one per
account (the email typed in, or the signed-in user), so neither many accounts from one IP
nor one account from many IPs gets unlimited password guesses."""

import hashlib
import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from budget.common.client_ip import client_ip
from budget.common.parser import json_loads


class _SettingsRateThrottle(SimpleRateThrottle):
    rate_setting = ""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(rate=getattr(settings, self.rate_setting))

    def allow_request(self, request: HttpRequest) -> bool:
        # Read the rate on every request so a settings change (or a test) takes effect.
        self.rate = getattr(settings, self.rate_setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_ident(self, request: HttpRequest) -> str:
        # Never ninja's default, which believes a client-written X-Forwarded-For.
        return client_ip(request)


class AuthIpThrottle(_SettingsRateThrottle):
    rate_setting = "AUTH_THROTTLE_IP_RATE"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": f"{self.scope}_ip", "ident": self.get_ident(request)}


class AuthEmailThrottle(_SettingsRateThrottle):
    """Counts by the email in a JSON body (sign-in, registration)."""

    rate_setting = "AUTH_THROTTLE_EMAIL_RATE"
    key_suffix = "email"

    def email(self, request: HttpRequest) -> object:
        try:
            return json_loads(request.body or b"{}").get("email")
        except (ValueError, AttributeError, RequestDataTooBig):
            # A body too large, too deep or not JSON at all is refused (413, 422, 400) when
            # the endpoint reads it; the throttle per IP still counted it.
            return None

    def get_cache_key(self, request: HttpRequest) -> str | None:
        email = self.email(request)
        if not isinstance(email, str) or not email.strip():
            return None
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": f"{self.scope}_{self.key_suffix}", "ident": ident}


class AccountMailThrottle(AuthEmailThrottle):
    """Counts mails asked for one address (a password reset), with a budget of its own:
    far fewer than sign-in attempts, so nobody floods an inbox through the reset form."""

    rate_setting = "ACCOUNT_MAIL_RATE"

    key_suffix = "mail"


class AdminUsernameThrottle(AuthEmailThrottle):
    """Counts by the username (an email) of the admin's sign-in form."""

    def email(self, request: HttpRequest) -> object:
        return request.POST.get("username")


class AuthUserThrottle(_SettingsRateThrottle):
    """Counts by the signed-in user, with the per-email rate: the same account's budget."""

    rate_setting = "AUTH_THROTTLE_EMAIL_RATE"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "auth", None)
        if user is None:
            return None
        return self.cache_format % {"scope": f"{self.scope}_user", "ident": user.pk}


class AccountUserMailThrottle(AuthUserThrottle):
    rate_setting = "ACCOUNT_MAIL_RATE"


def auth_throttles(scope: str) -> list[SimpleRateThrottle]:
    """For endpoints that take an email and a password (sign-in, registration)."""
    return [AuthIpThrottle(scope), AuthEmailThrottle(scope)]


def account_mail_throttles(scope: str) -> list[SimpleRateThrottle]:
    """For endpoints that mail a link to the email in the body (password reset)."""
    return [AuthIpThrottle(scope), AccountMailThrottle(scope)]


def account_user_mail_throttles(scope: str) -> list[SimpleRateThrottle]:
    """For signed-in endpoints that mail a link to the user's own address (resending the
    verification link)."""
    return [AuthIpThrottle(scope), AccountUserMailThrottle(scope)]


def token_check_throttles(scope: str) -> list[SimpleRateThrottle]:
    """For endpoints that take a mailed token (reset, verification): per client IP."""
    return [AuthIpThrottle(scope)]


def password_check_throttles() -> list[SimpleRateThrottle]:
    """For signed-in endpoints that check the current password (change it, delete the
    account): one shared budget, so a stolen access token cannot guess the password through
    one endpoint after the other."""
    return [AuthIpThrottle("password_check"), AuthUserThrottle("password_check")]


def throttle_wait(request: HttpRequest, throttles: list[SimpleRateThrottle]) -> int | None:
    """Outside ninja (the admin's form): None when every throttle lets the request through,
    else the seconds to wait, as ninja would put in Retry-After."""
    refused = [throttle for throttle in throttles if not throttle.allow_request(request)]
    if not refused:
        return None
    waits = [throttle.wait() or throttle.duration for throttle in refused]
    return max(1, math.ceil(max(waits)))
