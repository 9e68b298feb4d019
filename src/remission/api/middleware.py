"""The API never answers HTML: what goes wrong around an operation is answered in the API's error shape.

Under ``/api/`` this middleware

* refuses a body larger than allowed before anything reads it (413): ``DATA_UPLOAD_MAX_MEMORY_SIZE``
  for JSON and other bodies, ``REMISSION_API_MAX_UPLOAD_BYTES`` for ``multipart/form-data`` (the
  import operations' files), read from ``Content-Length`` (a body without one is limited by Django while
  it is read, which the API's handlers answer with the same 413);
* turns every error response that is not JSON — Django's 404 for an unknown path, django-ninja's 405
  for a method the path does not have, the 400 of a bad ``Host``, the 500 page — into the error shape
  of :mod:`remission.api.errors`, with the same status;
* answers an exception that escaped the operation with a 500 in that shape, after logging it with its
  traceback and the request id.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from remission.api.errors import MESSAGE_BY_STATUS, error_response, server_error_response

API_PREFIX = "/api/"
DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024
BAD_LENGTH = "Content-Length {value!r} is not a number of bytes"

logger = logging.getLogger("remission.api")


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def body_limit(request: HttpRequest) -> int | None:
    """The largest body allowed for this request (None: no limit)."""
    if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data"):
        return getattr(settings, "REMISSION_API_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large(request: HttpRequest, limit: int | None = None) -> HttpResponse:
    limit = limit if limit is not None else body_limit(request)
    return error_response(request, 413, MESSAGE_BY_STATUS[413].format(limit=limit), field="body")


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().lower() in (
        "application/json",
        "application/problem+json",
        "application/fhir+json",
    )


class ApiErrorsMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        refused = self._refuse_body(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            return self._as_json(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return too_large(request)
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return server_error_response(request)

    def _refuse_body(self, request: HttpRequest) -> HttpResponse | None:
        value = request.META.get("CONTENT_LENGTH") or ""
        if not value:
            return None
        try:
            length = int(value)
        except ValueError:
            return error_response(request, 400, BAD_LENGTH.format(value=value[:40]), field="Content-Length")
        limit = body_limit(request)
        if limit is not None and length > limit:
            return too_large(request, limit)
        return None

    def _as_json(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        status = response.status_code
        if status == 405:
            allowed = response.get("Allow", "")
            message = MESSAGE_BY_STATUS[405].format(method=request.method, allowed=allowed or "none")
            answer = error_response(request, 405, message)
            if allowed:
                answer["Allow"] = allowed
            return answer
        if status >= 500:
            return server_error_response(request)
        if status == 413:
            return too_large(request)
        message = MESSAGE_BY_STATUS.get(status) or getattr(response, "reason_phrase", "") or "refused"
        return error_response(request, status, message)
