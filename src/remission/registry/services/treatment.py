"""Recording treatment: mobilisation, cell product, conditioning with its agents, infusion, engraftment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max

from remission.registry import catalogue
from remission.registry.codes import Intensity, Manipulation, Serotherapy
from remission.registry.models import (
    CellProduct,
    Conditioning,
    ConditioningAgent,
    Engraftment,
    Infusion,
    Mobilisation,
    Patient,
)
from remission.registry.services.records import record_create


def mobilisation_record(
    *,
    actor: Any,
    patient: Patient,
    date: dt.date,
    regimen: str,
    gcsf: bool | None = None,
    cd34_yield_per_kg: float | None = None,
    apheresis_count: int | None = None,
    complications: Sequence[str] = (),
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> Mobilisation:
    """Record stem-cell mobilisation and collection."""
    values = {
        "date": date,
        "regimen": regimen,
        "gcsf": gcsf,
        "cd34_yield_per_kg": cd34_yield_per_kg,
        "apheresis_count": apheresis_count,
        "complications": list(complications),
        "missing": dict(missing or {}),
    }
    return record_create(Mobilisation, actor=actor, values=values, reason=reason, patient=patient)


def cell_product_record(
    *,
    actor: Any,
    patient: Patient,
    product_type: str,
    source: str,
    manipulation: str = Manipulation.NONE,
    mobilisation: Mobilisation | None = None,
    collection_date: dt.date | None = None,
    cd34_dose_per_kg: float | None = None,
    cell_dose_per_kg: float | None = None,
    viability_pct: float | None = None,
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> CellProduct:
    """Record a graft or cell product (CD34+ ×10^6/kg for HSC; cells/kg for MSC, Treg, CAR-T)."""
    values = {
        "product_type": product_type,
        "source": source,
        "manipulation": manipulation,
        "mobilisation": mobilisation,
        "collection_date": collection_date,
        "cd34_dose_per_kg": cd34_dose_per_kg,
        "cell_dose_per_kg": cell_dose_per_kg,
        "viability_pct": viability_pct,
        "missing": dict(missing or {}),
    }
    return record_create(CellProduct, actor=actor, values=values, reason=reason, patient=patient)


def conditioning_record(
    *,
    actor: Any,
    patient: Patient,
    regimen: str,
    start_date: dt.date,
    agents: Sequence[Mapping[str, Any]] = (),
    intensity: str | None = None,
    serotherapy: str = Serotherapy.NONE,
    tbi_dose_gy: float | None = None,
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> Conditioning:
    """Record the conditioning regimen and each agent (drug, dose, unit, days, weight basis) at once.

    ``intensity`` defaults to the clinical catalogue's classification of ``regimen``.
    """
    values = {
        "regimen": regimen,
        "intensity": intensity or catalogue.regimen_intensity(regimen) or Intensity.UNKNOWN,
        "serotherapy": serotherapy,
        "tbi_dose_gy": tbi_dose_gy,
        "start_date": start_date,
        "missing": dict(missing or {}),
    }
    with transaction.atomic():
        conditioning = record_create(Conditioning, actor=actor, values=values, reason=reason, patient=patient)
        for agent in agents:
            record_create(
                ConditioningAgent,
                actor=actor,
                values=dict(agent),
                reason=reason,
                patient=patient,
                conditioning=conditioning,
            )
    return conditioning


def infusion_record(
    *,
    actor: Any,
    patient: Patient,
    product: CellProduct,
    date: dt.date,
    conditioning: Conditioning | None = None,
    sequence: int | None = None,
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> Infusion:
    """Record an infusion (day 0). ``sequence`` defaults to the patient's next number (1, 2, …)."""
    if sequence is None:
        last = Infusion.objects.filter(patient=patient).aggregate(last=Max("sequence"))["last"]
        sequence = (last or 0) + 1
    values = {
        "product": product,
        "conditioning": conditioning,
        "date": date,
        "sequence": sequence,
        "missing": dict(missing or {}),
    }
    return record_create(Infusion, actor=actor, values=values, reason=reason, patient=patient)


def engraftment_record(
    *,
    actor: Any,
    infusion: Infusion,
    neutrophil_date: dt.date | None,
    platelet_date: dt.date | None,
    platelets_never_below_20: bool = False,
    graft_failure: bool = False,
    missing: Mapping[str, str] | None = None,
    reason: str = "",
) -> Engraftment:
    """Record neutrophil (≥0.5 ×10^9/L) and platelet (≥20 ×10^9/L) recovery after ``infusion``."""
    values = {
        "neutrophil_date": neutrophil_date,
        "platelet_date": platelet_date,
        "platelets_never_below_20": platelets_never_below_20,
        "graft_failure": graft_failure,
        "missing": dict(missing or {}),
    }
    return record_create(
        Engraftment, actor=actor, values=values, reason=reason, patient=infusion.patient, infusion=infusion
    )
