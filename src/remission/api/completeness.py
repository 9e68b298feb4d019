"""Completeness per centre and per year of day 0: ``GET /api/quality/completeness`` (JSON) and
``GET /api/quality/completeness.csv`` (the centre benchmark table, audited like every export).

The same numbers as the web page *Completeness* (``analysis/centre_completeness.py``): Clark's
completeness index (observed ÷ potential person-time up to the cut-off; Clark, Altman & De Stavola,
Lancet 2002;359:1309–10), forms received in their window, queries not closed and their median age, the
fields most often missing. A centre's users get their own centre; registry roles every centre (no patient
is named). A centre you cannot read is a 422 naming the filter, as on the other quality endpoints.
"""

# No ``from __future__ import annotations``: django-ninja reads the route signatures.

import datetime as dt
import math
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from remission.analysis.centre_completeness import (
    CompletenessQuery,
    CompletenessReport,
    CompletenessRow,
    MissingField,
    benchmark_download,
    completeness_report,
)
from remission.api.schemas import Day, Errors
from remission.registry.errors import Problem, ValidationFailed
from remission.registry.ranges import EARLIEST_YEAR, LATEST_YEAR

router = Router(tags=["quality"])
ERRORS = {401: Errors, 403: Errors, 404: Errors, 422: Errors}
CSV = "text/csv; charset=utf-8"
YEARS_ORDER = "last_year ({last}) is before first_year ({first})"


class CompletenessFilters(Schema):
    first_year: int | None = Field(None, ge=EARLIEST_YEAR, le=LATEST_YEAR, description="day 0 from year")
    last_year: int | None = Field(None, ge=EARLIEST_YEAR, le=LATEST_YEAR, description="day 0 to year")
    cutoff: Day | None = Field(None, description="the date completeness is assessed at (default today)")
    centre: str | None = Field(None, max_length=32, description="centre code")
    refresh: bool = Field(False, description="recompute instead of the answer kept for 15 minutes")


class CompletenessRowOut(Schema):
    centre: str = Field(description="centre code; empty for every centre you read")
    year: int | None = Field(description="year of day 0; null for the whole period")
    patients: int = Field(description="patients with day 0 on or before the cut-off")
    deaths: int
    clark_c: float | None = Field(description="Clark's completeness index; null without potential time")
    observed_person_days: int
    potential_person_days: int
    forms_expected: int = Field(description="forms whose window closed before the cut-off, required")
    forms_received_in_window: int
    forms_in_window: float | None = Field(description="share (0–1); null when no form was expected")
    open_queries: int
    median_query_age_days: float | None


class MissingFieldOut(Schema):
    entity: str = Field(description="record table, e.g. registry.followup")
    field: str
    records: int
    empty: int
    with_reason: int = Field(description="records whose missing-value reasons name the field")


class CompletenessOut(Schema):
    cutoff: dt.date
    first_year: int | None
    last_year: int | None
    computed_at: str
    overall: CompletenessRowOut
    centres: list[CompletenessRowOut] = Field(description="each centre over the whole period")
    by_year: list[CompletenessRowOut] = Field(description="each centre in each year of day 0")
    most_missing: list[MissingFieldOut]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _row(r: CompletenessRow) -> dict[str, Any]:
    return {
        "centre": r.centre,
        "year": r.year,
        "patients": r.clark.patients,
        "deaths": r.clark.deaths,
        "clark_c": _finite(r.clark.index),
        "observed_person_days": r.clark.observed_days,
        "potential_person_days": r.clark.potential_days,
        "forms_expected": r.forms.expected,
        "forms_received_in_window": r.forms.received,
        "forms_in_window": _finite(r.forms.share),
        "open_queries": r.queries.count,
        "median_query_age_days": _finite(r.queries.median_age_days),
    }


def _missing(f: MissingField) -> dict[str, Any]:
    return {
        "entity": f.entity,
        "field": f.field,
        "records": f.rows,
        "empty": f.empty,
        "with_reason": f.with_reason,
    }


def _query(filters: CompletenessFilters) -> CompletenessQuery:
    first, last = filters.first_year, filters.last_year
    if first is not None and last is not None and last < first:
        message = YEARS_ORDER.format(first=first, last=last)
        raise ValidationFailed([Problem("query", "last_year", "date_order", message)])
    return CompletenessQuery(first_year=first, last_year=last, cutoff=filters.cutoff, centre=filters.centre)


def _refused(exc: LookupError) -> ValidationFailed:
    return ValidationFailed([Problem("query", "centre", "filter", str(exc.args[0]))])


def _dump(report: CompletenessReport) -> dict[str, Any]:
    return {
        "cutoff": report.cutoff,
        "first_year": report.query.first_year,
        "last_year": report.query.last_year,
        "computed_at": report.computed_at,
        "overall": _row(report.overall),
        "centres": [_row(r) for r in report.by_centre],
        "by_year": [_row(r) for r in report.by_year],
        "most_missing": [_missing(f) for f in report.missing],
    }


@router.get(
    "/quality/completeness",
    response={200: CompletenessOut, **ERRORS},
    operation_id="completeness",
    summary="Completeness per centre and year of day 0: Clark's C, forms in window, open queries",
)
def completeness(request: HttpRequest, filters: Query[CompletenessFilters]) -> dict[str, Any]:
    try:
        report = completeness_report(user=request.user, query=_query(filters), refresh=filters.refresh)
    except LookupError as exc:
        raise _refused(exc) from exc
    return _dump(report)


@router.get(
    "/quality/completeness.csv",
    response={401: Errors, 403: Errors, 404: Errors, 422: Errors},
    operation_id="completeness_benchmark_csv",
    summary="The centre benchmark table (CSV: centre, patients, Clark's C, forms in window %, queries)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "the centre benchmark table; audited",
                "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def completeness_csv(request: HttpRequest, filters: Query[CompletenessFilters]) -> HttpResponse:
    try:
        content, name = benchmark_download(
            user=request.user, query=_query(filters), via="API GET /quality/completeness.csv"
        )
    except LookupError as exc:
        raise _refused(exc) from exc
    response = HttpResponse(content, content_type=CSV)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
