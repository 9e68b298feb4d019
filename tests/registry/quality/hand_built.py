"""Hand-built patients for the data-quality rule tests, written through the registry's services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from remission.registry import services
from remission.registry.codes import (
    ConsentStatus,
    DiseaseStatus,
    ProductSource,
    ProductType,
    Sex,
    VitalStatus,
)
from remission.registry.models import Centre, Infusion, Patient


@dataclass
class Treated:
    patient: Patient
    infusion: Infusion


def treated(
    actor: Any,
    centre: Centre,
    day0: dt.date,
    *,
    disease: str | None = "ssc",
    product_type: str = ProductType.AUTOLOGOUS_HSC,
    engrafted: bool = True,
) -> Treated:
    """A patient born 1980 with a primary diagnosis (unless ``disease`` is None), one infusion on
    ``day0`` and, when ``engrafted``, neutrophil and platelet engraftment on days 10 and 12."""
    patient = services.patient_register(
        actor=actor,
        centre=centre,
        sex=Sex.FEMALE,
        birth_year=1980,
        birth_month=5,
        consent_status=ConsentStatus.GIVEN,
        consent_date=day0 - dt.timedelta(days=200),
    )
    if disease is not None:
        services.diagnosis_record(
            actor=actor, patient=patient, disease=disease, diagnosis_date=day0 - dt.timedelta(days=900)
        )
    product = services.cell_product_record(
        actor=actor, patient=patient, product_type=product_type, source=ProductSource.PERIPHERAL_BLOOD
    )
    infusion = services.infusion_record(actor=actor, patient=patient, product=product, date=day0)
    if engrafted:
        services.engraftment_record(
            actor=actor,
            infusion=infusion,
            neutrophil_date=day0 + dt.timedelta(days=10),
            platelet_date=day0 + dt.timedelta(days=12),
        )
    return Treated(patient, infusion)


def seen(actor: Any, patient: Patient, day: dt.date, **values: Any) -> Any:
    """A complete follow-up on ``day`` (alive, stable, no therapy) unless ``values`` say otherwise."""
    fields = {
        "vital_status": VitalStatus.ALIVE,
        "disease_status": DiseaseStatus.STABLE,
        "current_therapy": "none",
        **values,
    }
    return services.follow_up_record(actor=actor, patient=patient, date=day, **fields)


def edss(actor: Any, patient: Patient, day: dt.date, score: float = 3.5) -> Any:
    return services.assessment_record(actor=actor, patient=patient, date=day, instrument="edss", score=score)


def cd4(actor: Any, patient: Patient, day: dt.date, value: float = 400.0) -> Any:
    return services.lab_result_record(
        actor=actor, patient=patient, date=day, analyte="cd4", value=value, unit="cells/uL"
    )
