"""Reading queries: the ones a user may read (their centres' only), filtered, aged and counted; one query
with its thread.

A centre's users read their centre's queries and no other's; registry roles (statistician, data
coordinator, administrator) read every centre's. Nothing here holds a hospital number: a query names its
patient by registry ID and its record by kind and number.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext

from remission.registry.access import scope_for
from remission.registry.codes import QueryStatus
from remission.registry.labels import field_label, model_label
from remission.registry.models import Query
from remission.registry.selectors.scoping import get_or_not_found

# Rows of a list: open first, then answered (waiting for the raiser), then closed; oldest first in each.
STATUS_ORDER = (QueryStatus.OPEN, QueryStatus.ANSWERED, QueryStatus.CLOSED)
SOURCES = {"rule": "raised by a rule", "person": "raised by a person", "mine": "raised by me"}


@dataclass(frozen=True)
class QueryCounts:
    open: int
    answered: int
    closed: int
    median_open_age_days: float | None  # None when nothing is open

    @property
    def total(self) -> int:
        return self.open + self.answered + self.closed


def readable_queries(user: Any) -> QuerySet[Query]:
    """Queries of the centres ``user`` may read today (none without a membership)."""
    scope = scope_for(user)
    rows = Query.objects.all()
    return rows if scope.readable is None else rows.filter(centre_id__in=scope.readable)


def query_list(
    *,
    user: Any,
    status: str | None = None,
    centre_id: int | None = None,
    source: str | None = None,
    rule: str | None = None,
    raised_by_id: int | None = None,
    patient_id: int | None = None,
    registry_id: str | None = None,
    entity: str | None = None,
    record_id: int | None = None,
    field: str | None = None,
) -> QuerySet[Query]:
    """The queries ``user`` may read, filtered; open first, oldest first.

    ``source``: ``rule`` (raised by a data-quality rule), ``person`` (by anyone), ``mine`` (by ``user``).
    """
    rows = readable_queries(user)
    if status:
        rows = rows.filter(status=status)
    if centre_id is not None:
        rows = rows.filter(centre_id=centre_id)
    if source == "rule":
        rows = rows.filter(raised_by__isnull=True)
    elif source == "person":
        rows = rows.filter(raised_by__isnull=False)
    elif source == "mine":
        rows = rows.filter(raised_by_id=getattr(user, "pk", None))
    if rule:
        rows = rows.filter(rule=rule)
    if raised_by_id is not None:
        rows = rows.filter(raised_by_id=raised_by_id)
    if patient_id is not None:
        rows = rows.filter(patient_id=patient_id)
    if registry_id:
        rows = rows.filter(patient__registry_id=registry_id)
    if entity:
        rows = rows.filter(entity=entity)
    if record_id is not None:
        rows = rows.filter(record_id=record_id)
    if field:
        rows = rows.filter(field=field)
    rank = Case(
        *(When(status=s, then=Value(i)) for i, s in enumerate(STATUS_ORDER)),
        default=Value(len(STATUS_ORDER)),
        output_field=IntegerField(),
    )
    return (
        rows.select_related("patient", "centre", "raised_by")
        .annotate(status_rank=rank)
        .order_by("status_rank", "raised_at", "id")
    )


def query_get(*, user: Any, pk: Any) -> Query:
    """One query the user may read, with its thread (``query.thread``: events oldest first)."""
    rows = readable_queries(user).select_related("patient", "centre", "raised_by", "closed_by", "time_point")
    query = get_or_not_found(rows, "Query", pk=pk)
    query.thread = list(query.events.select_related("actor").order_by("at", "id"))
    return query


def age_days(query: Query, today: dt.date | None = None) -> int:
    """Days the query has been (or was) in the registry's hands: to today, or to its closing if closed."""
    end = query.closed_at.date() if query.closed_at is not None else (today or timezone.localdate())
    return max(0, (end - timezone.localtime(query.raised_at).date()).days)


def query_counts(*, user: Any, today: dt.date | None = None, **filters: Any) -> QueryCounts:
    """How many of the queries ``user`` may read (and ``filters`` of :func:`query_list` keep) are open,
    answered and closed; the median age in days of the open ones."""
    filters.pop("status", None)
    today = today or timezone.localdate()
    rows = query_list(user=user, **filters).order_by()
    by_status = dict(rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    opened = rows.filter(status=QueryStatus.OPEN).values_list("raised_at", flat=True)
    ages = [max(0, (today - timezone.localtime(at).date()).days) for at in opened.iterator()]
    return QueryCounts(
        open=by_status.get(QueryStatus.OPEN, 0),
        answered=by_status.get(QueryStatus.ANSWERED, 0),
        closed=by_status.get(QueryStatus.CLOSED, 0),
        median_open_age_days=statistics.median(ages) if ages else None,
    )


def entity_words(entity: str) -> str:
    """``registry.followup`` as people name it in the active language (``Follow-up``, ``Suivi``)."""
    try:
        model = apps.get_model(entity)
    except (LookupError, ValueError):
        return entity
    return capfirst(model_label(model))


def field_words(entity: str, field: str) -> str:
    """A record's field as people name it in the active language (``Disease status``); the name itself
    if it is no field."""
    try:
        model = apps.get_model(entity)
    except (LookupError, ValueError):
        return field
    return field_label(model, field)


def raised_by_words(query: Query) -> str:
    """Who raised the query: a person's user name, or the rule (in the active language)."""
    if query.raised_by_id is None:
        return gettext("rule %(rule)s") % {"rule": query.rule} if query.rule else gettext("a rule")
    return query.raised_by.username
