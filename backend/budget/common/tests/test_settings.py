"""Production refuses unsafe settings; the embedded default needs no configuration."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parents[3]
STRONG_KEY = "k" * 30 + "-random-production-secret-key-value-0123456789"


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **env})
    for key in [k for k, v in env.items() if v is None]:
        clean.pop(key, None)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BACKEND,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


SETUP = "import django; django.setup(); print('started')"


def test_production_starts_with_safe_settings():
    result = run(SETUP, SECRET_KEY=STRONG_KEY, DEBUG="false", ALLOWED_HOSTS="budget.example.com")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": STRONG_KEY, "DEBUG": "true"}, "DEBUG must be off"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-local-development-key-change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "abcd" * 20}, "5 different characters"),
        ({"SECRET_KEY": STRONG_KEY, "DJANGO_SUPERUSER_PASSWORD": "admin"}, "default password"),
    ],
)
def test_production_refuses_unsafe_settings(env, message):
    result = run(SETUP, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_deploy_check_is_clean():
    result = run(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="budget.example.com",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("enabled", "expected"), [(None, "absent"), ("true", "served")])
def test_production_serves_the_admin_only_when_enabled(enabled, expected):
    result = run(
        "import django; django.setup()\n"
        "from django.urls import Resolver404, resolve\n"
        "try:\n    resolve('/admin/login/'); print('served')\n"
        "except Resolver404:\n    print('absent')",
        SECRET_KEY=STRONG_KEY,
        ADMIN_ENABLED=enabled,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_createdefaultsuperuser_refuses_defaults_in_production():
    result = run(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'createdefaultsuperuser'])",
        SECRET_KEY=STRONG_KEY,
    )
    assert result.returncode != 0
    assert "DJANGO_SUPERUSER_PASSWORD" in result.stderr


def test_demo_user_refused_in_production():
    result = run(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'demo_user'])",
        SECRET_KEY=STRONG_KEY,
    )
    assert result.returncode != 0
    assert "local use only" in result.stderr
