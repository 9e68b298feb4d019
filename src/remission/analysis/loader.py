"""Read the registry into :class:`~remission.analysis.endpoints.PatientCourse` records, in bulk.

Every query starts from the registry's scoping helpers (``readable_patients`` / ``readable_records`` /
``readable_centres``) with the reading user, so a centre user reads their own centre and a statistician
or the command line (:data:`~remission.registry.access.SYSTEM`) every centre. The whole registry is read in
a fixed number of queries (fifteen), each with ``values_list`` — never one query per patient — and
grouped in memory; dated records after ``cutoff`` are left in the database, except infusions: a patient
whose infusion is after the cut-off is counted in the patient flow as left out for that reason (endpoint
derivation never looks past the cut-off).

Lab results, adverse events and the assessments that no response definition uses are read as one latest
date per patient (a ``GROUP BY`` in the database): all endpoint derivation needs of them is the contact.
Work-up FVC % predicted is read as an ``fvc_pct`` score (the baseline of the ASSIST FVC criterion).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet

from remission.analysis.endpoints import (
    RESPONSE_INSTRUMENTS,
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
from remission.registry.models import (
    AdverseEvent,
    Assessment,
    Diagnosis,
    Engraftment,
    FollowUp,
    Infusion,
    LabResult,
    OutcomeEvent,
    WorkUp,
)
from remission.registry.selectors.scoping import readable_centres, readable_patients, readable_records

CELL_THERAPY_TOXICITIES = (AdverseEventCategory.CRS.value, AdverseEventCategory.ICANS.value)
ITEMS_NEEDED = frozenset({"sledai2k", "mri_brain"})  # instruments whose items (not only score) are read


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


def _upto(rows: QuerySet, field: str, cutoff: dt.date | None) -> QuerySet:
    return rows if cutoff is None else rows.filter(**{f"{field}__lte": cutoff})


def effective_intensity(stored: str | None, regimen: str | None) -> str:
    """The stored intensity, or the clinical catalogue's classification of the regimen when unknown."""
    if stored and stored != Intensity.UNKNOWN:
        return stored
    if regimen:
        derived = regimen_intensity(regimen)
        if derived:
            return derived
    return stored or ""


def _latest(
    rows: Iterable[tuple[int, dt.date | None]], what: str, into: dict[int, list[OtherContact]]
) -> None:
    for patient_id, day in rows:
        if day is not None:
            into[patient_id].append(OtherContact(what, day))


def load_courses(
    *, user: Any, cutoff: dt.date | None = None, patient_ids: Iterable[int] | None = None
) -> RegistryExtract:
    """Every patient ``user`` may read, as plain courses (``patient_ids`` narrows to those primary keys)."""
    patients = readable_patients(user)
    if patient_ids is not None:
        patients = patients.filter(pk__in=list(patient_ids))
    wanted = patients.values("pk")

    def records(model: type) -> QuerySet:
        rows = readable_records(model, user)
        return rows.filter(patient_id__in=wanted) if patient_ids is not None else rows

    centres = {
        pk: (code, country)
        for pk, code, country in readable_centres(user).values_list("pk", "code", "country")
    }
    diagnoses: dict[int, tuple[str, str]] = {}
    for patient_id, disease, subtype in (
        records(Diagnosis).filter(is_primary=True).values_list("patient_id", "disease", "subtype")
    ):
        diagnoses[patient_id] = (disease, subtype)

    engraftments = {
        infusion_id: EngraftmentFacts(neutrophil, platelet, bool(never_below), bool(failure))
        for infusion_id, neutrophil, platelet, never_below, failure in records(Engraftment).values_list(
            "infusion_id", "neutrophil_date", "platelet_date", "platelets_never_below_20", "graft_failure"
        )
    }
    infusions: dict[int, list[InfusionFacts]] = defaultdict(list)
    infusion_rows: list[tuple[int, int, dt.date, int, str]] = []
    for pk, patient_id, day, sequence, product_type, regimen, intensity in (
        records(Infusion)  # every infusion, also after the cut-off: derivation says who is left out and why
        .values_list(
            "pk",
            "patient_id",
            "date",
            "sequence",
            "product__product_type",
            "conditioning__regimen",
            "conditioning__intensity",
        )
        .order_by("patient_id", "sequence")
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
    for patient_id, event_type, day, cause in _upto(records(OutcomeEvent), "date", cutoff).values_list(
        "patient_id", "event_type", "date", "cause_of_death"
    ):
        outcomes[patient_id].append(OutcomeFacts(event_type, day, cause))

    follow_ups: dict[int, list[FollowUpFacts]] = defaultdict(list)
    for patient_id, day, vital, status in _upto(records(FollowUp), "date", cutoff).values_list(
        "patient_id", "date", "vital_status", "disease_status"
    ):
        follow_ups[patient_id].append(FollowUpFacts(day, vital, status))

    scores: dict[int, list[ScoreFacts]] = defaultdict(list)
    assessments = _upto(records(Assessment), "date", cutoff)
    for patient_id, day, instrument, score, relapse in assessments.filter(
        instrument__in=sorted(RESPONSE_INSTRUMENTS - ITEMS_NEEDED)
    ).values_list("patient_id", "date", "instrument", "score", "during_relapse"):
        scores[patient_id].append(ScoreFacts(day, instrument, score, None, relapse))
    for patient_id, day, instrument, score, items, relapse in assessments.filter(
        instrument__in=sorted(ITEMS_NEEDED)
    ).values_list("patient_id", "date", "instrument", "score", "items", "during_relapse"):
        scores[patient_id].append(ScoreFacts(day, instrument, score, items, relapse))
    for patient_id, day, fvc in (
        _upto(records(WorkUp), "date", cutoff)
        .filter(fvc_pct__isnull=False)
        .values_list("patient_id", "date", "fvc_pct")
    ):
        scores[patient_id].append(ScoreFacts(day, "fvc_pct", fvc))

    workups: dict[int, list[WorkUpFacts]] = defaultdict(list)
    for patient_id, day, hct_ci, scale, score in (
        _upto(records(WorkUp), "date", cutoff)
        .filter(Q(hct_ci_score__isnull=False) | Q(performance_score__isnull=False))
        .values_list("patient_id", "date", "hct_ci_score", "performance_scale", "performance_score")
    ):
        workups[patient_id].append(WorkUpFacts(day, hct_ci, scale or "", score))

    contacts: dict[int, list[OtherContact]] = defaultdict(list)
    _latest(
        assessments.exclude(instrument__in=sorted(RESPONSE_INSTRUMENTS))
        .values("patient_id")
        .annotate(last=Max("date"))
        .values_list("patient_id", "last"),
        "assessment",
        contacts,
    )
    _latest(
        _upto(records(LabResult), "date", cutoff)
        .values("patient_id")
        .annotate(last=Max("date"))
        .values_list("patient_id", "last"),
        "lab result",
        contacts,
    )
    adverse = records(AdverseEvent)
    if cutoff is not None:
        adverse = adverse.filter(onset_date__lte=cutoff)
    _latest(
        adverse.values("patient_id").annotate(last=Max("onset_date")).values_list("patient_id", "last"),
        "adverse event onset",
        contacts,
    )
    resolved = adverse.filter(resolution_date__isnull=False)
    if cutoff is not None:
        resolved = resolved.filter(resolution_date__lte=cutoff)
    _latest(
        resolved.values("patient_id").annotate(last=Max("resolution_date")).values_list("patient_id", "last"),
        "adverse event resolution",
        contacts,
    )
    secondary: dict[int, list[dt.date]] = defaultdict(list)
    toxicities: dict[int, list[ToxicityFacts]] = defaultdict(list)
    for patient_id, day, category, grade in adverse.filter(
        Q(category__in=[AdverseEventCategory.SECONDARY_AUTOIMMUNITY, *CELL_THERAPY_TOXICITIES])
    ).values_list("patient_id", "onset_date", "category", "grade"):
        if category == AdverseEventCategory.SECONDARY_AUTOIMMUNITY:
            secondary[patient_id].append(day)
        else:
            toxicities[patient_id].append(ToxicityFacts(category, day, grade))

    courses: list[PatientCourse] = []
    registry_ids: dict[int, tuple[str, str]] = {}
    for pk, registry_id, centre_id, sex, birth_year, birth_month in patients.values_list(
        "pk", "registry_id", "centre_id", "sex", "birth_year", "birth_month"
    ).order_by("registry_id"):
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
