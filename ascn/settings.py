"""
Settings for the ASCN Registry, read from the environment (DJANGO_-prefixed variables and
DATABASE_URL; README.md documents each one).

DEBUG is off unless DJANGO_DEBUG says otherwise, and without DEBUG a missing
DJANGO_SECRET_KEY stops the process: a forgotten variable fails loudly instead of running
production on a development key. `make run` and `make test` set DJANGO_DEBUG=1.

DJANGO_ENV=production adds the deployment settings (HTTPS only, HSTS, secure cookies, the
proxy headers) and requires every variable a deployment must choose; a missing one stops the
process with a message naming it (`python manage.py check --deploy` then passes).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default="", required=False):
    value = env_required(name) if required else os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_required(name):
    """A variable production cannot guess: missing or empty stops the process."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. DJANGO_ENV=production requires it (README.md, Production)."
        )
    return value


ENVIRONMENT = os.environ.get("DJANGO_ENV", "development").strip().lower() or "development"
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV is {ENVIRONMENT!r}; use 'production', or leave it unset for development."
    )
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV=production.")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, or set "
            "DJANGO_DEBUG=1 for a development server with a throwaway key."
        )
    # Only ever used with DEBUG on; never valid in production.
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]", required=PRODUCTION)

# The staff admin's URL prefix: a deployment may move it off the well-known "admin/".
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip() or "admin/"
if ADMIN_URL.startswith("/") or not ADMIN_URL.endswith("/"):
    raise ImproperlyConfigured(
        f"DJANGO_ADMIN_URL is {ADMIN_URL!r}; write it like 'staff-area/' (no leading slash, "
        "one trailing slash)."
    )

INSTALLED_APPS = [
    "ascn.apps.RegistryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "corsheaders",
    "django_filters",
    # Before import_export: its `import` command is registry's (recording who imported what).
    "registry",
    "import_export",
    "simple_history",
    "axes",
]

MIDDLEWARE = [
    # Outermost, so that every log record of a request, its 413 included, carries its id.
    "ascn.middleware.RequestIdMiddleware",
    # Refuses an oversized body before anything below could read it (ascn/middleware.py).
    "ascn.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before the health check, so that /healthz carries CORS headers too (CORS_* below).
    "corsheaders.middleware.CorsMiddleware",
    # Answers /healthz before host checks, sessions and CSRF (ascn/middleware.py).
    "ascn.middleware.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ascn.middleware.RejectNullBytesMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Inside CsrfViewMiddleware, so that it still sees whether the page used a CSRF token
    # (and then leaves it uncompressed: BREACH; ascn/compression.py).
    "ascn.compression.SafeGZipMiddleware",
    # The open-data licence on every download (ascn/open_data.py).
    "ascn.open_data.LicenceLinkMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Attributes changes to the logged-in user in the change history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes wants to be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ascn.urls"

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
                "registry.open_data.licence_context",
            ],
        },
    },
]

WSGI_APPLICATION = "ascn.wsgi.application"

# The embedded SQLite file lets `make run` work on a bare machine; production and CI
# point DATABASE_URL at PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if PRODUCTION:
    env_required("DATABASE_URL")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        raise ImproperlyConfigured(
            "DATABASE_URL points at SQLite; production runs several app servers against one "
            "PostgreSQL database (postgres://...)."
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a login while its user and address are locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Asia/Singapore")
USE_I18N = True
USE_TZ = True
# Day-first date formats for English live in ascn/formats/en/formats.py.
FORMAT_MODULE_PATH = ["ascn.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
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
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

LOGIN_URL = "admin:login"

# Spreadsheet import and export (django-import-export; README "Spreadsheets: import and export").
# Only users with a model's "import" or "export" permission see and use the admin's buttons.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
# Every import runs in a transaction and is rolled back whole on any row error.
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Formula characters are escaped by registry.spreadsheets for every format; django-import-export's
# own option would only strip a leading "=".
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
IMPORT_EXPORT_CHUNK_SIZE = 2000
# The uploaded file waits between preview and confirm in a cache every app server shares.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "registry.spreadsheets.storage.SharedCacheStorage"
REGISTRY_IMPORT_CACHE = "imports"
# An import's preview (the uploaded file) and its refused rows wait this long for their
# uploader, and no one else, to confirm or download them (README "Safety").
REGISTRY_IMPORT_PREVIEW_SECONDS = int(
    float(os.environ.get("DJANGO_IMPORT_PREVIEW_MINUTES", "120")) * 60
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rendered public pages, keyed by the data version kept in the database: each process
    # keeps its own copies and a write anywhere retires them all (registry/caching.py).
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "registry-pages",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
    # What depends on the data alone (the network, the filters' choices), keyed the same way.
    "data": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "registry-data",
        "OPTIONS": {"MAX_ENTRIES": 100},
    },
    # A table in the database (created by `manage.py createcachetable`).
    "imports": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "registry_import_cache",
        "TIMEOUT": 24 * 60 * 60,
    },
    # The public suggestion form's per-address counts: in the database, so that every app
    # server counts together (Redis instead when REDIS_URL is set).
    "suggestions": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "registry_suggestion_counts",
        "TIMEOUT": 60 * 60,
    },
}
# With Redis beside the database, every cache is in it: the app servers share one warm copy
# of each page instead of each worker rendering its own. Each alias keeps its key prefix
# (and its timeout), and clear() empties that prefix only (ascn/caches.py); Redis's own
# memory limit replaces MAX_ENTRIES.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    for _alias, _cache in CACHES.items():
        CACHES[_alias] = {
            "BACKEND": "ascn.caches.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"ascn-{_alias}",
            # A Redis that stops answering costs a request seconds, not the worker timeout.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
            **({"TIMEOUT": _cache["TIMEOUT"]} if "TIMEOUT" in _cache else {}),
        }
REGISTRY_PAGE_CACHE = "pages"
REGISTRY_DATA_CACHE = "data"
# Uploads above this size are refused before they are read.
REGISTRY_IMPORT_MAX_UPLOAD_BYTES = int(
    float(os.environ.get("DJANGO_IMPORT_MAX_UPLOAD_MB", "5")) * 1024 * 1024
)
# Request bodies: RequestBodyLimitMiddleware answers 413 from Content-Length, before reading,
# for a body over REGISTRY_MAX_REQUEST_BYTES (the admin's import endpoints: over the upload
# limit plus room for the form around the file). The reverse proxy's limits should match
# (README.md, Production).
REGISTRY_MAX_REQUEST_BYTES = int(os.environ.get("DJANGO_MAX_REQUEST_BYTES", str(64 * 1024)))
REGISTRY_IMPORT_MAX_REQUEST_BYTES = REGISTRY_IMPORT_MAX_UPLOAD_BYTES + REGISTRY_MAX_REQUEST_BYTES
# Form fields other than files never need more than a small body.
DATA_UPLOAD_MAX_MEMORY_SIZE = REGISTRY_MAX_REQUEST_BYTES
# A workbook that expands beyond this, or is compressed more than this ratio, is a zip bomb.
REGISTRY_IMPORT_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
REGISTRY_IMPORT_MAX_COMPRESSION_RATIO = 100

# Open data ----------------------------------------------------------------------------------

# The licence of the published data, chosen by the ASCN secretariat: "name|URL". It is stated
# in every page's footer, in the Popolo JSON's `meta` and in a `Link: <URL>; rel="license"`
# header on every download (README "Open data").
DEFAULT_DATA_LICENCE = "CC BY 4.0|https://creativecommons.org/licenses/by/4.0/"


def parse_data_licence(value):
    """{"name", "url"} from "name|URL"; anything else stops the process with the format."""
    name, separator, url = value.partition("|")
    name, url = name.strip(), url.strip()
    if not separator or not name or not url.startswith(("https://", "http://")) or "|" in url:
        raise ImproperlyConfigured(
            f"DJANGO_DATA_LICENCE is {value!r}; write it as 'name|URL', e.g. "
            f"{DEFAULT_DATA_LICENCE!r}."
        )
    return {"name": name, "url": url}


DATA_LICENCE = parse_data_licence(
    os.environ.get("DJANGO_DATA_LICENCE", "").strip() or DEFAULT_DATA_LICENCE
)

# The address reusers may write to about the data (DCAT's contactPoint in
# /data/catalog.jsonld); none is published when it is empty.
DATA_CONTACT_EMAIL = os.environ.get("DJANGO_DATA_CONTACT_EMAIL", "").strip()

# CORS (django-cors-headers) for the open data only: any origin may GET or HEAD /data/...,
# /healthz and the lists' downloads (`?format=`, which a path pattern cannot see, so
# ascn/open_data.py enables those by signal). No credentials: a cross-site read never carries
# a staff session. The admin and every form get no CORS headers at all.
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_URLS_REGEX = r"^/(?:data/.*|healthz)$"
CORS_ALLOW_METHODS = ("GET", "HEAD")
CORS_EXPOSE_HEADERS = ("ETag", "Content-Disposition", "Link")

# Security -----------------------------------------------------------------------------------
# In every environment, so development shows what production will refuse.

X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_HTTPONLY = True
# Only staff log in; their sessions last a working day.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_COOKIE_AGE", str(9 * 60 * 60)))
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Content-Security-Policy (django-csp 4): scripts, styles, images and fonts from this site
# only; no inline script or style, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
    },
}

# How many reverse proxies (load balancer, nginx) stand in front of the app servers: the
# client's address is that many places from the right of X-Forwarded-For.
PROXY_COUNT = int(
    env_required("DJANGO_PROXY_COUNT") if PRODUCTION else os.environ.get("DJANGO_PROXY_COUNT", "0")
)

# django-axes: after DJANGO_AXES_FAILURE_LIMIT failed logins for one username from one
# address, that pair is locked out for DJANGO_AXES_COOLOFF_MINUTES (HTTP 429).
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=int(os.environ.get("DJANGO_AXES_COOLOFF_MINUTES", "30"))
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "ascn.middleware.client_ip"

if PRODUCTION:
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", required=True)
    # The header the TLS-terminating proxy sets to "https", e.g. X-Forwarded-Proto; "none"
    # when gunicorn itself is reached over HTTPS.
    _proxy_ssl_header = env_required("DJANGO_SECURE_PROXY_SSL_HEADER")
    if _proxy_ssl_header.lower() != "none":
        SECURE_PROXY_SSL_HEADER = (
            "HTTP_" + _proxy_ssl_header.upper().replace("-", "_"),
            "https",
        )
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Load balancers poll the health check over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Logging and error e-mail -----------------------------------------------------------------
# README.md, Production: Logging. Records go to stderr, one JSON object a line (ascn/logs.py)
# tagged with the request's id (ascn.middleware.RequestIdMiddleware); DJANGO_LOG_FORMAT=text
# writes plain lines instead, the default in development.

LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "json" if PRODUCTION else "text").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT is {LOG_FORMAT!r}; use 'json' or 'text'.")
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "INFO").strip().upper() or "INFO"


def env_addresses(name):
    """'Name <a@example.org>, b@example.org' as Django's [(name, address), ...]."""
    from email.utils import getaddresses

    value = os.environ.get(name, "")
    addresses = [(n, a) for n, a in getaddresses([value]) if n or a]
    for _name, address in addresses:
        if "@" not in address:
            raise ImproperlyConfigured(
                f"{name} holds {address!r}, not an e-mail address; write it like "
                "'Ops <ops@example.org>, dev@example.org'."
            )
    return addresses


# Who receives an e-mail with the traceback of each server error: nobody unless set.
ADMINS = env_addresses("DJANGO_ADMINS")
SERVER_EMAIL = os.environ.get("DJANGO_SERVER_EMAIL", "root@localhost").strip() or "root@localhost"
DEFAULT_FROM_EMAIL = SERVER_EMAIL
EMAIL_SUBJECT_PREFIX = os.environ.get("DJANGO_EMAIL_SUBJECT_PREFIX", "[ASCN Registry] ")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost").strip() or "localhost"
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "DJANGO_EMAIL_USE_TLS (STARTTLS, port 587) and DJANGO_EMAIL_USE_SSL (port 465) "
        "exclude each other; set one."
    )
# The error e-mail is sent from the failing request: a mail server that hangs must not hold
# the worker until gunicorn's timeout.
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "10"))
# Outside production, e-mail is printed on the console unless a backend is named.
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "").strip() or (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)

# Confirmation rounds' reminders (manage.py send_confirmation_reminders): how many days before
# the due date the member states are reminded, who hears of returns waiting on review (else
# the "Secretariat editor" group's addresses), and the site's address for links in e-mails.
REGISTRY_REMINDER_DAYS_BEFORE_DUE = int(os.environ.get("DJANGO_REMINDER_DAYS_BEFORE_DUE", "14"))
REGISTRY_SECRETARIAT_EMAIL = env_addresses("DJANGO_SECRETARIAT_EMAIL")
REGISTRY_SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://localhost:8000").strip().rstrip("/")

_log_handlers = ["stderr", "mail_admins"] if ADMINS else ["stderr"]
LOGGING = {
    "version": 1,
    # gunicorn's loggers, configured before Django's, keep their handlers.
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "ascn.logs.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "json": {"()": "ascn.logs.JSONFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    # Everything not named below (third-party libraries): warnings and errors.
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        # django.request (every 4xx and 5xx, with the traceback), django.security and the rest.
        "django": {"handlers": _log_handlers, "level": "INFO", "propagate": False},
        # runserver's own request lines, in development.
        "django.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "registry": {"handlers": _log_handlers, "level": LOG_LEVEL, "propagate": False},
        "ascn": {"handlers": _log_handlers, "level": LOG_LEVEL, "propagate": False},
    },
}

# dumpdata/loaddata: a history naming deleted records still dumps (registry/serializers.py).
SERIALIZATION_MODULES = {"json": "registry.serializers"}
# Corrections from the public (README "Corrections from the public") ---------------------------
# The "Suggest a correction" form on every record page; off, the public site accepts no POST.
SUGGESTIONS_ENABLED = env_bool("DJANGO_SUGGESTIONS_ENABLED", default=True)
# Who is e-mailed each suggestion (plain text): nobody unless set.
SUGGESTIONS_EMAIL = [address for _name, address in env_addresses("DJANGO_SUGGESTIONS_EMAIL")]
# At most this many suggestions an hour from one client address (ascn.middleware.client_ip),
# counted in the cache every app server shares.
SUGGESTIONS_PER_HOUR = int(os.environ.get("DJANGO_SUGGESTIONS_PER_HOUR", "5"))
REGISTRY_SUGGESTION_CACHE = "suggestions"
