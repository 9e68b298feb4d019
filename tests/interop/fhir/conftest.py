"""The two-centre world, with patient A's course widened to every kind of value the bundles carry:
assessment items (integers, booleans) without a score, missing-value reasons, a second diagnosis with
an ICD-10 code, an adverse event without an infusion, laboratory values with and without LOINC, a
mobilisation with complications, a work-up with HCT-CI items and serology, and a death."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from remission.registry import services
from tests.registry.conftest import World, build_world, reload


def widen_course(world: World) -> None:
    actor = world.users["dm_a"]
    patient = world.patient_a
    day0 = world.infusion_a.date
    services.diagnosis_record(
        actor=actor,
        patient=patient,
        disease="ssc",
        diagnosis_date=day0 - dt.timedelta(days=900),
        icd10="M34.0",
        is_primary=False,
        missing={"first_symptom_date": "unknown"},
    )
    services.assessment_record(
        actor=actor,
        patient=patient,
        date=day0 + dt.timedelta(days=30),
        instrument="haq_di",
        items={"dress_self": 1, "dressing_aid": True, "walking_aid": False},
        missing={"score": "not_evaluated"},
    )
    services.assessment_record(
        actor=actor,
        patient=patient,
        date=day0 + dt.timedelta(days=31),
        instrument="mrss",
        items={"face": 2, "anterior_chest": 1},
        during_relapse=False,
    )
    services.workup_record(
        actor=actor,
        patient=patient,
        date=day0 - dt.timedelta(days=20),
        weight_kg=61.5,
        mpap_mmhg=18.0,
        hct_ci_items={"pulmonary_moderate": True},
        serology={"cmv_igg": "positive", "hbsag": "negative"},
        missing={"lvef_pct": "not_evaluated", "height_cm": "unknown"},
    )
    services.mobilisation_record(
        actor=actor,
        patient=patient,
        date=day0 - dt.timedelta(days=80),
        regimen="mob_gcsf",
        gcsf=False,
        complications=["disease_flare"],
    )
    services.adverse_event_record(
        actor=actor,
        patient=patient,
        term="herpes zoster",
        category="infection",
        grade=2,
        onset_date=day0 + dt.timedelta(days=200),
        organism="Varicella zoster virus",
    )
    for analyte, value, unit in (
        ("neutrophils", 2.5, "10^9/L"),
        ("platelets", 180.0, "10^9/L"),
        ("cd4_naive", 12.5, "%"),
        ("igg", 7.25, "g/L"),
        ("trec", 1500.0, "copies/ug DNA"),
    ):
        services.lab_result_record(
            actor=actor,
            patient=patient,
            date=day0 + dt.timedelta(days=150),
            analyte=analyte,
            value=value,
            unit=unit,
        )
    services.follow_up_record(
        actor=actor,
        patient=patient,
        date=day0 + dt.timedelta(days=400),
        vital_status="dead",
        disease_status="progression",
        current_therapy="none",
    )
    services.outcome_event_record(
        actor=actor,
        patient=patient,
        event_type="death",
        date=day0 + dt.timedelta(days=400),
        cause_of_death="trm_infection",
        detail="pneumonia",
    )


@pytest.fixture(scope="module")
def stored_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock():
        world = build_world()
        widen_course(world)
    yield world
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def world(stored_world: World, db: None) -> World:
    return reload(stored_world)
