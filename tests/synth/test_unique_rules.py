"""The unique constraints when a synthetic patient is checked in memory (``PatientContext.known``).

A patient built in memory has nothing stored to collide with, and a check-only pass (the ``COPY`` writer's
``_check_only``) numbers its records with made-up ids that stored rows may hold: the unique constraints are
checked among the patient's own records, never looked up in the database. A generated duplicate is still
refused, with the constraint's rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pytest

from remission.registry.models import Engraftment, Patient
from remission.registry.validation import RULE_ONE_ENGRAFTMENT, RULE_ONE_PRIMARY_DIAGNOSIS
from remission.synth import bulk
from remission.synth.generate import generate_patient
from remission.synth.plan import PatientPlan
from remission.synth.records import SyntheticRecordInvalid, patient_rows

pytestmark = pytest.mark.django_db

SEED = 61
TODAY = dt.date(2026, 11, 15)


def first_plan_with(model: str, start: int) -> PatientPlan:
    """The first generated patient from index ``start`` on with a record of ``model`` (a fixed seed)."""
    for index in itertools.count(start):
        plan = generate_patient(SEED, index)
        if any(rec.model == model for rec in plan.records):
            return plan
    raise AssertionError("unreachable")


def centre_id(plan: PatientPlan) -> int:
    return bulk.ensure_centres()[plan.centre]


def with_copy_of(plan: PatientPlan, model: str) -> PatientPlan:
    """``plan`` with its first record of ``model`` given twice (the copy under a new key)."""
    records = list(plan.records)
    at, original = next((i, r) for i, r in enumerate(records) if r.model == model)
    copy = dataclasses.replace(
        original, fields=dict(original.fields), key=f"{original.key}-copy" * bool(original.key)
    )
    records.insert(at + 1, copy)
    return dataclasses.replace(plan, records=records)


def test_a_check_only_pass_is_not_refused_by_a_stored_engraftment_with_the_same_made_up_infusion_id() -> None:
    bulk.bulk_load(seed=SEED, count=20, validate="none")
    stored = Engraftment.objects.order_by("pk").first()
    assert stored is not None
    plan = first_plan_with("Engraftment", start=20)
    numbers = itertools.count(10**6)

    def made_up(name: str) -> int:  # the check-only pass's ids: the infusion gets a stored infusion's id
        return stored.infusion_id if name == "Infusion" else next(numbers)

    rows = patient_rows(plan, centre_id=centre_id(plan), next_id=made_up, validate=True, today=TODAY)

    assert any(isinstance(row, Engraftment) for row in rows.records)
    assert not Patient.objects.filter(registry_id=plan.registry_id).exists()


def test_a_generated_second_engraftment_of_one_infusion_is_refused() -> None:
    plan = with_copy_of(first_plan_with("Engraftment", start=0), "Engraftment")
    numbers = itertools.count(1)

    with pytest.raises(SyntheticRecordInvalid) as refused:
        patient_rows(
            plan, centre_id=centre_id(plan), next_id=lambda _n: next(numbers), validate=True, today=TODAY
        )

    assert [p.rule for p in refused.value.problems] == [RULE_ONE_ENGRAFTMENT]
    assert refused.value.problems[0].field == "infusion"


def test_a_generated_second_primary_diagnosis_is_refused() -> None:
    plan = with_copy_of(first_plan_with("Diagnosis", start=0), "Diagnosis")
    numbers = itertools.count(1)

    with pytest.raises(SyntheticRecordInvalid) as refused:
        patient_rows(
            plan, centre_id=centre_id(plan), next_id=lambda _n: next(numbers), validate=True, today=TODAY
        )

    assert [p.rule for p in refused.value.problems] == [RULE_ONE_PRIMARY_DIAGNOSIS]
