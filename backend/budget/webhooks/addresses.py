"""Where a webhook may point (SPEC §16): http(s) URLs whose host resolves only to public
addresses. Checked when a webhook is saved and again before every delivery, on the
addresses the delivery then connects to, so a name that later resolves to an inside
address (DNS rebinding) reaches nothing inside. WEBHOOK_ALLOW_PRIVATE=true lifts the
address rule (a receiver on the same machine or network)."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

SCHEMES = {"http": 80, "https": 443}


class UnsafeUrl(Exception):
    """The URL is not one a webhook may call; the message says why, for a person."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (the TLS name and the Host header)
    port: int
    path: str  # with the query
    addresses: tuple[str, ...]  # every address the host resolved to, all allowed


def url_parts(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL; UnsafeUrl otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeUrl("This is not a valid URL.") from error
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise UnsafeUrl("Use an http:// or https:// URL.")
    if not parts.hostname:
        raise UnsafeUrl("The URL has no host.")
    if parts.username or parts.password:
        raise UnsafeUrl("Put no user name or password in the URL; check the signature instead.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port or SCHEMES[scheme], path


def refused(address: str) -> str | None:
    """Why a webhook may not reach `address`, or None when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "an address that is not public"
    return None


def target_resolve(url: str) -> Target:
    """The URL's parts and its host's addresses, each checked; UnsafeUrl when the URL is
    not http(s), its host does not resolve, or any address is refused."""
    scheme, host, port, path = url_parts(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeUrl(f"The host {host} cannot be resolved.") from error
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeUrl(f"The host {host} cannot be resolved.")
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        for address in addresses:
            reason = refused(address)
            if reason:
                raise UnsafeUrl(
                    f"The host {host} resolves to {address}, {reason}: webhooks may only "
                    "call public addresses."
                )
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=addresses)
