"""``quality_run``: a finding opens a rule query, a correction through the services closes it, the data
breaking the rule again re-open it, a query a person closed stays closed; centre-scoped; audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.registry.conftest import grant, make_user
from tests.registry.quality.hand_built import treated

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import (
    AuditAction,
    CauseOfDeath,
    OutcomeType,
    QueryEventKind,
    QueryStatus,
    Role,
    Severity,
)
from remission.registry.errors import NotFound, PermissionDenied
from remission.registry.models import (
    AuditRecord,
    Centre,
    OutcomeEvent,
    Patient,
    Query,
    QueryEvent,
    TimePoint,
)
from remission.registry.services.quality_run import quality_run
from remission.registry.services.queries import query_close

pytestmark = pytest.mark.django_db

RULE = "death-cause-given"
D = dt.date


@pytest.fixture
def centres() -> tuple[Centre, Centre]:
    return (
        services.centre_create(actor=SYSTEM, code="runa", name="Run A", country="NL"),
        services.centre_create(actor=SYSTEM, code="runb", name="Run B", country="DE"),
    )


@pytest.fixture
def users(centres: tuple[Centre, Centre]) -> dict[str, Any]:
    made = {name: make_user(name) for name in ("dm_a", "dm_b", "coord")}
    grant(made["dm_a"], Role.CENTRE_DATA_MANAGER, centres[0])
    grant(made["dm_b"], Role.CENTRE_DATA_MANAGER, centres[1])
    grant(made["coord"], Role.REGISTRY_DATA_COORDINATOR, None)
    return made


def died_of_unknown_cause(actor: Any, centre: Centre) -> tuple[Patient, OutcomeEvent]:
    """A patient whose death (2023-02-01) has cause 'unknown': breaks ``death-cause-given`` once."""
    patient = treated(actor, centre, D(2022, 1, 1)).patient
    death = services.outcome_event_record(
        actor=actor,
        patient=patient,
        event_type=OutcomeType.DEATH,
        date=D(2023, 2, 1),
        cause_of_death=CauseOfDeath.UNKNOWN,
    )
    return patient, death


def rule_query(death: OutcomeEvent) -> Query:
    return Query.objects.get(rule=RULE, entity="registry.outcomeevent", record_id=death.pk)


def set_cause(actor: Any, death: OutcomeEvent, cause: str) -> None:
    stored = OutcomeEvent.objects.get(pk=death.pk)
    services.record_update(stored, actor=actor, version=stored.version, changes={"cause_of_death": cause})


def audit_actions(query: Query) -> list[str]:
    rows = AuditRecord.objects.filter(entity="registry.query", record_id=query.pk).order_by("sequence")
    return list(rows.values_list("action", flat=True))


def test_a_finding_opens_a_rule_query_with_its_event_and_audit_rows(centres: tuple[Centre, Centre]) -> None:
    patient, death = died_of_unknown_cause(SYSTEM, centres[0])
    runs_before = AuditRecord.objects.filter(action=AuditAction.QUALITY_RUN).count()
    summary = quality_run(actor=SYSTEM)
    assert (summary.opened, summary.closed, summary.reopened) == (1, 0, 0)
    assert summary.findings[RULE] == 1
    query = rule_query(death)
    assert (query.status, query.severity, query.field) == (
        QueryStatus.OPEN,
        Severity.WARNING,
        "cause_of_death",
    )
    assert (query.centre_id, query.patient_id, query.raised_by_id) == (centres[0].pk, patient.pk, None)
    assert query.text == (
        "the cause of the death on 2023-02-01 is not known: find it, or confirm that it cannot be found"
    )
    # the time point whose window holds the death's date (the run refreshed the patient's time points)
    holding = TimePoint.objects.filter(
        patient=patient, window_start__lte=D(2023, 2, 1), window_end__gte=D(2023, 2, 1)
    ).order_by("-due_date")
    assert holding.exists() and query.time_point_id == holding.first().pk
    event = QueryEvent.objects.get(query=query)
    assert (event.kind, event.actor_id, event.text) == (QueryEventKind.RAISED, None, query.text)
    assert audit_actions(query) == [AuditAction.QUERY_RAISE]
    raised = AuditRecord.objects.get(entity="registry.query", record_id=query.pk)
    assert raised.after["rule"] == RULE and raised.after["status"] == QueryStatus.OPEN
    assert raised.centre_id == centres[0].pk and raised.patient_id == patient.pk
    run_rows = AuditRecord.objects.filter(action=AuditAction.QUALITY_RUN).order_by("sequence")
    assert run_rows.count() == runs_before + 1
    assert run_rows.last().after["opened"] == 1
    assert run_rows.last().after["findings"][RULE] == 1
    # a second run finds the same and changes nothing
    again = quality_run(actor=SYSTEM)
    assert (again.opened, again.closed, again.reopened) == (0, 0, 0)
    assert Query.objects.filter(rule=RULE).count() == 1


def test_a_correction_closes_the_query_and_breaking_it_again_reopens_it(
    centres: tuple[Centre, Centre], users: dict[str, Any]
) -> None:
    _, death = died_of_unknown_cause(users["dm_a"], centres[0])
    quality_run(actor=SYSTEM)
    query = rule_query(death)
    # the centre corrects the record through the normal services: the query closes itself
    set_cause(users["dm_a"], death, CauseOfDeath.TRM_INFECTION)
    query.refresh_from_db()
    assert (query.status, query.closed_by_id) == (QueryStatus.CLOSED, None)
    assert query.closed_at is not None
    closing = QueryEvent.objects.filter(query=query).order_by("at", "id").last()
    assert (closing.kind, closing.actor_id) == (QueryEventKind.CLOSED, None)
    assert closing.text == "the data no longer break rule death-cause-given"
    # the data break the rule again: the automatically closed query re-opens
    set_cause(users["dm_a"], death, CauseOfDeath.UNKNOWN)
    query.refresh_from_db()
    assert (query.status, query.closed_at) == (QueryStatus.OPEN, None)
    kinds = list(QueryEvent.objects.filter(query=query).order_by("at", "id").values_list("kind", flat=True))
    assert kinds == [QueryEventKind.RAISED, QueryEventKind.CLOSED, QueryEventKind.REOPENED]
    assert audit_actions(query) == [
        AuditAction.QUERY_RAISE,
        AuditAction.QUERY_CLOSE,
        AuditAction.QUERY_REOPEN,
    ]
    close_row = AuditRecord.objects.get(
        entity="registry.query", record_id=query.pk, action=AuditAction.QUERY_CLOSE
    )
    assert close_row.actor_id == users["dm_a"].pk  # the write that closed it
    assert (close_row.before, close_row.after["status"]) == ({"status": "open"}, "closed")
    assert Query.objects.filter(rule=RULE).count() == 1


def test_a_query_a_person_closed_stays_closed(centres: tuple[Centre, Centre], users: dict[str, Any]) -> None:
    _, death = died_of_unknown_cause(SYSTEM, centres[0])
    quality_run(actor=SYSTEM)
    query_close(actor=users["coord"], query=rule_query(death), text="value confirmed: the cause is unknown")
    summary = quality_run(actor=SYSTEM)
    assert (summary.opened, summary.closed, summary.reopened) == (0, 0, 0)
    query = rule_query(death)
    assert (query.status, query.closed_by_id) == (QueryStatus.CLOSED, users["coord"].pk)
    # an edit of the record does not re-open it either
    stored = OutcomeEvent.objects.get(pk=death.pk)
    services.record_update(stored, actor=SYSTEM, version=stored.version, changes={"detail": "sudden"})
    assert rule_query(death).status == QueryStatus.CLOSED


def test_a_write_raises_no_new_query_before_the_next_run(centres: tuple[Centre, Centre]) -> None:
    _, death = died_of_unknown_cause(SYSTEM, centres[0])
    assert not Query.objects.filter(rule=RULE).exists()
    quality_run(actor=SYSTEM)
    assert rule_query(death).status == QueryStatus.OPEN


def test_a_centre_run_touches_only_that_centre(centres: tuple[Centre, Centre]) -> None:
    _, death_a = died_of_unknown_cause(SYSTEM, centres[0])
    _, death_b = died_of_unknown_cause(SYSTEM, centres[1])
    summary = quality_run(actor=SYSTEM, centre_id=centres[0].pk)
    assert (summary.patients, summary.opened) == (1, 1)
    assert rule_query(death_a).status == QueryStatus.OPEN
    assert not Query.objects.filter(record_id=death_b.pk, entity="registry.outcomeevent").exists()
    quality_run(actor=SYSTEM, centre_id=centres[1].pk)
    # B's data change outside the services (as a bulk import would): A's run leaves B's query alone
    OutcomeEvent.objects.filter(pk=death_b.pk).update(cause_of_death=CauseOfDeath.DISEASE)
    assert quality_run(actor=SYSTEM, centre_id=centres[0].pk).closed == 0
    assert rule_query(death_b).status == QueryStatus.OPEN
    assert quality_run(actor=SYSTEM, centre_id=centres[1].pk).closed == 1
    assert rule_query(death_b).status == QueryStatus.CLOSED
    assert rule_query(death_a).status == QueryStatus.OPEN
    run = AuditRecord.objects.filter(action=AuditAction.QUALITY_RUN).order_by("sequence").last()
    assert (run.centre_id, run.after["closed"], run.after["scope"]) == (
        centres[1].pk,
        1,
        f"centre {centres[1].pk}",
    )


def test_who_may_run_the_rules(centres: tuple[Centre, Centre], users: dict[str, Any]) -> None:
    died_of_unknown_cause(SYSTEM, centres[0])
    with pytest.raises(PermissionDenied):
        quality_run(actor=users["dm_a"])  # the whole registry: a coordinator's job
    with pytest.raises(NotFound):
        quality_run(actor=users["dm_a"], centre_id=centres[1].pk)
    assert not Query.objects.exists()
    assert quality_run(actor=users["dm_a"], centre_id=centres[0].pk).opened == 1
    assert quality_run(actor=users["coord"]).opened == 0


def test_a_rule_switched_off_leaves_its_queries_alone(centres: tuple[Centre, Centre], settings: Any) -> None:
    _, death = died_of_unknown_cause(SYSTEM, centres[0])
    quality_run(actor=SYSTEM)
    settings.REMISSION_QUALITY_RULES = {RULE: {"enabled": False}}
    summary = quality_run(actor=SYSTEM)
    assert RULE not in summary.findings and summary.closed == 0
    assert rule_query(death).status == QueryStatus.OPEN
