"""Settings shared by every deployment. The environment comes from :data:`environment.ENV` only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url

from remission.logs import logging_config
from remission.settings.environment import ENV, Environment
from remission.settings.secret_key import installation_secret_key

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


# No key in the environment: the installation's own, made on first use in the data folder (mode 0600);
# production.py requires SECRET_KEY in the environment instead (docs/security.md, "Web hardening").
SECRET_KEY = ENV.secret_key or installation_secret_key(ENV.data_dir)
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
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "remission.registry",
    "remission.interop",
    "remission.web",
    "remission.api",
]

MIDDLEWARE = [
    # web hardening (docs/security.md): a request id first, so that every log line and error page has it;
    # static files (WhiteNoise); the API's one JSON error shape; the Content-Security-Policy header
    "remission.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "remission.api.middleware.ApiErrorsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # languages (docs/languages.md): the user's own choice, else the browser's Accept-Language
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # languages: a signed-in user's stored language overrides LocaleMiddleware's choice
    "remission.web.languages.UserLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # accounts (remission.web.sessions): end idle sessions, then ask for the second factor where needed
    "remission.web.sessions.IdleTimeoutMiddleware",
    "remission.web.second_factor.SecondFactorMiddleware",
    # faults (docs/security.md): a busy or lost database is a 503 "try again" page, not a server error
    "remission.web.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "remission.urls"
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

# Argon2id first: new passwords are hashed with it, and a password stored with any other hasher below is
# re-hashed with Argon2 the next time its owner signs in (Django upgrades on a successful check).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
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
# English is the source language; French is translated in full; German, Italian and Spanish are catalogues
# ready for translators (docs/languages.md). Each package keeps its own catalogue: the apps' own locale/
# folders (registry, web) are found by Django, the others are named here.
LANGUAGES = [
    ("en-gb", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("es", "Español"),
]
LOCALE_PATHS = [str(PACKAGE_DIR / name / "locale") for name in ("analysis", "clinical", "reports")]
# Dates and numbers on web pages follow the active language (Django's formats); British English, the
# source language, keeps the registry's ISO short dates (remission/web/formats/en_GB).
FORMAT_MODULE_PATH = ["remission.web.formats"]
USE_TZ = True

STATIC_URL = "static/"
# WhiteNoise serves the apps' static folders directly (WHITENOISE_USE_FINDERS below); STATIC_ROOT is only
# for `collectstatic` when a web server in front serves the files, and is read only once it exists.
STATIC_ROOT = str(ENV.data_dir / "static") if (ENV.data_dir / "static").is_dir() else None

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
# Content-Security-Policy (django-csp): scripts only from the application's own files, no inline script
# (the templates load web/app.js and web/screening.js); no framing; forms post only to the application.
# Styles only from the application's files too: no <style> element, no style attribute (a template's
# one-off adjustment is a class of web/app.css); images allow data: (the outcome figures are PNG data URIs).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Static files through WhiteNoise, found in the apps' static folders (no collectstatic needed; files are
# indexed once at start-up).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False
# Logging: stderr and <data folder>/logs/remission.log (rotating), each line with the request id.
LOGGING = logging_config(ENV.data_dir)
# Caches: "default" (computed outcome pages and API answers) is each process's own memory; "signin", the
# sign-in throttle's failure counts (remission/web/signin.py), is a table in the registry's database, so
# that every server process shares the counts. ``remission migrate`` makes the table (createcachetable).
CACHES = {
    # The analysis's results, the laid-out outcomes pages and the centre completeness reports (each
    # kept 15 minutes). One result of a 100,000-patient registry holds about 185 MB, so the cache keeps at
    # most this many entries; past them the least recently used third goes (LocMem's culling).
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 24, "CULL_FREQUENCY": 3},
    },
    "signin": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "remission_signin_cache",
        # Culling drops entries when the table is full; room for a million (user name, address) pairs
        # means a lockout cannot be evicted by failing from a few thousand other addresses.
        "OPTIONS": {"MAX_ENTRIES": 1_000_000, "CULL_FREQUENCY": 10},
    },
}
REMISSION_SIGNIN_CACHE = "signin"
# --- accounts and sign-in (docs/security.md, "Accounts and sign-in") ---------------------------------
# Lockout: this many failed sign-ins for one user name from one address within the window lock that pair
# out; this many from one address for any user names (password spraying) pause that address.
REMISSION_SIGNIN_MAX_FAILURES = 5
REMISSION_SIGNIN_ADDRESS_MAX_FAILURES = 30
REMISSION_SIGNIN_WINDOW_MINUTES = 15
REMISSION_SIGNIN_LOCKOUT_MINUTES = 15
# A signed-in session ends after this many minutes without a request, and this many hours after sign-in.
REMISSION_SESSION_IDLE_MINUTES = 30
REMISSION_SESSION_MAX_HOURS = 8
# Roles that must sign in with a second factor (TOTP, remission.web.second_factor). Empty here so that the
# demo stays usable; production.py requires it of the roles that see hospital numbers or write.
REMISSION_OTP_REQUIRED_ROLES: frozenset[str] = frozenset()
OTP_TOTP_ISSUER = "Remission"
# Dosing policies per centre code for the screening page (remission.clinical.dosing.DosingPolicy fields),
# e.g. {"leiden": {"name": "Leiden 2024", "weight_basis": "adjusted", "bsa_cap_m2": 2.0}}.
REMISSION_DOSING_POLICIES: dict[str, dict[str, Any]] = {}
# API pages: at most this many rows per page.
REMISSION_API_MAX_PAGE_SIZE = 500
NINJA_PAGINATION_PER_PAGE = 50
# API bodies: JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MB), the import operations'
# multipart uploads up to this many bytes; larger is a 413 (remission.api.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
REMISSION_API_MAX_UPLOAD_BYTES = 512 * 1024 * 1024
# API tokens expire this many days after they are made unless the maker chooses fewer (at most the max).
REMISSION_API_TOKEN_DAYS = 90
REMISSION_API_TOKEN_MAX_DAYS = 365
# The interactive API documents (/api/docs, /api/openapi.json) ask for a sign-in (production.py: yes).
REMISSION_API_DOCS_NEED_SIGNIN = False
# --- e-mail: the daily digest of query news (remission quality notify) ------------------------------
# Printed to the console unless REMISSION_EMAIL_HOST names an SMTP server (environment.py).
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if ENV.email_host
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = ENV.email_host or "localhost"
EMAIL_PORT = ENV.email_port
EMAIL_HOST_USER = ENV.email_user
EMAIL_HOST_PASSWORD = ENV.email_password
EMAIL_USE_TLS = ENV.email_tls
DEFAULT_FROM_EMAIL = ENV.email_from
# Links in e-mails point here.
REMISSION_SITE_URL = ENV.site_url
# --- data quality: the follow-up forms each infusion is due (docs/quality.md, "Forms due") ------------
# A schedule: fixed points (code, label, day from day 0, window days before, window days after), then one
# point a year from ``yearly_from`` to ``yearly_to`` (day round(365.25 × year), window ± ``yearly_window``
# days). Day 100, 6 months, then yearly is CIBMTR's Post-CTED (form 4100) pattern; the 15-year track for
# genetically modified products follows FDA's guidance on long-term follow-up after human gene therapy
# products (January 2020). The window widths are this registry's choice, not a published figure.
_FIRST_YEAR = [
    ("d100", "Day 100", 100, 30, 30),
    ("m6", "6 months", 183, 45, 45),
    ("y1", "1 year", 365, 90, 90),
]
_YEARLY_TO_15 = {"points": _FIRST_YEAR, "yearly_from": 2, "yearly_to": 15, "yearly_window": 90}
REMISSION_FOLLOW_UP_SCHEDULES: dict[str, dict[str, Any]] = {
    "hsct": dict(_YEARLY_TO_15),
    "cell_therapy": dict(_YEARLY_TO_15),  # MSC, Treg, other cell therapies
    "gene_modified": dict(_YEARLY_TO_15),  # CAR-T and other genetically modified products
}
# Which schedule a product type follows (codes.ProductType); a product of codes.GENE_MODIFIED_PRODUCTS, or
# one whose manipulation is gene modification, follows "gene_modified" whatever this says.
REMISSION_FOLLOW_UP_SCHEDULE_OF_PRODUCT: dict[str, str] = {
    "auto_hsc": "hsct",
    "allo_hsc": "hsct",
    "msc": "cell_therapy",
    "treg": "cell_therapy",
    "other": "cell_therapy",
    "car_t": "gene_modified",
}
# --- data quality: the soft rules (docs/quality.md, "Rules"; remission.registry.quality.rules) ---------
# Per rule id: {"enabled": False} leaves the rule out; {parameter: days} changes one of its thresholds,
# e.g. {"engraftment-by-d60": {"days": 45}, "cd4-at-1y": {"enabled": False}}.
REMISSION_QUALITY_RULES: dict[str, dict[str, Any]] = {}
