"""Queries: each step of the lifecycle, the illegal ones refused with their rule, who may do what per
role, every step audited, and a centre never seeing another centre's queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from tests.registry.conftest import World, grant, make_user

from remission.registry.codes import AuditAction, QueryEventKind, QueryStatus, Role, Severity
from remission.registry.errors import NotFound, PermissionDenied, ValidationFailed
from remission.registry.models import AuditRecord, FollowUp, Query, QueryEvent, TimePoint
from remission.registry.selectors.queries import age_days, query_counts, query_get, query_list
from remission.registry.services.queries import (
    query_answer,
    query_close,
    query_comment,
    query_raise,
    query_reopen,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(world: World) -> dict[str, Any]:
    """The world's users and two registry data coordinators; no query yet (the data-quality rules may
    have raised some while the world was built: these tests count their own)."""
    Query.objects.all().delete()
    extra = {}
    for name in ("coord", "coord2"):
        extra[name] = make_user(name)
        grant(extra[name], Role.REGISTRY_DATA_COORDINATOR, None)
    return {**world.users, **extra}


def _follow_up(world: World, centre: str = "a") -> FollowUp:
    patient = world.patient_a if centre == "a" else world.patient_b
    return FollowUp.objects.filter(patient=patient).order_by("pk").first()


def _rule(message: Any) -> list[str]:
    return [p.rule for p in message.value.problems]


def _raise(world: World, actor: Any, centre: str = "a", **kwargs: Any) -> Query:
    values = {"field": "disease_status", "text": "Status says relapse but no treatment recorded?"}
    return query_raise(actor=actor, record=_follow_up(world, centre), **{**values, **kwargs})


def _audit(query: Query) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(entity="registry.query", record_id=query.pk).order_by("sequence"))


# --- the lifecycle ----------------------------------------------------------------------------------


def test_raise_opens_a_query_with_its_first_event_and_audit_row(world: World, users: dict) -> None:
    record = _follow_up(world)
    query = _raise(world, users["coord"], severity=Severity.ERROR)
    stored = Query.objects.get(pk=query.pk)
    assert stored.status == QueryStatus.OPEN
    assert (stored.entity, stored.record_id, stored.field) == (
        "registry.followup",
        record.pk,
        "disease_status",
    )
    assert stored.centre_id == world.centre_a.pk and stored.patient_id == world.patient_a.pk
    assert stored.raised_by_id == users["coord"].pk and stored.rule == "" and stored.severity == "error"
    events = list(QueryEvent.objects.filter(query=query))
    assert [(e.kind, e.actor_id) for e in events] == [("raised", users["coord"].pk)]
    assert events[0].text == "Status says relapse but no treatment recorded?"
    [row] = _audit(query)
    assert row.action == AuditAction.QUERY_RAISE
    assert (row.centre_id, row.patient_id, row.actor_id) == (
        world.centre_a.pk,
        world.patient_a.pk,
        users["coord"].pk,
    )
    assert row.before is None
    assert row.after["status"] == "open" and row.after["field"] == "disease_status"


def test_raise_by_entity_and_record_id(world: World, users: dict) -> None:
    record = _follow_up(world)
    query = query_raise(
        actor=users["dm_a"], entity="registry.followup", record_id=record.pk, field="date", text="Date?"
    )
    assert (query.record_id, query.field, query.raised_by_id) == (record.pk, "date", users["dm_a"].pk)


def test_answer_close_reopen_and_close_again(world: World, users: dict) -> None:
    query = _raise(world, users["coord"])
    answered = query_answer(actor=users["dm_a"], query=query, text="Corrected: stable disease.")
    assert answered.status == QueryStatus.ANSWERED and answered.answered_at is not None
    closed = query_close(actor=users["coord"], query=query, text="Thank you.")
    assert closed.status == QueryStatus.CLOSED and closed.closed_by_id == users["coord"].pk
    assert closed.closed_at is not None
    reopened = query_reopen(actor=users["coord"], query=query, text="The date is still wrong.")
    assert reopened.status == QueryStatus.OPEN
    assert reopened.closed_at is None and reopened.closed_by_id is None and reopened.answered_at is None
    closed_again = query_close(actor=users["coord"], query=query.pk)  # straight from open, no text
    assert closed_again.status == QueryStatus.CLOSED
    kinds = list(QueryEvent.objects.filter(query=query).order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["raised", "answered", "closed", "reopened", "closed"]


def test_every_step_is_audited_with_status_before_and_after(world: World, users: dict) -> None:
    query = _raise(world, users["coord"])
    query_comment(actor=users["clin_a"], query=query, text="Looking into it.")
    query_answer(actor=users["dm_a"], query=query, text="Fixed.")
    query_close(actor=users["coord"], query=query)
    query_reopen(actor=users["coord2"], query=query, text="Not fixed.")
    rows = _audit(query)
    steps = [(r.action, (r.before or {}).get("status"), r.after["status"], r.actor_id) for r in rows]
    assert steps == [
        (AuditAction.QUERY_RAISE, None, "open", users["coord"].pk),
        (AuditAction.QUERY_COMMENT, "open", "open", users["clin_a"].pk),
        (AuditAction.QUERY_ANSWER, "open", "answered", users["dm_a"].pk),
        (AuditAction.QUERY_CLOSE, "answered", "closed", users["coord"].pk),
        (AuditAction.QUERY_REOPEN, "closed", "open", users["coord2"].pk),
    ]
    assert {(r.centre_id, r.patient_id) for r in rows} == {(world.centre_a.pk, world.patient_a.pk)}
    assert rows[1].after["text"] == "Looking into it."


def test_raise_sets_the_time_point_whose_window_holds_the_record_date(world: World, users: dict) -> None:
    record = _follow_up(world)
    day = record.date
    TimePoint.objects.filter(patient=world.patient_a).delete()  # the schedule's own: windows made here
    TimePoint.objects.create(
        centre=world.centre_a,
        patient=world.patient_a,
        infusion=world.infusion_a,
        point="zz1",
        label="Test window",
        day=100,
        due_date=day,
        window_start=day - dt.timedelta(days=10),
        window_end=day + dt.timedelta(days=10),
    )
    TimePoint.objects.create(  # a window that does not hold the date
        centre=world.centre_a,
        patient=world.patient_a,
        infusion=world.infusion_a,
        point="zz2",
        label="Other window",
        day=500,
        due_date=day + dt.timedelta(days=400),
        window_start=day + dt.timedelta(days=300),
        window_end=day + dt.timedelta(days=500),
    )
    query = _raise(world, users["coord"])
    assert query.time_point.label == "Test window"


# --- illegal steps refused with their rule, and nothing written -------------------------------------


def test_illegal_transitions_are_refused_with_the_rule(world: World, users: dict) -> None:
    query = _raise(world, users["coord"])
    with pytest.raises(ValidationFailed) as caught:
        query_reopen(actor=users["coord"], query=query, text="why")  # open: nothing to re-open
    assert _rule(caught) == ["query_transition"]
    query_answer(actor=users["dm_a"], query=query, text="Done.")
    with pytest.raises(ValidationFailed) as caught:
        query_answer(actor=users["dm_a"], query=query, text="Again.")  # answered already
    assert _rule(caught) == ["query_transition"]
    query_close(actor=users["coord"], query=query)
    for step, kwargs in (
        (query_close, {}),
        (query_answer, {"text": "late"}),
        (query_comment, {"text": "late"}),
    ):
        actor = users["dm_a"] if step is not query_close else users["coord"]
        with pytest.raises(ValidationFailed) as caught:
            step(actor=actor, query=query, **kwargs)
        assert _rule(caught) == ["query_transition"], step.__name__
    assert "closed" in str(caught.value)


def test_texts_required_where_the_step_needs_one(world: World, users: dict) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _raise(world, users["coord"], text="   ")
    assert _rule(caught) == ["query_text_required"]
    query = _raise(world, users["coord"])
    for step in (query_answer, query_comment):
        with pytest.raises(ValidationFailed) as caught:
            step(actor=users["dm_a"], query=query, text="")
        assert _rule(caught) == ["query_text_required"]
    query_close(actor=users["coord"], query=query)
    with pytest.raises(ValidationFailed) as caught:
        query_reopen(actor=users["coord"], query=query, text="")
    assert _rule(caught) == ["query_text_required"]


def test_the_field_must_be_a_field_of_the_record(world: World, users: dict) -> None:
    for field in ("no_such_field", "version", "id", "patient"):
        with pytest.raises(ValidationFailed) as caught:
            _raise(world, users["coord"], field=field)
        assert _rule(caught) == ["query_field"], field
    with pytest.raises(ValidationFailed) as caught:
        query_raise(actor=users["coord"], entity="auth.user", record_id=1, field="username", text="x")
    assert _rule(caught) == ["query_entity"]
    with pytest.raises(ValidationFailed) as caught:
        query_raise(actor=users["coord"], entity="nothing", record_id=1, field="x", text="x")
    assert _rule(caught) == ["query_entity"]
    with pytest.raises(ValidationFailed) as caught:
        _raise(world, users["coord"], severity="dreadful")
    assert _rule(caught) == ["query_severity"]


def test_a_refused_step_writes_nothing(world: World, users: dict) -> None:
    query = _raise(world, users["coord"])
    events, audits = QueryEvent.objects.count(), AuditRecord.objects.count()
    for attempt in (
        lambda: query_answer(actor=users["coord"], query=query, text="not the centre"),
        lambda: query_answer(actor=users["dm_a"], query=query, text=""),
        lambda: query_close(actor=users["dm_a"], query=query),
        lambda: query_reopen(actor=users["coord"], query=query, text="open already"),
        lambda: query_answer(actor=users["dm_b"], query=query, text="other centre"),
    ):
        with pytest.raises((ValidationFailed, PermissionDenied, NotFound)):
            attempt()
    assert (QueryEvent.objects.count(), AuditRecord.objects.count()) == (events, audits)
    assert Query.objects.get(pk=query.pk).status == QueryStatus.OPEN


# --- who may do what, per role ----------------------------------------------------------------------

# raise on a centre-a record: coordinator, administrator and centre a's writers; viewer and statistician
# may read but not raise (403); centre b's data manager, an outsider, a former member: not found
RAISE = {
    "coord": "ok",
    "admin": "ok",
    "dm_a": "ok",
    "clin_a": "ok",
    "viewer_a": PermissionDenied,
    "stat": PermissionDenied,
    "dm_b": NotFound,
    "nobody": NotFound,
    "former_a": NotFound,
}
# answer a centre-a query: the centre's writers and the administrator (who writes everywhere)
ANSWER = {**RAISE, "coord": PermissionDenied}
# comment on a query coord raised: whoever may raise there
COMMENT = RAISE
# close (and re-open) a query coord raised: coordinators and the administrator only
CLOSE = {**RAISE, "dm_a": PermissionDenied, "clin_a": PermissionDenied}


def _attempt(outcome: Any, call: Any) -> None:
    if outcome == "ok":
        call()
    else:
        with pytest.raises(outcome):
            call()


@pytest.mark.parametrize("username", sorted(RAISE))
def test_who_may_raise(world: World, users: dict, username: str) -> None:
    _attempt(RAISE[username], lambda: _raise(world, users[username]))


@pytest.mark.parametrize("username", sorted(ANSWER))
def test_who_may_answer(world: World, users: dict, username: str) -> None:
    query = _raise(world, users["coord"])
    _attempt(ANSWER[username], lambda: query_answer(actor=users[username], query=query, text="Answer."))


@pytest.mark.parametrize("username", sorted(COMMENT))
def test_who_may_comment(world: World, users: dict, username: str) -> None:
    query = _raise(world, users["coord"])
    _attempt(COMMENT[username], lambda: query_comment(actor=users[username], query=query, text="Note."))


@pytest.mark.parametrize("username", sorted(CLOSE))
def test_who_may_close_and_reopen(world: World, users: dict, username: str) -> None:
    query = _raise(world, users["coord"])
    _attempt(CLOSE[username], lambda: query_close(actor=users[username], query=query))
    if Query.objects.get(pk=query.pk).status != QueryStatus.CLOSED:  # refused above: close it otherwise
        query_close(actor=users["coord2"], query=query)
    _attempt(CLOSE[username], lambda: query_reopen(actor=users[username], query=query, text="Again."))


def test_whoever_raised_it_closes_it(world: World, users: dict) -> None:
    query = _raise(world, users["clin_a"])  # a centre's clinician asks their own centre
    with pytest.raises(PermissionDenied):
        query_close(actor=users["dm_a"], query=query)  # a writer at the centre, but not the raiser
    query_answer(actor=users["dm_a"], query=query, text="Checked the notes: correct as entered.")
    assert query_close(actor=users["clin_a"], query=query).status == QueryStatus.CLOSED
    assert query_reopen(actor=users["clin_a"], query=query, text="Still unsure.").status == QueryStatus.OPEN
    assert query_close(actor=users["coord"], query=query).status == QueryStatus.CLOSED  # a coordinator too


def test_a_rules_query_is_closed_and_reopened_by_coordinators_only(world: World, users: dict) -> None:
    record = _follow_up(world)
    query = Query.objects.create(
        centre=world.centre_a,
        patient=world.patient_a,
        entity="registry.followup",
        record_id=record.pk,
        field="disease_status",
        rule="test-rule",
        text="Disease status missing",
        raised_at=timezone.now(),
    )
    query_answer(actor=users["dm_a"], query=query, text="Entered now.")  # the centre answers as usual
    with pytest.raises(PermissionDenied) as caught:
        query_close(actor=users["dm_a"], query=query)
    assert "test-rule" in str(caught.value)
    assert query_close(actor=users["coord"], query=query).status == QueryStatus.CLOSED
    with pytest.raises(PermissionDenied):
        query_reopen(actor=users["dm_a"], query=query, text="x")
    assert query_reopen(actor=users["admin"], query=query, text="Back").status == QueryStatus.OPEN


# --- reading: centre isolation, filters, ages and counts --------------------------------------------


def test_a_centre_never_sees_another_centres_queries(world: World, users: dict) -> None:
    mine = _raise(world, users["coord"], centre="a")
    theirs = _raise(world, users["coord"], centre="b")
    assert set(query_list(user=users["dm_a"])) == {mine}
    assert set(query_list(user=users["viewer_a"])) == {mine}
    assert set(query_list(user=users["dm_b"])) == {theirs}
    assert set(query_list(user=users["nobody"])) == set()
    for registry_user in ("coord", "stat", "admin"):
        assert set(query_list(user=users[registry_user])) == {mine, theirs}
    with pytest.raises(NotFound):
        query_get(user=users["dm_a"], pk=theirs.pk)
    with pytest.raises(NotFound):
        query_comment(actor=users["dm_a"], query=theirs, text="peek")
    assert query_get(user=users["dm_b"], pk=theirs.pk).thread[0].kind == QueryEventKind.RAISED
    assert query_counts(user=users["dm_a"]).total == 1


def _aged(world: World, users: dict, days: int, status: str, today: dt.date) -> Query:
    query = _raise(world, users["coord"])
    raised = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(9), tzinfo=dt.UTC)
    closed = raised + dt.timedelta(days=1) if status == QueryStatus.CLOSED else None
    Query.objects.filter(pk=query.pk).update(raised_at=raised, status=status, closed_at=closed)
    return Query.objects.get(pk=query.pk)


def test_list_order_ages_and_counts(world: World, users: dict) -> None:
    today = dt.date(2026, 6, 30)
    q10 = _aged(world, users, 10, QueryStatus.OPEN, today)
    q2 = _aged(world, users, 2, QueryStatus.OPEN, today)
    q5 = _aged(world, users, 5, QueryStatus.OPEN, today)
    q30 = _aged(world, users, 30, QueryStatus.ANSWERED, today)
    q40 = _aged(world, users, 40, QueryStatus.CLOSED, today)  # closed a day after it was raised
    assert list(query_list(user=users["dm_a"])) == [q10, q5, q2, q30, q40]  # open first, oldest first
    assert [age_days(q, today) for q in (q10, q2, q5, q30, q40)] == [10, 2, 5, 30, 1]
    counts = query_counts(user=users["dm_a"], today=today)
    assert (counts.open, counts.answered, counts.closed) == (3, 1, 1)
    assert counts.median_open_age_days == 5  # the open ones are 2, 5 and 10 days old
    even = query_counts(user=users["dm_a"], today=today + dt.timedelta(days=1), status="open")
    assert even.median_open_age_days == 6  # 3, 6, 11: still the middle one
    assert query_counts(user=users["dm_b"], today=today).median_open_age_days is None


def test_filters(world: World, users: dict) -> None:
    record = _follow_up(world)
    by_coord = _raise(world, users["coord"])
    by_dm = _raise(world, users["dm_a"], field="date")
    rule = Query.objects.create(
        centre=world.centre_a,
        patient=world.patient_a,
        entity="registry.followup",
        record_id=record.pk,
        field="vital_status",
        rule="some-rule",
        text="x",
        raised_at=timezone.now(),
    )
    query_answer(actor=users["dm_a"], query=by_coord, text="ok")
    user = users["coord"]
    assert set(query_list(user=user, status="answered")) == {by_coord}
    assert set(query_list(user=user, source="rule")) == {rule}
    assert set(query_list(user=user, source="person")) == {by_coord, by_dm}
    assert set(query_list(user=users["dm_a"], source="mine")) == {by_dm}
    assert set(query_list(user=user, rule="some-rule")) == {rule}
    assert set(query_list(user=user, field="date")) == {by_dm}
    assert set(query_list(user=user, registry_id=world.patient_a.registry_id)) == {by_coord, by_dm, rule}
    assert set(query_list(user=user, centre_id=world.centre_b.pk)) == set()
    assert set(query_list(user=user, entity="registry.followup", record_id=record.pk)) == {
        by_coord,
        by_dm,
        rule,
    }
    assert set(query_list(user=user, entity="registry.patient")) == set()
