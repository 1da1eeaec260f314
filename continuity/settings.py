"""Django settings for Continuity.

The environment is read here and only here (see README, "Configuration"). Every backend has a
default that needs no server: SQLite in var/, Celery on kombu's filesystem transport in
var/broker/, email written as .eml files to var/outbox/.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured

from continuity.env import StrictEnv

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = StrictEnv()

CONTINUITY_ENV = env.str("CONTINUITY_ENV", default="development")
if CONTINUITY_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"CONTINUITY_ENV must be 'development' or 'production', not {CONTINUITY_ENV!r}"
    )
DEVELOPMENT = CONTINUITY_ENV == "development"

DEBUG = env.bool("DEBUG", default=DEVELOPMENT)

# Development keys are public by design; outside development the real ones must be given.
_DEV_SECRET_KEY = "development-only-insecure-key-7f1c0b7e5a0d4c2f9e8b"  # noqa: S105
_DEV_FIELD_KEY = "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDAwMDA="
if DEVELOPMENT:
    SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[_DEV_FIELD_KEY])
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set outside development")
    if not FIELD_ENCRYPTION_KEYS or _DEV_FIELD_KEY in FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set outside development")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEVELOPMENT else [],
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "continuity",
    "clients",
    "notes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "continuity.auth_views.IdleTimeoutMiddleware",
    "continuity.auth_views.SecondFactorGateMiddleware",
    "continuity.middleware.TherapistTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the neutral lockout page.
    "axes.middleware.AxesMiddleware",
]
if not DEVELOPMENT:
    # Serves `collectstatic`'s output; in development runserver serves the apps' folders.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "continuity.urls"
WSGI_APPLICATION = "continuity.wsgi.application"
ASGI_APPLICATION = "continuity.asgi.application"

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

# --- Database --------------------------------------------------------------------------
DATABASES = {"default": env.database("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions let the web server and the worker write side by side
    # without "database is locked" errors.
    # Tests use a file too, so worker processes started by the reliability tests share it;
    # one per test run, so two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # JIT compiles a plan only when it looks expensive, and then costs more than it saves on
    # the short queries of a web app (0.8 s of 1.1 s on the 5,000-client caseload).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Bind parameters on the server, so psycopg prepares the statements a worker runs again
    # and again (the delivery claim and fetch): planning was most of their cost.
    if env.bool("DATABASE_SERVER_SIDE_BINDING", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 2}
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts --------------------------------------------------------------------------
AUTH_USER_MODEL = "continuity.Therapist"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "caseload"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # Refuses an account+IP that is locked out before the password is even checked.
    "continuity.auth_views.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Sign-in security ----------------------------------------------------------------------
# SESSION_COOKIE_AGE (below) is a session's absolute lifetime; this ends one left idle.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=15)
# Changing email or alert phone needs the password (and code) again within this window.
REAUTH_MINUTES = env.int("REAUTH_MINUTES", default=5)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_MINUTES", default=30) * 60
OTP_TOTP_ISSUER = "Continuity"
# django-axes: lock an account+IP pair after this many failures, for the cool-off.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("SIGN_IN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Both the sign-in form and the API token view call authenticate(username=...); case and
# spacing must not give an attacker a fresh count.
AXES_USERNAME_CALLABLE = "continuity.auth_views.axes_username"
AXES_LOCKOUT_CALLABLE = "continuity.auth_views.locked_out"
AXES_RESET_ON_SUCCESS = True
# The cool-off runs from the failure that locked the pair, not from the latest attempt.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

SESSION_COOKIE_SECURE = not DEVELOPMENT
CSRF_COOKIE_SECURE = not DEVELOPMENT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEVELOPMENT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Only takes effect once the domain is submitted to hstspreload.org; false opts out, and
    # then `check --deploy` need not say so (security.W021).
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- HTTP hardening ----------------------------------------------------------------------
# Checked in tests/continuity/test_http_hardening.py. Middleware and the context processor
# are added here so this block stands on its own.
_after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE[_after_security:_after_security] = [
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
]
TEMPLATES[0]["OPTIONS"]["context_processors"].append("continuity.context_processors.csp_nonce")
# Scripts only from this origin, and the htmx tag carries the response's nonce; no inline
# script, style attribute or event handler anywhere.
CONTENT_SECURITY_POLICY = {
    # drf-spectacular's Swagger UI page initialises itself with an inline script.
    "EXCLUDE_URL_PREFIXES": ["/api/v1/docs/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": not DEVELOPMENT,
    },
}
# No page uses these; a script injected despite the policy gets none of them either.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Request size: bodies are capped by DATA_UPLOAD_MAX_MEMORY_SIZE (REST API, below); no form
# has more than a few dozen fields and nothing takes a file.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=200)
DATA_UPLOAD_MAX_NUMBER_FILES = 1
FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = env.str("PHONENUMBER_DEFAULT_REGION", default="US")
PHONENUMBER_DB_FORMAT = "E164"

STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
# Outside development WhiteNoise serves `collectstatic`'s output with hashed names, compressed
# and cached for a year; in development the plain storage needs no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEVELOPMENT
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email -------------------------------------------------------------------------------
_email = env.email("EMAIL_URL", default=None)
if _email:
    vars().update(_email)
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default=_email["EMAIL_BACKEND"])
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="continuity.mail.EmlFileBackend")
EMAIL_FILE_PATH = Path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "outbox")))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Continuity <notes@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Settings for django-anymail ESP backends, as JSON, e.g. {"MAILGUN_API_KEY": "..."}.
ANYMAIL = env.json("ANYMAIL", default={})
# The ESP's delivery reports (bounces, deliveries) arrive at /webhooks/anymail/<esp>/tracking/
# with HTTP basic auth, "user:password", checked by anymail. Comma-separated to rotate: old
# and new are both accepted until the ESP uses the new one. Without a secret the webhook is
# not mounted at all (notes/urls.py): anymail would take anyone's reports.
_DEV_ANYMAIL_WEBHOOK_SECRET = "anymail:development-only-webhook-secret"  # noqa: S105
if "WEBHOOK_SECRET" in ANYMAIL:
    raise ImproperlyConfigured("Set the webhook secret with ANYMAIL_WEBHOOK_SECRET, not ANYMAIL")
_anymail_webhook_secrets = env.list(
    "ANYMAIL_WEBHOOK_SECRET", default=[_DEV_ANYMAIL_WEBHOOK_SECRET] if DEVELOPMENT else []
)
if any(":" not in secret for secret in _anymail_webhook_secrets):
    raise ImproperlyConfigured("ANYMAIL_WEBHOOK_SECRET must be user:password (comma-separated)")
if not DEVELOPMENT and _DEV_ANYMAIL_WEBHOOK_SECRET in _anymail_webhook_secrets:
    raise ImproperlyConfigured("ANYMAIL_WEBHOOK_SECRET must be set outside development")
if _anymail_webhook_secrets:
    ANYMAIL["WEBHOOK_SECRET"] = _anymail_webhook_secrets

# --- Celery ------------------------------------------------------------------------------
# Read by continuity/celery.py with namespace "CELERY". The reasons for each value are in
# docs/architecture.md and ../shared/CELERY-NOTES.md.
BROKER_DIR = Path(env.str("BROKER_DIR", default=str(VAR_DIR / "broker")))
CELERY_BROKER_URL = env.broker("REDIS_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu polls the folder; its 1 s default caps a worker at a few tasks a second.
        "polling_interval": 0.01,
    }
else:
    CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=300)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Celery's Django fixup closes the database connection after every task unless this is set;
# a new PostgreSQL connection per task cost a fifth of a delivery's time. continuity/celery.py
# instead lets Django close what is broken or past CONN_MAX_AGE, as after a web request.
CELERY_DB_REUSE_MAX = 10_000
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60)
CELERY_TASK_SOFT_TIME_LIMIT = max(1, CELERY_TASK_TIME_LIMIT * 3 // 4)
CELERY_TIMEZONE = "UTC"
# A web request must not hang while the broker is down: the note is saved either way and
# the sweeper sends it once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# --- Notes and delivery ------------------------------------------------------------------
# Absolute base of links in messages to clients and of provider callbacks.
SITE_URL = env.url("SITE_URL", default="http://127.0.0.1:8000").geturl()
CLIENT_LINK_TTL_DAYS = env.int("CLIENT_LINK_TTL_DAYS", default=14)
# A client's browser session: its own cookie, ended after idling or at a fixed age.
CLIENT_SESSION_COOKIE = "continuity_client"
# A client with an expired link may ask for a fresh one this often at most.
FRESH_LINK_EVERY_MINUTES = env.int("FRESH_LINK_EVERY_MINUTES", default=60)
CLIENT_SESSION_IDLE_MINUTES = env.int("CLIENT_SESSION_IDLE_MINUTES", default=30)
CLIENT_SESSION_MAX_HOURS = env.int("CLIENT_SESSION_MAX_HOURS", default=12)
NOTE_MAX_SCHEDULE_DAYS = env.int("NOTE_MAX_SCHEDULE_DAYS", default=730)
# The welcome note waits this long, so the therapist can edit or cancel it first.
WELCOME_NOTE_DELAY_MINUTES = env.int("WELCOME_NOTE_DELAY_MINUTES", default=60)
NOTE_MOMENT_LOCAL_HOUR = env.int("NOTE_MOMENT_LOCAL_HOUR", default=9)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=6)
DELIVERY_RETRY_BASE_SECONDS = env.float("DELIVERY_RETRY_BASE_SECONDS", default=2.0)
# Longer backoffs are left to the sweeper rather than a broker countdown (CELERY-NOTES.md).
DELIVERY_RETRY_COUNTDOWN_MAX = env.int("DELIVERY_RETRY_COUNTDOWN_MAX", default=60)
DELIVERY_RETRY_MAX_SECONDS = env.int("DELIVERY_RETRY_MAX_SECONDS", default=900)
# A 'sending' row older than this is presumed abandoned by a dead worker; longer than the
# task's hard time limit, so a live task is never taken over.
DELIVERY_LEASE_SECONDS = env.int("DELIVERY_LEASE_SECONDS", default=90)
# A 'queued' row whose message may have been lost (broker down or restarted) is re-sent after.
DELIVERY_REQUEUE_AFTER_SECONDS = env.int("DELIVERY_REQUEUE_AFTER_SECONDS", default=120)
if DELIVERY_LEASE_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "DELIVERY_LEASE_SECONDS must be longer than CELERY_TASK_TIME_LIMIT, or a slow but live "
        "task could be taken over and its note sent twice"
    )
if "visibility_timeout" in CELERY_BROKER_TRANSPORT_OPTIONS and (
    CELERY_TASK_TIME_LIMIT >= CELERY_VISIBILITY_TIMEOUT
    or DELIVERY_RETRY_COUNTDOWN_MAX >= CELERY_VISIBILITY_TIMEOUT
):
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must exceed the task time limit and every retry countdown"
    )
SWEEP_INTERVAL_SECONDS = env.float("SWEEP_INTERVAL_SECONDS", default=15.0)
SWEEP_BATCH = env.int("SWEEP_BATCH", default=1000)

# The client's side.
CHECK_INS_PER_DAY = env.int("CHECK_INS_PER_DAY", default=3)
# A second "hard time" press within this many minutes does not alert the therapist again.
HARD_TIME_REPEAT_MINUTES = env.int("HARD_TIME_REPEAT_MINUTES", default=30)
# Phrases in a check-in that are treated like pressing "I'm having a hard time". A starting
# list for a practice to review; matched as whole words, case and spacing ignored.
RISK_PHRASES = env.list(
    "RISK_PHRASES",
    default=[
        "kill myself",
        "killing myself",
        "suicide",
        "suicidal",
        "end my life",
        "end it all",
        "want to die",
        "better off dead",
        "hurt myself",
        "hurting myself",
        "self harm",
        "self-harm",
        "no reason to live",
        "can't go on",
        "cannot go on",
    ],
)

# SMS through Twilio. Without an account SID and token the SMS channel is unavailable.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
# Twilio's API host; another base URL points the official SDK at a compatible endpoint.
TWILIO_API_BASE_URL = env.url("TWILIO_API_BASE_URL", default="https://api.twilio.com").geturl()

CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "continuity.tasks.heartbeat", "schedule": 30.0},
    "sweep-deliveries": {"task": "notes.tasks.sweep", "schedule": SWEEP_INTERVAL_SECONDS},
    "sweep-alerts": {"task": "clients.tasks.alert_sweep", "schedule": 60.0},
}

# --- Logging -----------------------------------------------------------------------------
# Log lines carry ids, never clinical text, names or contact details.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # The SDK logs request URLs and headers at INFO.
    "loggers": {"twilio": {"level": "WARNING"}},
}


# --- Cache (API throttling counts) -------------------------------------------------------
# With Redis every web process shares the counts; the embedded default keeps them per process.
if CELERY_BROKER_URL.startswith("redis"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CELERY_BROKER_URL,
            "KEY_PREFIX": "continuity",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The caseload ranks every client but draws this many rows a page.
CASELOAD_PAGE_SIZE = env.int("CASELOAD_PAGE_SIZE", default=100)

# --- REST API ----------------------------------------------------------------------------
# No form or JSON body here is legitimately large: refuse anything over 64 KB outright.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024)
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
REST_FRAMEWORK = {
    # Token first: an anonymous API call gets 401 with WWW-Authenticate, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["continuity.api.permissions.IsPracticeMember"],
    "DEFAULT_PAGINATION_CLASS": "continuity.api.pagination.Pagination",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "continuity.api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "continuity.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["continuity.api.throttles.WriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("API_THROTTLE_AUTH", default="10/minute"),
        "write": env.str("API_THROTTLE_WRITE", default="120/minute"),
    },
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=24 * 30)),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": 20,
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Continuity API",
    "DESCRIPTION": (
        "Brief, caring between-session contact. Every object is scoped to the caller: ids "
        "outside it answer 404. Errors share one shape: {code, message, fields}."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the drf-spectacular-sidecar package: served by us, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
