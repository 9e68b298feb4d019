"""Reading centres, memberships and the audit trail."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from remission.registry.access import scope_for
from remission.registry.models import AuditRecord, Centre, Membership
from remission.registry.selectors.scoping import get_or_not_found, readable_centres


def centre_list(*, user: Any) -> QuerySet[Centre]:
    """The centres whose records ``user`` may read."""
    return readable_centres(user).order_by("name")


def centre_get(*, user: Any, code: str) -> Centre:
    return get_or_not_found(readable_centres(user), "Centre", code=code)


def membership_list(*, user: Any) -> QuerySet[Membership]:
    """Administrators see every membership; others see their own."""
    rows = Membership.objects.select_related("user", "centre")
    if not scope_for(user).administers:
        rows = rows.filter(user_id=getattr(user, "pk", None))
    return rows.order_by("user__username", "role")


def audit_trail(
    *, user: Any, entity: str | None = None, record_id: int | None = None
) -> QuerySet[AuditRecord]:
    """Audit rows of records ``user`` may read (centre-level rows: administrators only), oldest first."""
    scope = scope_for(user)
    rows = AuditRecord.objects.select_related("actor")
    if not scope.administers:
        readable = scope.readable
        rows = rows.filter(centre__isnull=False) if readable is None else rows.filter(centre_id__in=readable)
    if entity:
        rows = rows.filter(entity=entity)
    if record_id is not None:
        rows = rows.filter(record_id=record_id)
    return rows.order_by("at", "id")
