"""
Settings for the ASCN Registry, read from the environment (DJANGO_-prefixed variables and
DATABASE_URL; README.md documents each one).

DEBUG is off unless DJANGO_DEBUG says otherwise, and without DEBUG a missing
DJANGO_SECRET_KEY stops the process: a forgotten variable fails loudly instead of running
production on a development key. `make run` and `make test` set DJANGO_DEBUG=1.
"""

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


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, or set "
            "DJANGO_DEBUG=1 for a development server with a throwaway key."
        )
    # Only ever used with DEBUG on; never valid in production.
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "import_export",
    "registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
STATIC_ROOT = BASE_DIR / "staticfiles"
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
# Formula characters are escaped by registry.resources for every format; django-import-export's
# own option would only strip a leading "=".
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
IMPORT_EXPORT_CHUNK_SIZE = 2000
# The uploaded file waits between preview and confirm in a cache every app server shares.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "registry.spreadsheets.SharedCacheStorage"
REGISTRY_IMPORT_CACHE = "imports"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rendered public pages, keyed by the data version kept in the database: each process
    # keeps its own copies and a write anywhere retires them all (registry/views.py).
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "registry-pages",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
    # A table in the database (created by `manage.py createcachetable`).
    "imports": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "registry_import_cache",
        "TIMEOUT": 24 * 60 * 60,
    },
}
REGISTRY_PAGE_CACHE = "pages"
# Uploads above this size are refused before they are read.
REGISTRY_IMPORT_MAX_UPLOAD_BYTES = int(
    float(os.environ.get("DJANGO_IMPORT_MAX_UPLOAD_MB", "5")) * 1024 * 1024
)
# A workbook that expands beyond this, or is compressed more than this ratio, is a zip bomb.
REGISTRY_IMPORT_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
REGISTRY_IMPORT_MAX_COMPRESSION_RATIO = 100
