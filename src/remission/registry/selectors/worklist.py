"""The data manager's work list: the follow-up forms (time points) of the centres a user reads, overdue
first, with each one's status computed in SQL from today — the same rule as ``TimePoint.status_on``.

A centre's users see their centre's time points and no other's; registry roles see every centre's (and
may filter by centre). The default list is what is to do: *overdue* (oldest window end first), then *due*.
Since an overdue point's window ended before today and a due point's has not, that order is simply the
window end's, which the indexes ``time_point_window`` and ``time_point_centre_window`` serve.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, CharField, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy

from remission.registry.access import scope_for
from remission.registry.codes import TimePointStatus
from remission.registry.models import TimePoint
from remission.registry.selectors.scoping import get_or_not_found

S = TimePointStatus
STATUS_ORDER = (S.OVERDUE, S.DUE, S.UPCOMING, S.RECEIVED, S.NOT_REQUIRED)
TO_DO = "todo"  # the default: overdue and due
ALL = "all"
CHOICES = {
    TO_DO: gettext_lazy("Overdue and due"),
    **{s.value: s.label for s in STATUS_ORDER},
    ALL: gettext_lazy("Every status"),
}


def _open() -> Q:
    return Q(not_required_reason="", received_date__isnull=True)


def status_filter(status: str, today: dt.date) -> Q:
    """The rows whose status on ``today`` is ``status`` (or ``todo``: overdue or due), as plain conditions."""
    if status == S.NOT_REQUIRED:
        return ~Q(not_required_reason="")
    if status == S.RECEIVED:
        return Q(not_required_reason="", received_date__isnull=False)
    if status == S.OVERDUE:
        return _open() & Q(window_end__lt=today)
    if status == S.DUE:
        return _open() & Q(window_start__lte=today, window_end__gte=today)
    if status == S.UPCOMING:
        return _open() & Q(window_start__gt=today)
    if status == TO_DO:
        return _open() & Q(window_start__lte=today)
    if status == ALL:
        return Q()
    raise ValueError(f"unknown time point status {status!r}")


def status_expression(today: dt.date) -> Case:
    """The status on ``today`` as an SQL expression (TimePoint.status_on: not required > received >
    overdue > due > upcoming)."""
    return Case(
        When(~Q(not_required_reason=""), then=Value(S.NOT_REQUIRED.value)),
        When(received_date__isnull=False, then=Value(S.RECEIVED.value)),
        When(window_end__lt=today, then=Value(S.OVERDUE.value)),
        When(window_start__lte=today, then=Value(S.DUE.value)),
        default=Value(S.UPCOMING.value),
        output_field=CharField(),
    )


def readable_time_points(user: Any) -> QuerySet[TimePoint]:
    """Time points of the centres ``user`` may read today (none without a membership)."""
    scope = scope_for(user)
    rows = TimePoint.objects.all()
    return rows if scope.readable is None else rows.filter(centre_id__in=scope.readable)


def _filtered(
    user: Any, centre_id: int | None, point: str | None, registry_id: str | None
) -> QuerySet[TimePoint]:
    rows = readable_time_points(user)
    if centre_id is not None:
        rows = rows.filter(centre_id=centre_id)
    if point:
        rows = rows.filter(point=point)
    if registry_id:
        rows = rows.filter(patient__registry_id=registry_id)
    return rows


def worklist(
    *,
    user: Any,
    status: str = TO_DO,
    centre_id: int | None = None,
    point: str | None = None,
    registry_id: str | None = None,
    today: dt.date | None = None,
) -> QuerySet[TimePoint]:
    """The time points ``user`` may read with ``status`` on ``today`` (default: overdue, then due),
    each annotated with ``status``; ordered by window end (for ``all``: by status first)."""
    today = today or timezone.localdate()
    rows = (
        _filtered(user, centre_id, point, registry_id)
        .filter(status_filter(status, today))
        .annotate(status=status_expression(today))
        .select_related("patient", "centre", "infusion", "locked_by")
    )
    if status == ALL:
        rank = Case(
            *(When(status=s.value, then=Value(i)) for i, s in enumerate(STATUS_ORDER)),
            output_field=IntegerField(),
        )
        return rows.annotate(status_rank=rank).order_by("status_rank", "window_end", "id")
    return rows.order_by("window_end", "id")


def worklist_counts(
    *,
    user: Any,
    centre_id: int | None = None,
    point: str | None = None,
    registry_id: str | None = None,
    today: dt.date | None = None,
) -> dict[str, int]:
    """How many time points ``user`` may read (and the filters keep) are in each status: one query."""
    today = today or timezone.localdate()
    rows = _filtered(user, centre_id, point, registry_id)
    found = rows.aggregate(
        **{s.value: Count("pk", filter=status_filter(s.value, today)) for s in STATUS_ORDER}
    )
    return {s.value: found[s.value] or 0 for s in STATUS_ORDER}


def days_overdue(tp: TimePoint, today: dt.date | None = None) -> int:
    """Days since the window closed, for an overdue point (0 otherwise)."""
    today = today or timezone.localdate()
    status = getattr(tp, "status", None) or tp.status_on(today)
    return (today - tp.window_end).days if status == S.OVERDUE else 0


def time_point_get(*, user: Any, pk: Any, today: dt.date | None = None) -> TimePoint:
    """One time point the user may read (another centre's is not found), with its status."""
    today = today or timezone.localdate()
    rows = readable_time_points(user).annotate(status=status_expression(today))
    return get_or_not_found(
        rows.select_related("patient", "centre", "infusion", "locked_by"), "Time point", pk=pk
    )
