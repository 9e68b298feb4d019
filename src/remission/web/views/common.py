"""What every view shares: registry errors as HTTP answers, the write check, pagination."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from remission.registry.access import scope_for
from remission.registry.errors import NotFound, PermissionDenied
from remission.web.paging import ListPage, page_number, page_of

PAGE_SIZE = 50
READ_ONLY = gettext_noop("Your role does not allow changes at this centre.")

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


def int_or_none(value: str | None) -> int | None:
    """A whole number from the query string (a filter's id), or None when empty or not a number."""
    try:
        return int(value) if value else None
    except ValueError:
        return None


def can_write(user: Any, centre_id: int) -> bool:
    return scope_for(user).can_write(centre_id)


def require_write(user: Any, centre_id: int) -> None:
    if not can_write(user, centre_id):
        raise HttpForbidden(_(READ_ONLY))


def paginate(rows: Any, request: HttpRequest, per_page: int = PAGE_SIZE) -> ListPage:
    """The page of ``rows`` named by ``?page=`` (``remission.web.paging``: counts at most 1,000 rows)."""
    return page_of(rows, page_number(request.GET.get("page")), per_page)


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
