"""Time points from the records (refresh), the work list's statuses, and lock / unlock / waive.

Hand-built patients with day 0 = 2024-01-10 (dates worked by hand in test_schedule.py): day 100 is due
2024-04-19 in 2024-03-20 .. 2024-05-19; 6 months 2024-07-11 in 2024-05-27 .. 2024-08-25; 1 year
2025-01-09 in 2024-10-11 .. 2025-04-09. "Today" is 2024-06-01 unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from tests.registry.conftest import World, grant, make_user
from tests.registry.quality.hand_built import seen, treated

from remission.registry import services
from remission.registry.codes import (
    AuditAction,
    CauseOfDeath,
    OutcomeType,
    ProductSource,
    ProductType,
    QueryStatus,
    Role,
)
from remission.registry.errors import NotFound, PermissionDenied, ValidationFailed
from remission.registry.models import AuditRecord, FollowUp, Patient, Query, TimePoint
from remission.registry.quality.timepoints import refresh
from remission.registry.selectors.worklist import days_overdue, worklist, worklist_counts
from remission.registry.services.timepoints import time_point_lock, time_point_unlock, time_point_waive

pytestmark = pytest.mark.django_db

D = dt.date
DAY0 = D(2024, 1, 10)
TODAY = D(2024, 6, 1)


def _points(patient: Patient) -> dict[str, TimePoint]:
    return {tp.point: tp for tp in TimePoint.objects.filter(patient=patient).order_by("day")}


def _statuses(patient: Patient, today: dt.date = TODAY) -> dict[str, str]:
    return {code: tp.status_on(today) for code, tp in _points(patient).items()}


def _rules(exc: Any) -> list[str]:
    return [p.rule for p in exc.value.problems]


@pytest.fixture
def dm(world: World) -> Any:
    return world.users["dm_a"]


def test_each_status_from_the_records(world: World, dm: Any) -> None:
    quiet = treated(dm, world.centre_a, DAY0).patient  # nothing since day 0
    answered = treated(dm, world.centre_a, DAY0).patient
    seen(dm, answered, D(2024, 4, 2))  # inside day 100's window
    refresh([quiet.pk, answered.pk], today=TODAY)

    assert _statuses(quiet) == {"d100": "overdue", "m6": "due", "y1": "upcoming"}
    assert _statuses(answered) == {"d100": "received", "m6": "due", "y1": "upcoming"}
    d100 = _points(answered)["d100"]
    assert (d100.due_date, d100.window_start, d100.window_end) == (
        D(2024, 4, 19),
        D(2024, 3, 20),
        D(2024, 5, 19),
    )
    assert d100.received_date == D(2024, 4, 2)
    assert d100.centre_id == world.centre_a.pk
    assert days_overdue(_points(quiet)["d100"], TODAY) == 13  # 2024-05-19 -> 2024-06-01


def test_a_contact_outside_every_window_is_no_form(world: World, dm: Any) -> None:
    patient = treated(dm, world.centre_a, DAY0).patient
    seen(dm, patient, D(2024, 3, 19))  # one day before day 100's window opens
    refresh([patient.pk], today=TODAY)
    assert _points(patient)["d100"].received_date is None


def test_death_makes_later_points_not_required(world: World, dm: Any) -> None:
    patient = treated(dm, world.centre_a, DAY0).patient
    seen(dm, patient, D(2024, 4, 2))
    services.outcome_event_record(
        actor=dm,
        patient=patient,
        event_type=OutcomeType.DEATH,
        date=D(2024, 7, 1),
        cause_of_death=CauseOfDeath.TRM_INFECTION,
    )
    refresh([patient.pk], today=D(2026, 6, 1))
    points = _points(patient)
    assert list(points) == ["d100", "m6"]  # nothing after the first point past the death
    assert points["m6"].not_required_reason == "died on 2024-07-01"
    assert _statuses(patient, D(2026, 6, 1)) == {"d100": "received", "m6": "not_required"}


def test_consent_withdrawal_makes_later_points_not_required(world: World, dm: Any) -> None:
    patient = treated(dm, world.centre_a, DAY0).patient
    patient.refresh_from_db()
    services.patient_consent_withdraw(
        actor=dm, patient=patient, version=patient.version, withdrawn_on=D(2024, 5, 1)
    )
    refresh([patient.pk], today=TODAY)
    # day 100 (due 2024-04-19) was due before the withdrawal; 6 months was not
    assert _statuses(patient) == {"d100": "overdue", "m6": "not_required"}
    assert _points(patient)["m6"].not_required_reason == "consent withdrawn on 2024-05-01"


def test_a_next_infusion_supersedes_the_earlier_infusions_later_points(world: World, dm: Any) -> None:
    first = treated(dm, world.centre_a, DAY0)
    product = services.cell_product_record(
        actor=dm, patient=first.patient, product_type=ProductType.MSC, source=ProductSource.BONE_MARROW
    )
    second = services.infusion_record(actor=dm, patient=first.patient, product=product, date=D(2024, 3, 1))
    refresh([first.patient.pk], today=TODAY)
    one = {tp.point: tp for tp in TimePoint.objects.filter(infusion=first.infusion)}
    two = {tp.point: tp for tp in TimePoint.objects.filter(infusion=second)}
    assert list(one) == ["d100"]
    assert one["d100"].not_required_reason == "superseded by infusion 2 (day 0 2024-03-01)"
    # infusion 2: day 100 due 2024-06-09 (window 2024-05-10 .. 2024-07-09): due on 2024-06-01
    assert two["d100"].due_date == D(2024, 6, 9)
    assert two["d100"].status_on(TODAY) == "due"


def test_refresh_is_idempotent_and_follows_changes(world: World, dm: Any) -> None:
    patient = treated(dm, world.centre_a, DAY0).patient
    first = refresh([patient.pk], today=TODAY)
    again = refresh([patient.pk], today=TODAY)
    assert (again.created, again.updated, again.deleted, again.unchanged) == (
        0,
        0,
        0,
        first.created + first.unchanged,
    )
    later = refresh([patient.pk], today=D(2024, 10, 20))  # y1's window opened 2024-10-11: y2 is next
    assert later.created == 1
    assert list(_points(patient)) == ["d100", "m6", "y1", "y2"]


def test_a_waived_point_keeps_its_reason_and_a_locked_one_stays(world: World, dm: Any) -> None:
    patient = treated(dm, world.centre_a, DAY0).patient
    refresh([patient.pk], today=TODAY)
    points = _points(patient)
    time_point_waive(actor=dm, time_point=points["d100"], reason="lost to follow-up")
    time_point_lock(actor=dm, time_point=points["y1"])
    refresh([patient.pk], today=D(2024, 1, 20))  # y1 is no longer expected that early, but it is locked
    after = _points(patient)
    assert after["d100"].not_required_reason == "lost to follow-up"
    assert after["d100"].waived_by_id == dm.pk
    assert "y1" in after and after["y1"].locked_at is not None
    assert "m6" not in after  # neither waived nor locked: gone


def test_a_write_refreshes_the_patients_time_points(world: World, dm: Any) -> None:
    patient = treated(dm, world.centre_a, DAY0).patient
    assert TimePoint.objects.filter(patient=patient).exists()  # the infusion's write made them
    refresh([patient.pk], today=TODAY)
    seen(dm, patient, D(2024, 4, 2))
    assert _points(patient)["d100"].received_date == D(2024, 4, 2)


# --- lock, unlock, waive -----------------------------------------------------------------------------


def test_lock_is_refused_while_a_query_is_open(world: World, dm: Any) -> None:
    patient = treated(dm, world.centre_a, DAY0).patient
    refresh([patient.pk], today=TODAY)
    d100 = _points(patient)["d100"]
    query = Query.objects.create(
        centre=world.centre_a,
        patient=patient,
        entity="registry.followup",
        field="date",
        time_point=d100,
        text="missing?",
        raised_at=timezone.now(),
    )
    with pytest.raises(ValidationFailed) as refused:
        time_point_lock(actor=dm, time_point=d100)
    assert _rules(refused) == ["time_point_open_queries"]
    assert TimePoint.objects.get(pk=d100.pk).locked_at is None
    query.status = QueryStatus.ANSWERED
    query.save()
    with pytest.raises(ValidationFailed):
        time_point_lock(actor=dm, time_point=d100)
    query.status, query.closed_at = QueryStatus.CLOSED, timezone.now()
    query.save()
    locked = time_point_lock(actor=dm, time_point=d100.pk)
    assert locked.locked_by_id == dm.pk
    row = AuditRecord.objects.get(entity="registry.timepoint", record_id=d100.pk)
    assert row.action == AuditAction.TIME_POINT_LOCK
    assert row.before["locked_at"] is None and row.after["locked_at"] is not None


def test_a_locked_window_refuses_writes_until_unlocked(world: World, dm: Any) -> None:
    patient = treated(dm, world.centre_a, DAY0).patient
    visit = seen(dm, patient, D(2024, 4, 2))
    refresh([patient.pk], today=TODAY)
    d100 = _points(patient)["d100"]
    time_point_lock(actor=dm, time_point=d100)
    visit = FollowUp.objects.get(pk=visit.pk)

    with pytest.raises(ValidationFailed) as refused:
        services.record_update(visit, actor=dm, version=visit.version, changes={"current_therapy": "MTX"})
    problem = refused.value.problems[0]
    assert (problem.rule, problem.field) == ("time_point_locked", "date")
    today = timezone.localdate()
    assert problem.message.startswith(f"Day 100 was signed off on {today:%Y-%m-%d}: unlock it first")
    with pytest.raises(ValidationFailed) as refused:  # moving it out of the window is an edit inside it too
        services.record_update(visit, actor=dm, version=visit.version, changes={"date": D(2024, 6, 1)})
    assert _rules(refused) == ["time_point_locked"]
    with pytest.raises(ValidationFailed) as refused:
        seen(dm, patient, D(2024, 5, 19))  # the window's last day
    assert _rules(refused) == ["time_point_locked"]
    with pytest.raises(ValidationFailed) as refused:
        services.record_delete(visit, actor=dm, version=visit.version, reason="duplicate")
    assert _rules(refused) == ["time_point_locked"]
    seen(dm, patient, D(2024, 5, 20))  # outside the window: allowed

    time_point_unlock(actor=dm, time_point=d100, reason="late lab result")
    services.record_update(visit, actor=dm, version=visit.version, changes={"current_therapy": "MTX"})
    unlock = AuditRecord.objects.get(entity="registry.timepoint", action=AuditAction.TIME_POINT_UNLOCK)
    assert unlock.reason == "late lab result" and unlock.actor_id == dm.pk
    assert unlock.after["locked_at"] is None


def test_who_may_lock_unlock_and_waive(world: World, dm: Any) -> None:
    patient = treated(dm, world.centre_a, DAY0).patient
    refresh([patient.pk], today=TODAY)
    d100 = _points(patient)["d100"]
    coord = make_user("coord")
    grant(coord, Role.REGISTRY_DATA_COORDINATOR, None)
    users = world.users
    with pytest.raises(PermissionDenied):
        time_point_lock(actor=users["viewer_a"], time_point=d100)
    with pytest.raises(PermissionDenied):
        time_point_lock(actor=coord, time_point=d100)  # writes no clinical data
    with pytest.raises(NotFound):
        time_point_lock(actor=users["dm_b"], time_point=d100)  # another centre's: not found
    with pytest.raises(NotFound):
        time_point_unlock(actor=users["dm_b"], time_point=d100)
    time_point_lock(actor=users["clin_a"], time_point=d100)
    with pytest.raises(PermissionDenied):
        time_point_unlock(actor=users["stat"], time_point=d100)
    time_point_unlock(actor=coord, time_point=d100, reason="centre asked")
    with pytest.raises(ValidationFailed) as refused:
        time_point_unlock(actor=coord, time_point=d100)
    assert _rules(refused) == ["time_point_not_locked"]
    with pytest.raises(PermissionDenied):
        time_point_waive(actor=coord, time_point=d100, reason="lost")
    with pytest.raises(ValidationFailed) as refused:
        time_point_waive(actor=dm, time_point=d100, reason="  ")
    assert _rules(refused) == ["reason_required"]
    time_point_waive(actor=dm, time_point=d100, reason="lost to follow-up")
    assert _statuses(patient)["d100"] == "not_required"
    actions = list(
        AuditRecord.objects.filter(entity="registry.timepoint", record_id=d100.pk)
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.TIME_POINT_LOCK,
        AuditAction.TIME_POINT_UNLOCK,
        AuditAction.TIME_POINT_WAIVE,
    ]


# --- the work list -----------------------------------------------------------------------------------


def test_the_work_list_is_overdue_first_then_due_and_centre_scoped(world: World, dm: Any) -> None:
    early = treated(dm, world.centre_a, D(2023, 11, 1)).patient  # d100 2024-02-09, window end 2024-03-10
    late = treated(dm, world.centre_a, DAY0).patient
    other = treated(world.users["dm_b"], world.centre_b, DAY0).patient
    TimePoint.objects.all().delete()  # the world's own patients are not part of this list
    refresh([early.pk, late.pk, other.pk], today=TODAY)

    rows = [(tp.patient_id, tp.point, tp.status) for tp in worklist(user=dm, today=TODAY)]
    # early: d100 overdue (ended 2024-03-10), m6 (due 2024-05-02, window 2024-03-18 .. 2024-06-16) due;
    # late: d100 overdue (ended 2024-05-19), m6 due (ends 2024-08-25)
    assert rows == [
        (early.pk, "d100", "overdue"),
        (late.pk, "d100", "overdue"),
        (early.pk, "m6", "due"),
        (late.pk, "m6", "due"),
    ]
    assert worklist_counts(user=dm, today=TODAY) == {
        "overdue": 2,
        "due": 2,
        "upcoming": 2,
        "received": 0,
        "not_required": 0,
    }
    assert not worklist(user=dm, today=TODAY).filter(patient=other).exists()  # another centre: never
    assert not worklist(user=world.users["dm_b"], today=TODAY).filter(centre=world.centre_a).exists()
    registry = {tp.patient_id for tp in worklist(user=world.users["stat"], today=TODAY)}
    assert registry == {early.pk, late.pk, other.pk}  # the registry sees every centre
    only_b = worklist(user=world.users["admin"], today=TODAY, centre_id=world.centre_b.pk)
    assert {tp.patient_id for tp in only_b} == {other.pk}
    overdue = worklist(user=dm, today=TODAY, status="overdue", point="d100")
    assert [tp.patient_id for tp in overdue] == [early.pk, late.pk]
    assert worklist(user=world.users["nobody"], today=TODAY).count() == 0


def test_each_product_follows_its_schedule_from_the_settings(world: World, dm: Any, settings: Any) -> None:
    short = {"points": [("d30", "Day 30", 30, 5, 5)], "yearly_from": 1, "yearly_to": 1, "yearly_window": 10}
    settings.REMISSION_FOLLOW_UP_SCHEDULES = {
        **settings.REMISSION_FOLLOW_UP_SCHEDULES,
        "gene_modified": short,
    }
    car_t = treated(dm, world.centre_a, DAY0, product_type=ProductType.CAR_T).patient
    msc = treated(dm, world.centre_a, DAY0, product_type=ProductType.MSC).patient
    refresh([car_t.pk, msc.pk], today=D(2030, 1, 1))
    # CAR-T: day 30 (2024-02-09) and year 1 (day 365, 2025-01-09), the end of this short track
    assert [(tp.point, tp.due_date) for tp in _points(car_t).values()] == [
        ("d30", D(2024, 2, 9)),
        ("y1", D(2025, 1, 9)),
    ]
    # MSC: the full schedule; y6 is due 2030-01-10 (day 2192), its window opened 2029-10-12; y7 is the next
    assert list(_points(msc)) == ["d100", "m6", "y1", *[f"y{n}" for n in range(2, 8)]]
