"""The unique constraints of a patient built in memory (``PatientContext.known``): checked among its new
records (``unique_problems_among``), never looked up among stored rows, whose ids its unsaved parents may
carry. A stored patient's record is still looked up (the stored-data rules are in
``services/test_constraint_rules.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from remission.registry.models import Engraftment, Infusion, Patient
from remission.registry.validation import (
    RULE_ONE_ENGRAFTMENT,
    PatientContext,
    patient_context,
    record_problems,
    unique_problems_among,
)


def new_patient_with_infusion(infusion_pk: int) -> tuple[Patient, Infusion]:
    """An unsaved patient and infusion; the infusion numbered ``infusion_pk`` as a bulk loader would."""
    patient = Patient(registry_id="NEW-1", centre_id=1, birth_year=1980, birth_month=6)
    infusion = Infusion(patient=patient, date=dt.date(2022, 3, 14), sequence=1)
    infusion.pk = infusion_pk
    return patient, infusion


def known(infusion: Infusion) -> PatientContext:
    return PatientContext.known(
        birth=dt.date(1980, 6, 1),
        death=None,
        diagnosis=dt.date(2020, 1, 1),
        infusions={0: infusion.date},
        today=dt.date(2026, 1, 1),
    )


def test_a_new_engraftment_is_not_refused_for_a_stored_one_whose_infusion_has_the_same_id(world: Any) -> None:
    stored = Engraftment.objects.get(infusion=world.infusion_a)
    patient, infusion = new_patient_with_infusion(stored.infusion_id)
    new = Engraftment(patient=patient, infusion=infusion, neutrophil_date=dt.date(2022, 3, 26))

    rules = [p.rule for p in record_problems(new, known(infusion))]

    assert RULE_ONE_ENGRAFTMENT not in rules


def test_a_second_engraftment_of_a_stored_infusion_is_still_refused(world: Any) -> None:
    second = Engraftment(
        patient=world.patient_a, infusion=world.infusion_a, neutrophil_date=dt.date(2022, 3, 26)
    )

    rules = [p.rule for p in record_problems(second, patient_context(world.patient_a))]

    assert RULE_ONE_ENGRAFTMENT in rules


def test_two_new_engraftments_of_one_new_infusion_are_refused_together(db: None) -> None:
    patient, infusion = new_patient_with_infusion(10**6)
    first = Engraftment(patient=patient, infusion=infusion, neutrophil_date=dt.date(2022, 3, 26))
    second = Engraftment(patient=patient, infusion=infusion, platelet_date=dt.date(2022, 4, 2))

    problems = unique_problems_among([infusion, first, second])

    assert [(p.field, p.rule) for p in problems] == [("infusion", RULE_ONE_ENGRAFTMENT)]
