"""The server-error page: says what happened and shows the request id to quote (the log holds the rest)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

from remission.logs import current_request_id

FALLBACK = "A server error occurred. Request id: {request_id}"


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: renders ``500.html`` without context processors, so that a failing database or
    session does not make the error page fail too."""
    request_id = getattr(request, "request_id", None) or current_request_id()
    try:
        body = loader.get_template("500.html").render({"request_id": request_id})
    except Exception:  # the page of last resort must answer
        return HttpResponseServerError(FALLBACK.format(request_id=request_id), content_type="text/plain")
    return HttpResponseServerError(body)
