"""A screening candidate pre-filled from a registry patient's records (``registry/candidates.py``)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from remission.clinical.candidate import schema_problems
from remission.registry import services
from remission.registry.candidates import candidate_from_patient
from remission.registry.errors import NotFound
from remission.synth.course import record_example_course

pytestmark = pytest.mark.django_db


def test_candidate_from_the_example_course(world: Any) -> None:
    patient = world.patient_a
    workup = patient.workups.get()
    mrss = patient.assessments.filter(instrument="mrss").order_by("date", "id").last()
    today = dt.date(2024, 6, 15)
    candidate = candidate_from_patient(
        user=world.users["clin_a"], registry_id=patient.registry_id, today=today
    )
    # age on 15 June 2024: a birthday in a later month has not come yet
    age = 2024 - patient.birth_year - (1 if patient.birth_month > 6 else 0)
    assert candidate["candidate_id"] == patient.registry_id
    assert (candidate["age_years"], candidate["sex"], candidate["disease"]) == (age, patient.sex, "ssc")
    assert (candidate["height_cm"], candidate["weight_kg"]) == (workup.height_cm, workup.weight_kg)
    findings = candidate["findings"]
    assert findings["ssc_subset"] == "diffuse"
    assert findings["dlco_pct"] == workup.dlco_pct and findings["lvef_pct"] == workup.lvef_pct
    assert findings["creatinine_clearance_ml_min"] == workup.creatinine_clearance
    assert findings["karnofsky"] == workup.performance_score
    assert findings["mrss"] == round(mrss.score)
    assert "hct_ci" not in candidate  # the example work-up records no HCT-CI items
    assert schema_problems(candidate) == ()  # a candidate the screening accepts as it is


def test_recorded_hct_ci_items_are_taken_as_items_only(world: Any) -> None:
    patient = world.patient_a
    actor = world.users["dm_a"]
    workup = patient.workups.get()
    services.record_update(
        workup,
        actor=actor,
        version=workup.version,
        changes={"hct_ci_items": {"diabetes": True, "psychiatric": False, "dlco_pct": 50, "nonsense": 1}},
        reason="test",
    )
    candidate = candidate_from_patient(user=actor, registry_id=patient.registry_id)
    # only the items, as true/false: the measurement is given once, under findings
    assert candidate["hct_ci"] == {"diabetes": True, "psychiatric": False}


def test_an_ms_patient_gives_course_and_latest_edss(world: Any) -> None:
    actor = world.users["dm_a"]
    course = record_example_course(
        actor=actor, centre=world.centre_a, rng=random.Random(3), day0=dt.date(2023, 5, 2), disease="ms"
    )
    patient = course.patient
    diagnosis = patient.diagnoses.get()
    services.record_update(
        diagnosis, actor=actor, version=diagnosis.version, changes={"subtype": "rrms"}, reason="test"
    )
    for day, score in ((dt.date(2023, 3, 1), 3.5), (dt.date(2023, 4, 1), 4.0)):
        services.assessment_record(actor=actor, patient=patient, date=day, instrument="edss", score=score)
    candidate = candidate_from_patient(user=actor, registry_id=patient.registry_id)
    assert candidate["disease"] == "ms"
    assert candidate["findings"]["ms_course"] == "rrms"
    assert candidate["findings"]["edss"] == 4.0  # the later of 3.5 (March) and 4.0 (April)
    assert "ssc_subset" not in candidate["findings"]


def test_another_centres_patient_is_not_found(world: Any) -> None:
    with pytest.raises(NotFound):
        candidate_from_patient(user=world.users["dm_b"], registry_id=world.patient_a.registry_id)
