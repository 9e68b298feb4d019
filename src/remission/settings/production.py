"""Production settings: refuse to start without a secret key or with DEBUG on."""

from django.core.exceptions import ImproperlyConfigured

from remission.settings.base import *  # noqa: F403
from remission.settings.base import ENV

NO_SECRET_KEY = "SECRET_KEY must be set in the environment for production"
DEBUG_IN_PRODUCTION = "DEBUG must be off in production (unset DEBUG or set it to 0)"
NO_ALLOWED_HOSTS = "ALLOWED_HOSTS must list the host names this registry is served under"

if not ENV.secret_key:
    raise ImproperlyConfigured(NO_SECRET_KEY)
if ENV.debug:
    raise ImproperlyConfigured(DEBUG_IN_PRODUCTION)
if not ENV.allowed_hosts:
    raise ImproperlyConfigured(NO_ALLOWED_HOSTS)

SECRET_KEY = ENV.secret_key
DEBUG = False
ALLOWED_HOSTS = list(ENV.allowed_hosts)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
