"""Who must give a second factor, and the middleware that asks for it.

A signed-in user whose session is not yet verified by a one-time code is sent

* to the code page (``second_factor_verify``) when they have a confirmed TOTP device — whatever their
  role: a user who enrolled a device is always asked for it;
* to enrolment (``second_factor_enrol``) when they have none and one of their current roles is in
  ``settings.REMISSION_OTP_REQUIRED_ROLES`` (empty in the base settings, so the demo stays usable;
  production.py lists the roles that see hospital numbers or write).

Only the sign-in, sign-out, code, enrolment and static routes are reachable before that. The API is not
affected: it authenticates each request by token, not by the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import user_has_device

from remission.registry.access import scope_for

VERIFY = "verify"
ENROL = "enrol"
REACHABLE_BEFORE = frozenset({"login", "logout", "second_factor_verify", "second_factor_enrol", "static"})
STEP_URL = {VERIFY: "second_factor_verify", ENROL: "second_factor_enrol"}


def required_roles() -> frozenset[str]:
    return frozenset(str(r) for r in getattr(settings, "REMISSION_OTP_REQUIRED_ROLES", ()))


def required_for(user: Any) -> bool:
    """Whether one of ``user``'s current roles must sign in with a second factor."""
    return bool(scope_for(user).roles & required_roles())


def is_verified(user: Any) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def step_needed(user: Any) -> str | None:
    """``"verify"``, ``"enrol"`` or None: what ``user`` must still do before using the registry."""
    if user is None or not user.is_authenticated or is_verified(user):
        return None
    if user_has_device(user, confirmed=True):
        return VERIFY
    if required_for(user):
        return ENROL
    return None


def step_url(step: str, next_url: str) -> str:
    url = reverse(STEP_URL[step])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or "api" in match.namespaces or match.url_name in REACHABLE_BEFORE:
            return None
        step = step_needed(getattr(request, "user", None))
        if step is None:
            return None
        return HttpResponseRedirect(step_url(step, request.get_full_path()))
