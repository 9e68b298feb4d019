"""Centre *gamma*, built by hand for the completeness tests (the table and the sums are in
tests/analysis/test_centre_completeness.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from tests.registry.conftest import grant, make_user
from tests.registry.quality.hand_built import seen, treated

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import CauseOfDeath, OutcomeType, QueryStatus, Role
from remission.registry.models import Query, TimePoint

D = dt.date
CUTOFF = D(2024, 12, 31)


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, 12, 0))


def _point(
    t: Any, point: str, day: int, window_end: dt.date, received: dt.date | None, why: str = ""
) -> None:
    due = t.infusion.date + dt.timedelta(days=day)
    TimePoint.objects.create(
        centre=t.patient.centre,
        patient=t.patient,
        infusion=t.infusion,
        point=point,
        label=point,
        day=day,
        due_date=due,
        window_start=due - dt.timedelta(days=30),
        window_end=window_end,
        received_date=received,
        not_required_reason=why,
    )


def _query(t: Any, raised: dt.date, status: str = QueryStatus.OPEN) -> None:
    Query.objects.create(
        centre=t.patient.centre,
        patient=t.patient,
        entity="registry.followup",
        field="date",
        text="Is this right?",
        status=status,
        raised_at=_at(raised),
        closed_at=_at(CUTOFF) if status == QueryStatus.CLOSED else None,
    )


def build_gamma() -> dict[str, Any]:
    """Centre gamma (code 'gamma'), its data manager 'dm_g', three patients, forms and queries."""
    centre = services.centre_create(actor=SYSTEM, code="gamma", name="Gamma Hospital", country="BE")
    dm = make_user("dm_g")
    grant(dm, Role.CENTRE_DATA_MANAGER, centre)
    p1 = treated(dm, centre, D(2023, 1, 1), engrafted=False)
    seen(dm, p1.patient, D(2023, 7, 1))
    p2 = treated(dm, centre, D(2024, 3, 1), engrafted=False)
    services.outcome_event_record(
        actor=dm,
        patient=p2.patient,
        event_type=OutcomeType.DEATH,
        date=D(2024, 5, 10),
        cause_of_death=CauseOfDeath.TRM_INFECTION,
    )
    p3 = treated(dm, centre, D(2024, 10, 1), engrafted=False)
    seen(dm, p3.patient, D(2024, 12, 31), current_therapy="", missing={"current_therapy": "unknown"})
    # the time points by hand (the services derived some from today's date: replace them)
    TimePoint.objects.filter(centre=centre).delete()
    _point(p1, "d100", 100, D(2023, 5, 11), D(2023, 4, 20))
    _point(p1, "m6", 182, D(2023, 8, 25), D(2023, 7, 1))
    _point(p1, "y1", 365, D(2024, 3, 31), None)
    _point(p1, "y2", 730, D(2025, 3, 1), None)
    _point(p2, "d100", 100, D(2024, 7, 9), None, why="death")
    _point(p3, "d100", 100, D(2025, 2, 1), None)
    _query(p1, D(2024, 12, 21))
    _query(p1, D(2024, 12, 30))
    _query(p1, D(2024, 10, 2), QueryStatus.ANSWERED)
    _query(p1, D(2024, 1, 5), QueryStatus.CLOSED)
    _query(p3, D(2024, 12, 26))
    return {"centre": centre, "dm": dm}
