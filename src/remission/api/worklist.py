"""The work list of follow-up forms: ``GET /api/quality/worklist``; and ``POST
/api/time-points/{time_point_id}/lock|unlock|waive``.

The same selector and services as the web page *Forms due* (``registry/selectors/worklist.py``,
``registry/services/timepoints.py``): a centre's users see their centre's time points only (another
centre's is a 404), registry roles see every centre's; overdue first (oldest window end first), then due,
unless ``status`` asks for another; counts by status. A step the role may not take is a 403; one the time
point's state does not allow is a 422 naming the rule (``time_point_open_queries``, ``time_point_locked``,
``time_point_not_locked``, ``reason_required``); every step is audited.
"""

# No ``from __future__ import annotations``: django-ninja reads the route signatures.

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Schema
from pydantic import Field

from remission.api.filters import readable_centre_id
from remission.api.schemas import Errors, Id, Strict, Text
from remission.registry.selectors import worklist as worklist_selectors
from remission.registry.services import timepoints as time_point_services

router = Router(tags=["quality"])
ERRORS = {401: Errors, 403: Errors, 404: Errors, 422: Errors}
TIME_POINT_ID = Path(..., description="the time point's id")


class TimePointOut(Schema):
    id: int
    centre: str = Field(description="centre code")
    patient: str = Field(description="registry ID")
    infusion_date: dt.date = Field(description="day 0")
    infusion_sequence: int
    point: str = Field(description="schedule code, e.g. d100, m6, y1, y2")
    label: str
    day: int = Field(description="days from day 0 at which the form is due")
    due_date: dt.date
    window_start: dt.date
    window_end: dt.date
    status: str = Field(description="overdue, due, upcoming, received or not_required (on today)")
    days_overdue: int
    received_date: dt.date | None
    not_required_reason: str
    locked_at: dt.datetime | None
    locked_by: str | None


class WorklistCounts(Schema):
    overdue: int
    due: int
    upcoming: int
    received: int
    not_required: int


class WorklistPage(Schema):
    count: int
    page: int
    page_size: int
    counts: WorklistCounts
    results: list[TimePointOut]


class WorklistFilters(Schema):
    status: Literal[tuple(worklist_selectors.CHOICES)] = Field(  # type: ignore[valid-type]
        worklist_selectors.TO_DO, description="todo (overdue and due, the default), a status, or all"
    )
    centre: str | None = Field(None, max_length=32, description="centre code")
    point: str | None = Field(None, max_length=16, description="schedule code, e.g. d100")
    patient: str | None = Field(None, max_length=20, description="registry ID")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=500)


class StepIn(Strict):
    reason: Text = Field("", max_length=time_point_services.REASON_MAX)


class WaiveIn(Strict):
    reason: Text = Field(..., max_length=time_point_services.REASON_MAX, description="e.g. lost to follow-up")


def _dump(tp: Any, today: dt.date) -> dict[str, Any]:
    return {
        "id": tp.pk,
        "centre": tp.centre.code,
        "patient": tp.patient.registry_id,
        "infusion_date": tp.infusion.date,
        "infusion_sequence": tp.infusion.sequence,
        "point": tp.point,
        "label": tp.label,
        "day": tp.day,
        "due_date": tp.due_date,
        "window_start": tp.window_start,
        "window_end": tp.window_end,
        "status": tp.status,
        "days_overdue": worklist_selectors.days_overdue(tp, today),
        "received_date": tp.received_date,
        "not_required_reason": tp.not_required_reason,
        "locked_at": tp.locked_at,
        "locked_by": tp.locked_by.username if tp.locked_by_id else None,
    }


@router.get(
    "/quality/worklist",
    response={200: WorklistPage, **ERRORS},
    operation_id="worklist",
    summary="Follow-up forms of the centres you read: overdue first, then due; counts by status",
)
def worklist(request: HttpRequest, filters: Query[WorklistFilters]) -> dict[str, Any]:
    today = timezone.localdate()
    chosen = {
        "centre_id": readable_centre_id(request, filters.centre),
        "point": filters.point,
        "registry_id": filters.patient,
    }
    counts = worklist_selectors.worklist_counts(user=request.user, today=today, **chosen)
    rows = worklist_selectors.worklist(user=request.user, today=today, status=filters.status, **chosen)
    size = min(filters.page_size, getattr(settings, "REMISSION_API_MAX_PAGE_SIZE", 500))
    start = (filters.page - 1) * size
    if filters.status == worklist_selectors.TO_DO:
        count = counts["overdue"] + counts["due"]
    elif filters.status == worklist_selectors.ALL:
        count = sum(counts.values())
    else:
        count = counts[filters.status]
    return {
        "count": count,
        "page": filters.page,
        "page_size": size,
        "counts": counts,
        "results": [_dump(tp, today) for tp in rows[start : start + size]],
    }


def _after(request: HttpRequest, pk: int) -> dict[str, Any]:
    today = timezone.localdate()
    return _dump(worklist_selectors.time_point_get(user=request.user, pk=pk, today=today), today)


@router.post(
    "/time-points/{time_point_id}/lock",
    response={200: TimePointOut, **ERRORS},
    operation_id="time_point_lock",
    summary="Sign off a time point (its centre; refused while a query on it is open or answered)",
)
def time_point_lock(
    request: HttpRequest, payload: StepIn, time_point_id: Id = TIME_POINT_ID
) -> dict[str, Any]:
    time_point_services.time_point_lock(actor=request.user, time_point=time_point_id, reason=payload.reason)
    return _after(request, time_point_id)


@router.post(
    "/time-points/{time_point_id}/unlock",
    response={200: TimePointOut, **ERRORS},
    operation_id="time_point_unlock",
    summary="Lift a time point's sign-off (its centre, or a registry data coordinator)",
)
def time_point_unlock(
    request: HttpRequest, payload: StepIn, time_point_id: Id = TIME_POINT_ID
) -> dict[str, Any]:
    time_point_services.time_point_unlock(actor=request.user, time_point=time_point_id, reason=payload.reason)
    return _after(request, time_point_id)


@router.post(
    "/time-points/{time_point_id}/waive",
    response={200: TimePointOut, **ERRORS},
    operation_id="time_point_waive",
    summary="Mark a time point not required, saying why (its centre)",
)
def time_point_waive(
    request: HttpRequest, payload: WaiveIn, time_point_id: Id = TIME_POINT_ID
) -> dict[str, Any]:
    time_point_services.time_point_waive(actor=request.user, time_point=time_point_id, reason=payload.reason)
    return _after(request, time_point_id)
