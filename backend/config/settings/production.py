"""Production: refuses to start when it would be unsafe."""

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

if (
    SECRET_KEY == DEFAULT_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value in production (50+ characters), "
        "for example: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )

if DJANGO_SUPERUSER_PASSWORD and DJANGO_SUPERUSER_PASSWORD in DEFAULT_SUPERUSER_PASSWORDS:
    raise ImproperlyConfigured("DJANGO_SUPERUSER_PASSWORD is a default password; choose your own.")

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
