"""Settings shared by every environment.

With no environment variables at all this is the embedded default: a SQLite file, the
Django-Q2 ORM broker and the local-memory cache. DATABASE_URL and REDIS_URL switch to
PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# A development-only key; production.py refuses to start with it.
DEFAULT_SECRET_KEY = "django-insecure-local-development-key-change-me"
SECRET_KEY = env_str("SECRET_KEY") or DEFAULT_SECRET_KEY
DEBUG = env_bool("DEBUG", False)
IS_PRODUCTION = False  # production.py sets True; commands that make credentials check it
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja_jwt",
    "ninja_jwt.token_blacklist",
    "django_q",
    "ninja",  # serves the Swagger UI of /api/v1/docs from our static files, not a CDN
    "budget.common",
    "budget.accounts",
    "budget.ledgers",
    "budget.money",
    "budget.reports",
    "budget.exchange",
    "budget.planning",
    "budget.notifications",
    "budget.activity",
    "budget.rules",
    "budget.idempotency",
    "budget.webhooks",
    "budget.groups",
    "budget.receipts",
    "budget.rates",
    "budget.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "budget.common.middleware.ApiTodayMiddleware",  # outside: the JSON error pages carry it too
    "budget.common.middleware.ApiJsonErrorMiddleware",
    "budget.common.middleware.ActivityActorMiddleware",
    "budget.common.middleware.BaseCurrencyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "budget.idempotency.middleware.IdempotencyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # The API, the worker and the dashboard's requests write concurrently:
                # WAL lets readers go on during a write, IMMEDIATE takes the write lock
                # up front so two writers queue instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Cache and Django-Q2 -------------------------------------------------------------------
def redis_cache(url: str) -> dict:
    """The cache on Redis. It fails open (a read is a miss, a write is dropped) when Redis
    cannot be reached, and gives up quickly: a request never waits long for a Redis that is
    down or hangs (budget.common.cache)."""
    return {
        "BACKEND": "budget.common.cache.FailOpenRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "budget",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
    }


def redis_broker(url: str) -> str:
    """The Django-Q2 broker's Redis URL, with short timeouts: an enqueue after a commit that
    cannot reach Redis fails fast and is left to the sweeps (budget.common.tasks). The read
    timeout stays above the worker's one-second blocking pop."""
    parts = urlsplit(url)
    query = {"socket_connect_timeout": "0.5", "socket_timeout": "2", **dict(parse_qsl(parts.query))}
    return urlunsplit(parts._replace(query=urlencode(query)))


REDIS_URL = env_str("REDIS_URL")
Q_CLUSTER_NAME = env_str("Q_CLUSTER_NAME", "budget")
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
    Q_BROKER = {"redis": redis_broker(REDIS_URL)}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Cluster statistics must be visible across processes (qinfo, qhealth), which the
        # local-memory cache is not; a file cache is, and needs no extra service.
        "qcluster": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "qcluster-cache"),
        },
    }
    Q_BROKER = {"orm": "default", "cache": "qcluster"}

Q_CLUSTER = {
    "name": Q_CLUSTER_NAME,
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "catch_up": False,
    # Successful tasks are not stored (-1): nothing reads them, and with a positive limit
    # Django-Q2 locks and loads every stored success to prune one on each task (a budget
    # check per expense made that most of the worker's time under load). Failures stay.
    "save_limit": env_int("Q_SAVE_LIMIT", -1),
    "ack_failures": True,
    "poll": 1,
    "label": "Django Q2",
    **Q_BROKER,
}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "budget.accounts.validators.NotBlankPasswordValidator"},
    {
        # Django's default compares username, first_name, last_name and email; our user has none
        # of the first three, so its full_name would never be compared.
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

NINJA_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("ACCESS_TOKEN_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("REFRESH_TOKEN_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

AUTH_THROTTLE_IP_RATE = env_str("AUTH_THROTTLE_IP_RATE", "20/min")
AUTH_THROTTLE_EMAIL_RATE = env_str("AUTH_THROTTLE_EMAIL_RATE", "10/min")
# How many reverse proxies in front of the app append to X-Forwarded-For. 0: the client is
# the socket address and the header is ignored (anyone can write it); N: the N-th address
# from the right of X-Forwarded-For (see budget/common/client_ip.py).
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
# The Django admin at /admin/ (its sign-in form is throttled like POST /auth/token).
# Production turns it off unless this is set to true.
ADMIN_ENABLED = env_bool("ADMIN_ENABLED", True)

# Reports are cached under the ledger's version (never stale); 0 turns the cache off.
REPORT_CACHE_SECONDS = env_int("REPORT_CACHE_SECONDS", 600)
# How long the activity log keeps its entries (pruned daily; 0 keeps them all).
ACTIVITY_KEEP_DAYS = env_int("ACTIVITY_KEEP_DAYS", 730)

# The most occurrences of one recurring template made at once: creating or changing a
# template that would catch up more is refused, and the daily job goes on the next day.
RECURRING_MAX_CATCH_UP = env_int("RECURRING_MAX_CATCH_UP", 3660)

# --- Restoring an exported ledger (POST /ledgers/import-json) ---------------------------------
# The largest document taken (an export of 200 000 transactions, the most a restore takes, is
# about 100 MB). It is read as a stream, but the web worker holds every transaction, checked,
# until the whole document is: its peak grows by 375 to 460 MB at the limit (README, Performance).
EXCHANGE_IMPORT_MAX_BYTES = env_int("EXCHANGE_IMPORT_MAX_BYTES", 200 * 1024 * 1024)

# --- CSV import jobs (budget.exchange) --------------------------------------------------------
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
# A running import without progress for this long counts as stopped: the sweep (or a new
# commit) restarts it; its database transaction died with the worker, so nothing was written.
IMPORT_STALE_SECONDS = env_int("IMPORT_STALE_SECONDS", 120)
# Days a checked but never committed (or failed) import is kept, with its rows.
IMPORT_KEEP_DAYS = env_int("IMPORT_KEEP_DAYS", 7)
# Undoing an import of at most this many transactions happens in the DELETE request (204);
# a larger one is a worker's job (202), removed in batches with a progress bar.
IMPORT_UNDO_SYNC_ROWS = env_int("IMPORT_UNDO_SYNC_ROWS", 1000)
# After an import of at least this many rows the worker refreshes PostgreSQL's statistics of
# the transactions (ANALYZE): planned on stale ones, the next file's duplicate search by bank
# id scanned the ledger once per row (minutes) until autovacuum caught up.
IMPORT_ANALYZE_ROWS = env_int("IMPORT_ANALYZE_ROWS", 5000)
# The worker writes an import's progress outside the import's database transaction, to a
# cache every process shares: Redis, or the file cache of the embedded default.
IMPORT_PROGRESS_CACHE = "default" if REDIS_URL else "qcluster"

# --- Ledger documents and backups (budget.exchange) ---------------------------------------------
# The most transactions `POST /ledgers/import-json` takes (422 above); its size limit is above.
EXCHANGE_IMPORT_MAX_TRANSACTIONS = env_int("EXCHANGE_IMPORT_MAX_TRANSACTIONS", 200_000)
# Where `manage.py backup` writes and `restore` reads; empty → VAR_DIR/backups.
BACKUP_DIR = env_str("BACKUP_DIR", "")

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500

# --- Accounts created by commands ------------------------------------------------------------
DJANGO_SUPERUSER_EMAIL = env_str("DJANGO_SUPERUSER_EMAIL")
DJANGO_SUPERUSER_PASSWORD = env_str("DJANGO_SUPERUSER_PASSWORD")
# Passwords that must never protect a production superuser.
DEFAULT_SUPERUSER_PASSWORDS = {"", "admin", "password", "changeme", "admin123", "budget-admin"}
DEMO_USER_EMAIL = env_str("DEMO_USER_EMAIL", "demo@example.com")
DEMO_USER_PASSWORD = env_str("DEMO_USER_PASSWORD", "demo-budget-2026")

# --- Webhooks (budget.webhooks, SPEC §16) -----------------------------------------------------
# Webhooks may only call public addresses; true lets them reach private, loopback and
# link-local ones too (a receiver on the same machine or network).
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6)
# The wait after the first failed attempt; each next wait is four times as long.
WEBHOOK_RETRY_SECONDS = env_int("WEBHOOK_RETRY_SECONDS", 30)
# The most transactions one event lists (a bulk write sends one event with its count).
WEBHOOK_MAX_ITEMS = env_int("WEBHOOK_MAX_ITEMS", 100)
# Days the delivery log is kept.
WEBHOOK_KEEP_DAYS = env_int("WEBHOOK_KEEP_DAYS", 30)

# --- Exchange rates (budget.rates, SPEC §14) ---------------------------------------------------
# Where the daily job fetches the ECB's reference rates (the CSV, the zip or the daily file),
# e.g. https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip. Empty: the job does
# nothing and the product works offline (`manage.py rates_import FILE` still imports).
RATES_URL = env_str("RATES_URL", "")
RATES_FETCH_TIMEOUT_SECONDS = env_int("RATES_FETCH_TIMEOUT_SECONDS", 60)
# A download larger than this is refused (the full history zip is under 1 MB).
RATES_FETCH_MAX_BYTES = env_int("RATES_FETCH_MAX_BYTES", 20 * 1024 * 1024)

# --- Email ---------------------------------------------------------------------------------
# Budget alerts, password resets and email verification go through Django's email backend:
# the console by default (mails printed to the log), SMTP
# (`django.core.mail.backends.smtp.EmailBackend`) or files in EMAIL_FILE_PATH
# (`django.core.mail.backends.filebased.EmailBackend`).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "budget@localhost")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one.")

# --- Accounts: registration, links in mails ------------------------------------------------
# False: POST /auth/register answers 403; accounts come from the admin or createsuperuser.
REGISTRATION_OPEN = env_bool("REGISTRATION_OPEN", True)
# Where the dashboard is reached from a mail: the links to reset a password or verify an
# email point there (`?reset=<token>`, `?verify=<token>`).
DASHBOARD_URL = env_str("DASHBOARD_URL", "http://localhost:8501").rstrip("/")
# How long a password-reset link (SPEC: 60 minutes) and an email-verification link work.
PASSWORD_RESET_MINUTES = env_int("PASSWORD_RESET_MINUTES", 60)
EMAIL_VERIFICATION_HOURS = env_int("EMAIL_VERIFICATION_HOURS", 72)
# Mails about an account (reset links, verification links) per address: a budget of its own,
# so nobody can flood someone's inbox through the reset form.
ACCOUNT_MAIL_RATE = env_str("ACCOUNT_MAIL_RATE", "5/hour")

# --- I18n, static ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Files: receipts and attachments (budget.receipts, SPEC §17) --------------------------------
# Uploaded files live in Django's storage: the local folder MEDIA_ROOT by default, or an
# S3-compatible bucket (django-storages) when STORAGE_URL or AWS_STORAGE_BUCKET_NAME is set:
# STORAGE_URL=s3://<bucket>?endpoint_url=https://…&region_name=…, with the keys in
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Files are never served by a URL of the storage:
# the API streams them to members.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"  # unused: files are only streamed by the API
STORAGE_URL = env_str("STORAGE_URL")


def default_storage(url: str, bucket: str) -> dict:
    """The `default` entry of STORAGES for a storage URL or an AWS_* bucket name."""
    if url:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ImproperlyConfigured("STORAGE_URL must look like s3://<bucket>?endpoint_url=…")
        options = {"bucket_name": parts.netloc, **dict(parse_qsl(parts.query))}
        if parts.path.strip("/"):
            options["location"] = parts.path.strip("/")
    elif bucket:
        options = {"bucket_name": bucket}
    else:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    # Private objects; no public URLs are ever handed out.
    options = {
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
        **options,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


DEFAULT_FILE_STORAGE = default_storage(STORAGE_URL, env_str("AWS_STORAGE_BUCKET_NAME"))
# The largest attachment or receipt (413 above), and the most pixels an image may have
# (larger ones, decompression bombs among them, are refused before they are decoded).
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
ATTACHMENT_MAX_PIXELS = env_int("ATTACHMENT_MAX_PIXELS", 40_000_000)
# Scanning: the Tesseract program, its languages, the most PDF pages read, and the seconds
# one page may take before the scan fails (a bounded failure, never a stuck worker).
TESSERACT_CMD = env_str("TESSERACT_CMD", "tesseract")
RECEIPT_OCR_LANGUAGES = env_str("RECEIPT_OCR_LANGUAGES", "eng+deu")
RECEIPT_MAX_PAGES = env_int("RECEIPT_MAX_PAGES", 3)
RECEIPT_OCR_TIMEOUT_SECONDS = env_int("RECEIPT_OCR_TIMEOUT_SECONDS", 30)
# Days a scanned receipt nobody accepted or discarded is kept (pruned daily).
RECEIPT_KEEP_DAYS = env_int("RECEIPT_KEEP_DAYS", 30)
# Where money finds exchange rates (SPEC §14): a dotted path, as money may not import the
# rates app that builds on it.
RATES_FIND = "budget.rates.lookup.rates_find"

STORAGES = {
    "default": DEFAULT_FILE_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # ofxtools logs every element it parses at INFO/DEBUG: 100 000 lines (and a quarter
        # of the check's time) for an OFX statement of 100 000 transactions.
        "ofxtools": {"level": "WARNING"},
    },
}
