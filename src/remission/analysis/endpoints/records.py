"""Plain per-patient records: what endpoint derivation reads, with no Django in them.

The loader (:mod:`remission.analysis.loader`) fills these from the registry; tests and the synthetic
generator can build them by hand. Codes are the registry's code lists (``remission.registry.codes``):
``OutcomeType``, ``CauseOfDeath``, ``VitalStatus``, ``DiseaseStatus``, ``ProductType``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class EngraftmentFacts:
    """Haematopoietic recovery after one infusion (neutrophils ≥ 0.5 ×10^9/L, platelets ≥ 20 ×10^9/L)."""

    neutrophil_date: dt.date | None = None
    platelet_date: dt.date | None = None
    platelets_never_below_20: bool = False
    graft_failure: bool = False


@dataclass(frozen=True, slots=True)
class InfusionFacts:
    """One infusion (day 0) with its product, conditioning and engraftment record (None = not recorded)."""

    date: dt.date
    sequence: int
    product_type: str
    infusion_id: int | None = None
    regimen: str = ""
    intensity: str = ""
    engraftment: EngraftmentFacts | None = None


@dataclass(frozen=True, slots=True)
class OutcomeFacts:
    """An outcome event: death (with cause), relapse, progression, response, secondary AD, malignancy."""

    event_type: str
    date: dt.date
    cause_of_death: str = ""


@dataclass(frozen=True, slots=True)
class FollowUpFacts:
    """A follow-up contact: vital status and disease status on ``date``."""

    date: dt.date
    vital_status: str
    disease_status: str = "unknown"


@dataclass(frozen=True, slots=True)
class ScoreFacts:
    """A dated instrument value (EDSS, mRSS, FVC % predicted, DAS28, CDAI, SLEDAI-2K items, brain MRI).

    ``items`` is only needed where the score alone does not decide (SLEDAI-2K descriptors for DORIS,
    lesion counts for MRI).
    """

    date: dt.date
    instrument: str
    score: float | None = None
    items: Mapping[str, Any] | None = None
    during_relapse: bool | None = None


@dataclass(frozen=True, slots=True)
class WorkUpFacts:
    """A pre-transplant work-up: the HCT-CI score and performance status recorded on that date."""

    date: dt.date
    hct_ci_score: int | None = None
    performance_scale: str = ""
    performance_score: int | None = None


@dataclass(frozen=True, slots=True)
class OtherContact:
    """The latest date of another kind of record (lab result, adverse event, assessment): proof of contact."""

    what: str
    date: dt.date


@dataclass(frozen=True, slots=True)
class ToxicityFacts:
    """An adverse event of an immune-effector-cell therapy: category ``crs`` or ``icans``, its grade
    (ASTCT consensus grading, 1-5; None when not graded) and onset."""

    category: str
    onset_date: dt.date
    grade: int | None = None


@dataclass(frozen=True, slots=True)
class PatientCourse:
    """Everything endpoint derivation needs about one patient."""

    registry_id: str
    centre: str = ""
    country: str = ""
    sex: str = "unknown"
    birth_year: int | None = None
    birth_month: int | None = None
    disease: str = ""
    subtype: str = ""
    infusions: tuple[InfusionFacts, ...] = ()
    outcomes: tuple[OutcomeFacts, ...] = ()
    follow_ups: tuple[FollowUpFacts, ...] = ()
    scores: tuple[ScoreFacts, ...] = ()
    secondary_autoimmune_onsets: tuple[dt.date, ...] = field(default=())
    other_contacts: tuple[OtherContact, ...] = ()
    toxicities: tuple[ToxicityFacts, ...] = ()  # CRS and ICANS (cell therapy other than HSCT)
    workups: tuple[WorkUpFacts, ...] = ()  # HCT-CI and performance status before transplant
