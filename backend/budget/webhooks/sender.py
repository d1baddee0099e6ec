"""One signed POST to a webhook's URL: to an address checked just before (budget.webhooks.
addresses), within WEBHOOK_TIMEOUT_SECONDS, redirects not followed."""

import hashlib
import hmac
from dataclasses import dataclass

import urllib3
from django.conf import settings

from budget.webhooks.addresses import Target

SIGNATURE_HEADER = "X-Budget-Signature"
USER_AGENT = "budget-webhooks/1"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (SPEC §16)."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class Answer:
    status: int | None  # the HTTP status, None when there was none
    error: str  # empty when the receiver took it (2xx)


def post(*, target: Target, body: bytes, headers: dict[str, str]) -> Answer:
    """POSTs `body` to the first of the target's addresses (already checked), with the URL's
    host as Host header and TLS name, so the connection goes where the check looked."""
    address = target.addresses[0]
    timeout = urllib3.Timeout(total=settings.WEBHOOK_TIMEOUT_SECONDS)
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, **options)
    default_port = 443 if target.scheme == "https" else 80
    host = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default_port:
        host = f"{host}:{target.port}"
    try:
        with pool:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers={
                    "Host": host,
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    **headers,
                },
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            status = response.status
            response.drain_conn()
            response.release_conn()
    except urllib3.exceptions.HTTPError as error:
        return Answer(None, _reason(error))
    if 200 <= status < 300:
        return Answer(status, "")
    if 300 <= status < 400:
        return Answer(status, f"Answered {status}: redirects are not followed.")
    return Answer(status, f"Answered {status}.")


def _reason(error: Exception) -> str:
    # A refused connection is a NewConnectionError, which urllib3 derives from its timeout.
    if isinstance(error, urllib3.exceptions.TimeoutError) and not isinstance(
        error, urllib3.exceptions.NewConnectionError
    ):
        return f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS} s."
    reason = getattr(error, "reason", None) or error
    return f"Could not connect: {type(reason).__name__}: {reason}"[:500]
