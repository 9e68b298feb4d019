"""Completeness per centre and per year of day 0: Clark's completeness index, forms received in their
window, open queries and their median age, the fields most often missing; and the centre benchmark table
as a CSV download (audited like every export). The numbers come from ``analysis/centre_completeness.py``;
a centre's users see their own centre's row, registry roles every centre's (no patient is named)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET

from remission.analysis.centre_completeness import (
    CompletenessQuery,
    CompletenessReport,
    CompletenessRow,
    benchmark_download,
    completeness_report,
)
from remission.registry import selectors
from remission.registry.labels import field_label, model_label
from remission.registry.ranges import EARLIEST_YEAR, LATEST_YEAR
from remission.web.forms import in_registry_years

CSV = "text/csv; charset=utf-8"
YEARS_ORDER = gettext_noop("The last year is before the first.")


class CompletenessForm(forms.Form):
    centre = forms.ChoiceField(required=False)
    first_year = forms.IntegerField(
        required=False, min_value=EARLIEST_YEAR, max_value=LATEST_YEAR, label=gettext_lazy("Day 0 from year")
    )
    last_year = forms.IntegerField(
        required=False, min_value=EARLIEST_YEAR, max_value=LATEST_YEAR, label=gettext_lazy("Day 0 to year")
    )
    cutoff = forms.DateField(
        required=False,
        label=gettext_lazy("Cut-off"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),  # a date input reads ISO only
        validators=[in_registry_years],
        help_text=gettext_lazy("Default: today"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        centres = selectors.centre_list(user=user)
        self.fields["centre"].choices = [("", _("All centres you can see"))] + [
            (c.code, c.name) for c in centres
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("first_year"), data.get("last_year")
        if first is not None and last is not None and last < first:
            self.add_error("last_year", _(YEARS_ORDER))
        return data

    def query(self) -> CompletenessQuery:
        data = self.cleaned_data
        return CompletenessQuery(
            first_year=data.get("first_year"),
            last_year=data.get("last_year"),
            cutoff=data.get("cutoff"),
            centre=data.get("centre") or None,
        )


def _number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals in the active language's format (``0.384``, ``0,384``)."""
    if not np.isfinite(value):
        return "—"
    # rounded first: Django's number_format cuts the decimals off rather than rounding them
    return number_format(round(float(value), digits), decimal_pos=digits, force_grouping=True)


def _percent(share: float) -> str:
    """A share as a percentage with one decimal (no sign), empty when undefined."""
    return "" if not np.isfinite(share) else _number(100 * share, 1)


def _row(r: CompletenessRow) -> dict[str, Any]:
    median = r.queries.median_age_days
    return {
        "centre": r.centre,
        "name": r.centre_name,
        "year": r.year,
        "patients": r.clark.patients,
        "deaths": r.clark.deaths,
        "clark": _number(r.clark.index),
        "observed_years": _number(r.clark.observed_days / 365.25, 1),
        "potential_years": _number(r.clark.potential_days / 365.25, 1),
        "forms": _percent(r.forms.share) or "—",
        "forms_counts": _("%(received)s of %(expected)s")
        % {"received": _number(r.forms.received, 0), "expected": _number(r.forms.expected, 0)},
        "open_queries": r.queries.count,
        "median_age": "—" if not np.isfinite(median) else floatformat(median, -1),
    }


def _tables(report: CompletenessReport) -> list[dict[str, Any]]:
    """One table per centre: its years, then the whole period."""
    tables = []
    for whole in report.by_centre:
        years = [_row(r) for r in report.by_year if r.centre == whole.centre]
        tables.append(
            {"centre": whole.centre, "name": whole.centre_name, "years": years, "whole": _row(whole)}
        )
    return tables


def _form(request: HttpRequest) -> CompletenessForm:
    return CompletenessForm(request.GET or None, user=request.user)


@login_required
@require_GET
def completeness(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    report = None
    if not request.GET or form.is_valid():
        query = form.query() if request.GET else CompletenessQuery()
        try:
            report = completeness_report(
                user=request.user, query=query, refresh=request.GET.get("refresh") == "1"
            )
        except LookupError as exc:
            form.add_error("centre", str(exc))
            report = None
    query_string = request.GET.copy()
    query_string.pop("refresh", None)
    context: dict[str, Any] = {
        "form": form,
        "report": report,
        "tables": _tables(report) if report else [],
        "overall": _row(report.overall) if report else None,
        "missing": [_missing(f) for f in (report.missing if report else ())],
        "query": query_string.urlencode(),
        "today": dt.date.today(),
    }
    return render(request, "web/completeness.html", context)


@login_required
@require_GET
def completeness_csv(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    if request.GET and not form.is_valid():
        raise Http404("the filters are not valid")
    query = form.query() if request.GET else CompletenessQuery()
    try:
        content, name = benchmark_download(user=request.user, query=query, via="web completeness download")
    except LookupError as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(content, content_type=CSV)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _missing(gap: Any) -> dict[str, Any]:
    """A field often left empty, its table and field named in the page's language (the report is kept
    for every language)."""
    model = apps.get_model(gap.entity)
    return {
        "f": gap,
        "table": model_label(model),
        "field": field_label(model, gap.field),
        "share": _percent(gap.share),
    }
