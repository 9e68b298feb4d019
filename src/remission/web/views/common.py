"""What every view shares: registry errors as HTTP answers, the write check, pagination."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse

from remission.registry.access import scope_for
from remission.registry.errors import NotFound, PermissionDenied

PAGE_SIZE = 50
READ_ONLY = "Your role does not allow changes at this centre."

View = Callable[..., HttpResponse]


def registry_errors(view: View) -> View:
    """Another centre's record (or none) is a 404, never a 403; a refused write by role is a 403."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except PermissionDenied as exc:
            raise HttpForbidden(str(exc)) from exc

    return wrapped


def can_write(user: Any, centre_id: int) -> bool:
    return scope_for(user).can_write(centre_id)


def require_write(user: Any, centre_id: int) -> None:
    if not can_write(user, centre_id):
        raise HttpForbidden(READ_ONLY)


def paginate(rows: Any, request: HttpRequest, per_page: int = PAGE_SIZE) -> Page:
    paginator = Paginator(rows, per_page)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
