"""One plausible patient course written through the registry services.

Used by the minimal demo, the test factories and the service benchmark. The calibrated synthetic
registry (``remission.synth`` proper) builds on the same services; this module only makes *a*
believable course — twenty records from diagnosis to follow-up — not a calibrated cohort.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from remission.registry import services
from remission.registry.codes import (
    AdverseEventCategory,
    Analyte,
    CauseOfDeath,
    ConsentStatus,
    DiseaseStatus,
    GradingSystem,
    OutcomeType,
    PerformanceScale,
    ProductSource,
    ProductType,
    Relatedness,
    Serotherapy,
    Sex,
    Timepoint,
    VitalStatus,
    WeightBasis,
)
from remission.registry.models import Centre, Infusion, Patient


@dataclass(frozen=True)
class Course:
    patient: Patient
    infusion: Infusion
    records: int


def record_example_course(
    *,
    actor: Any,
    centre: Centre,
    rng: random.Random,
    day0: dt.date,
    disease: str = "ssc",
    dies: bool = False,
    registry_id: str | None = None,
) -> Course:
    """Write one patient with 20 records (SSc-style course with Cy200 + rATG) and return it.

    ``day0`` is the infusion date; everything else is placed around it in a possible order.
    """
    age = rng.randint(25, 60)
    patient = services.patient_register(
        actor=actor,
        centre=centre,
        sex=rng.choice([Sex.FEMALE, Sex.FEMALE, Sex.MALE]),
        birth_year=day0.year - age,
        birth_month=rng.randint(1, 12),
        consent_status=ConsentStatus.GIVEN,
        consent_version="v2.1",
        consent_date=day0 - dt.timedelta(days=120),
        registry_id=registry_id,
    )
    diagnosed = day0 - dt.timedelta(days=rng.randint(400, 1500))
    services.diagnosis_record(
        actor=actor,
        patient=patient,
        disease=disease,
        subtype="diffuse" if disease == "ssc" else "",
        diagnosis_date=diagnosed,
        first_symptom_date=diagnosed - dt.timedelta(days=rng.randint(30, 300)),
    )
    services.prior_therapy_record(
        actor=actor,
        patient=patient,
        agent="mycophenolate mofetil",
        agent_class="antimetabolite",
        start_date=diagnosed + dt.timedelta(days=30),
        stop_date=day0 - dt.timedelta(days=100),
        stop_reason="inefficacy",
    )
    height = round(rng.uniform(155, 185), 1)
    weight = round(rng.uniform(50, 90), 1)
    services.workup_record(
        actor=actor,
        patient=patient,
        date=day0 - dt.timedelta(days=60),
        height_cm=height,
        weight_kg=weight,
        performance_scale=PerformanceScale.KARNOFSKY,
        performance_score=rng.choice([80, 90, 100]),
        lvef_pct=round(rng.uniform(55, 70), 0),
        pasp_mmhg=round(rng.uniform(20, 35), 0),
        fvc_pct=round(rng.uniform(60, 100), 0),
        dlco_pct=round(rng.uniform(45, 90), 0),
        creatinine_clearance=round(rng.uniform(70, 120), 0),
    )
    baseline_score = rng.randint(18, 35)
    services.assessment_record(
        actor=actor,
        patient=patient,
        date=day0 - dt.timedelta(days=60),
        instrument="mrss",
        score=baseline_score,
        timepoint=Timepoint.BASELINE,
    )
    mobilised = day0 - dt.timedelta(days=45)
    mobilisation = services.mobilisation_record(
        actor=actor,
        patient=patient,
        date=mobilised,
        regimen="mob_cy2_gcsf",
        gcsf=True,
        cd34_yield_per_kg=round(rng.uniform(3, 12), 1),
        apheresis_count=rng.randint(1, 3),
    )
    product = services.cell_product_record(
        actor=actor,
        patient=patient,
        product_type=ProductType.AUTOLOGOUS_HSC,
        source=ProductSource.PERIPHERAL_BLOOD,
        mobilisation=mobilisation,
        collection_date=mobilised + dt.timedelta(days=10),
        cd34_dose_per_kg=round(rng.uniform(2.5, 8), 1),
    )
    conditioning = services.conditioning_record(
        actor=actor,
        patient=patient,
        regimen="cy200_ratg",
        start_date=day0 - dt.timedelta(days=5),
        serotherapy=Serotherapy.RABBIT_ATG,
        agents=[
            {
                "drug": "cyclophosphamide",
                "dose": 50,
                "unit": "mg/kg",
                "days": 4,
                "weight_basis": WeightBasis.ACTUAL,
                "body_size_value": weight,
            },
            {
                "drug": "rabbit ATG",
                "dose": 2.5,
                "unit": "mg/kg",
                "days": 3,
                "weight_basis": WeightBasis.ACTUAL,
                "body_size_value": weight,
            },
        ],
    )
    infusion = services.infusion_record(
        actor=actor, patient=patient, product=product, conditioning=conditioning, date=day0
    )
    services.engraftment_record(
        actor=actor,
        infusion=infusion,
        neutrophil_date=day0 + dt.timedelta(days=rng.randint(8, 12)),
        platelet_date=day0 + dt.timedelta(days=rng.randint(9, 16)),
    )
    services.adverse_event_record(
        actor=actor,
        patient=patient,
        infusion=infusion,
        term="febrile neutropenia",
        category=AdverseEventCategory.INFECTION,
        grade=3,
        grading_system=GradingSystem.CTCAE_V5,
        onset_date=day0 + dt.timedelta(days=5),
        resolution_date=day0 + dt.timedelta(days=9),
        organism="Escherichia coli",
        relatedness=Relatedness.PROBABLE,
    )
    for month, cd4 in ((3, 150), (6, 260), (12, 420)):
        services.lab_result_record(
            actor=actor,
            patient=patient,
            date=day0 + dt.timedelta(days=30 * month),
            analyte=Analyte.CD4,
            value=float(cd4 + rng.randint(-40, 40)),
            unit="cells/uL",
        )
    for days, timepoint, fall in ((100, Timepoint.DAY_100, 0.8), (182, Timepoint.MONTH_6, 0.6)):
        services.assessment_record(
            actor=actor,
            patient=patient,
            date=day0 + dt.timedelta(days=days),
            instrument="mrss",
            score=round(baseline_score * fall),
            timepoint=timepoint,
        )
    services.follow_up_record(
        actor=actor,
        patient=patient,
        date=day0 + dt.timedelta(days=100),
        vital_status=VitalStatus.ALIVE,
        disease_status=DiseaseStatus.PARTIAL_RESPONSE,
    )
    services.outcome_event_record(
        actor=actor, patient=patient, event_type=OutcomeType.RESPONSE, date=day0 + dt.timedelta(days=182)
    )
    last = day0 + dt.timedelta(days=365)
    if dies:
        services.outcome_event_record(
            actor=actor,
            patient=patient,
            event_type=OutcomeType.DEATH,
            date=last,
            cause_of_death=CauseOfDeath.DISEASE,
        )
    else:
        services.follow_up_record(
            actor=actor,
            patient=patient,
            date=last,
            vital_status=VitalStatus.ALIVE,
            disease_status=DiseaseStatus.PARTIAL_RESPONSE,
        )
    # patient + diagnosis + therapy + work-up + 3 mRSS + mobilisation + product + conditioning + 2 agents
    # + infusion + engraftment + AE + 3 labs + follow-up + response + last follow-up/death = 21 rows
    return Course(patient=patient, infusion=infusion, records=20)
