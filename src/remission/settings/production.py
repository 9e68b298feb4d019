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
# Web hardening (docs/security.md, "Web hardening"): the interactive API documents need a sign-in, and
# `manage.py check --deploy` passes with these of its warnings silenced on purpose:
#   security.W005 (HSTS includeSubDomains) and security.W021 (HSTS preload): the registry is one host of a
#     hospital's domain; binding every sibling host to HTTPS, or the domain to browsers' preload lists, is
#     the domain owner's decision, not the registry's.
#   security.W008 (SECURE_SSL_REDIRECT): TLS ends at the web server in front of waitress, which redirects
#     plain HTTP; redirecting here too would loop behind a proxy that speaks HTTP to waitress.
REMISSION_API_DOCS_NEED_SIGNIN = True
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W008", "security.W021"]
# A second factor (TOTP) for every role that sees hospital numbers or writes (remission.registry.access):
# centre data managers and clinicians, and registry administrators. Statisticians and viewers may add one.
REMISSION_OTP_REQUIRED_ROLES = frozenset(
    {"centre_data_manager", "centre_clinician", "registry_administrator"}
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The demo's published password: refused as a new password, and the WSGI application (remission serve)
# refuses to start while any account has it (remission.synth.demo_password; docs/security.md).
REMISSION_REFUSE_DEMO_PASSWORDS = True
AUTH_PASSWORD_VALIDATORS = [
    *AUTH_PASSWORD_VALIDATORS,  # noqa: F405
    {"NAME": "remission.synth.demo_password.NotTheDemoPassword"},
]
