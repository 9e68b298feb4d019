"""Queries on one field of one record: ``GET/POST /api/queries``, ``GET /api/queries/{query_id}``,
``POST /api/queries/{query_id}/comment|answer|close|reopen``.

The same selectors and services as the web pages (``registry/selectors/queries.py``,
``registry/services/queries.py``): a centre's users see their centre's queries only (another centre's is a
404); a step the role may not take is a 403; a step the query's status does not allow is a 422 naming the
rule (``query_transition``); every step is audited.
"""

# No ``from __future__ import annotations``: django-ninja reads the route signatures.

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from remission.api.filters import readable_centre_id
from remission.api.schemas import Errors, Id, Strict, Text
from remission.registry.codes import QueryStatus, Severity
from remission.registry.selectors import queries as query_selectors
from remission.registry.services import queries as query_services

router = Router(tags=["queries"])
ERRORS = {401: Errors, 403: Errors, 404: Errors, 422: Errors}
QUERY_ID = Path(..., description="the query's id")


class QueryEventOut(Schema):
    at: dt.datetime
    kind: str = Field(description="raised, comment, answered, closed or reopened")
    actor: str | None = Field(description="user name; null for a data-quality rule")
    text: str


class QueryOut(Schema):
    id: int
    centre: str = Field(description="centre code")
    patient: str = Field(description="registry ID")
    entity: str = Field(description="the record's kind, e.g. registry.followup")
    record_id: int | None
    field: str
    field_label: str = Field(description="the field as people name it")
    time_point: str | None = Field(description="the follow-up time point the record falls in, if any")
    rule: str = Field(description="the data-quality rule that raised it; empty if a person did")
    severity: str
    text: str
    status: str = Field(description="open, answered or closed")
    raised_by: str | None = Field(description="user name; null for a rule")
    raised_at: dt.datetime
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None
    closed_by: str | None
    age_days: int = Field(description="days since it was raised (to its closing, if closed)")


class QueryDetailOut(QueryOut):
    events: list[QueryEventOut]


class QueryCountsOut(Schema):
    open: int
    answered: int
    closed: int
    median_open_age_days: float | None


class QueryPage(Schema):
    count: int
    page: int
    page_size: int
    counts: QueryCountsOut
    results: list[QueryOut]


class QueryFilters(Schema):
    status: Literal[tuple(QueryStatus.values)] | None = None  # type: ignore[valid-type]
    centre: str | None = Field(None, max_length=32, description="centre code")
    source: Literal["rule", "person", "mine"] | None = Field(None, description="who raised it")
    rule: str | None = Field(None, max_length=60)
    patient: str | None = Field(None, max_length=20, description="registry ID")
    entity: str | None = Field(None, max_length=40)
    record_id: Id | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=500)


class QueryIn(Strict):
    entity: Text = Field(..., max_length=40, description="the record's kind, e.g. registry.followup")
    record_id: Id
    field: Text = Field(..., max_length=60)
    text: Text = Field(..., max_length=query_services.TEXT_MAX)
    severity: Literal[tuple(Severity.values)] = Severity.WARNING  # type: ignore[valid-type]


class StepIn(Strict):
    text: Text = Field("", max_length=query_services.TEXT_MAX)


def _dump(query: Any, today: dt.date) -> dict[str, Any]:
    return {
        "id": query.pk,
        "centre": query.centre.code,
        "patient": query.patient.registry_id,
        "entity": query.entity,
        "record_id": query.record_id,
        "field": query.field,
        "field_label": query_selectors.field_words(query.entity, query.field),
        "time_point": query.time_point.label if query.time_point_id else None,
        "rule": query.rule,
        "severity": query.severity,
        "text": query.text,
        "status": query.status,
        "raised_by": query.raised_by.username if query.raised_by_id else None,
        "raised_at": query.raised_at,
        "answered_at": query.answered_at,
        "closed_at": query.closed_at,
        "closed_by": query.closed_by.username if query.closed_by_id else None,
        "age_days": query_selectors.age_days(query, today),
    }


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    query = query_selectors.query_get(user=request.user, pk=pk)
    events = [
        {"at": e.at, "kind": e.kind, "actor": e.actor.username if e.actor_id else None, "text": e.text}
        for e in query.thread
    ]
    return {**_dump(query, timezone.localdate()), "events": events}


@router.get(
    "/queries",
    response={200: QueryPage, **ERRORS},
    operation_id="query_list",
    summary="Queries you may read: open first, oldest first, with counts by status",
)
def query_list(request: HttpRequest, filters: Query[QueryFilters]) -> dict[str, Any]:
    chosen = {
        "status": filters.status,
        "centre_id": readable_centre_id(request, filters.centre),
        "source": filters.source,
        "rule": filters.rule,
        "registry_id": filters.patient,
        "entity": filters.entity,
        "record_id": filters.record_id,
    }
    today = timezone.localdate()
    rows = query_selectors.query_list(user=request.user, **chosen).select_related("time_point", "closed_by")
    counts = query_selectors.query_counts(user=request.user, today=today, **chosen)
    start = (filters.page - 1) * filters.page_size
    return {
        "count": counts.total if filters.status is None else getattr(counts, filters.status),
        "page": filters.page,
        "page_size": filters.page_size,
        "counts": {
            "open": counts.open,
            "answered": counts.answered,
            "closed": counts.closed,
            "median_open_age_days": counts.median_open_age_days,
        },
        "results": [_dump(q, today) for q in rows[start : start + filters.page_size]],
    }


@router.post(
    "/queries",
    response={201: QueryDetailOut, **ERRORS},
    operation_id="query_raise",
    summary="Raise a query on one field of one record",
)
def query_raise(request: HttpRequest, payload: QueryIn) -> Status:
    query = query_services.query_raise(
        actor=request.user,
        entity=payload.entity,
        record_id=payload.record_id,
        field=payload.field,
        text=payload.text,
        severity=payload.severity,
    )
    return Status(201, _detail(request, query.pk))


@router.get(
    "/queries/{query_id}",
    response={200: QueryDetailOut, **ERRORS},
    operation_id="query_get",
    summary="One query with its thread",
)
def query_get(request: HttpRequest, query_id: Id = QUERY_ID) -> dict[str, Any]:
    return _detail(request, query_id)


def _step(name: str, service: Any, summary: str) -> None:
    @router.post(
        f"/queries/{{query_id}}/{name}",
        response={200: QueryDetailOut, **ERRORS},
        operation_id=f"query_{name}",
        summary=summary,
    )
    def step(request: HttpRequest, payload: StepIn, query_id: Id = QUERY_ID) -> dict[str, Any]:
        query = query_selectors.query_get(user=request.user, pk=query_id)
        service(actor=request.user, query=query.pk, text=payload.text)
        return _detail(request, query_id)


_step("comment", query_services.query_comment, "Comment on an open or answered query")
_step("answer", query_services.query_answer, "Answer an open query (the centre)")
_step("close", query_services.query_close, "Close an open or answered query (its raiser or a coordinator)")
_step("reopen", query_services.query_reopen, "Re-open a closed query, saying why")
