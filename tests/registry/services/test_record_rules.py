"""Each validation rule of the registry, each with the refusal it gives and proof that nothing was written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from remission.registry import services, validation
from remission.registry.codes import AdverseEventCategory, GradingSystem, OutcomeType, WeightBasis
from remission.registry.errors import ValidationFailed
from remission.registry.models import PATIENT_RECORD_MODELS, AuditRecord, CellProduct, Conditioning, Diagnosis


def counts() -> tuple[int, ...]:
    return (AuditRecord.objects.count(), *(m.objects.count() for m in PATIENT_RECORD_MODELS))


def refused(write: Callable[[], Any]) -> ValidationFailed:
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        write()
    assert counts() == before, "a refused write must change nothing"
    return caught.value


def rules(error: ValidationFailed, field: str) -> list[str]:
    return [p.rule for p in error.for_field(field)]


def dm(world: Any) -> Any:
    return world.users["dm_a"]


# --- timeline ---------------------------------------------------------------------------------------


def test_date_in_the_future(world: Any) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    error = refused(
        lambda: services.follow_up_record(
            actor=dm(world), patient=world.patient_a, date=tomorrow, vital_status="alive"
        )
    )
    assert rules(error, "date") == [validation.RULE_FUTURE]
    assert error.problems[0].record.startswith(f"Follow-up (new) of patient {world.patient_a.registry_id}")


def test_date_before_birth(world: Any) -> None:
    patient = world.patient_a
    day_before_birth = dt.date(patient.birth_year, patient.birth_month, 1) - dt.timedelta(days=1)
    error = refused(
        lambda: services.lab_result_record(
            actor=dm(world), patient=patient, date=day_before_birth, analyte="cd4", value=500, unit="cells/uL"
        )
    )
    assert rules(error, "date") == [validation.RULE_BEFORE_BIRTH]


def test_first_day_of_birth_month_is_allowed(world: Any) -> None:
    patient = world.patient_a
    birth = dt.date(patient.birth_year, patient.birth_month, 1)
    lab = services.lab_result_record(
        actor=dm(world), patient=patient, date=birth, analyte="igg", value=8.0, unit="g/L"
    )
    assert lab.pk is not None


def test_infusion_before_diagnosis(world: Any) -> None:
    diagnosis = Diagnosis.objects.get(patient=world.patient_a, is_primary=True)
    product = CellProduct.objects.filter(patient=world.patient_a).first()
    too_early = diagnosis.diagnosis_date - dt.timedelta(days=1)
    error = refused(
        lambda: services.infusion_record(
            actor=dm(world), patient=world.patient_a, product=product, date=too_early
        )
    )
    assert validation.RULE_BEFORE_DIAGNOSIS in rules(error, "date")


def test_moving_diagnosis_after_an_infusion(world: Any) -> None:
    diagnosis = Diagnosis.objects.get(patient=world.patient_a, is_primary=True)
    later = world.infusion_a.date + dt.timedelta(days=1)
    error = refused(
        lambda: services.record_update(
            diagnosis, actor=dm(world), version=diagnosis.version, changes={"diagnosis_date": later}
        )
    )
    assert rules(error, "diagnosis_date") == [validation.RULE_BEFORE_DIAGNOSIS]


def test_infusion_before_conditioning_started(world: Any) -> None:
    conditioning = Conditioning.objects.get(patient=world.patient_a)
    product = CellProduct.objects.filter(patient=world.patient_a).first()
    error = refused(
        lambda: services.infusion_record(
            actor=dm(world),
            patient=world.patient_a,
            product=product,
            conditioning=conditioning,
            date=conditioning.start_date - dt.timedelta(days=1),
        )
    )
    assert validation.RULE_CONDITIONING_BEFORE_INFUSION in rules(error, "date")


def test_engraftment_before_day_zero(world: Any) -> None:
    world.infusion_a.engraftment.delete()  # test set-up only: make room for a new engraftment record
    day_before = world.infusion_a.date - dt.timedelta(days=1)
    error = refused(
        lambda: services.engraftment_record(
            actor=dm(world), infusion=world.infusion_a, neutrophil_date=day_before, platelet_date=None
        )
    )
    assert rules(error, "neutrophil_date") == [validation.RULE_INFUSION_BEFORE_ENGRAFTMENT]


def test_product_of_another_patient(world: Any) -> None:
    other_product = CellProduct.objects.filter(patient=world.patient_b).first()
    error = refused(
        lambda: services.infusion_record(
            actor=dm(world), patient=world.patient_a, product=other_product, date=world.infusion_a.date
        )
    )
    assert rules(error, "product") == [validation.RULE_SAME_PATIENT]


def record_death(world: Any, date: dt.date) -> Any:
    return services.outcome_event_record(
        actor=dm(world),
        patient=world.patient_a,
        event_type=OutcomeType.DEATH,
        date=date,
        cause_of_death="unknown",
    )


def test_nothing_after_death(world: Any) -> None:
    last = world.infusion_a.date + dt.timedelta(days=365)  # the last record of the example course
    record_death(world, last + dt.timedelta(days=10))
    error = refused(
        lambda: services.follow_up_record(
            actor=dm(world),
            patient=world.patient_a,
            date=last + dt.timedelta(days=11),
            vital_status="unknown",
        )
    )
    assert rules(error, "date") == [validation.RULE_AFTER_DEATH]


def test_death_before_existing_records(world: Any) -> None:
    error = refused(lambda: record_death(world, world.infusion_a.date + dt.timedelta(days=30)))
    assert rules(error, "date") == [validation.RULE_DEATH_BEFORE_RECORDS]
    assert "follow-up date" in error.problems[0].message


def test_death_needs_a_cause(world: Any) -> None:
    error = refused(
        lambda: services.outcome_event_record(
            actor=dm(world), patient=world.patient_a, event_type=OutcomeType.DEATH, date=dt.date(2024, 1, 1)
        )
    )
    assert [(p.field, p.rule, p.message) for p in error.problems] == [
        ("cause_of_death", validation.RULE_CAUSE_OF_DEATH, validation.DEATH_NEEDS_CAUSE)
    ]


# --- ranges, codes and units --------------------------------------------------------------------------


def test_weight_out_of_range_names_the_range(world: Any) -> None:
    error = refused(
        lambda: services.workup_record(
            actor=dm(world), patient=world.patient_a, date=dt.date(2022, 1, 5), weight_kg=700
        )
    )
    messages = [p.message for p in error.for_field("weight_kg") if p.rule == validation.RULE_RANGE]
    assert messages == [validation.OUT_OF_RANGE.format(value=700, allowed="between 2 and 350 kg")]


@pytest.mark.parametrize(
    ("scale", "score", "ok"),
    [("ecog", 4, True), ("ecog", 5, False), ("karnofsky", 70, True), ("karnofsky", 75, False)],
)
def test_performance_score_must_fit_its_scale(world: Any, scale: str, score: int, ok: bool) -> None:
    def write() -> Any:
        return services.workup_record(
            actor=dm(world),
            patient=world.patient_a,
            date=dt.date(2022, 1, 5),
            performance_scale=scale,
            performance_score=score,
        )

    if ok:
        assert write().performance_score == score
    else:
        assert rules(refused(write), "performance_score") == [validation.RULE_PERFORMANCE]


def test_lab_unit_must_be_known_for_the_analyte(world: Any) -> None:
    error = refused(
        lambda: services.lab_result_record(
            actor=dm(world),
            patient=world.patient_a,
            date=dt.date(2023, 1, 1),
            analyte="cd4",
            value=300,
            unit="mg/dL",
        )
    )
    assert rules(error, "unit") == [validation.RULE_UNIT]


def test_lab_value_in_the_wrong_unit_scale_is_caught(world: Any) -> None:
    # 450 CD4 cells/µL typed into the ×10^9/L unit: 450 ×10^9/L is impossible.
    error = refused(
        lambda: services.lab_result_record(
            actor=dm(world),
            patient=world.patient_a,
            date=dt.date(2023, 1, 1),
            analyte="cd4",
            value=450,
            unit="10^9/L",
        )
    )
    assert rules(error, "value") == [validation.RULE_RANGE]


def test_unknown_disease_code(world: Any) -> None:
    error = refused(
        lambda: services.diagnosis_record(
            actor=dm(world),
            patient=world.patient_a,
            disease="flu",
            diagnosis_date=dt.date(2020, 1, 1),
            is_primary=False,
        )
    )
    assert rules(error, "disease") == [validation.RULE_UNKNOWN_CODE]


def test_unknown_instrument(world: Any) -> None:
    error = refused(
        lambda: services.assessment_record(
            actor=dm(world), patient=world.patient_a, date=dt.date(2023, 1, 1), instrument="vas_mood", score=3
        )
    )
    assert rules(error, "instrument") == [validation.RULE_UNKNOWN_CODE]


def test_unknown_regimen(world: Any) -> None:
    error = refused(
        lambda: services.mobilisation_record(
            actor=dm(world), patient=world.patient_a, date=dt.date(2022, 1, 5), regimen="mystery"
        )
    )
    assert rules(error, "regimen") == [validation.RULE_UNKNOWN_CODE]


def test_dose_unit_must_match_weight_basis(world: Any) -> None:
    agent = {
        "drug": "cyclophosphamide",
        "dose": 50,
        "unit": "mg/m2",
        "days": 4,
        "weight_basis": WeightBasis.ACTUAL,
    }
    error = refused(
        lambda: services.conditioning_record(
            actor=dm(world),
            patient=world.patient_a,
            regimen="cy200_ratg",
            start_date=dt.date(2022, 3, 9),
            agents=[agent],
        )
    )
    assert rules(error, "unit") == [validation.RULE_WEIGHT_BASIS]


def test_crs_must_be_graded_with_astct(world: Any) -> None:
    error = refused(
        lambda: services.adverse_event_record(
            actor=dm(world),
            patient=world.patient_a,
            term="cytokine release syndrome",
            category=AdverseEventCategory.CRS,
            grading_system=GradingSystem.CTCAE_V5,
            grade=2,
            onset_date=dt.date(2022, 3, 20),
        )
    )
    assert rules(error, "grading_system") == [validation.RULE_GRADE]


def test_grade_six_does_not_exist(world: Any) -> None:
    error = refused(
        lambda: services.adverse_event_record(
            actor=dm(world),
            patient=world.patient_a,
            term="mucositis",
            category="organ_toxicity",
            grade=6,
            onset_date=dt.date(2022, 3, 20),
        )
    )
    assert validation.RULE_GRADE in rules(error, "grade")


# --- missing-value reasons ------------------------------------------------------------------------------


def test_missing_reason_must_be_a_known_code(world: Any) -> None:
    error = refused(
        lambda: services.workup_record(
            actor=dm(world), patient=world.patient_a, date=dt.date(2022, 1, 5), missing={"dlco_pct": "forgot"}
        )
    )
    assert rules(error, "dlco_pct") == [validation.RULE_MISSING_REASON]


def test_a_value_cannot_also_be_missing(world: Any) -> None:
    error = refused(
        lambda: services.workup_record(
            actor=dm(world),
            patient=world.patient_a,
            date=dt.date(2022, 1, 5),
            dlco_pct=60,
            missing={"dlco_pct": "unknown"},
        )
    )
    assert error.problems[0].message == validation.MISSING_FIELD_FILLED.format(
        field="dlco_pct", reason="unknown"
    )


def test_not_evaluated_and_unknown_are_kept_apart(world: Any) -> None:
    workup = services.workup_record(
        actor=dm(world),
        patient=world.patient_a,
        date=dt.date(2022, 1, 5),
        missing={"dlco_pct": "not_evaluated", "mpap_mmhg": "unknown"},
    )
    workup.refresh_from_db()
    assert workup.missing == {"dlco_pct": "not_evaluated", "mpap_mmhg": "unknown"}


# --- assessments scored by the clinical layer ------------------------------------------------------------

MRSS_SITES = (
    "face",
    "anterior_chest",
    "abdomen",
    "fingers_right",
    "fingers_left",
    "hand_dorsum_right",
    "hand_dorsum_left",
    "forearm_right",
    "forearm_left",
    "upper_arm_right",
    "upper_arm_left",
    "thigh_right",
    "thigh_left",
    "lower_leg_right",
    "lower_leg_left",
    "foot_dorsum_right",
    "foot_dorsum_left",
)


def test_complete_mrss_items_are_scored(world: Any) -> None:
    # Hand count: face 2, both fingers 3, every other of the 17 sites 1 -> 2 + 3 + 3 + 14 x 1 = 22.
    items = dict.fromkeys(MRSS_SITES, 1) | {"face": 2, "fingers_right": 3, "fingers_left": 3}
    assessment = services.assessment_record(
        actor=dm(world), patient=world.patient_a, date=dt.date(2023, 1, 1), instrument="mrss", items=items
    )
    assert assessment.score == 22


def test_incomplete_mrss_items_leave_the_score_empty(world: Any) -> None:
    assessment = services.assessment_record(
        actor=dm(world),
        patient=world.patient_a,
        date=dt.date(2023, 1, 1),
        instrument="mrss",
        items={"face": 2},
    )
    assert assessment.score is None


def test_item_out_of_range_is_named(world: Any) -> None:
    error = refused(
        lambda: services.assessment_record(
            actor=dm(world),
            patient=world.patient_a,
            date=dt.date(2023, 1, 1),
            instrument="mrss",
            items={"face": 5},
        )
    )
    assert rules(error, "items") == [validation.RULE_ITEMS]
    assert "face" in error.problems[0].message


def test_entered_score_must_agree_with_items(world: Any) -> None:
    items = dict.fromkeys(MRSS_SITES, 1)  # 17 x 1 = 17
    error = refused(
        lambda: services.assessment_record(
            actor=dm(world),
            patient=world.patient_a,
            date=dt.date(2023, 1, 1),
            instrument="mrss",
            items=items,
            score=20,
        )
    )
    assert error.problems[0].message == validation.SCORE_MISMATCH.format(value=20, computed=17)


def test_edss_must_be_an_allowed_step(world: Any) -> None:
    error = refused(
        lambda: services.assessment_record(
            actor=dm(world),
            patient=world.patient_a,
            date=dt.date(2023, 1, 1),
            instrument="edss",
            items={"edss": 3.2},
        )
    )
    assert rules(error, "items") == [validation.RULE_ITEMS]


def test_score_outside_the_instrument_range(world: Any) -> None:
    error = refused(
        lambda: services.assessment_record(
            actor=dm(world), patient=world.patient_a, date=dt.date(2023, 1, 1), instrument="mrss", score=60
        )
    )
    assert rules(error, "score") == [validation.RULE_RANGE]


def test_conditioning_intensity_comes_from_the_regimen_catalogue(world: Any) -> None:
    conditioning = Conditioning.objects.get(patient=world.patient_a)
    # Cy 200 mg/kg + ATG: intermediate in regimens.EBMT_ADWP_INTENSITY (EBMT ADWP convention ◐ [@Muraro2017])
    assert conditioning.regimen == "cy200_ratg"
    assert conditioning.intensity == "intermediate"


def test_an_empty_json_field_can_be_marked_missing(world: Any) -> None:
    workup = services.workup_record(
        actor=dm(world),
        patient=world.patient_a,
        date=dt.date(2022, 1, 5),
        serology={},
        missing={"serology": "unknown"},
    )
    assert workup.missing == {"serology": "unknown"}


def test_lab_outcome_and_infusion_take_missing_reasons(world: Any) -> None:
    lab = services.lab_result_record(
        actor=dm(world),
        patient=world.patient_a,
        date=dt.date(2023, 1, 1),
        analyte="igg",
        value=7.5,
        unit="g/L",
    )
    event = services.outcome_event_record(
        actor=dm(world),
        patient=world.patient_a,
        event_type=OutcomeType.RELAPSE,
        date=dt.date(2023, 2, 1),
        missing={"detail": "not_evaluated"},
    )
    assert lab.missing == {} and event.missing == {"detail": "not_evaluated"}
