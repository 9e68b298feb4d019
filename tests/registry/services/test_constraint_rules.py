"""Every database constraint of every registry table is checked by the services first: a write that would
break one is refused with a named rule and a sentence a clinician can read, never the database's
``Constraint "…" is violated``. The table below must name every constraint (and every unique field)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from remission.registry import services, validation
from remission.registry.codes import (
    AdverseEventCategory,
    ConsentStatus,
    GradingSystem,
    OutcomeType,
    Role,
    Sex,
)
from remission.registry.errors import ValidationFailed
from remission.registry.models import (
    AdverseEvent,
    Diagnosis,
    Engraftment,
    Membership,
    Patient,
    PriorTherapy,
    WorkUp,
)
from remission.registry.ranges import PLAUSIBLE_RANGES

V = validation


def dm(world: Any) -> Any:
    return world.users["dm_a"]


def edit(record: models.Model, world: Any, **changes: Any) -> Any:
    return services.record_update(record, actor=dm(world), version=record.version, changes=changes)


def admin_edit(record: models.Model, world: Any, **changes: Any) -> Any:
    return services.record_update(record, actor=world.users["admin"], version=record.version, changes=changes)


def of_patient(model: type[models.Model], world: Any) -> Any:
    return model.objects.filter(patient=world.patient_a).order_by("pk").first()


def register(world: Any, **values: Any) -> Patient:
    fields = {
        "sex": Sex.FEMALE,
        "birth_year": 1980,
        "birth_month": 6,
        "consent_status": ConsentStatus.GIVEN,
        "consent_date": dt.date(2020, 1, 1),
    } | values
    return services.patient_register(actor=dm(world), centre=world.centre_a, **fields)


def death(world: Any) -> Any:
    return services.outcome_event_record(
        actor=dm(world),
        patient=world.patient_a,
        event_type=OutcomeType.DEATH,
        date=world.infusion_a.date + dt.timedelta(days=400),
        cause_of_death="disease",
    )


def adverse_event(world: Any, **values: Any) -> Any:
    fields = {
        "term": "herpes zoster",
        "category": AdverseEventCategory.INFECTION,
        "grade": 2,
        "onset_date": world.infusion_a.date + dt.timedelta(days=40),
    } | values
    return services.adverse_event_record(actor=dm(world), patient=world.patient_a, **fields)


# constraint name -> a service call that would break it (the world: services/conftest.py)
VIOLATIONS: dict[str, Callable[[Any], Any]] = {
    "centre_ebmt_cic_unique": lambda w: services.centre_create(
        actor=w.users["admin"], code="gamma", name="Gamma", country="FR", ebmt_cic="701"
    ),
    "centre_cibmtr_ccn_unique": lambda w: services.centre_create(
        actor=w.users["admin"], code="gamma", name="Gamma", country="FR", cibmtr_ccn="10234"
    ),
    "centre_country_iso2": lambda w: admin_edit(w.centre_a, w, country="nl"),
    "centre_ccn_five_digits": lambda w: admin_edit(w.centre_a, w, cibmtr_ccn="123"),
    "centre_first_year_plausible": lambda w: admin_edit(w.centre_a, w, first_procedure_year=1950),
    "membership_unique": lambda w: services.membership_grant(
        actor=w.users["admin"], user=w.users["dm_a"], role=Role.CENTRE_DATA_MANAGER, centre=w.centre_a
    ),
    "membership_centre_matches_role": lambda w: services.membership_grant(
        actor=w.users["admin"], user=w.users["nobody"], role=Role.REGISTRY_STATISTICIAN, centre=w.centre_a
    ),
    "membership_valid_to_after_from": lambda w: services.membership_end(
        actor=w.users["admin"],
        membership=(m := Membership.objects.get(user=w.users["dm_a"])),
        version=m.version,
        on=m.valid_from - dt.timedelta(days=1),
    ),
    "patient_birth_month": lambda w: register(w, birth_month=13),
    "patient_birth_year": lambda w: register(w, birth_year=1850),
    "patient_withdrawal_dated": lambda w: edit(w.patient_a, w, consent_status=ConsentStatus.WITHDRAWN),
    "patient_consent_dated": lambda w: register(w, consent_date=None),
    "identifier_one_per_system": lambda w: services.hospital_identifier_add(
        actor=dm(w), patient=w.patient_a, system="MRN", value="another"
    ),
    "diagnosis_one_primary": lambda w: services.diagnosis_record(
        actor=dm(w), patient=w.patient_a, disease="ms", diagnosis_date=dt.date(2015, 1, 1)
    ),
    "diagnosis_symptom_before_diagnosis": lambda w: edit(
        (d := of_patient(Diagnosis, w)), w, first_symptom_date=d.diagnosis_date + dt.timedelta(days=1)
    ),
    "prior_therapy_stop_after_start": lambda w: edit(
        (t := of_patient(PriorTherapy, w)), w, stop_date=t.start_date - dt.timedelta(days=1)
    ),
    "workup_performance_scale_given": lambda w: edit(
        of_patient(WorkUp, w), w, performance_scale="", performance_score=80
    ),
    "infusion_sequence_unique": lambda w: services.infusion_record(
        actor=dm(w), patient=w.patient_a, product=w.infusion_a.product, date=w.infusion_a.date, sequence=1
    ),
    "engraftment_failure_not_fully_engrafted": lambda w: edit(
        of_patient(Engraftment, w), w, graft_failure=True
    ),
    "engraftment.infusion": lambda w: services.engraftment_record(
        actor=dm(w), infusion=w.infusion_a, neutrophil_date=None, platelet_date=None
    ),
    "adverse_event_resolution_after_onset": lambda w: edit(
        (a := of_patient(AdverseEvent, w)), w, resolution_date=a.onset_date - dt.timedelta(days=1)
    ),
    "adverse_event_astct_only_crs_icans": lambda w: adverse_event(w, grading_system=GradingSystem.ASTCT),
    "adverse_event_organism_only_infection": lambda w: adverse_event(
        w, category=AdverseEventCategory.ORGAN_TOXICITY, organism="Escherichia coli"
    ),
    "lab_value_not_negative": lambda w: services.lab_result_record(
        actor=dm(w), patient=w.patient_a, date=dt.date(2023, 1, 1), analyte="cd4", value=-5, unit="cells/uL"
    ),
    "outcome_one_death": lambda w: (death(w), death(w)),
    "outcome_cause_only_for_death": lambda w: services.outcome_event_record(
        actor=dm(w),
        patient=w.patient_a,
        event_type=OutcomeType.RELAPSE,
        date=dt.date(2023, 1, 1),
        cause_of_death="disease",
    ),
    # unique fields
    "centre.code": lambda w: services.centre_create(
        actor=w.users["admin"], code="alpha", name="A", country="NL"
    ),
    "patient.registry_id": lambda w: register(w, registry_id=w.patient_a.registry_id),
}


def _range_violation(model_name: str, field: str) -> Callable[[Any], Any]:
    """The stored record of patient A (or its centre's) with ``field`` set above its plausible range."""

    def write(world: Any) -> Any:
        model = apps.get_model("registry", model_name)
        record = of_patient(model, world)
        return edit(record, world, **{field: PLAUSIBLE_RANGES[model_name][field].high + 1})

    return write


for _model, _fields in PLAUSIBLE_RANGES.items():
    for _field in _fields:
        VIOLATIONS[f"{_model}_{_field}_range"] = _range_violation(_model, _field)


# Not from input: the audit chain's place, set by the chain writer under its lock (a clash means a writer
# went around the lock; tests/registry/test_audit_chain.py).
# Nor the data-quality bookkeeping's: time points are derived from day 0 and the schedule, a rule's query
# is kept once per rule, record and field, a closing is dated and a digest is one per user, all by the
# services that write them, never from a person's input (tests/registry/quality/).
# Nor a prediction model set's version: a hash of its content, set by the fit (tests/registry/
# test_prediction_models.py: the same content again is refused by the service before the database).
# Nor an API token's: its digest is a hash of a random token the service makes, and its scope is checked by
# the service before the database (tests/api/test_token_rules.py).
INTERNAL_CONSTRAINTS = frozenset(
    {
        "auditrecord.sequence",
        "time_point_unique",
        "time_point_window_holds_due_date",
        "query_one_per_rule_record_field",
        "query_closed_dated",
        "querydigest.user",
        "userpreference.user",  # one row per user, made or changed by preferences.language_set only
        "predictionmodelset.version",
        "apitoken.digest",
        "api_token_scope_known",
    }
)


def every_constraint() -> set[str]:
    names = set()
    for model in apps.get_app_config("registry").get_models():
        names |= {c.name for c in model._meta.constraints}
        names |= {
            f"{model._meta.model_name}.{f.name}"
            for f in model._meta.concrete_fields
            if f.unique and not f.primary_key
        }
    return names - INTERNAL_CONSTRAINTS


def expected_rule(name: str) -> str:
    if name in V.CHECK_RULES:
        return V.CHECK_RULES[name].rule
    if name in V.UNIQUE_RULES:
        return V.UNIQUE_RULES[name].rule
    if name in V.RANGE_CONSTRAINTS:
        return V.RULE_RANGE
    return V.RULE_FIELD  # a unique field, named by Django's own check ("… with this Code already exists")


def test_the_table_names_every_constraint() -> None:
    assert set(VIOLATIONS) == every_constraint(), "add the new constraint to VIOLATIONS (and its rule)"


@pytest.mark.parametrize("name", sorted(VIOLATIONS))
def test_a_violation_is_refused_by_the_service_with_a_named_rule(world: Any, name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        VIOLATIONS[name](world)
    problems = caught.value.problems
    assert expected_rule(name) in [p.rule for p in problems], [str(p) for p in problems]
    for problem in problems:
        assert "constraint" not in problem.message.lower(), str(problem)
        assert problem.rule != V.RULE_DATABASE and name not in problem.message, str(problem)
    assert caught.value.__cause__ is None, "the service refused it before the database did"


def test_a_second_primary_diagnosis_says_which_one_is_primary(world: Any) -> None:
    primary = of_patient(Diagnosis, world)
    with pytest.raises(ValidationFailed) as caught:
        VIOLATIONS["diagnosis_one_primary"](world)
    problem = caught.value.problems[0]
    assert (problem.field, problem.rule) == ("is_primary", V.RULE_ONE_PRIMARY_DIAGNOSIS)
    registry_id = world.patient_a.registry_id
    assert problem.message == (
        f"patient {registry_id} already has a primary diagnosis "
        f"(Systemic sclerosis, Diagnosis #{primary.pk}); untick 'primary' or edit that one"
    )


def test_a_secondary_diagnosis_is_accepted(world: Any) -> None:
    diagnosis = services.diagnosis_record(
        actor=dm(world),
        patient=world.patient_a,
        disease="ms",
        diagnosis_date=dt.date(2015, 1, 1),
        is_primary=False,
    )
    assert diagnosis.pk is not None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("prior_therapy_stop_after_start", V.THERAPY_STOP_BEFORE_START),
        ("adverse_event_resolution_after_onset", V.RESOLUTION_BEFORE_ONSET),
        ("diagnosis_symptom_before_diagnosis", V.SYMPTOM_AFTER_DIAGNOSIS),
    ],
)
def test_dates_within_one_record_name_both_dates(world: Any, name: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        VIOLATIONS[name](world)
    problem = next(p for p in caught.value.problems if p.rule == V.CHECK_RULES[name].rule)
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", problem.message)
    assert len(dates) == 2 and dates[0] != dates[1]
    assert problem.message.split(dates[0])[0] == message.split("{")[0]
