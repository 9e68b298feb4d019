"""Read the registry into :class:`~remission.analysis.endpoints.PatientCourse` records, in bulk.

The records are those of :class:`~remission.analysis.derivation_reads.DerivationReads` — the querysets the
columns road (:func:`remission.analysis.columns.read_registry_columns`) reads too: scoped to the reading
user (a centre user reads their own centre, a statistician or the command line,
:data:`~remission.registry.access.SYSTEM`, every centre), dated records up to the cut-off. The whole
registry is read in a fixed number of queries (fifteen), each with ``values_list`` — never one query per
patient — and grouped in memory per patient. Work-up FVC % predicted becomes an ``fvc_pct`` score (the
baseline of the ASSIST FVC criterion); the contacts' latest dates become ``OtherContact`` records.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from remission.analysis.derivation_reads import DerivationReads
from remission.analysis.endpoints import (
    EngraftmentFacts,
    FollowUpFacts,
    InfusionFacts,
    OtherContact,
    OutcomeFacts,
    PatientCourse,
    ScoreFacts,
    ToxicityFacts,
    WorkUpFacts,
)
from remission.registry.catalogue import regimen_intensity
from remission.registry.codes import AdverseEventCategory, Intensity

CELL_THERAPY_TOXICITIES = (AdverseEventCategory.CRS.value, AdverseEventCategory.ICANS.value)


@dataclass(frozen=True)
class InfusionRow:
    """One infusion as the loader read it (for centre experience: every infusion, not only analysed ones)."""

    infusion_id: int
    registry_id: str
    centre: str
    date: dt.date
    sequence: int
    product_type: str


@dataclass(frozen=True)
class RegistryExtract:
    """What :func:`load_courses` read: one course per readable patient, and every readable infusion."""

    courses: tuple[PatientCourse, ...]
    infusions: tuple[InfusionRow, ...]


def effective_intensity(stored: str | None, regimen: str | None) -> str:
    """The stored intensity, or the clinical catalogue's classification of the regimen when unknown."""
    if stored and stored != Intensity.UNKNOWN:
        return stored
    if regimen:
        derived = regimen_intensity(regimen)
        if derived:
            return derived
    return stored or ""


def load_courses(
    *, user: Any, cutoff: dt.date | None = None, patient_ids: Iterable[int] | None = None
) -> RegistryExtract:
    """Every patient ``user`` may read, as plain courses (``patient_ids`` narrows to those primary keys)."""
    reads = DerivationReads(user, cutoff, None if patient_ids is None else tuple(patient_ids))
    centres = {
        pk: (code, country) for pk, code, country in reads.centres().values_list("pk", "code", "country")
    }
    diagnoses: dict[int, tuple[str, str]] = {}
    for patient_id, disease, subtype in reads.diagnoses().values_list("patient_id", "disease", "subtype"):
        diagnoses[patient_id] = (disease, subtype)

    engraftments = {
        infusion_id: EngraftmentFacts(neutrophil, platelet, bool(never_below), bool(failure))
        for infusion_id, neutrophil, platelet, never_below, failure in reads.engraftments().values_list(
            "infusion_id", "neutrophil_date", "platelet_date", "platelets_never_below_20", "graft_failure"
        )
    }
    infusions: dict[int, list[InfusionFacts]] = defaultdict(list)
    infusion_rows: list[tuple[int, int, dt.date, int, str]] = []
    for pk, patient_id, day, sequence, product_type, regimen, intensity in reads.infusions().values_list(
        "pk",
        "patient_id",
        "date",
        "sequence",
        "product__product_type",
        "conditioning__regimen",
        "conditioning__intensity",
    ):
        infusions[patient_id].append(
            InfusionFacts(
                date=day,
                sequence=sequence,
                product_type=product_type,
                infusion_id=pk,
                regimen=regimen or "",
                intensity=effective_intensity(intensity, regimen),
                engraftment=engraftments.get(pk),
            )
        )
        infusion_rows.append((pk, patient_id, day, sequence, product_type))

    outcomes: dict[int, list[OutcomeFacts]] = defaultdict(list)
    for patient_id, event_type, day, cause in reads.outcomes().values_list(
        "patient_id", "event_type", "date", "cause_of_death"
    ):
        outcomes[patient_id].append(OutcomeFacts(event_type, day, cause))

    follow_ups: dict[int, list[FollowUpFacts]] = defaultdict(list)
    for patient_id, day, vital, status in reads.follow_ups().values_list(
        "patient_id", "date", "vital_status", "disease_status"
    ):
        follow_ups[patient_id].append(FollowUpFacts(day, vital, status))

    scores: dict[int, list[ScoreFacts]] = defaultdict(list)
    for patient_id, day, instrument, score, relapse in reads.plain_scores().values_list(
        "patient_id", "date", "instrument", "score", "during_relapse"
    ):
        scores[patient_id].append(ScoreFacts(day, instrument, score, None, relapse))
    for patient_id, day, instrument, score, items, relapse in reads.itemised_scores().values_list(
        "patient_id", "date", "instrument", "score", "items", "during_relapse"
    ):
        scores[patient_id].append(ScoreFacts(day, instrument, score, items, relapse))
    for patient_id, day, fvc in reads.fvc().values_list("patient_id", "date", "fvc_pct"):
        scores[patient_id].append(ScoreFacts(day, "fvc_pct", fvc))

    workups: dict[int, list[WorkUpFacts]] = defaultdict(list)
    for patient_id, day, hct_ci, scale, score in reads.workups().values_list(
        "patient_id", "date", "hct_ci_score", "performance_scale", "performance_score"
    ):
        workups[patient_id].append(WorkUpFacts(day, hct_ci, scale or "", score))

    contacts: dict[int, list[OtherContact]] = defaultdict(list)
    for kind, latest in reads.latest_contacts().items():
        for patient_id, day in latest:
            if day is not None:
                contacts[patient_id].append(OtherContact(kind, day))
    secondary: dict[int, list[dt.date]] = defaultdict(list)
    toxicities: dict[int, list[ToxicityFacts]] = defaultdict(list)
    for patient_id, day, category, grade in (
        reads.adverse_events()
        .filter(Q(category__in=[AdverseEventCategory.SECONDARY_AUTOIMMUNITY, *CELL_THERAPY_TOXICITIES]))
        .values_list("patient_id", "onset_date", "category", "grade")
    ):
        if category == AdverseEventCategory.SECONDARY_AUTOIMMUNITY:
            secondary[patient_id].append(day)
        else:
            toxicities[patient_id].append(ToxicityFacts(category, day, grade))

    courses: list[PatientCourse] = []
    registry_ids: dict[int, tuple[str, str]] = {}
    for pk, registry_id, centre_id, sex, birth_year, birth_month in reads.patients().values_list(
        "pk", "registry_id", "centre_id", "sex", "birth_year", "birth_month"
    ):
        code, country = centres.get(centre_id, ("", ""))
        registry_ids[pk] = (registry_id, code)
        disease, subtype = diagnoses.get(pk, ("", ""))
        courses.append(
            PatientCourse(
                registry_id=registry_id,
                centre=code,
                country=country,
                sex=sex,
                birth_year=birth_year,
                birth_month=birth_month,
                disease=disease,
                subtype=subtype,
                infusions=tuple(infusions.get(pk, ())),
                outcomes=tuple(outcomes.get(pk, ())),
                follow_ups=tuple(follow_ups.get(pk, ())),
                scores=tuple(scores.get(pk, ())),
                secondary_autoimmune_onsets=tuple(secondary.get(pk, ())),
                other_contacts=tuple(contacts.get(pk, ())),
                toxicities=tuple(toxicities.get(pk, ())),
                workups=tuple(workups.get(pk, ())),
            )
        )
    rows = tuple(
        InfusionRow(pk, *registry_ids[patient_id], day, sequence, product_type)
        for pk, patient_id, day, sequence, product_type in infusion_rows
        if patient_id in registry_ids
    )
    return RegistryExtract(tuple(courses), rows)
