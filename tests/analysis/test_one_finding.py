"""One contradiction, one rule: stored records that break a registry validation rule (written around the
services, as an old import might have) are found under the same rule id by ``remission check``
(``validation.patient_findings``) and by endpoint derivation, both as the registry's one ``Finding``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from remission.analysis.endpoints import derive_endpoints
from remission.analysis.loader import load_courses
from remission.registry import services, validation
from remission.registry.access import SYSTEM
from remission.registry.codes import (
    CauseOfDeath,
    ConsentStatus,
    OutcomeType,
    ProductSource,
    ProductType,
    Sex,
    VitalStatus,
)
from remission.registry.findings import Finding
from remission.registry.models import FollowUp, Infusion, OutcomeEvent, Patient

pytestmark = pytest.mark.django_db

DAY0 = dt.date(2021, 3, 1)
DEATH = dt.date(2021, 9, 1)


def _patient(registry_id: str) -> Any:
    centre = services.centre_create(actor=SYSTEM, code=f"c-{registry_id}", name=registry_id, country="NL")
    patient = services.patient_register(
        actor=SYSTEM,
        centre=centre,
        sex=Sex.FEMALE,
        birth_year=1975,
        birth_month=4,
        consent_status=ConsentStatus.GIVEN,
        consent_date=dt.date(2021, 1, 4),
        registry_id=registry_id,
    )
    services.diagnosis_record(
        actor=SYSTEM, patient=patient, disease="ssc", diagnosis_date=dt.date(2019, 5, 2)
    )
    product = services.cell_product_record(
        actor=SYSTEM,
        patient=patient,
        product_type=ProductType.AUTOLOGOUS_HSC,
        source=ProductSource.PERIPHERAL_BLOOD,
    )
    services.infusion_record(actor=SYSTEM, patient=patient, product=product, date=DAY0)
    return patient


def _both(patient: Any) -> tuple[list[Finding], list[Finding], Any]:
    stored = validation.patient_findings(patient, today=dt.date(2024, 1, 1))
    derived = derive_endpoints(load_courses(user=SYSTEM, patient_ids=[patient.pk]).courses)
    return stored, list(derived.findings), derived


def _die(patient: Patient) -> None:
    """The patient's death on DEATH, recorded through the service."""
    services.outcome_event_record(
        actor=SYSTEM,
        patient=patient,
        event_type=OutcomeType.DEATH,
        date=DEATH,
        cause_of_death=CauseOfDeath.UNRELATED,
    )


def test_an_event_after_the_death_is_one_rule() -> None:
    patient = _patient("P-EVENT")
    relapse = services.outcome_event_record(
        actor=SYSTEM, patient=patient, event_type=OutcomeType.RELAPSE, date=dt.date(2021, 6, 1)
    )
    _die(patient)
    OutcomeEvent.objects.filter(pk=relapse.pk).update(date=dt.date(2021, 10, 1))
    stored, derived, result = _both(patient)
    assert [(f.rule, f.entity, f.record_id, f.field) for f in stored] == [
        ("date_not_after_death", "outcomeevent", relapse.pk, "date")
    ]
    assert stored[0].registry_id == "P-EVENT" and stored[0].problem.rule == "date_not_after_death"
    assert [(f.registry_id, f.rule, f.message) for f in derived] == [
        (
            "P-EVENT",
            "date_not_after_death",
            "relapse on 2021-10-01 is after the patient's death on 2021-09-01; ignored",
        )
    ]
    assert result.rows[0].relapse_date is None


def test_an_infusion_after_the_death_is_one_rule_and_the_patient_is_left_out() -> None:
    patient = _patient("P-INFUSION")
    _die(patient)
    infusion = Infusion.objects.get(patient=patient)
    Infusion.objects.filter(pk=infusion.pk).update(date=dt.date(2021, 10, 1))
    stored, derived, result = _both(patient)
    assert ("date_not_after_death", "infusion", infusion.pk) in {
        (f.rule, f.entity, f.record_id) for f in stored
    }
    assert [(f.rule, f.entity) for f in derived] == [("date_not_after_death", "infusion")]
    assert [(x.registry_id, x.rule) for x in result.left_out] == [("P-INFUSION", "death_before_infusion")]
    assert result.excluded == ("P-INFUSION",)


def test_an_alive_follow_up_after_the_death_is_one_rule() -> None:
    patient = _patient("P-ALIVE")
    follow_up = services.follow_up_record(
        actor=SYSTEM, patient=patient, date=dt.date(2021, 7, 1), vital_status=VitalStatus.ALIVE
    )
    _die(patient)
    FollowUp.objects.filter(pk=follow_up.pk).update(date=dt.date(2021, 11, 1))
    stored, derived, _ = _both(patient)
    assert {f.rule for f in stored} == {f.rule for f in derived} == {"alive_not_after_death"}
