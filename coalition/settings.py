"""Settings for Coalition, read from the environment (see README, "Configuration")."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from coalition.env import (
    email_settings,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    redis_neighbour_db,
)

BASE_DIR = Path(__file__).resolve().parent.parent

COALITION_ENV = env_choice("COALITION_ENV", ["development", "production"], "development")
PRODUCTION = COALITION_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])

if PRODUCTION:
    # Refuse to serve real people's data with a guessable key, tracebacks on
    # or a Host header anyone can forge.
    problems = []
    if not SECRET_KEY:
        problems.append("SECRET_KEY is not set")
    elif len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        problems.append("SECRET_KEY must be at least 50 characters of random text")
    if DEBUG:
        problems.append("DEBUG is on")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is empty")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems) + ".")
elif not SECRET_KEY:
    # Development only: a fresh key per process is fine, sessions just don't
    # survive a restart.
    SECRET_KEY = "dev-insecure-" + secrets.token_urlsafe(40)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Our apps, lowest first: each may import only those above it.
    "coalition",
    "members",
    "notifications",
    "actions",
    "convergence",
    "reporting",
    "privacy",
    "api",
    "exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Django's, with a database outage during the session's save answered as one.
    "coalition.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The busiest pages answered again until anything is written, before the
    # person is loaded (coalition/page_cache.py; on only with a shared cache).
    "coalition.page_cache.PageCacheMiddleware",
    # Logged-in answers without their own Cache-Control: private, no-store.
    "coalition.middleware.PrivateCacheMiddleware",
    # A view's "try again later" (request.retry_after) as a 429 with Retry-After.
    "coalition.middleware.RetryAfterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: asks people to agree to a new privacy policy version.
    "privacy.middleware.ConsentMiddleware",
]

ROOT_URLCONF = "coalition.urls"
WSGI_APPLICATION = "coalition.wsgi.application"
# Forms render their fields through Django's templates, the commonest written in
# Python (coalition/form_rendering.py): the same markup, a fraction of the time.
FORM_RENDERER = "coalition.form_rendering.FastWidgetRenderer"

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
                "csp.context_processors.nonce",
                "coalition.context_processors.site",
                # Django's csrf_token, each token noted for the page cache.
                "coalition.page_cache.csrf_recorded",
            ],
        },
    },
]

# Database: PostgreSQL in production and CI, a SQLite file on a laptop.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # Page queries are short: PostgreSQL's JIT compiles any query whose
        # estimated cost passes jit_above_cost, which cost tens of milliseconds
        # on queries that run in a few (the thin-places count at scale), and a
        # parallel plan starts two worker processes (about 5 ms) for queries
        # whose estimates look large but that read a few dozen rows (the
        # calendar's window, the support list). Both stay off for every
        # connection: nothing here reads enough rows to gain from them.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            "-c jit=off -c max_parallel_workers_per_gather=0"
        )
else:
    SQLITE_PATH = Path(env_str("SQLITE_PATH") or BASE_DIR / "var" / "db.sqlite3")
    if str(SQLITE_PATH) != ":memory:":
        # A fresh checkout has no var/ yet; every command should just work.
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                # IMMEDIATE avoids "database is locked" when two requests write.
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker and the shared cache. Without it, tasks run in-process
# after the transaction commits and the cache lives in each process.
REDIS_URL = env_str("REDIS_URL")
# The cache gets a Redis database of its own: clearing the cache must never
# drop the broker's queued tasks.
CACHE_URL = env_str("CACHE_URL") or (redis_neighbour_db(REDIS_URL) if REDIS_URL else "")
if CACHE_URL:
    CACHES = {
        "default": {
            # Redis down: misses instead of errors (coalition/cache.py).
            "BACKEND": "coalition.cache.TolerantRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "coalition",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# How long a finished page may be answered again while nothing is written
# (coalition/page_cache.py). Only with a cache every process shares: a
# per-process cache would not hear of a Celery worker's writes.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", default=30) if CACHE_URL else 0
# With a shared cache, sessions are read from it and written through to the
# database: a page answered from the page cache then runs no query at all.
if CACHE_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Where tasks go: Redis in production; a folder (kombu's filesystem transport)
# for the embedded worker and beat that `make run` starts, so scheduled work
# happens with no server installed; with neither, tasks run in the process
# that queues them, after commit, and nothing scheduled runs.
TASK_QUEUE_DIR = env_str("TASK_QUEUE_DIR")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Far-future work is scheduled from the database by beat, never by long
    # ETAs, so the visibility timeout only has to outlast the longest task.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
elif TASK_QUEUE_DIR:
    _queue_dir = Path(TASK_QUEUE_DIR).resolve()
    for _folder in ("messages", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "messages"),
        "data_folder_out": str(_queue_dir / "messages"),
        "control_folder": str(_queue_dir / "control"),
        # How often the worker looks for new messages, in seconds.
        "polling_interval": 0.5,
    }
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or TASK_QUEUE_DIR)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# Jobs never run before start when beat starts, not one interval later.
CELERY_BEAT_SCHEDULER = "coalition.celery:StartNowScheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # The heartbeat /healthz reads to tell whether the scheduler runs (coalition/tasks.py).
    "coalition-scheduler-tick": {"task": "coalition.tasks.scheduler_tick", "schedule": 30.0},
    # Heals outreach a crash or a lost enqueue left behind (see members/tasks.py).
    "outreach-sweep": {"task": "members.tasks.outreach_sweep", "schedule": 60.0},
    # Support requests close when their action ends (actions/services/support.py).
    "actions-support-close-ended": {
        "task": "actions.tasks.support_requests_close_ended",
        "schedule": 600.0,
    },
    # Days of action: reminders 24 h ahead and follow-ups, each sent once, and
    # days going live and closing with their windows (convergence/tasks.py).
    "convergence-notices-due": {"task": "convergence.tasks.notices_due", "schedule": 300.0},
    "convergence-days-advance": {"task": "convergence.tasks.days_advance", "schedule": 300.0},
    # Daily and weekly digests of each person's notifications (notifications/tasks.py).
    "notifications-digests-due": {"task": "notifications.tasks.digests_due", "schedule": 900.0},
    # Messages to many (hosts, coordinators) a dead worker left half sent
    # (notifications/broadcasts.py).
    "notifications-broadcasts-resume": {
        "task": "notifications.tasks.broadcasts_resume",
        "schedule": 300.0,
    },
    # 1-1 meetings whose follow-up day has come: the person who logged it is reminded once.
    "notifications-meeting-follow-ups": {
        "task": "notifications.tasks.meeting_follow_ups_due",
        "schedule": crontab(minute=5),
    },
    # Scheduled reports, each made once per period (reporting/tasks.py).
    "reporting-reports-due": {"task": "reporting.tasks.reports_due", "schedule": 3600.0},
    # The dashboard's monthly rollups of the last and the current month (reporting/rollups.py).
    "reporting-rollups-refresh": {"task": "reporting.tasks.rollups_refresh", "schedule": 600.0},
    # Sources and followed coalitions (exchange/tasks.py): each due source is synced.
    "exchange-sources-due": {"task": "exchange.tasks.sources_due", "schedule": 900.0},
}
# The outbox (coalition/outbox.py): how long a commit waits for the broker
# before leaving its tasks to the flush; after how long a task the broker has
# not taken is handed over again; after how long one taken but never finished
# (a broker that lost its queue, a killed worker) is handed over again. The
# last must outlast the longest task with its retries.
OUTBOX_PUBLISH_TIMEOUT = env_int("OUTBOX_PUBLISH_TIMEOUT", 1)
OUTBOX_RETRY_SECONDS = env_int("OUTBOX_RETRY_SECONDS", 30)
OUTBOX_LOST_SECONDS = env_int("OUTBOX_LOST_SECONDS", 3600)
if OUTBOX_PUBLISH_TIMEOUT < 1 or OUTBOX_RETRY_SECONDS < 1:
    raise ImproperlyConfigured("OUTBOX_PUBLISH_TIMEOUT and OUTBOX_RETRY_SECONDS must be 1 or more.")
if OUTBOX_LOST_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "OUTBOX_LOST_SECONDS must be longer than a task may run "
        f"({CELERY_TASK_TIME_LIMIT} s), or running tasks would be started twice."
    )
CELERY_BEAT_SCHEDULE["coalition-outbox-flush"] = {
    "task": "coalition.tasks.outbox_flush",
    "schedule": float(OUTBOX_RETRY_SECONDS),
}
# A delivery claimed longer ago than this is taken back and sent again; it must
# outlast the longest batch (CELERY_TASK_TIME_LIMIT).
OUTREACH_STALE_SECONDS = env_int("OUTREACH_STALE_SECONDS", 600)
# /healthz answers 503 when the scheduler's last tick is older than this.
SCHEDULER_LATE_SECONDS = env_int("SCHEDULER_LATE_SECONDS", 180)

# Hide an action by itself once this many different accounts have flagged it,
# until a moderator reviews it (actions/services/moderation.py); 0 turns it off.
MODERATION_AUTO_HIDE_FLAGS = env_int("MODERATION_AUTO_HIDE_FLAGS", 0)
if MODERATION_AUTO_HIDE_FLAGS < 0:
    raise ImproperlyConfigured("MODERATION_AUTO_HIDE_FLAGS must be 0 (off) or more.")
# Sources: other OSDI servers this coalition reads events from (exchange/osdi_client.py).
# Off by default: a source on a private, loopback or link-local address is refused, so
# a person adding a source cannot make the server reach its own network.
SOURCES_ALLOW_PRIVATE_NETWORKS = env_bool("SOURCES_ALLOW_PRIVATE_NETWORKS", default=False)
SOURCES_CONNECT_TIMEOUT = env_int("SOURCES_CONNECT_TIMEOUT", 5)
SOURCES_READ_TIMEOUT = env_int("SOURCES_READ_TIMEOUT", 15)
SOURCES_MAX_PAGES = env_int("SOURCES_MAX_PAGES", 50)
SOURCES_MAX_BYTES = env_int("SOURCES_MAX_BYTES", 20_000_000)
SOURCES_MAX_PAGE_BYTES = env_int("SOURCES_MAX_PAGE_BYTES", 2_000_000)
# How often beat syncs each source, in minutes.
SOURCES_SYNC_MINUTES = env_int("SOURCES_SYNC_MINUTES", 60)
# The key source API keys are encrypted with (Fernet); by default derived from SECRET_KEY,
# so set it apart to rotate SECRET_KEY without losing the keys.
SOURCES_KEY = env_str("SOURCES_KEY", "")
if min(SOURCES_CONNECT_TIMEOUT, SOURCES_READ_TIMEOUT, SOURCES_MAX_PAGES) < 1:
    raise ImproperlyConfigured(
        "SOURCES_CONNECT_TIMEOUT, SOURCES_READ_TIMEOUT and SOURCES_MAX_PAGES must be 1 or more."
    )

# Email
# The site's public address, for links in email (invitations, unsubscribe).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
globals().update(email_settings(env_str("EMAIL_URL"), BASE_DIR))
# Every message is finished on its way out (coalition/mail.py: plain subject,
# the coalition as sender, an HTML part), then handed to the backend EMAIL_URL chose.
EMAIL_DELIVERY_BACKEND = EMAIL_BACKEND  # noqa: F821  # set by email_settings just above
EMAIL_BACKEND = "coalition.mail.CoalitionEmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Coalition <coalition@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Accounts
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Once a privacy policy is published, signing up asks for (and records) consent to it.
ACCOUNT_SIGNUP_FORM_CLASS = "privacy.forms.SignupConsentForm"
# The same work for a known address as for a new one (members/forms_signup.py).
ACCOUNT_FORMS = {"signup": "members.forms_signup.SignupForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS", default=True)
# allauth's login_failed limit locked an account everywhere after five wrong passwords,
# and an address after ten: members.login_throttle replaces it with a growing delay per
# (account, address) that the right password from elsewhere passes.
ACCOUNT_RATE_LIMITS = {"login_failed": False} if ACCOUNT_RATE_LIMITS_ENABLED else False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("COALITION_NAME", "Coalition")

# Internationalisation
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files, served by whitenoise with far-future caching of hashed names.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
# Toolkit files of days of action above this size are refused (convergence/services/toolkit.py).
TOOLKIT_MAX_UPLOAD_MB = env_int("TOOLKIT_MAX_UPLOAD_MB", 10)
if TOOLKIT_MAX_UPLOAD_MB < 1:
    raise ImproperlyConfigured("TOOLKIT_MAX_UPLOAD_MB must be at least 1.")
# CSV imports (people, groups, the weaver's prospects) with more rows are refused
# whole: a bigger file held one request for tens of seconds (issue #17).
CSV_IMPORT_MAX_ROWS = env_int("CSV_IMPORT_MAX_ROWS", 5000)
if CSV_IMPORT_MAX_ROWS < 1:
    raise ImproperlyConfigured("CSV_IMPORT_MAX_ROWS must be at least 1.")
# A longer file is imported by a worker while the page shows its progress: a few
# hundred rows take a second or two inline, more would hold the request.
CSV_IMPORT_INLINE_ROWS = env_int("CSV_IMPORT_INLINE_ROWS", 300)
if CSV_IMPORT_INLINE_ROWS < 0:
    raise ImproperlyConfigured("CSV_IMPORT_INLINE_ROWS must be 0 or more.")

# API


def _throttle_rate(name: str, default: str) -> str:
    """A DRF throttle rate such as ``60/minute``; anything else stops the app."""
    value = env_str(name, default)
    number, _slash, period = value.partition("/")
    if not number.isdigit() or period not in {"second", "minute", "hour", "day"}:
        raise ImproperlyConfigured(f"{name} must look like 60/minute (second, minute, hour, day).")
    return value


REST_FRAMEWORK = {
    # drf-spectacular, plus the API's error shape on every operation (api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "api.schema.CoalitionAutoSchema",
    # Bearer first: an unauthenticated request gets 401 with WWW-Authenticate.
    # Session authentication keeps DRF's CSRF check on unsafe methods.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # DRF's JSON parser with a nesting limit (deep nesting is a 400, not a RecursionError).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonymousThrottle",
        "api.throttling.PersonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anonymous": _throttle_rate("API_THROTTLE_ANON", "60/minute"),
        "person": _throttle_rate("API_THROTTLE_USER", "600/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Coalition API",
    "DESCRIPTION": "The coalition's groups, actions, days of action and records. "
    "Authenticate with a personal token (Authorization: Bearer <key>, from /me/tokens/) "
    "or the browser session.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # The default enum hook, then links from each create to its detail (api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_links",
    ],
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "PlaceKindEnum": "coalition.models.PlaceKind",
        "GroupKindEnum": "members.models.GroupKind",
        "ActionKindEnum": "actions.models.ActionKind",
        "AmplificationKindEnum": "actions.models.AmplificationKind",
        "SupportKindEnum": "actions.models.SupportKind",
        "SignalKindEnum": "reporting.models.SignalKind",
    },
}

# Security. Production defaults satisfy `manage.py check --deploy`; each can be
# relaxed through the environment for a local trial of the production shape.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind a proxy that appends the client's address to X-Forwarded-For, rate
# limits key on its last hop (coalition/client_ip.py, and allauth's login,
# signup and reset limits through ALLAUTH_TRUSTED_PROXY_COUNT); never set it
# without one.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", default=False)
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if TRUST_X_FORWARDED_FOR else 0
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Map tiles of every map, a Leaflet URL template. The default needs no account:
# OpenStreetMap's standard tiles, whose usage policy asks for the attribution
# below (https://operations.osmfoundation.org/policies/tiles/); a busy
# coalition should point this at its own or a commercial tile server. Set it
# empty for markers on a plain background. Its origin, and nothing else, is
# added to img-src ({s} subdomains as a wildcard).
OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
MAP_TILE_URL = env_str("MAP_TILE_URL", OSM_TILE_URL)
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION", OSM_ATTRIBUTION if MAP_TILE_URL == OSM_TILE_URL else ""
)
# Addresses typed on the action and event forms can be looked up through a
# Nominatim-compatible search URL (https://nominatim.org/release-docs/latest/api/Search/),
# e.g. https://nominatim.openstreetmap.org/search. Off unless set. The server
# asks it (never the browser, so the CSP stays as it is), at most once a second
# across the site, with a User-Agent naming the app and SITE_URL, and caches
# each answer (Nominatim's usage policy).
GEOCODER_URL = env_str("GEOCODER_URL")
GEOCODER_CACHE_SECONDS = env_int("GEOCODER_CACHE_SECONDS", 7 * 24 * 3600)
_geocoder = urlsplit(GEOCODER_URL)
if GEOCODER_URL and (_geocoder.scheme not in {"http", "https"} or not _geocoder.netloc):
    raise ImproperlyConfigured("GEOCODER_URL must be an http(s) URL, not " + repr(GEOCODER_URL))
_tiles = urlsplit(MAP_TILE_URL)
if MAP_TILE_URL and (
    _tiles.scheme not in {"http", "https"}
    or not _tiles.netloc
    or not all(part in MAP_TILE_URL for part in ("{z}", "{x}", "{y}"))
):
    raise ImproperlyConfigured(
        "MAP_TILE_URL must be an http(s) URL with {z}, {x} and {y}, not " + repr(MAP_TILE_URL)
    )
_TILE_SOURCES = [f"{_tiles.scheme}://{_tiles.netloc.replace('{s}', '*')}"] if MAP_TILE_URL else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_TILE_SOURCES],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
}

# Reports: page streams are compressed; tests turn it off to read the PDF's text.
REPORT_PDF_COMPRESS = env_bool("REPORT_PDF_COMPRESS", default=True)

# The coalition's name before setup gives it one in the database.
COALITION_NAME = env_str("COALITION_NAME", "Coalition")
