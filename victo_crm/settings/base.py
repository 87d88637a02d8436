"""Settings for every environment, read from environment variables.

The defaults give the embedded setup: SQLite, no Redis (Celery tasks run eagerly),
files on the local disk under ``var/``. ``test`` and ``production`` override only
what differs.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VICTO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _dev_secret_key() -> str:
    """A per-checkout key for development, never committed (var/ is ignored)."""
    path = VAR_DIR / "dev-secret-key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    return key


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _dev_secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("VICTO_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "victo_crm.core",
    "victo_crm.accounts",
    "victo_crm.places",
    "victo_crm.service_requests",
    "victo_crm.notifications",
    "victo_crm.alerts",
    "victo_crm.privacy",
    "victo_crm.inbound",
    "victo_crm.portal",
    "victo_crm.desk",
    "victo_crm.api",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    # Wagtail: the public website (victo_crm.website) and its CMS at /cms/.
    "victo_crm.website",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "victo_crm.website.cms_apps.StaffUsersConfig",  # wagtail.users, staff accounts only
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

MIDDLEWARE = [
    # First: the request id of every log line and the X-Request-ID header; then the metrics,
    # which time and count every answer (core/request_id.py, core/metrics.py).
    "victo_crm.core.request_id.RequestIdMiddleware",
    "victo_crm.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CSP, Permissions-Policy, and private, no-store on personal answers (a cached website
    # page gets them too: the page cache is in the page view).
    "victo_crm.core.headers.SecurityHeadersMiddleware",
    # Adds Retry-After to allauth's bare 429s (login, sign-up, password reset limits).
    "victo_crm.core.ratelimit.RetryAfterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "victo_crm.core.middleware.FrenchFirstLocaleMiddleware",
    # Refuses control characters in paths and queries and over-nested JSON, cleans form and
    # JSON text (after the locale, so its 400s are translated).
    "victo_crm.core.boundary.InputBoundaryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff (anyone with a power beyond their own data) reach nothing before their second
    # factor: enrolment on first sign-in, a code on a session that signed in without one.
    "victo_crm.accounts.middleware.TwoFactorRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "victo_crm.urls"
WSGI_APPLICATION = "victo_crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "victo_crm" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (postgres://...) in production and CI; without it the
# embedded SQLite file under var/ is used so a first run needs no server.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'victo_crm.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and eager tasks write without "database is
    # locked" errors; IMMEDIATE transactions take the write lock up front.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # QuerySet.iterator() (every select's choices in a form, the admin's included, and the
    # few scans of whole tables) reads with one statement instead of a server-side cursor's
    # DECLARE, FETCH and CLOSE (and, outside a transaction, a WITH HOLD copy of the result):
    # two round trips fewer per list of a dozen teams or types; the scans (the address
    # registry, the live sessions) fit in memory. It also keeps a transaction-mode pooler
    # (PgBouncer) safe.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A statement running longer than this many milliseconds is cancelled (PostgreSQL). Unset by
# default; gunicorn.conf.py sets 30 s for the web processes, so that a slow query cannot hold
# a web thread for long, while the worker's long jobs (a purge, a fan-out) keep no limit.
_statement_timeout = int(os.environ.get("VICTO_DB_STATEMENT_TIMEOUT_MS", "0") or "0")
if (
    DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
    and _statement_timeout
):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={_statement_timeout}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# SQLite has no covering indexes: an index's ``include=`` columns (PostgreSQL's INCLUDE) are
# left out there, which is what we want.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Cache and background work ----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# While Redis cannot be reached the cache runs on the database (core.redis_cache), so rate
# limits and one-time-code guards keep their meaning; Redis is tried again every
# VICTO_REDIS_RETRY_SECONDS. The timeouts bound what a dead or unreachable Redis costs.
VICTO_REDIS_RETRY_SECONDS = float(os.environ.get("VICTO_REDIS_RETRY_SECONDS", "5"))
DATABASE_CACHE: dict[str, Any] = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "victo_cache",  # core.models.CacheEntry
    "KEY_PREFIX": "victo",
    "OPTIONS": {"MAX_ENTRIES": 10_000},
}
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "victo_crm.core.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "victo",
            "FALLBACK": "database",
            "RETRY_SECONDS": VICTO_REDIS_RETRY_SECONDS,
            "OPTIONS": {
                "socket_connect_timeout": float(
                    os.environ.get("VICTO_REDIS_CONNECT_TIMEOUT", "0.5")
                ),
                "socket_timeout": float(os.environ.get("VICTO_REDIS_TIMEOUT", "1")),
            },
        },
        "database": DATABASE_CACHE,
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "database": DATABASE_CACHE,
    }
# How long the cache keeps its copy of the configuration's generation number (core.config_cache):
# the longest a process may keep serving configuration changed while Redis was unreachable.
VICTO_GENERATION_COPY_SECONDS = int(os.environ.get("VICTO_GENERATION_COPY_SECONDS", "30"))
# Sessions (the portal's, the desk's and the app's tokens) live in PostgreSQL only: a Redis
# outage signs nobody out and cannot bring back a session that was closed meanwhile (a
# cached copy would). core/sessions.py is Django's database store, read by a compiled statement.
SESSION_ENGINE = "victo_crm.core.sessions"

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
# Without a broker the embedded setup runs tasks in-process, right after commit.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "America/Toronto"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
# The worker logs through LOGGING below (JSON, request ids), not a handler of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "victo_crm.accounts.validators.MaximumLengthValidator"},
]
# Django's default PBKDF2, with at most VICTO_PASSWORD_HASH_SLOTS hashes at once per process
# (an attempt beyond waits VICTO_PASSWORD_HASH_WAIT_SECONDS, then answers 503): a sign-in
# brute force cannot take every web thread (accounts/hashers.py).
PASSWORD_HASHERS = [
    "victo_crm.accounts.hashers.BoundedPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
VICTO_PASSWORD_HASH_SLOTS = int(os.environ.get("VICTO_PASSWORD_HASH_SLOTS", "1"))
VICTO_PASSWORD_HASH_WAIT_SECONDS = float(os.environ.get("VICTO_PASSWORD_HASH_WAIT_SECONDS", "0"))
# Django's and allauth's backends, each loading the signed-in user in one query.
AUTHENTICATION_BACKENDS = [
    "victo_crm.accounts.backends.ModelBackend",
    "victo_crm.accounts.backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: e-mail is the login; an address must be verified before use.
ACCOUNT_ADAPTER = "victo_crm.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# The address is proved with a code the e-mail carries, typed where the person is (the portal's
# page or the app's screen): allauth's setting is one for every client (it also decides its URLs),
# so the portal uses the code too, and one e-mail serves both. A code lasts 15 minutes and allows
# 3 tries (allauth's defaults); a new one can be asked for, at most one each 3 minutes
# ("confirm_email" below).
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_REAUTHENTICATION_REQUIRED = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_RATE_LIMITS = {
    # Brute force: at most 5 failed logins per 5 minutes for an e-mail address.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Ville de Victoriaville"
# One sign-in for everyone (allauth's, with the limits above and its two-factor step): the
# admin's and the CMS's sign-in, sign-out and password pages send there (victo_crm.urls), and
# the CMS manages neither passwords nor e-mail addresses (allauth verifies those).
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
# Nor does the CMS's user form set anyone's password (allauth's reset is the only way).
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
# --- Portal (issue 3): allauth's forms and messages in the portal's own French ----------
ACCOUNT_FORMS = {
    "login": "victo_crm.accounts.forms.LoginForm",
    "signup": "victo_crm.accounts.forms.SignupForm",
    "reset_password": "victo_crm.accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "victo_crm.accounts.forms.ResetPasswordKeyForm",
    "change_password": "victo_crm.accounts.forms.ChangePasswordForm",
    "set_password": "victo_crm.accounts.forms.SetPasswordForm",
    "add_email": "victo_crm.accounts.forms.AddEmailForm",
    "change_email": "victo_crm.accounts.forms.ChangeEmailForm",
    "reauthenticate": "victo_crm.accounts.forms.ReauthenticateForm",
    "confirm_email_verification_code": "victo_crm.accounts.forms.ConfirmEmailVerificationCodeForm",
}
MFA_FORMS = {
    "authenticate": "victo_crm.accounts.forms.MfaAuthenticateForm",
    "reauthenticate": "victo_crm.accounts.forms.MfaReauthenticateForm",
    "activate_totp": "victo_crm.accounts.forms.ActivateTOTPForm",
}
MFA_ADAPTER = "victo_crm.accounts.adapter.MFAAdapter"
# --- end portal block ---
HEADLESS_CLIENTS = ("app", "browser")
# A dotted path, not a secret.
HEADLESS_TOKEN_STRATEGY = "victo_crm.api.v1.authentication.OneReadSessionTokenStrategy"  # noqa: S105
# allauth's own OpenAPI specification of sign-up, sign-in, e-mail verification, two-factor,
# password reset and the session token (/_allauth/openapi.json and .yaml); the app's part of it
# is also merged into /api/v1/schema/ (api/v1/schema.py). No HTML page: allauth's loads Redoc
# from a CDN, which the CSP refuses; /api/v1/docs/ shows the merged schema.
HEADLESS_SERVE_SPECIFICATION = True
HEADLESS_SPECIFICATION_TEMPLATE_NAME = None
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Ville de Victoriaville <ne-pas-repondre@victoriaville.ca>"
)

# --- Language and time ------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Toronto"  # Victoriaville is on Eastern time.
USE_I18N = True
USE_TZ = True
# The hour "14 h 05" in French wherever Django formats it itself (core.typography for ours).
FORMAT_MODULE_PATH = ["victo_crm.formats"]

# --- Files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "victo_crm" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024

# --- victo_crm ---------------------------------------------------------------------------
VICTO_MAX_ATTACHMENT_BYTES = int(os.environ.get("VICTO_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))
VICTO_MAX_ATTACHMENTS = int(os.environ.get("VICTO_MAX_ATTACHMENTS", "8"))
VICTO_DUPLICATE_RADIUS_METERS = int(os.environ.get("VICTO_DUPLICATE_RADIUS_METERS", "150"))
# A citizen may reopen a request this many days after it was closed ("ce n’est pas réglé").
VICTO_REOPEN_DAYS = int(os.environ.get("VICTO_REOPEN_DAYS", "30"))
# Base tiles of every map (the portal's location step, the desk's maps): a tile URL template
# ({z}/{x}/{y}, optionally {s}), the credit its licence asks for (shown as text in the map's
# corner, a link to ATTRIBUTION_URL when given) and the deepest zoom it serves. The default is
# OpenStreetMap's own tile server, so that a first run shows streets; its usage policy
# (https://operations.osmfoundation.org/policies/tiles/) does not allow heavy use: a town in
# production names its own tile server or a provider's (docs/operations.md). Set
# VICTO_MAP_TILE_URL to an empty value for no tiles at all (markers and zone outlines on a
# plain background; no third-party server learns where anyone is looking).
# VICTO_MAP_TILES_URL is the portal's former name for it.
OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
VICTO_MAP_TILE_URL = os.environ.get(
    "VICTO_MAP_TILE_URL", os.environ.get("VICTO_MAP_TILES_URL", OSM_TILE_URL)
)
_osm = VICTO_MAP_TILE_URL == OSM_TILE_URL
# Directives appended to the Content-Security-Policy (core/headers.py), only ones it does not
# set already (a browser ignores a repeated directive), e.g. "media-src https://cdn.example".
VICTO_CSP_EXTRA = os.environ.get("VICTO_CSP_EXTRA", "")
VICTO_MAP_TILE_ATTRIBUTION = os.environ.get(
    "VICTO_MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors" if _osm else ""
)
VICTO_MAP_TILE_ATTRIBUTION_URL = os.environ.get(
    "VICTO_MAP_TILE_ATTRIBUTION_URL",
    "https://www.openstreetmap.org/copyright" if _osm else "",
)
VICTO_MAP_TILE_MAX_ZOOM = int(os.environ.get("VICTO_MAP_TILE_MAX_ZOOM", "19"))


def _tile_origin(url: str) -> str:
    """The origin the browser fetches tiles from, for a Content-Security-Policy's img-src:
    "https://tile.openstreetmap.org", "https://*.tiles.example.ca" for a {s} subdomain,
    "" for tiles served by this site (a path) or no tiles."""
    if not url.startswith(("https://", "http://")):
        return ""
    scheme, rest = url.split("://", 1)
    host = rest.split("/", 1)[0].replace("{s}", "*")
    return f"{scheme}://{host}"


VICTO_MAP_TILE_ORIGIN = _tile_origin(VICTO_MAP_TILE_URL)

# --- Wagtail (public website and CMS at /cms/) --------------------------------------------
WAGTAIL_SITE_NAME = "Ville de Victoriaville"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAIL_I18N_ENABLED = True
# French is the source language of the site; English pages exist where the town translates.
WAGTAIL_CONTENT_LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("fr", "Français"), ("en", "English")]
WAGTAILSEARCH_BACKENDS = {
    "default": {
        # The database backend: PostgreSQL full-text search with the French dictionary in
        # production (stemming); SQLite FTS5 in the embedded setup. Accents are folded by
        # victo_crm.website.search before indexing and querying.
        "BACKEND": "wagtail.search.backends.database",
        "SEARCH_CONFIG": "french",
        "AUTOCOMPLETE_SEARCH_CONFIG": "simple",
    }
}
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILADMIN_COMMENTS_ENABLED = True
# The accessibility checker (axe-core in the editor's "Checks" panel and the userbar) runs
# the WCAG 2.1 A/AA rules; victo_crm.website.wagtail_hooks sets them.
VICTO_WEBSITE_AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Anonymous page views are cached this long (seconds); a publication empties the cache.
VICTO_WEBSITE_CACHE_SECONDS = int(os.environ.get("VICTO_WEBSITE_CACHE_SECONDS", "300"))
# Open311's public reads (api/open311/cache.py): an unchanged answer is kept this long (a
# change shows at once; 0 turns the cache off); clients and proxies may keep theirs max-age.
VICTO_OPEN311_CACHE_SECONDS = int(os.environ.get("VICTO_OPEN311_CACHE_SECONDS", "300"))
VICTO_OPEN311_MAX_AGE = int(os.environ.get("VICTO_OPEN311_MAX_AGE", "60"))

# --- REST API ----------------------------------------------------------------------------
# How many proxies of ours append to X-Forwarded-For in front of the web processes. 0 (the
# default): the header is not believed and the client address is the TCP peer's; behind one
# load balancer, 1. Every per-address limit reads it (core.clientip, DRF, allauth).
VICTO_TRUSTED_PROXY_COUNT = int(
    os.environ.get("VICTO_TRUSTED_PROXY_COUNT") or os.environ.get("DJANGO_NUM_PROXIES") or "0"
)
ALLAUTH_TRUSTED_PROXY_COUNT = VICTO_TRUSTED_PROXY_COUNT
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The app signs in through allauth's headless API and sends X-Session-Token; the portal's
    # pages call the API with their Django session (and CSRF token).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "victo_crm.api.v1.authentication.SessionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["victo_crm.api.v1.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "victo_crm.api.v1.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "victo_crm.api.v1.throttles.WriteThrottle",
    ],
    # Counted in the cache (Redis in production). Writes per signed-in person and per IP
    # address; wrong session tokens per IP address.
    "DEFAULT_THROTTLE_RATES": {
        "write_user": os.environ.get("VICTO_API_WRITE_RATE_USER", "60/min"),
        "write_ip": os.environ.get("VICTO_API_WRITE_RATE_IP", "300/min"),
        "auth_failure": os.environ.get("VICTO_API_AUTH_FAILURE_RATE", "20/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # DRF's own reading of the client address agrees with core.clientip.client_ip.
    "NUM_PROXIES": VICTO_TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "victo_crm API",
    "DESCRIPTION": (
        "REST API of the Ville de Victoriaville for its mobile app. Sign in through "
        "/_allauth/app/v1/ and send the session token in X-Session-Token. Errors are RFC 9457 "
        "problem details, in French unless Accept-Language asks for English. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    # 3.1: a nullable object (a request's address) is said in a way every validator reads.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["victo_crm.api.v1.schema.only_api_v1"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "victo_crm.api.v1.schema.describe_answers",
        "victo_crm.api.v1.schema.merge_allauth",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Logs go to standard error, one line per record, each with the request id of the request or
# task that caused it (core/request_id.py): JSON in production (VICTO_LOG_FORMAT=json, the
# default of settings.production), plain text otherwise.
VICTO_LOG_FORMAT = os.environ.get("VICTO_LOG_FORMAT", "text")
# Take the X-Request-ID of the proxy in front (which must set or overwrite it) instead of making
# one; off by default, since a client could otherwise choose the id of its own lines.
VICTO_TRUST_REQUEST_ID = env_bool("VICTO_TRUST_REQUEST_ID", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "victo_crm.core.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if VICTO_LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Wagtail logs every page it creates, edits or publishes at INFO: its own audit log
        # (the admin's history) keeps them; the console would drown the demo load in them.
        "wagtail": {"level": os.environ.get("WAGTAIL_LOG_LEVEL", "WARNING")},
    },
}

# --- Notifications and alerts (issue 6) ---------------------------------------------------
# Delivery: batches of ids per task; a failed send is retried with an exponential backoff
# (base x 2^(attempt-1), at most an hour) until the limit, then marked failed with its reason.
VICTO_DELIVERY_BATCH_SIZE = int(os.environ.get("VICTO_DELIVERY_BATCH_SIZE", "100"))
# Successes are recorded every this many messages (one commit each time); a worker killed
# mid-batch may send at most this many again. 1 is strictest, larger is faster.
VICTO_DELIVERY_MARK_EVERY = int(os.environ.get("VICTO_DELIVERY_MARK_EVERY", "20"))
# 30 tries: 1, 2, 4 … 32 minutes, then hourly, a day in all, so a mail server or an SMS
# provider down for a night loses nothing (a refused address fails at once, never retried).
VICTO_NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("VICTO_NOTIFICATION_MAX_ATTEMPTS", "30"))
VICTO_NOTIFICATION_RETRY_BASE_SECONDS = int(
    os.environ.get("VICTO_NOTIFICATION_RETRY_BASE_SECONDS", "60")
)
# The relay re-queues pending rows that waited this long, and frees rows a dead worker left
# "sending" after VICTO_SENDING_STALE_SECONDS.
VICTO_RELAY_INTERVAL_SECONDS = float(os.environ.get("VICTO_RELAY_INTERVAL_SECONDS", "60"))
VICTO_RELAY_AFTER_SECONDS = int(os.environ.get("VICTO_RELAY_AFTER_SECONDS", "120"))
VICTO_SENDING_STALE_SECONDS = int(os.environ.get("VICTO_SENDING_STALE_SECONDS", "600"))
VICTO_RELAY_LIMIT = int(os.environ.get("VICTO_RELAY_LIMIT", "20000"))
# No texts or push between these hours (local time), except emergencies.
VICTO_QUIET_HOURS_START = int(os.environ.get("VICTO_QUIET_HOURS_START", "21"))
VICTO_QUIET_HOURS_END = int(os.environ.get("VICTO_QUIET_HOURS_END", "7"))
# Collection reminders go out the evening before, at this hour.
VICTO_COLLECTION_REMINDER_HOUR = int(os.environ.get("VICTO_COLLECTION_REMINDER_HOUR", "17"))
# E-mail: SMTP from EMAIL_HOST/EMAIL_PORT/... (Django's own settings); the console in dev.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
VICTO_EMAIL_MESSAGE_ID_DOMAIN = os.environ.get("VICTO_EMAIL_MESSAGE_ID_DOMAIN", "victoriaville.ca")
# SMTP connections a worker uses at once for a batch of e-mails (one thread each).
VICTO_EMAIL_CONNECTIONS = int(os.environ.get("VICTO_EMAIL_CONNECTIONS", "1"))
# Texts: console (dev), file, locmem (tests) or Twilio.
VICTO_SMS_BACKEND = os.environ.get(
    "VICTO_SMS_BACKEND", "victo_crm.notifications.channels.sms.ConsoleSmsBackend"
)
VICTO_SMS_FILE_PATH = os.environ.get("VICTO_SMS_FILE_PATH", str(VAR_DIR / "sms"))
VICTO_TWILIO_ACCOUNT_SID = os.environ.get("VICTO_TWILIO_ACCOUNT_SID", "")
VICTO_TWILIO_AUTH_TOKEN = os.environ.get("VICTO_TWILIO_AUTH_TOKEN", "")
VICTO_TWILIO_FROM_NUMBER = os.environ.get("VICTO_TWILIO_FROM_NUMBER", "")
VICTO_TWILIO_API_BASE = os.environ.get("VICTO_TWILIO_API_BASE", "https://api.twilio.com")
# Where the SMS provider reports each text's fate (docs/notifications.md). Unset: the status
# webhook on VICTO_SITE_URL; empty: ask for no reports.
VICTO_SMS_STATUS_CALLBACK_URL = os.environ.get("VICTO_SMS_STATUS_CALLBACK_URL")
# --- Mail and texts coming in (victo_crm.inbound, docs/notifications.md) ------------------
# Replies: e-mails about a request say "Reply-To: reponse+<token>@<domain>"; empty: no
# reply address (replies go to DEFAULT_FROM_EMAIL, which nobody reads).
VICTO_INBOUND_REPLY_ADDRESS = os.environ.get("VICTO_INBOUND_REPLY_ADDRESS", "")
# Mail to this address becomes a new request of VICTO_INBOUND_TRIAGE_TYPE.
VICTO_INBOUND_REQUEST_ADDRESS = os.environ.get("VICTO_INBOUND_REQUEST_ADDRESS", "")
VICTO_INBOUND_TRIAGE_TYPE = os.environ.get("VICTO_INBOUND_TRIAGE_TYPE", "a-trier")
# Where delivery status notifications (bounces) arrive: the address of DEFAULT_FROM_EMAIL,
# the envelope sender of every e-mail, routed to the mail process. Empty: not received.
VICTO_INBOUND_BOUNCE_ADDRESS = os.environ.get("VICTO_INBOUND_BOUNCE_ADDRESS", "")
# What a text "AIDE"/"HELP" answers with: the town's contact.
VICTO_TOWN_CONTACT = os.environ.get(
    "VICTO_TOWN_CONTACT", "Ville de Victoriaville : 819 758-1571, victoriaville.ca"
)
# A message larger than this is refused (SMTP 552; from IMAP: kept, not processed).
VICTO_INBOUND_MAX_BYTES = int(os.environ.get("VICTO_INBOUND_MAX_BYTES", 25 * 1024 * 1024))
# Per sender (address or phone number): at most this many messages an hour are acted on.
VICTO_INBOUND_SENDER_LIMIT = int(os.environ.get("VICTO_INBOUND_SENDER_LIMIT", "20"))
VICTO_INBOUND_SENDER_WINDOW_SECONDS = int(
    os.environ.get("VICTO_INBOUND_SENDER_WINDOW_SECONDS", "3600")
)
# The `mail` process (manage.py mail_server): LMTP (from the town's mail server) or SMTP.
VICTO_MAIL_SERVER_PROTOCOL = os.environ.get("VICTO_MAIL_SERVER_PROTOCOL", "lmtp")
VICTO_MAIL_SERVER_HOST = os.environ.get("VICTO_MAIL_SERVER_HOST", "127.0.0.1")
VICTO_MAIL_SERVER_PORT = int(os.environ.get("VICTO_MAIL_SERVER_PORT", "8025"))
# A hosted mailbox polled over IMAP (manage.py poll_mailbox, beat task inbound.poll_imap).
VICTO_IMAP_HOST = os.environ.get("VICTO_IMAP_HOST", "")
VICTO_IMAP_PORT = int(os.environ.get("VICTO_IMAP_PORT", "993"))
VICTO_IMAP_SSL = env_bool("VICTO_IMAP_SSL", True)
VICTO_IMAP_USER = os.environ.get("VICTO_IMAP_USER", "")
VICTO_IMAP_PASSWORD = os.environ.get("VICTO_IMAP_PASSWORD", "")
VICTO_IMAP_FOLDER = os.environ.get("VICTO_IMAP_FOLDER", "INBOX")
# Where a stored message is moved; empty: it is deleted from the mailbox once stored.
VICTO_IMAP_DONE_FOLDER = os.environ.get("VICTO_IMAP_DONE_FOLDER", "")
VICTO_IMAP_POLL_SECONDS = float(os.environ.get("VICTO_IMAP_POLL_SECONDS", "60"))
# Web Push: VAPID keys (the public one is given to the portal's service worker).
VICTO_VAPID_PUBLIC_KEY = os.environ.get("VICTO_VAPID_PUBLIC_KEY", "")
VICTO_VAPID_PRIVATE_KEY = os.environ.get("VICTO_VAPID_PRIVATE_KEY", "")
VICTO_VAPID_SUBJECT = os.environ.get("VICTO_VAPID_SUBJECT", "mailto:info@victoriaville.ca")
VICTO_WEBPUSH_TTL = int(os.environ.get("VICTO_WEBPUSH_TTL", "86400"))
# JSON request bodies nested deeper than this are refused (400) before any parser sees them.
VICTO_MAX_JSON_DEPTH = int(os.environ.get("VICTO_MAX_JSON_DEPTH", "32"))
# The push services a browser's Web Push subscription may point at (a leading "*." allows any
# subdomain). An endpoint elsewhere is refused when registered, and again before each send.
VICTO_PUSH_ALLOWED_HOSTS = env_list(
    "VICTO_PUSH_ALLOWED_HOSTS",
    "fcm.googleapis.com,updates.push.services.mozilla.com,*.notify.windows.com,"
    "web.push.apple.com,*.push.apple.com",
)
# Mobile push: Firebase Cloud Messaging (HTTP v1) with a service account's JSON key (a
# secret file outside the repository). Without it, the app's devices are not served.
VICTO_FCM_CREDENTIALS_FILE = os.environ.get("VICTO_FCM_CREDENTIALS_FILE", "")
VICTO_FCM_PROJECT_ID = os.environ.get("VICTO_FCM_PROJECT_ID", "")
VICTO_FCM_API_BASE = os.environ.get("VICTO_FCM_API_BASE", "https://fcm.googleapis.com")
VICTO_FCM_TTL_SECONDS = int(os.environ.get("VICTO_FCM_TTL_SECONDS", "86400"))
# Notices fan out in chunks of this many subscribers, each chunk its own transaction.
VICTO_FANOUT_CHUNK = int(os.environ.get("VICTO_FANOUT_CHUNK", "2000"))
# SLA: the scan announces a request "due soon" VICTO_SLA_WARNING_HOURS before its due date
# (at most VICTO_SLA_WARNING_FRACTION of its type's target), and "overdue" once past it,
# for due dates up to VICTO_SLA_BREACH_LOOKBACK_HOURS old; once per request and due date.
VICTO_SLA_WARNING_HOURS = float(os.environ.get("VICTO_SLA_WARNING_HOURS", "24"))
VICTO_SLA_WARNING_FRACTION = float(os.environ.get("VICTO_SLA_WARNING_FRACTION", "0.25"))
VICTO_SLA_BREACH_LOOKBACK_HOURS = float(os.environ.get("VICTO_SLA_BREACH_LOOKBACK_HOURS", "72"))
VICTO_SLA_SCAN_INTERVAL_SECONDS = float(os.environ.get("VICTO_SLA_SCAN_INTERVAL_SECONDS", "300"))
VICTO_SLA_SCAN_BATCH = int(os.environ.get("VICTO_SLA_SCAN_BATCH", "500"))
# --- Operations: metrics (docs/operations.md) ----------------------------------------------
# /metrics answers only with "Authorization: Bearer <this token>"; without a token, 404.
VICTO_METRICS_TOKEN = os.environ.get("VICTO_METRICS_TOKEN", "")
# Celery queues whose length /metrics reports, besides "celery" (the default queue).
VICTO_METRICS_CELERY_QUEUES = env_list("VICTO_METRICS_CELERY_QUEUES")
# Errors to a Sentry-compatible service, only when a DSN is given (started by core's app config
# in the web and the worker); personal data is never sent (core/error_reports.py).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "")
SENTRY_RELEASE = os.environ.get("SENTRY_RELEASE", "")
# --- Law 25: retention periods (victo_crm.privacy) ---------------------------------------
# How long personal data is kept once its purpose is met; `privacy.purge` (beat, hourly by
# default) applies them. See docs/operations.md.
VICTO_RETENTION = {
    # Closed requests: a guest's contact details and tracking link, every original photo.
    "closed_request_personal_data": timedelta(
        days=int(os.environ.get("VICTO_RETENTION_CLOSED_REQUEST_DAYS", "1095"))
    ),
    # Photos sent ahead of a submission that never came.
    "pending_uploads": timedelta(hours=int(os.environ.get("VICTO_RETENTION_UPLOAD_HOURS", "24"))),
    # Stored API responses replayed for a retried POST.
    "idempotency_records": timedelta(
        hours=int(os.environ.get("VICTO_RETENTION_IDEMPOTENCY_HOURS", "24"))
    ),
    # What a delivered e-mail, text or push said and to whom (the row itself stays).
    "outbox_bodies": timedelta(days=int(os.environ.get("VICTO_RETENTION_OUTBOX_DAYS", "90"))),
    # Messages in the portal's inbox.
    "in_app_notifications": timedelta(
        days=int(os.environ.get("VICTO_RETENTION_IN_APP_DAYS", "365"))
    ),
    # The portal's resend receipts (a form resent from an offline queue).
    "submission_receipts": timedelta(
        days=int(os.environ.get("VICTO_RETENTION_RECEIPT_DAYS", "30"))
    ),
    # Mail and texts received (the original a message on a timeline came from, a message
    # held for review or failed): kept for staff this long.
    "inbound_messages": timedelta(days=int(os.environ.get("VICTO_RETENTION_INBOUND_DAYS", "365"))),
    # Delivery reports that name no message of ours (a bounce without our Message-ID, a text's
    # report no text ever claimed): kept this long for staff and a text recorded late.
    "unmatched_delivery_reports": timedelta(
        days=int(os.environ.get("VICTO_RETENTION_UNMATCHED_REPORT_DAYS", "30"))
    ),
}
# /readyz: beat's heartbeat and the oldest due outbox row older than these say "fail".
VICTO_READY_BEAT_MAX_AGE_SECONDS = float(os.environ.get("VICTO_READY_BEAT_MAX_AGE_SECONDS", "300"))
VICTO_READY_OUTBOX_MAX_AGE_SECONDS = float(
    os.environ.get("VICTO_READY_OUTBOX_MAX_AGE_SECONDS", "900")
)
VICTO_PRIVACY_PURGE_INTERVAL_SECONDS = float(
    os.environ.get("VICTO_PRIVACY_PURGE_INTERVAL_SECONDS", "3600")
)

CELERY_BEAT_SCHEDULE.update(
    {
        "notifications-relay": {
            "task": "notifications.relay",
            "schedule": VICTO_RELAY_INTERVAL_SECONDS,
        },
        "alerts-resume-fanouts": {
            "task": "alerts.resume_fanouts",
            "schedule": VICTO_RELAY_INTERVAL_SECONDS,
        },
        "notifications-sla-scan": {
            "task": "notifications.sla_scan",
            "schedule": VICTO_SLA_SCAN_INTERVAL_SECONDS,
        },
        "alerts-collection-reminders": {
            "task": "alerts.collection_reminders",
            "schedule": 15 * 60.0,  # idempotent; sends only from the reminder hour on
        },
        "website-publish-scheduled": {
            "task": "website.publish_scheduled",
            "schedule": 5 * 60.0,
        },
        "privacy-purge": {
            "task": "privacy.purge",
            "schedule": VICTO_PRIVACY_PURGE_INTERVAL_SECONDS,
        },
        # The database cache's and rate counters' expired rows (a Redis outage's leftovers).
        "core-sweep": {"task": "core.sweep", "schedule": 3600.0},
        # /readyz reads when it last ran: beat, the broker and a worker all work.
        "core-heartbeat": {"task": "core.heartbeat", "schedule": VICTO_RELAY_INTERVAL_SECONDS},
    }
)
if VICTO_IMAP_HOST:
    # Only with a mailbox to poll: one beat, so one poller (the UID key guards the rest).
    CELERY_BEAT_SCHEDULE["inbound-poll-imap"] = {
        "task": "inbound.poll_imap",
        "schedule": VICTO_IMAP_POLL_SECONDS,
    }
