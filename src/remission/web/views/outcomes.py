"""Outcomes: the cohort filters, curves, estimates and Table 1 of the analysis layer; the report download."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from remission.interop.extract import scope_words
from remission.registry.services.exports import REPORT_ENTITY, export_audit
from remission.web import outcomes as pages

CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "zip": "application/zip"}


def _data(request: HttpRequest) -> tuple[pages.CohortForm, dict | None]:
    form = pages.CohortForm(request.GET or None, user=request.user)
    if not request.GET:
        return form, {"by": "disease"}
    return form, (form.cleaned_data if form.is_valid() else None)


@login_required
def outcomes(request: HttpRequest) -> HttpResponse:
    form, data = _data(request)
    page = None
    if data is not None:
        page = pages.outcomes_page(user=request.user, data=data, refresh=request.GET.get("refresh") == "1")
    query = request.GET.copy()
    query.pop("refresh", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "web/outcomes.html", context)


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@login_required
def report(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("the report comes as .html or .pdf, its tables as .zip")
    _, data = _data(request)
    if data is None:
        raise Http404("the cohort filters are not valid")
    produced = pages.report_file(user=request.user, data=data, fmt=fmt)
    if produced is None:
        raise Http404(pages.EMPTY)
    content, name, n_patients = produced
    export_audit(
        actor=request.user,
        entity=REPORT_ENTITY,
        file_format=fmt,
        file_name=name,
        sha256=hashlib.sha256(content).hexdigest(),
        scope=scope_words(request.user),
        filters={k: _jsonable(v) for k, v in data.items()},
        row_counts={"patients": n_patients},
        reason="web report download",
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
