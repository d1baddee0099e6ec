"""Throttles for the unauthenticated auth endpoints: one budget per client IP and one per
email address, so neither many addresses from one IP nor one address from many IPs gets
unlimited password guesses."""

import hashlib

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

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


class AuthIpThrottle(_SettingsRateThrottle):
    rate_setting = "AUTH_THROTTLE_IP_RATE"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": f"{self.scope}_ip", "ident": self.get_ident(request)}


class AuthEmailThrottle(_SettingsRateThrottle):
    rate_setting = "AUTH_THROTTLE_EMAIL_RATE"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        try:
            email = json_loads(request.body or b"{}").get("email")
        except (ValueError, AttributeError, RequestDataTooBig):
            # A body too large, too deep or not JSON at all is refused (413, 422, 400) when
            # the endpoint reads it; the throttle per IP still counted it.
            return None
        if not isinstance(email, str) or not email.strip():
            return None
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": f"{self.scope}_email", "ident": ident}


def auth_throttles(scope: str) -> list[SimpleRateThrottle]:
    return [AuthIpThrottle(scope), AuthEmailThrottle(scope)]
