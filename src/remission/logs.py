"""Logging: to stderr and to a rotating file in the data folder, every line with the request's id.

Each request gets a short random id (:class:`remission.web.middleware.RequestIdMiddleware` sets it, answers
it in the ``X-Request-ID`` header, and the 500 page and the API's error body show it). The id is kept in a
context variable for the request's duration, and :class:`RequestIdFilter` writes it into every log record,
so a user who quotes the id on the error page leads straight to the traceback in
``<REMISSION_DATA_DIR>/logs/remission.log``. Outside a request the id is ``-``.

The file rotates at 10 MB and keeps 10 old files (``remission.log.1`` … ``.10``).
"""

from __future__ import annotations

import contextvars
import logging
import secrets
from pathlib import Path
from typing import Any

LOG_FILE = Path("logs") / "remission.log"
ROTATE_BYTES = 10 * 1024 * 1024
ROTATE_KEEP = 10
NO_REQUEST = "-"
REQUEST_ID_HEADER = "X-Request-ID"
FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("remission_request_id", default=NO_REQUEST)


def new_request_id() -> str:
    """A fresh id: 16 hexadecimal characters (64 random bits)."""
    return secrets.token_hex(8)


def current_request_id() -> str:
    """The id of the request being answered on this thread, or ``-``."""
    return _request_id.get()


def bind_request_id(request_id: str) -> contextvars.Token[str]:
    return _request_id.set(request_id)


def unbind_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (from the record's request, else the current request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or current_request_id()
        return True


def log_file(data_dir: Path) -> Path:
    return data_dir / LOG_FILE


def logging_config(data_dir: Path, *, level: str = "INFO") -> dict[str, Any]:
    """The ``LOGGING`` setting: stderr and ``data_dir/logs/remission.log`` (made when first written).

    ``django`` (server errors with their tracebacks, refused requests) logs warnings and worse;
    ``remission`` logs ``level`` and worse.
    """
    handler_filters = ["request_id"]
    handlers: dict[str, dict[str, Any]] = {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "filters": handler_filters},
    }
    try:
        log_file(data_dir).parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # a data folder that cannot be written: stderr only
        pass
    else:
        handlers["file"] = {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": str(log_file(data_dir)),
            "maxBytes": ROTATE_BYTES,
            "backupCount": ROTATE_KEEP,
            "encoding": "utf-8",
            "delay": True,
            "formatter": "plain",
            "filters": handler_filters,
        }
    names = list(handlers)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "remission.logs.RequestIdFilter"}},
        "formatters": {"plain": {"format": FORMAT}},
        "handlers": handlers,
        "loggers": {
            # Django's request logger writes every server error with its traceback (and 4xx as warnings)
            "django": {"handlers": names, "level": "WARNING", "propagate": False},
            "remission": {"handlers": names, "level": level, "propagate": False},
        },
    }


class RequestIdMiddleware:
    """Gives each request an id (``request.request_id``), binds it for logging while the request is
    answered, and answers it in the ``X-Request-ID`` header. Outermost in ``MIDDLEWARE``, so that every
    other layer's log lines and error pages carry it."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        request.request_id = new_request_id()
        token = bind_request_id(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            unbind_request_id(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response
