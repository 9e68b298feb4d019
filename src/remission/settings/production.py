"""Production settings: refuse to start without a secret key, with DEBUG on, or without host names."""

from django.core.exceptions import ImproperlyConfigured

from remission.settings.base import *  # noqa: F403
from remission.settings.environment import ENV, production_problems

_problems = production_problems(ENV)
if _problems:
    raise ImproperlyConfigured("; ".join(_problems))

SECRET_KEY = ENV.secret_key
REMISSION_PSEUDONYM_KEY = ENV.pseudonym_key
DEBUG = False
ALLOWED_HOSTS = list(ENV.allowed_hosts)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
