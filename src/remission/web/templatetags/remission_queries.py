"""Template tags of queries: whether the signed-in user may raise a query on a record, and how many
queries are open on it (the record page's "Raise a query" links)."""

from __future__ import annotations

from typing import Any

from django import template

from remission.registry.access import scope_for
from remission.registry.codes import QueryStatus
from remission.registry.selectors.queries import query_list

register = template.Library()


@register.simple_tag(takes_context=True)
def may_raise_query(context: Any, patient: Any) -> bool:
    """``{% may_raise_query patient as can_raise_query %}``: may the user raise a query on its records?"""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or patient is None or not getattr(patient, "centre_id", None):
        return False
    return scope_for(user).can_raise_query(patient.centre_id)


@register.simple_tag(takes_context=True)
def open_queries(context: Any, record: Any) -> int:
    """``{% open_queries record as n %}``: queries not closed on ``record`` that the user may read."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or record is None or record.pk is None:
        return 0
    rows = query_list(user=user, entity=record._meta.label_lower, record_id=record.pk)
    return rows.exclude(status=QueryStatus.CLOSED).count()


@register.simple_tag
def record_entity(record: Any) -> str:
    """``{% record_entity record as query_entity %}``: the record's model label as queries name it
    (``registry.followup``)."""
    return record._meta.label_lower


@register.simple_tag(takes_context=True)
def patient_open_queries(context: Any, patient: Any) -> int:
    """``{% patient_open_queries patient as n %}``: queries not closed on the patient's records."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or patient is None:
        return 0
    return query_list(user=user, patient_id=patient.pk).exclude(status=QueryStatus.CLOSED).count()
