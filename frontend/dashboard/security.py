"""Account security without widgets: the API's codes for two-factor sign-in and mailed links,
the QR code of an authenticator secret (drawn here, never by an outside service), and a short
name for a session's device."""

from __future__ import annotations

import io

import qrcode

# 401 codes of POST /auth/token with two-factor sign-in on (budget.accounts.two_factor).
OTP_REQUIRED = "otp_required"
OTP_INVALID = "otp_invalid"
# 422 codes of a mailed link that cannot be used (budget.accounts.mailed_tokens).
LINK_CODES = ("token_invalid", "token_expired", "token_used")
# The query parameters of the links in the mails (budget.accounts.mailed_tokens).
RESET_PARAM = "reset"
VERIFY_PARAM = "verify"

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("python-requests/", "the dashboard"),
    ("curl/", "curl"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def qr_png(text: str) -> bytes:
    """A PNG of the QR code of ``text`` (an otpauth:// URL), made locally."""
    image = qrcode.make(text, box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def device_label(user_agent: str | None) -> str:
    """ "Firefox on Linux" from a User-Agent header; the header itself when it names neither."""
    agent = (user_agent or "").strip()
    if not agent:
        return "Unknown device"
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or agent[:60]


def backup_codes_text(codes: list[str]) -> str:
    """The backup codes one per line, for copying or saving as a file."""
    return "\n".join(codes) + "\n"
