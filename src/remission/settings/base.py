"""Settings shared by every deployment. The environment comes from :data:`environment.ENV` only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from remission.settings.environment import ENV, Environment

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def database_config(env: Environment) -> dict[str, Any]:
    """``DATABASE_URL`` when set; otherwise the embedded SQLite registry in WAL mode."""
    if env.database_url:
        config = dj_database_url.parse(env.database_url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config["OPTIONS"] = sqlite_options()
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(env.sqlite_path),
        "OPTIONS": sqlite_options(),
    }


def sqlite_options() -> dict[str, Any]:
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN so that
    # two writers queue instead of failing half-way through a transaction.
    return {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }


SECRET_KEY = ENV.secret_key or "remission-development-key-not-for-production"
# The key of de-identified extracts' pseudonyms and date shifts (remission.interop.deidentify).
REMISSION_PSEUDONYM_KEY = ENV.pseudonym_key or "remission-development-pseudonym-key-not-for-production"
DEBUG = ENV.debug
ALLOWED_HOSTS = list(ENV.allowed_hosts) or ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "remission.registry",
    "remission.interop",
    "remission.web",
    "remission.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "remission.web.urls"
WSGI_APPLICATION = "remission.wsgi.application"

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
                "remission.web.context.user_scope",
            ],
        },
    },
]

DATABASES = {"default": database_config(ENV)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = str(ENV.data_dir / "static")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- web and API ------------------------------------------------------------------------------------
# Sessions end after 8 hours or when the browser closes; production.py makes the cookies Secure.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Caches: "default" (computed outcome pages and API answers) is each process's own memory; "signin", the
# sign-in throttle's failure counts (remission/web/signin.py), is a table in the registry's database, so
# that every server process shares the counts. ``remission migrate`` makes the table (createcachetable).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "signin": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "remission_signin_cache",
        # Culling drops entries when the table is full; room for a million (user name, address) pairs
        # means a lockout cannot be evicted by failing from a few thousand other addresses.
        "OPTIONS": {"MAX_ENTRIES": 1_000_000, "CULL_FREQUENCY": 10},
    },
}
REMISSION_SIGNIN_CACHE = "signin"
# Dosing policies per centre code for the screening page (remission.clinical.dosing.DosingPolicy fields),
# e.g. {"leiden": {"name": "Leiden 2024", "weight_basis": "adjusted", "bsa_cap_m2": 2.0}}.
REMISSION_DOSING_POLICIES: dict[str, dict[str, Any]] = {}
# API pages: at most this many rows per page.
REMISSION_API_MAX_PAGE_SIZE = 500
NINJA_PAGINATION_PER_PAGE = 50
