"""One settings module, driven by environment variables (12-factor).

Every variable is documented in README.md ("Configuration"). A `NAME_FILE` variable
may replace `SECRET_KEY`, `DATABASE_URL`, `REDIS_URL` or `EMAIL_URL` so secrets can
come from mounted files (Docker secrets) instead of the environment.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# A developer machine keeps its local defaults (DEBUG, a generated SECRET_KEY) in a
# git-ignored .env written by `make` (bin/dev-env), so plain `manage.py` commands work.
# Real environment variables always win; CLINIC_ENV_FILE="" turns the file off, and the
# production image never contains one (.dockerignore).
_env_file = os.environ.get("CLINIC_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    environ.Env.read_env(_env_file, overwrite=False)


def _secret(name: str, default: str | None = None) -> str | None:
    """Read NAME from the environment, or from the file named by NAME_FILE."""
    file_path = env.str(f"{name}_FILE", default="")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return env.str(name, default=default)


DEBUG = env.bool("DEBUG", default=False)

# Parse every FHIR resource the API makes with fhir.resources' R4B model (fhir.resource):
# on in the test suite and in development; off in production, where it would cost 30×.
FHIR_CHECK_RESOURCES = env.bool("FHIR_CHECK_RESOURCES", default=DEBUG)

SECRET_KEY = _secret("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or SECRET_KEY_FILE) when DEBUG is false.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "simple_history",
    "django_celery_beat",
    "pgtrigger",
    "clinic.apps.ClinicConfig",
    "intake.apps.IntakeConfig",
    "sessions.apps.SessionsConfig",
    "integration.apps.IntegrationConfig",
    "controlled.apps.ControlledConfig",
    "fhir.apps.FhirConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clinic.middleware.RequestIdMiddleware",
    # Outside the session, CSRF and sign-in middleware so their answers are covered too.
    "clinic.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clinic.middleware.SessionTimeoutMiddleware",
    "clinic.middleware.SecondFactorMiddleware",
    "clinic.middleware.ClinicTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]
# Benchmarks only: Server-Timing and X-Query-Count headers, and a minimal signed-in page
# (`/bench/floor/`) to measure the framework's floor against.
SERVER_TIMING = env.bool("SERVER_TIMING", default=False)
if SERVER_TIMING:
    MIDDLEWARE.insert(0, "clinic.middleware.ServerTimingMiddleware")

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"
ASGI_APPLICATION = "clinic.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.shell",
                "intake.context_processors.urgent_alerts",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite is the embedded default (make run); PostgreSQL through DATABASE_URL.
VAR_DIR = Path(env.str("CLINIC_VAR_DIR", default=str(BASE_DIR / "var")))
_database_url = _secret("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'clinic.sqlite3'}")
DATABASES = {"default": env.db_url_config(_database_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs web, worker and beat against one file: WAL lets readers and the
    # writer proceed together and IMMEDIATE transactions avoid upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication --------------------------------------------------------------------
AUTH_USER_MODEL = "clinic.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "clinic.validators.StaffMinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "clinic.errors.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# The clinic's country (ISO 3166 code): how phone numbers without a country code are read
# and which postal codes are accepted.
CLINIC_COUNTRY = env.str("CLINIC_COUNTRY", default="US").upper()

# Staff need a TOTP second factor unless a deployment turns it off (the demo does).
CLINIC_REQUIRE_MFA = env.bool("CLINIC_REQUIRE_MFA", default=True)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Ketamine Clinic")
# Wrong codes count toward the account lockout below; django-otp's per-device delay
# (1 s, 2 s, 4 s … doubling with each wrong code, reset only by a right one) is the
# second line: it survives sign-ins, lockouts and their cool-off.
OTP_TOTP_THROTTLE_FACTOR = 1
# A set-up link for an authenticator app lasts this long, once.
CLINIC_ENROLLMENT_LINK_VALID = timedelta(hours=24)
# Wrong second-factor codes (since the last right one) that lock the account.
CLINIC_SECOND_FACTOR_FAILURE_LIMIT = 5
# Password-reset e-mails per address per hour (more requests get the same answer).
CLINIC_PASSWORD_RESETS_PER_HOUR = 3

# Lockout: 5 failures per account, whatever the address, for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
# A right password never wipes the count of wrong ones or of wrong second-factor codes:
# "password, four wrong codes, password again …" gets no more guesses (security.md §2).
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "clinic.auth.lockout_response"
AXES_VERBOSE = False
# Lockout is by account whatever the address (security.md §2), so rotating addresses,
# user agents or cookies cannot get more attempts at one account; axes' hint to also
# key on the IP address would split that count per address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0) or None

# Idle timeouts and the absolute session lifetime (security.md §2).
CLINIC_IDLE_TIMEOUT_STAFF = timedelta(minutes=15)
CLINIC_IDLE_TIMEOUT_PATIENT = timedelta(minutes=30)
CLINIC_SESSION_MAX_AGE = timedelta(hours=12)
SESSION_COOKIE_AGE = int(CLINIC_SESSION_MAX_AGE.total_seconds())
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# --- HTTPS and headers -----------------------------------------------------------------
HTTPS = env.bool("HTTPS", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Keep the X-Request-ID of a proxy in front (only a UUID or 16-64 hex digits) for the
# audit rows; off, every request gets a fresh id whatever the client sends.
TRUST_REQUEST_ID_HEADER = env.bool("TRUST_REQUEST_ID_HEADER", default=False)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws form controls with data: SVGs; the TOTP QR code is a data: PNG.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Internationalisation and time ------------------------------------------------------
LANGUAGE_CODE = "en-us"
# The default for a new clinic; the clinic's stored time zone is activated per request.
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email and SMS -------------------------------------------------------------------------
# EMAIL_URL: smtp+tls://user:pass@host:587, smtp+ssl://…:465, smtp://host:25, or
# consolemail://. Unset: one file per message under var/mail (the embedded demo).
_email_url = _secret("EMAIL_URL", default="")
if _email_url:
    vars().update(env.email_url_config(_email_url))
else:
    EMAIL_BACKEND = "clinic.notifications.outbox.OutboxEmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Ketamine Clinic <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SMS_BACKEND = env.str("SMS_BACKEND", default="clinic.notifications.sms.FileSmsBackend")
SMS_FILE_PATH = Path(env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms")))
# Reminders: how long a queued/claimed reminder may sit before the sweeper returns it,
# and the first retry wait (doubling, with jitter, capped below the visibility timeout).
REMINDER_STALE_SECONDS = env.int("REMINDER_STALE_SECONDS", default=600)
REMINDER_BACKOFF_SECONDS = env.int("REMINDER_BACKOFF_SECONDS", default=30)
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_ACCOUNT = env.str("SMS_HTTP_ACCOUNT", default="")
SMS_HTTP_TOKEN = _secret("SMS_HTTP_TOKEN", default="")
SMS_FROM = env.str("SMS_FROM", default="")

# --- Cache ----------------------------------------------------------------------------------
# Counters every web process must share (the signing-password throttle, an API client's
# requests per minute, failed token requests, the polled pages' audit windows) live in
# Redis when REDIS_URL is set; the embedded demo is one process (runserver), where
# Django's in-memory cache is shared by all its threads.
if _secret("REDIS_URL", default=""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _secret("REDIS_URL", default=""),
            "KEY_PREFIX": "clinic",
        }
    }

# --- Celery ---------------------------------------------------------------------------------
# Redis when REDIS_URL is set; otherwise kombu's filesystem transport so that the
# embedded demo runs a real worker and beat with nothing else installed.
REDIS_URL = _secret("REDIS_URL", default="")
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
else:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'results'}"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- Logging (no personal data: ids only) -----------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
