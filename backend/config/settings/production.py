"""Production: refuses to start when it would be unsafe."""

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import (
    DEFAULT_SECRET_KEY,
    DEFAULT_SUPERUSER_PASSWORDS,
    DJANGO_SUPERUSER_PASSWORD,
    SECRET_KEY,
)
from config.settings.env import env_bool, env_int

if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG must be off in production.")
DEBUG = False
IS_PRODUCTION = True


def secret_key_problem(key: str) -> str | None:
    """What makes a key unfit for production, by the rule of Django's own deploy check
    (security.W009), which only warns; None for a good key."""
    if key == DEFAULT_SECRET_KEY or key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return "is unset or the development key"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"has fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters"
    return None


if problem := secret_key_problem(SECRET_KEY):
    raise ImproperlyConfigured(
        f"SECRET_KEY {problem}. Production needs a long random value (50+ characters), "
        "for example: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

if DJANGO_SUPERUSER_PASSWORD and DJANGO_SUPERUSER_PASSWORD in DEFAULT_SUPERUSER_PASSWORDS:
    raise ImproperlyConfigured("DJANGO_SUPERUSER_PASSWORD is a default password; choose your own.")

# The admin's sign-in form is one more place to guess passwords; a deployment that wants
# the admin says so.
ADMIN_ENABLED = env_bool("ADMIN_ENABLED", False)

# TLS usually ends at a proxy (compose's reverse proxy or the PaaS router).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
