"""Helpers for the accounts tests: mails written by Django's file backend, links in them."""

import re
from pathlib import Path

import pyotp

from budget.accounts.models import TwoFactor, User


def use_file_mail(settings, tmp_path: Path) -> Path:
    """Mails go to files under `tmp_path` (Django's file backend), as on a server with
    EMAIL_BACKEND=…filebased.EmailBackend and EMAIL_FILE_PATH."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    return tmp_path


def mail_files_text(folder: Path) -> list[str]:
    """The text of every mail file written, oldest first."""
    files = sorted(folder.glob("*.log"), key=lambda path: path.stat().st_mtime_ns)
    return [path.read_text() for path in files]


def link_tokens(text: str, param: str) -> list[str]:
    """The tokens of the dashboard links `?<param>=<token>` in a mail."""
    return re.findall(rf"\?{param}=([A-Za-z0-9_\-]+)", text)


def link_token(mail, param: str) -> str:
    """The one token in a mail of django.core.mail.outbox."""
    (token,) = link_tokens(mail.body, param)
    return token


def totp_for(user: User) -> pyotp.TOTP:
    return pyotp.TOTP(TwoFactor.objects.get(user=user).secret)
