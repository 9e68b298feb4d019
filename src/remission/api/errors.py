"""The API's one error shape, for every error however it arises.

``{"errors": [{"record": …, "field": …, "rule": …, "message": …}], "request_id": "…"}`` — from the
operations' exception handlers (``api.py``) and from :mod:`remission.api.middleware` for what happens
before or around an operation (an unknown path, a method the path does not have, an oversize or
unparseable body, a server error). ``request_id`` is the id of the request in the server's log.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from remission.logs import current_request_id

RULE_BY_STATUS = {
    400: "bad_request",
    401: "authentication",
    403: "permission",
    404: "not_found",
    405: "method_not_allowed",
    409: "version_conflict",
    413: "too_large",
    415: "media_type",
    422: "invalid",
    429: "throttled",
    500: "server_error",
    503: "try_again",
}
MESSAGE_BY_STATUS = {
    400: "the request could not be read",
    401: "a valid API token is required: Authorization: Bearer rms_…",
    403: "you may not do this",
    404: "there is no such path or record, or not one that you can see",
    405: "{method} is not allowed here; allowed: {allowed}",
    413: "the request body is larger than the {limit} bytes allowed",
    500: "the server failed to answer; quote request id {request_id} when you report it",
}
SERVER_ERROR = MESSAGE_BY_STATUS[500]


def request_id_of(request: HttpRequest | None) -> str:
    return getattr(request, "request_id", None) or current_request_id()


def error_item(rule: str, message: str, *, record: str = "", field: str = "") -> dict[str, Any]:
    return {"record": record, "field": field, "rule": rule, "message": message}


def error_body(request: HttpRequest | None, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"errors": items, "request_id": request_id_of(request)}


def error_response(
    request: HttpRequest | None, status: int, message: str, *, rule: str | None = None, field: str = ""
) -> JsonResponse:
    """One error as a JSON response of ``status``."""
    item = error_item(rule or RULE_BY_STATUS.get(status, "error"), message, record="request", field=field)
    return JsonResponse(error_body(request, [item]), status=status)


def server_error_response(request: HttpRequest | None) -> JsonResponse:
    request_id = request_id_of(request)
    return error_response(request, 500, SERVER_ERROR.format(request_id=request_id))


# Statuses that any operation can answer, whatever it declares: a body that cannot be read, one too large,
# a server error. The OpenAPI document names the error shape for them on every operation.
ANY_OPERATION = {
    400: "the body, or a header, could not be read",
    413: "the body is larger than allowed",
    500: "the server failed; the body names the request id it logged",
    503: "the database was busy or unreachable: try again after Retry-After seconds",
}
ERRORS_REF = {"$ref": "#/components/schemas/Errors"}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (an OpenAPI document) with the error shape for :data:`ANY_OPERATION`'s statuses on every
    operation that does not declare them already."""
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            declared = {str(status) for status in responses}
            for status, description in ANY_OPERATION.items():
                if str(status) not in declared:
                    content = {"application/json": {"schema": ERRORS_REF}}
                    responses[status] = {"description": description, "content": content}
    return schema
