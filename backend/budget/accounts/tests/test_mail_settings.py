"""Mail is configured from the environment (SPEC §16): EMAIL_BACKEND and the EMAIL_* settings."""

import json
import os
import subprocess
import sys
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[3]
PRINT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: getattr(s, k) for k in ("
    "'EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', 'EMAIL_HOST_PASSWORD', "
    "'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_FILE_PATH', 'DEFAULT_FROM_EMAIL', "
    "'REGISTRATION_OPEN', 'DASHBOARD_URL')}))"
)


def run(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EMAIL_", "DATABASE_URL", "REDIS_URL"))
        and k not in {"DEFAULT_FROM_EMAIL", "REGISTRATION_OPEN", "DASHBOARD_URL"}
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings.local", **env})
    return subprocess.run(
        [sys.executable, "-c", PRINT], cwd=BACKEND, env=clean, capture_output=True, text=True
    )


def test_mail_defaults_to_the_console_and_registration_is_open():
    result = run()
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert values["EMAIL_USE_TLS"] is False
    assert values["EMAIL_USE_SSL"] is False
    assert values["REGISTRATION_OPEN"] is True
    assert values["DASHBOARD_URL"] == "http://localhost:8501"


def test_mail_settings_come_from_the_environment(tmp_path):
    result = run(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="465",
        EMAIL_HOST_USER="budget",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_SSL="true",
        EMAIL_FILE_PATH=str(tmp_path),
        DEFAULT_FROM_EMAIL="Budget <budget@example.com>",
        REGISTRATION_OPEN="false",
        DASHBOARD_URL="https://budget.example.com/",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 465,
        "EMAIL_HOST_USER": "budget",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": True,
        "EMAIL_FILE_PATH": str(tmp_path),
        "DEFAULT_FROM_EMAIL": "Budget <budget@example.com>",
        "REGISTRATION_OPEN": False,
        "DASHBOARD_URL": "https://budget.example.com",
    }


def test_tls_and_ssl_together_are_refused():
    result = run(EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")
    assert result.returncode != 0
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL" in result.stderr
