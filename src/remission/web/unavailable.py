"""A web page's answer when the database is busy or unreachable: 503 "try again", not a server error.

SQLite holds one writer at a time and makes the others wait up to the busy timeout
(``remission.settings.base.sqlite_options``); a PostgreSQL connection may be lost mid-request (a restart,
a failover, an administrator ending it). Either way Django raises ``OperationalError``, the request's
transaction is rolled back, and the next request opens a new connection. The page says so without
touching the database (no template context, no session), with ``Retry-After``. The API answers the same
in its own JSON shape (``remission.api.api``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from remission.logs import current_request_id

RETRY_AFTER_SECONDS = 2
HEADING = gettext_noop("The registry is busy — try again")
# the page, its heading in English (replaced by its translation when shown)
PAGE = (
    '<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head><body>'
    '<main id="main"><h1>' + HEADING + "</h1><p>{text}</p><p>{request_id}</p></main></body></html>"
)


def page(request_id: str) -> str:
    """The 503 page in the active language (the request's, as LocaleMiddleware chose it)."""
    return PAGE.replace(HEADING, escape(_(HEADING)), 1).format(
        lang=escape(translation.get_language() or "en-gb"),
        title=escape(_("Try again")),
        text=escape(
            _(
                "The database was busy or the connection to it was lost, so this request was not completed. "
                "A change is saved whole or not at all: open the record again to see whether it was saved "
                "before repeating it."
            )
        ),
        request_id=escape(_("Request id: %(id)s") % {"id": request_id}),
    )


logger = logging.getLogger("remission.web")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError) or request.path_info.startswith("/api/"):
            return None
        first = str(exception).splitlines()[0] if str(exception) else ""
        logger.warning("Database unavailable: %s: %s", request.path, first)
        request_id = getattr(request, "request_id", None) or current_request_id()
        response = HttpResponse(page(str(request_id)), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
