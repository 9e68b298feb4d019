"""Data entry: service messages at the field, missing-value reasons, version conflicts, history, delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from remission.registry import services
from remission.registry.codes import AuditAction
from remission.registry.kinds import CREATABLE, EDITABLE_KINDS
from remission.registry.models import Assessment, AuditRecord, FollowUp, LabResult


def _new(world: Any, slug: str) -> str:
    return reverse("record_new", args=[world.patient_a.registry_id, slug])


@pytest.mark.parametrize("slug", CREATABLE)
def test_every_kind_has_a_new_form(world: Any, signed_in: Any, slug: str) -> None:
    response = signed_in("dm_a").get(_new(world, slug))
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()


@pytest.mark.parametrize("slug", sorted(EDITABLE_KINDS))
def test_every_kind_has_an_edit_form_and_history(world: Any, signed_in: Any, slug: str) -> None:
    kind = EDITABLE_KINDS[slug]
    manager = kind.model.objects
    record = (
        manager.get(pk=world.patient_a.pk)
        if slug == "patient"
        else manager.filter(patient=world.patient_a).first()
    )
    assert record is not None, f"the example course has no {slug}"
    client = signed_in("dm_a")
    assert client.get(reverse("record_edit", args=[slug, record.pk])).status_code == 200
    assert client.get(reverse("record_history", args=[slug, record.pk])).status_code == 200


def test_assessment_error_at_the_field_then_saved(world: Any, signed_in: Any) -> None:
    client = signed_in("dm_a")
    before = Assessment.objects.filter(patient=world.patient_a).count()
    future = dt.date.today() + dt.timedelta(days=30)
    data = {"instrument": "mrss", "date": future.isoformat(), "timepoint": "unscheduled", "score": "20"}
    response = client.post(_new(world, "assessment"), data)
    text = response.content.decode()
    assert response.status_code == 200
    assert "is in the future" in text and "[date_not_in_future]" in text
    assert 'id="id_date_error"' in text  # the message sits at the date field
    assert Assessment.objects.filter(patient=world.patient_a).count() == before
    data["date"] = "2023-01-10"
    response = client.post(_new(world, "assessment"), data)
    assert response.status_code == 302
    assert Assessment.objects.filter(patient=world.patient_a).count() == before + 1


def test_assessment_items_are_scored(world: Any, signed_in: Any) -> None:
    data = {"instrument": "edss", "date": "2023-02-01", "timepoint": "unscheduled", "item__edss": "3.5"}
    response = signed_in("dm_a").post(_new(world, "assessment") + "?instrument=edss", data)
    assert response.status_code == 302
    stored = Assessment.objects.filter(patient=world.patient_a, instrument="edss").get()
    assert stored.items == {"edss": 3.5} and stored.score == 3.5


def test_missing_value_reason_is_stored(world: Any, signed_in: Any) -> None:
    data = {
        "date": "2023-03-01",
        "vital_status": "alive",
        "disease_status": "unknown",
        "current_therapy": "",
        "current_therapy__missing": "not_evaluated",
    }
    response = signed_in("dm_a").post(_new(world, "follow-up"), data)
    assert response.status_code == 302
    stored = FollowUp.objects.filter(patient=world.patient_a, date=dt.date(2023, 3, 1)).get()
    assert stored.missing == {"current_therapy": "not_evaluated"}


def test_lab_unit_error_at_the_field(world: Any, signed_in: Any) -> None:
    # the unit is chosen from the registry's units; "%" is one, but not a unit of CD4+ T cells
    data = {"date": "2023-01-05", "analyte": "cd4", "value": "30", "unit": "%"}
    text = signed_in("dm_a").post(_new(world, "lab-result"), data).content.decode()
    assert "[known_unit]" in text and 'id="id_unit_error"' in text
    assert not LabResult.objects.filter(unit="%", analyte="cd4").exists()


def test_version_conflict_shows_both_values(world: Any, signed_in: Any) -> None:
    follow_up = FollowUp.objects.filter(patient=world.patient_a).order_by("pk").first()
    url = reverse("record_edit", args=["follow-up", follow_up.pk])
    client = signed_in("dm_a")
    assert client.get(url).status_code == 200  # the user opens version 1
    services.record_update(
        follow_up,
        actor=world.users["clin_a"],
        version=follow_up.version,
        changes={"current_therapy": "rituximab"},
        reason="colleague",
    )
    data = {
        "version": follow_up.version,
        "date": follow_up.date.isoformat(),
        "vital_status": "alive",
        "disease_status": follow_up.disease_status,
        "current_therapy": "methotrexate",
        "reason": "mine",
    }
    response = client.post(url, data)
    text = response.content.decode()
    assert response.status_code == 200 and 'data-testid="conflict"' in text
    assert "methotrexate" in text and "rituximab" in text
    assert FollowUp.objects.get(pk=follow_up.pk).current_therapy == "rituximab"  # nothing overwritten
    data["version"] = follow_up.version + 1  # seen their value; save again knowingly
    assert client.post(url, data).status_code == 302
    assert FollowUp.objects.get(pk=follow_up.pk).current_therapy == "methotrexate"


def test_history_shows_the_change_and_reason(world: Any, signed_in: Any) -> None:
    follow_up = FollowUp.objects.filter(patient=world.patient_a).order_by("pk").first()
    services.record_update(
        follow_up,
        actor=world.users["dm_a"],
        version=follow_up.version,
        changes={"current_therapy": "none"},
        reason="checked with the clinic",
    )
    text = (
        signed_in("viewer_a")
        .get(reverse("record_history", args=["follow-up", follow_up.pk]))
        .content.decode()
    )
    assert "checked with the clinic" in text and "Current therapy" in text and "dm_a" in text


def test_viewer_may_look_but_not_write(world: Any, signed_in: Any) -> None:
    client = signed_in("viewer_a")
    assert client.get(_new(world, "assessment")).status_code == 403
    follow_up = FollowUp.objects.filter(patient=world.patient_a).first()
    url = reverse("record_edit", args=["follow-up", follow_up.pk])
    page = client.get(url)
    assert page.status_code == 200 and "disabled" in page.content.decode()
    assert client.post(url, {"version": 1}).status_code == 403


def test_another_centres_record_is_not_found(world: Any, signed_in: Any) -> None:
    follow_up = FollowUp.objects.filter(patient=world.patient_b).first()
    client = signed_in("dm_a")
    for name in ("record_edit", "record_history", "record_delete"):
        assert client.get(reverse(name, args=["follow-up", follow_up.pk])).status_code == 404
    assert client.post(reverse("record_edit", args=["follow-up", follow_up.pk]), {}).status_code == 404
    assert (
        client.get(reverse("record_new", args=[world.patient_b.registry_id, "assessment"])).status_code == 404
    )


def test_delete_needs_a_reason_and_is_audited(world: Any, signed_in: Any) -> None:
    lab = LabResult.objects.filter(patient=world.patient_a).first()
    url = reverse("record_delete", args=["lab-result", lab.pk])
    client = signed_in("dm_a")
    deletes = AuditRecord.objects.filter(
        action=AuditAction.DELETE, entity="registry.labresult", record_id=lab.pk
    )
    assert client.post(url, {"version": lab.version, "reason": ""}).status_code == 200
    assert LabResult.objects.filter(pk=lab.pk).exists()
    assert not deletes.exists()  # refused without a reason: nothing deleted, nothing audited
    assert client.post(url, {"version": lab.version, "reason": "duplicate"}).status_code == 302
    assert not LabResult.objects.filter(pk=lab.pk).exists()
    # the one audit row of the delete: who, what, which record, whose centre and patient, why, the values
    audit = deletes.get()
    assert audit.actor_id == world.users["dm_a"].pk
    assert audit.centre_id == world.centre_a.pk
    assert audit.patient_id == world.patient_a.pk
    assert audit.reason == "duplicate"
    assert audit.before is not None and audit.before["id"] == lab.pk and audit.after is None


def test_register_a_patient(world: Any, signed_in: Any) -> None:
    data = {
        "centre": world.centre_a.pk,
        "sex": "female",
        "birth_year": 1985,
        "birth_month": 4,
        "consent_status": "given",
        "consent_version": "v3",
        "consent_date": "2024-01-10",
    }
    response = signed_in("dm_a").post(reverse("patient_register"), data)
    assert response.status_code == 302 and "/patients/R" in response["Location"]
    assert signed_in("viewer_a").get(reverse("patient_register")).status_code == 403
