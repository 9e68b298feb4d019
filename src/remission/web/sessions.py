"""Signed-in sessions end after inactivity, and a fixed time after sign-in.

``REMISSION_SESSION_IDLE_MINUTES`` (30) without a request, or ``REMISSION_SESSION_MAX_HOURS`` (8) after
the session was first seen signed in, and the next request signs the user out (audited as a sign-out with
the cause), says why on the sign-in page and goes back to where it was after signing in again. The time
of the last request is written to the session at most once a minute, so that pages do not each write.
API tokens do not use sessions and are not affected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from remission.registry.services.accounts import sign_out_record
from remission.web.signin import client_address

LAST_SEEN = "remission_last_seen"
SIGNED_IN_AT = "remission_signed_in_at"
TOUCH_EVERY = 60.0  # seconds: how stale the stored last-request time may be
IDLE_ENDED = gettext_noop(
    "You were signed out after {minutes} minutes without activity. Please sign in again."
)
MAX_AGE_ENDED = gettext_noop("You were signed out {hours} hours after signing in. Please sign in again.")


def idle_seconds() -> float:
    return float(getattr(settings, "REMISSION_SESSION_IDLE_MINUTES", 30)) * 60


def max_age_seconds() -> float:
    return float(getattr(settings, "REMISSION_SESSION_MAX_HOURS", 8)) * 3600


def session_end_cause(session: SessionBase, *, now: float) -> tuple[str, dict[str, int]] | None:
    """Why this signed-in session must end now — a sentence for the user, in English (the audit row
    keeps it so; the page shows it translated), with its values — or None; else keep it fresh."""
    last_seen = session.get(LAST_SEEN)
    signed_in_at = session.get(SIGNED_IN_AT)
    if last_seen is not None and now - float(last_seen) > idle_seconds():
        return IDLE_ENDED, {"minutes": round(idle_seconds() / 60)}
    if signed_in_at is not None and now - float(signed_in_at) > max_age_seconds():
        return MAX_AGE_ENDED, {"hours": round(max_age_seconds() / 3600)}
    if signed_in_at is None:
        session[SIGNED_IN_AT] = now
    if last_seen is None or now - float(last_seen) >= TOUCH_EVERY:
        session[LAST_SEEN] = now
    return None


def stamp_sign_in(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """At sign-in (``user_logged_in``): the session starts now and was active now."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SIGNED_IN_AT] = session[LAST_SEEN] = time.time()


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and session is not None and user.is_authenticated:
            ending = session_end_cause(session, now=time.time())
            if ending is not None:
                sentence, values = ending
                sign_out_record(user=user, address=client_address(request), cause=sentence.format(**values))
                logout(request)
                messages.info(request, _(sentence).format(**values))
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
