"""Who may read and write which centre's records.

================================  ======================  ===================  ==================
role                              reads                   writes               hospital numbers
================================  ======================  ===================  ==================
centre data manager               own centre              own centre           own centre
centre clinician                  own centre              own centre           own centre
centre viewer                     own centre              —                    —
registry statistician             all centres (pseudo-    —                    —
                                  nymised records only)
registry data coordinator         all centres (pseudo-    queries only (raise, —
                                  nymised records only)   close, re-open)
registry administrator            all centres             all centres, and     —
                                                          centres and users
================================  ======================  ===================  ==================

Data quality (``services/queries.py``, ``services/timepoints.py``): a query is raised by a registry data
coordinator or administrator on any centre's record, or by a centre's data manager or clinician on their
own; it is answered by the centre (data manager or clinician); it is closed or re-opened by whoever raised
it, or by a coordinator or administrator. A centre's data manager or clinician signs off (locks) a time
point; unlocking is theirs too, and the coordinator's and administrator's.

A membership counts on the days between ``valid_from`` and ``valid_to``; an inactive account has none.
Selectors and services call :func:`scope_for`; views never decide access themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from remission.registry.codes import Role

CAN_WRITE = frozenset({Role.CENTRE_DATA_MANAGER, Role.CENTRE_CLINICIAN})
CAN_SEE_IDENTIFIERS = frozenset({Role.CENTRE_DATA_MANAGER, Role.CENTRE_CLINICIAN})


class _System:
    """The operator at the command line (``remission createcentre`` …): full rights, audited as 'system'."""

    pk = None
    is_active = True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Any = _System()


@dataclass(frozen=True)
class Scope:
    """What one user may do today. ``None`` for a set of centres means every centre."""

    user_id: int | None
    readable: frozenset[int] | None
    writable: frozenset[int] | None
    identifiers: frozenset[int]
    administers: bool
    roles: frozenset[str]
    coordinates: bool = False  # registry data coordinator or administrator: queries on every centre

    def can_read(self, centre_id: int) -> bool:
        return self.readable is None or centre_id in self.readable

    def can_write(self, centre_id: int) -> bool:
        return self.writable is None or centre_id in self.writable

    def can_see_identifiers(self, centre_id: int) -> bool:
        return centre_id in self.identifiers

    def can_raise_query(self, centre_id: int) -> bool:
        """Raise a query on ``centre_id``'s record: coordinator, administrator, or the centre's writers."""
        return self.coordinates or (self.writable is not None and centre_id in self.writable)

    def can_answer_query(self, centre_id: int) -> bool:
        """Answer a query on ``centre_id``'s record: its data manager or clinician, or administrator."""
        return self.can_write(centre_id)

    @property
    def reads_everything(self) -> bool:
        return self.readable is None


NO_ACCESS = Scope(None, frozenset(), frozenset(), frozenset(), False, frozenset())
SYSTEM_SCOPE = Scope(
    None, None, None, frozenset(), True, frozenset({Role.REGISTRY_ADMINISTRATOR}), coordinates=True
)


def scope_for(user: Any, *, today: dt.date | None = None) -> Scope:
    """The scope of ``user`` on ``today``; cached on the user object for the length of a request."""
    if user is SYSTEM:
        return SYSTEM_SCOPE
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    today = today or dt.date.today()
    cached = getattr(user, "_remission_scope", None)
    if cached is not None and cached[0] == today:
        return cached[1]
    scope = _build_scope(user, today)
    user._remission_scope = (today, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope (after memberships change)."""
    if hasattr(user, "_remission_scope"):
        del user._remission_scope


def _build_scope(user: Any, today: dt.date) -> Scope:
    from django.db.models import Q

    from remission.registry.models import Membership

    rows = Membership.objects.filter(user=user, valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    readable: set[int] = set()
    writable: set[int] = set()
    identifiers: set[int] = set()
    roles: set[str] = set()
    reads_all = writes_all = administers = coordinates = False
    for role, centre_id in rows.values_list("role", "centre_id"):
        roles.add(role)
        if role == Role.REGISTRY_ADMINISTRATOR:
            reads_all = writes_all = administers = coordinates = True
        elif role == Role.REGISTRY_STATISTICIAN:
            reads_all = True
        elif role == Role.REGISTRY_DATA_COORDINATOR:
            reads_all = coordinates = True
        else:
            readable.add(centre_id)
            if role in CAN_WRITE:
                writable.add(centre_id)
            if role in CAN_SEE_IDENTIFIERS:
                identifiers.add(centre_id)
    return Scope(
        user_id=user.pk,
        readable=None if reads_all else frozenset(readable),
        writable=None if writes_all else frozenset(writable),
        identifiers=frozenset(identifiers),
        administers=administers,
        roles=frozenset(roles),
        coordinates=coordinates,
    )
