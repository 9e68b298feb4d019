"""The audit trail and optimistic locking: every write audited, stale edits refused, deletes explained."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from remission.registry import selectors, services
from remission.registry.codes import AuditAction
from remission.registry.errors import NotFound, StaleEdit, ValidationFailed
from remission.registry.models import AuditRecord, FollowUp, Mobilisation, WorkUp
from remission.registry.services.records import REASON_REQUIRED
from tests.registry.conftest import reload


def test_every_record_of_a_course_has_one_create_row(world: Any) -> None:
    rows = AuditRecord.objects.filter(patient=world.patient_a, action=AuditAction.CREATE)
    # patient + 20 records + the hospital identifier
    assert rows.count() == 22
    assert set(rows.values_list("actor__username", flat=True)) == {"dm_a"}


def test_stale_edit_is_refused_and_both_values_are_shown(world: Any) -> None:
    follow_up = FollowUp.objects.filter(patient=world.patient_a).order_by("date").first()
    mine = FollowUp.objects.get(pk=follow_up.pk)  # the data manager opens the form
    theirs = FollowUp.objects.get(pk=follow_up.pk)  # the clinician opens the same form
    services.record_update(
        theirs, actor=world.users["clin_a"], version=theirs.version, changes={"current_therapy": "none"}
    )
    with pytest.raises(StaleEdit) as caught:
        services.record_update(
            mine, actor=world.users["dm_a"], version=mine.version, changes={"current_therapy": "rituximab"}
        )
    stale = caught.value
    assert (stale.read_version, stale.current_version) == (1, 2)
    assert [(c.field, c.yours, c.theirs) for c in stale.conflicts] == [
        ("current_therapy", "rituximab", "none")
    ]
    follow_up.refresh_from_db()
    assert follow_up.current_therapy == "none", "the stale edit must not overwrite"
    assert (
        AuditRecord.objects.filter(
            entity="registry.followup", record_id=follow_up.pk, action="update"
        ).count()
        == 1
    )


def test_two_stale_edits_after_a_third(world: Any) -> None:
    workup = WorkUp.objects.get(patient=world.patient_a)
    copies = [WorkUp.objects.get(pk=workup.pk) for _ in range(3)]
    services.record_update(copies[0], actor=world.users["dm_a"], version=1, changes={"weight_kg": 61.0})
    for copy, user in zip(copies[1:], ("clin_a", "dm_a"), strict=True):
        with pytest.raises(StaleEdit):
            services.record_update(copy, actor=world.users[user], version=1, changes={"weight_kg": 99.0})
    workup.refresh_from_db()
    assert (workup.weight_kg, workup.version) == (61.0, 2)


def test_update_rows_carry_before_after_and_reason(world: Any) -> None:
    workup = WorkUp.objects.get(patient=world.patient_a)
    old_weight = workup.weight_kg
    services.record_update(
        workup, actor=world.users["clin_a"], version=1, changes={"weight_kg": 72.5}, reason="re-weighed"
    )
    row = AuditRecord.objects.get(entity="registry.workup", record_id=workup.pk, action=AuditAction.UPDATE)
    assert row.before["weight_kg"] == old_weight and row.after["weight_kg"] == 72.5
    assert row.reason == "re-weighed" and row.actor.username == "clin_a"
    assert row.centre_id == world.centre_a.pk and row.patient_id == world.patient_a.pk


def test_delete_needs_a_reason(world: Any) -> None:
    follow_up = FollowUp.objects.filter(patient=world.patient_a).first()
    with pytest.raises(ValidationFailed) as caught:
        services.record_delete(follow_up, actor=world.users["dm_a"], version=1, reason=" ")
    assert caught.value.problems[0].message.startswith(REASON_REQUIRED.split("{")[0])
    assert FollowUp.objects.filter(pk=follow_up.pk).exists()


def test_delete_is_audited_with_the_values_it_removed(world: Any) -> None:
    follow_up = FollowUp.objects.filter(patient=world.patient_a).first()
    services.record_delete(follow_up, actor=world.users["dm_a"], version=1, reason="entered twice")
    row = AuditRecord.objects.get(
        entity="registry.followup", record_id=follow_up.pk, action=AuditAction.DELETE
    )
    assert (
        row.before["date"] == follow_up.date.isoformat()
        and row.after is None
        and row.reason == "entered twice"
    )


def test_a_record_others_refer_to_cannot_be_deleted(world: Any) -> None:
    mobilisation = Mobilisation.objects.get(patient=world.patient_a)
    with pytest.raises(ValidationFailed) as caught:
        services.record_delete(mobilisation, actor=world.users["dm_a"], version=1, reason="wrong patient")
    assert caught.value.problems[0].rule == "still_referenced"
    assert Mobilisation.objects.filter(pk=mobilisation.pk).exists()


def test_another_centre_cannot_edit_or_delete(world: Any) -> None:
    workup = WorkUp.objects.get(patient=world.patient_a)
    with pytest.raises(NotFound):
        services.record_update(workup, actor=world.users["dm_b"], version=1, changes={"weight_kg": 50.0})
    with pytest.raises(NotFound):
        services.record_delete(workup, actor=world.users["dm_b"], version=1, reason="x")


def test_looking_at_hospital_numbers_is_audited(world: Any) -> None:
    list(selectors.hospital_identifier_list(user=world.users["clin_a"], patient=world.patient_a))
    row = AuditRecord.objects.get(action=AuditAction.VIEW_IDENTIFIERS)
    assert row.actor.username == "clin_a" and row.patient_id == world.patient_a.pk


def test_audit_trail_of_one_record_in_order(world: Any) -> None:
    workup = WorkUp.objects.get(patient=world.patient_a)
    services.record_update(workup, actor=world.users["dm_a"], version=1, changes={"weight_kg": 70.0})
    services.record_update(workup, actor=world.users["clin_a"], version=2, changes={"weight_kg": 71.0})
    trail = selectors.audit_trail(user=world.users["viewer_a"], entity="registry.workup", record_id=workup.pk)
    assert [(r.action, r.actor.username) for r in trail] == [
        ("create", "dm_a"),
        ("update", "dm_a"),
        ("update", "clin_a"),
    ]
    assert not selectors.audit_trail(
        user=world.users["dm_b"], entity="registry.workup", record_id=workup.pk
    ).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_edits_from_two_connections_one_wins(stored_world: Any) -> None:
    """Two threads (two database connections) edit the same version at once: exactly one succeeds.

    pytest-django runs transactional tests after the others and empties the tables afterwards.
    """
    world = reload(stored_world)
    workup = WorkUp.objects.get(patient=world.patient_a)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(username: str, weight: float) -> None:
        try:
            copy = WorkUp.objects.get(pk=workup.pk)
            barrier.wait()
            services.record_update(
                copy, actor=world.users[username], version=1, changes={"weight_kg": weight}
            )
            outcomes.append("saved")
        except StaleEdit:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=a) for a in (("dm_a", 60.0), ("clin_a", 65.0))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved", "stale"]
    workup.refresh_from_db()
    assert workup.version == 2 and workup.weight_kg in (60.0, 65.0)


def test_follow_up_dates_stay_dates(world: Any) -> None:
    follow_up = FollowUp.objects.filter(patient=world.patient_a).first()
    assert isinstance(follow_up.date, dt.date)
