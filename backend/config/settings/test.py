"""Settings for the test suite: the embedded default, or PostgreSQL/Redis when the
environment names them, so CI runs the same tests against both."""

from config.settings.base import *  # noqa: F403
from config.settings.env import env_bool, env_int

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Tasks run inline when their on-commit hook fires, unless a test starts a real cluster.
# Tests read what ran from the stored tasks, successes included (production keeps none).
Q_CLUSTER = {
    **Q_CLUSTER,  # noqa: F405
    "sync": env_bool("Q_SYNC", True),
    "save_limit": env_int("Q_SAVE_LIMIT", 250),
}
