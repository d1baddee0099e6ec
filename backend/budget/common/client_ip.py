"""The address of the client that sent a request: what every throttle counts by."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The socket address, unless `TRUSTED_PROXIES` (N) proxies stand in front of the app.

    Each proxy appends the address it saw to X-Forwarded-For, so the N-th entry from the
    right is the one the outermost trusted proxy saw; anything left of it was written by the
    client and is never believed. With fewer entries than N every entry came from a trusted
    proxy, and the leftmost is the farthest address one of them saw. No header (a request
    that did not pass through the proxies) or an entry that is not an IP address falls back
    to the socket address: a wrong guess then shares a budget instead of escaping it.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if trusted <= 0 or not entries:
        return remote_addr
    candidate = entries[-min(trusted, len(entries))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr
