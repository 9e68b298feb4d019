"""Endpoint derivation: from one patient's records to times and events after one infusion.

Time zero is the date of the analysed infusion (day 0; :class:`~.settings.InfusionSelection`, by default
the patient's first autologous HSCT). Times are whole days from day 0. The definitions are this
module's conventions ◐, in the terms registry papers use (e.g. PFS, relapse/progression and NRM in
[@Snowden2017, abstract]):

- **OS**: death from any cause.
- **PFS**: relapse or progression, or death, whichever comes first.
- **Relapse/progression and NRM** as competing risks (``cr_cause``): 1 = relapse/progression (incl. a
  death from the autoimmune disease without a recorded relapse before it — cause of death ``disease``),
  2 = non-relapse mortality (any other death without relapse/progression on or before it; the subset with
  a treatment-related cause is flagged ``death_treatment_related``), 0 = censored. ``trm_cause`` (same
  time ``cr_days``) narrows this to transplant-related mortality: 1 = a death with a treatment-related
  cause (``trm_*``) and no relapse/progression before it, 2 = anything else first, 0 = censored.
- **Neutrophil and platelet engraftment**: the recorded date (1) with death before it as the competing
  event (2); a recorded engraftment without a date is followed to death or last contact.
- **Secondary autoimmune disease** (outcome events of that type and adverse events of category
  secondary autoimmunity) and **secondary malignancy**: first occurrence (1), death before it (2).
- **Disease-specific response**: :mod:`.responses`.

Rules:

1. **Last contact** (censoring date) = the latest of: day 0; follow-up dates with vital status alive or
   dead (a follow-up with vital status *unknown* is not a contact); outcome-event dates; assessment,
   lab-result and adverse-event dates; engraftment dates; later infusions — counting only dates on or
   after day 0, on or before the death date and on or before the end of follow-up. A patient who died is
   followed to the death date.
2. **End of follow-up** = the data cut-off date, if given (records dated after it are not seen; an
   infusion after it is not analysed), and, with ``censor_at_next_infusion``, the next infusion's date.
3. **Day 0 events** count at time 0 (the survival engine accepts them); none are moved to day 0.5.
4. **Relapse and death on the same day**: the relapse/progression comes first (``cr_cause`` 1, PFS event
   on that day); such a death is never NRM.
5. **Engraftment on the day of death** counts as engraftment. A platelet record "never below 20" without a
   date leaves platelet engraftment missing (not applicable), as does no engraftment record at all.
6. A **follow-up reporting relapse/progression** counts as one on its date when
   ``relapse_from_follow_up_status`` is on (default) and nothing earlier records one.

Contradictory records are never silently fixed: each is reported as a :class:`Finding` (patient, rule,
message), and the patient is handled as stated here:

=================================  =========================================================================
rule                               handling
=================================  =========================================================================
``death_before_infusion``          the infusion is not analysed (the patient is left out)
``dead_without_death_event``       a follow-up with vital status dead and no death event: death on the
                                   earliest such follow-up, cause unknown (so NRM unless a relapse came
                                   first)
``death_follow_up_mismatch``       a follow-up reports death before the recorded death: the death event's
                                   date stands
``alive_after_death``              a follow-up reports the patient alive after the death: the death stands;
                                   that follow-up is ignored
``event_after_death``              an outcome event dated after the death: ignored
``record_after_death``             another record (assessment, lab, adverse event) after the death: ignored
``event_before_infusion``          an outcome event (relapse, progression…) before the first infusion:
                                   ignored (it is not an outcome of any infusion)
``follow_up_before_infusion``      a follow-up before the first infusion: ignored
``engraftment_before_infusion``    that engraftment date is ignored: the endpoint is missing
``engraftment_after_death``        that engraftment date is ignored: death is the competing event
``infusion_order``                 sequence numbers not in date order: the sequence numbers are used as
                                   recorded
``response_input_invalid``         the response is not computable (see :mod:`.responses`)
=================================  =========================================================================

A patient with no analysed infusion is never dropped silently: :func:`derive_endpoints` lists each in
``left_out`` with the first rule that applies (:func:`left_out_rule`) — ``no_infusion``; ``other_product``
(infusions, none of the selected product, e.g. CAR-T only); ``infused_after_cutoff``;
``death_before_infusion``. :mod:`remission.analysis.flow` turns them into the patient flow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from itertools import pairwise
from operator import attrgetter

import numpy as np
import pandas as pd

from remission.analysis.endpoints.records import InfusionFacts, OutcomeFacts, PatientCourse, WorkUpFacts
from remission.analysis.endpoints.responses import ResponseOutcome, derive_response
from remission.analysis.endpoints.settings import (
    DEFAULT_SETTINGS,
    FIRST_AUTOLOGOUS_HSCT,
    EndpointSettings,
    InfusionSelection,
)
from remission.registry.codes import (
    TREATMENT_RELATED_DEATHS,
    CauseOfDeath,
    DiseaseStatus,
    OutcomeType,
    VitalStatus,
)
from remission.registry.dates import as_days

RULE_DEATH_BEFORE_INFUSION = "death_before_infusion"
RULE_DEAD_WITHOUT_DEATH_EVENT = "dead_without_death_event"
RULE_DEATH_FOLLOW_UP_MISMATCH = "death_follow_up_mismatch"
RULE_ALIVE_AFTER_DEATH = "alive_after_death"
RULE_EVENT_AFTER_DEATH = "event_after_death"
RULE_RECORD_AFTER_DEATH = "record_after_death"
RULE_EVENT_BEFORE_INFUSION = "event_before_infusion"
RULE_FOLLOW_UP_BEFORE_INFUSION = "follow_up_before_infusion"
RULE_ENGRAFTMENT_BEFORE_INFUSION = "engraftment_before_infusion"
RULE_ENGRAFTMENT_AFTER_DEATH = "engraftment_after_death"
RULE_INFUSION_ORDER = "infusion_order"
# why a patient has no analysed infusion (each patient left out has exactly one, the first that applies)
RULE_NO_INFUSION = "no_infusion"
RULE_OTHER_PRODUCT = "other_product"  # infusions, none of the selected product (e.g. CAR-T only)
RULE_AFTER_CUTOFF = "infused_after_cutoff"
LEFT_OUT_RULES: tuple[str, ...] = (
    RULE_NO_INFUSION,
    RULE_OTHER_PRODUCT,
    RULE_AFTER_CUTOFF,
    RULE_DEATH_BEFORE_INFUSION,
)
NOT_LEFT_OUT = "patient {registry_id} has an analysed infusion; it is not left out"

DEATH_BEFORE_INFUSION = "death on {death} is before the infusion on {infusion}; the infusion is not analysed"
DEAD_WITHOUT_DEATH_EVENT = (
    "follow-up on {date} reports the patient dead but there is no death event; death taken on {date}, "
    "cause unknown"
)
DEATH_FOLLOW_UP_MISMATCH = "follow-up on {date} reports the patient dead before the recorded death on {death}"
ALIVE_AFTER_DEATH = "follow-up on {date} reports the patient alive after the death on {death}; ignored"
EVENT_AFTER_DEATH = "{what} on {date} is after the death on {death}; ignored"
RECORD_AFTER_DEATH = "{what} on {date} is after the death on {death}; ignored"
EVENT_BEFORE_INFUSION = "{what} on {date} is before the first infusion on {infusion}; ignored"
FOLLOW_UP_BEFORE_INFUSION = "follow-up on {date} is before the first infusion on {infusion}; ignored"
ENGRAFTMENT_BEFORE_INFUSION = (
    "{what} engraftment on {date} is before the infusion on {infusion}; ignored (endpoint missing)"
)
ENGRAFTMENT_AFTER_DEATH = "{what} engraftment on {date} is after the death on {death}; ignored"
INFUSION_ORDER = "infusion {sequence} on {date} is before infusion {previous} on {previous_date}"

_RELAPSE_TYPES = frozenset({OutcomeType.RELAPSE.value, OutcomeType.PROGRESSION.value})
_RELAPSE_STATUS = frozenset({DiseaseStatus.RELAPSE.value, DiseaseStatus.PROGRESSION.value})
_CONTACT_VITAL = frozenset({VitalStatus.ALIVE.value, VitalStatus.DEAD.value})
_DEATH = OutcomeType.DEATH.value
_RELAPSE = OutcomeType.RELAPSE.value
_SECONDARY_AUTOIMMUNE = OutcomeType.SECONDARY_AUTOIMMUNE.value
_MALIGNANCY = OutcomeType.MALIGNANCY.value
_TRM_CAUSES = frozenset(c.value for c in TREATMENT_RELATED_DEATHS)
_DISEASE_DEATH = CauseOfDeath.DISEASE.value
_UNKNOWN_CAUSE = CauseOfDeath.UNKNOWN.value
_DEAD = VitalStatus.DEAD.value
_ALIVE = VitalStatus.ALIVE.value


@dataclass(frozen=True, slots=True)
class Finding:
    """A contradiction in one patient's records and how derivation handled it."""

    registry_id: str
    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class InfusionEndpoints:
    """One analysed infusion: who, time zero, and every endpoint (days from day 0; None = missing)."""

    registry_id: str
    centre: str
    country: str
    disease: str
    subtype: str
    sex: str
    age: float | None
    infusion_id: int | None
    infusion_date: dt.date
    sequence: int
    product_type: str
    regimen: str
    intensity: str
    hct_ci: int | None  # the latest work-up on or before day 0 that records it
    performance_scale: str  # ecog / karnofsky / lansky, with its score, the same way
    performance_score: int | None
    last_contact: dt.date
    death_date: dt.date | None
    death_cause: str
    death_treatment_related: bool
    relapse_date: dt.date | None
    os_days: int
    os_event: int
    pfs_days: int
    pfs_event: int
    cr_days: int
    cr_cause: int
    trm_cause: int
    neutrophil_days: int | None
    neutrophil_cause: int | None
    platelet_days: int | None
    platelet_cause: int | None
    graft_failure: bool | None
    sad_days: int
    sad_cause: int
    malignancy_days: int
    malignancy_cause: int
    response_definition: str
    response: str
    response_date: dt.date | None
    remission_definition: str
    remission: str
    cdp: str
    cdp_days: int | None
    cdp_event: int | None
    neda3: str


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(InfusionEndpoints))
_DATE_COLUMNS = ("infusion_date", "last_contact", "death_date", "relapse_date", "response_date")
_INT_COLUMNS = frozenset(
    {
        "sequence",
        "os_days",
        "os_event",
        "pfs_days",
        "pfs_event",
        "cr_days",
        "cr_cause",
        "trm_cause",
        "sad_days",
        "sad_cause",
        "malignancy_days",
        "malignancy_cause",
    }
)
_OPTIONAL_INT_COLUMNS = (
    "infusion_id",
    "hct_ci",
    "performance_score",
    "neutrophil_days",
    "neutrophil_cause",
    "platelet_days",
    "platelet_cause",
    "cdp_days",
    "cdp_event",
)


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A patient with no analysed infusion, the rule why (:data:`LEFT_OUT_RULES`) and the product type of
    their first infusion ("" when they have none)."""

    registry_id: str
    rule: str
    product_type: str = ""


@dataclass(frozen=True)
class EndpointSet:
    """Endpoints of every analysed infusion, the data-quality findings, and who was left out:
    ``excluded`` the patients whose death is recorded before the infusion, ``left_out`` every patient
    without an analysed infusion with the reason."""

    rows: tuple[InfusionEndpoints, ...]
    findings: tuple[Finding, ...]
    excluded: tuple[str, ...]
    left_out: tuple[LeftOut, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per analysed infusion, columns :data:`COLUMNS` (dates as ``datetime64``; optional
        integers as ``Int64``; text as ``object``)."""
        by_column = zip(*map(attrgetter(*COLUMNS), self.rows), strict=True) if self.rows else None
        data: dict[str, object] = {}
        for name in COLUMNS:
            values = list(next(by_column)) if by_column is not None else []
            if name in _DATE_COLUMNS:  # None -> NaT
                data[name] = as_days(values).astype("datetime64[ns]")
            elif name in _OPTIONAL_INT_COLUMNS:
                data[name] = pd.array(values, dtype="Int64")
            elif name in _INT_COLUMNS:
                data[name] = np.array(values, dtype=np.int64)
            elif name == "age":
                data[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            elif name == "death_treatment_related":
                data[name] = np.array(values, dtype=bool)
            elif name == "graft_failure":
                data[name] = pd.array(values, dtype="boolean")
            else:
                data[name] = np.array(values, dtype=object)
        return pd.DataFrame(data, columns=list(COLUMNS))

    def findings_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(f.registry_id, f.rule, f.message) for f in self.findings],
            columns=["registry_id", "rule", "message"],
        )


def workup_before(workups: Iterable[WorkUpFacts], day0: dt.date) -> tuple[int | None, tuple[str, int | None]]:
    """The HCT-CI and the performance status (scale, score) of the latest work-ups on or before day 0 that
    record them (each its own latest: a centre may score the HCT-CI and the performance on different days)."""
    before = sorted((w for w in workups if w.date <= day0), key=lambda w: w.date)
    hct_ci = next((w.hct_ci_score for w in reversed(before) if w.hct_ci_score is not None), None)
    scored = [(w.performance_scale, w.performance_score) for w in before if w.performance_score is not None]
    performance = scored[-1] if scored else ("", None)
    return hct_ci, performance


def age_at(birth_year: int | None, birth_month: int | None, day: dt.date) -> float | None:
    """Age in years on ``day``, taking the 15th of the birth month as the birthday (only month and year
    are stored); None when either is missing."""
    if birth_year is None or birth_month is None:
        return None
    return (day - dt.date(birth_year, birth_month, 15)).days / 365.25


def _competing(event: dt.date | None, death: dt.date | None, day0: dt.date, last: dt.date) -> tuple[int, int]:
    """(days, cause) for an event with death as the competing risk: 1 event, 2 death first, 0 censored."""
    if event is not None and (death is None or event <= death):
        return (event - day0).days, 1
    if death is not None:
        return (death - day0).days, 2
    return (last - day0).days, 0


def _selected(infusions: list[InfusionFacts], selection: InfusionSelection) -> InfusionFacts | None:
    """The infusion ``selection`` picks from ``infusions`` (sorted by sequence), or None."""
    if selection.sequence is None:
        return next((i for i in infusions if selection.accepts(i.product_type)), None)
    return next(
        (i for i in infusions if i.sequence == selection.sequence and selection.accepts(i.product_type)),
        None,
    )


def left_out_rule(
    course: PatientCourse,
    found: Iterable[Finding],
    *,
    selection: InfusionSelection = FIRST_AUTOLOGOUS_HSCT,
    cutoff: dt.date | None = None,
) -> str:
    """Why :func:`derive_patient` gave no row for ``course`` (``found``: its findings): one of
    :data:`LEFT_OUT_RULES`, in that order of precedence."""
    if not course.infusions:
        return RULE_NO_INFUSION
    chosen = _selected(sorted(course.infusions, key=lambda i: (i.sequence, i.date)), selection)
    if chosen is None:
        return RULE_OTHER_PRODUCT
    if cutoff is not None and chosen.date > cutoff:
        return RULE_AFTER_CUTOFF
    if any(f.rule == RULE_DEATH_BEFORE_INFUSION for f in found):
        return RULE_DEATH_BEFORE_INFUSION
    raise AssertionError(NOT_LEFT_OUT.format(registry_id=course.registry_id))


def derive_patient(
    course: PatientCourse,
    *,
    selection: InfusionSelection = FIRST_AUTOLOGOUS_HSCT,
    cutoff: dt.date | None = None,
    settings: EndpointSettings = DEFAULT_SETTINGS,
) -> tuple[InfusionEndpoints | None, tuple[Finding, ...]]:
    """Endpoints of ``course``'s analysed infusion (None when it has none) and the findings about it."""
    rid = course.registry_id
    findings: list[Finding] = []

    def report(rule: str, message: str) -> None:
        findings.append(Finding(rid, rule, message))

    infusions = sorted(course.infusions, key=lambda i: (i.sequence, i.date))
    if not infusions:
        return None, ()
    for previous, current in pairwise(infusions):
        if current.date < previous.date:
            report(
                RULE_INFUSION_ORDER,
                INFUSION_ORDER.format(
                    sequence=current.sequence,
                    date=current.date,
                    previous=previous.sequence,
                    previous_date=previous.date,
                ),
            )
    first_day = min(i.date for i in infusions)

    # -- the recorded death (whole record, for the checks) ------------------------------------------------
    outcomes = course.outcomes
    follow_ups = course.follow_ups
    death: OutcomeFacts | None = None
    for o in outcomes:
        if o.event_type == _DEATH and (death is None or o.date < death.date):
            death = o
    first_dead: dt.date | None = None
    for f in follow_ups:
        if f.vital_status == _DEAD and (first_dead is None or f.date < first_dead):
            first_dead = f.date
    if death is None and first_dead is not None:
        report(RULE_DEAD_WITHOUT_DEATH_EVENT, DEAD_WITHOUT_DEATH_EVENT.format(date=first_dead))
        death = OutcomeFacts(_DEATH, first_dead, _UNKNOWN_CAUSE)
    elif death is not None and first_dead is not None and first_dead < death.date:
        report(
            RULE_DEATH_FOLLOW_UP_MISMATCH, DEATH_FOLLOW_UP_MISMATCH.format(date=first_dead, death=death.date)
        )
    death_day = death.date if death is not None else None

    # -- contradictions ------------------------------------------------------------------------------------
    for f in follow_ups:
        if f.date < first_day:
            report(
                RULE_FOLLOW_UP_BEFORE_INFUSION,
                FOLLOW_UP_BEFORE_INFUSION.format(date=f.date, infusion=first_day),
            )
        if death_day is not None and f.date > death_day and f.vital_status == _ALIVE:
            report(RULE_ALIVE_AFTER_DEATH, ALIVE_AFTER_DEATH.format(date=f.date, death=death_day))
    for o in outcomes:
        if o.date < first_day and o.event_type != _DEATH:
            what = o.event_type.replace("_", " ")
            report(
                RULE_EVENT_BEFORE_INFUSION,
                EVENT_BEFORE_INFUSION.format(what=what, date=o.date, infusion=first_day),
            )
        if death_day is not None and o.date > death_day and o.event_type != _DEATH:
            what = o.event_type.replace("_", " ")
            report(RULE_EVENT_AFTER_DEATH, EVENT_AFTER_DEATH.format(what=what, date=o.date, death=death_day))
    if death_day is not None:
        for c in course.other_contacts:
            if c.date > death_day:
                report(
                    RULE_RECORD_AFTER_DEATH,
                    RECORD_AFTER_DEATH.format(what=c.what, date=c.date, death=death_day),
                )
        late = None
        for sc in course.scores:
            if sc.date > death_day and (late is None or sc.date > late.date):
                late = sc
        if late is not None:
            what = f"{late.instrument} assessment"
            report(
                RULE_RECORD_AFTER_DEATH, RECORD_AFTER_DEATH.format(what=what, date=late.date, death=death_day)
            )

    # -- the analysed infusion -----------------------------------------------------------------------------
    chosen = _selected(infusions, selection)
    if chosen is None or (cutoff is not None and chosen.date > cutoff):
        return None, tuple(findings)
    day0 = chosen.date
    if death_day is not None and death_day < day0:
        report(RULE_DEATH_BEFORE_INFUSION, DEATH_BEFORE_INFUSION.format(death=death_day, infusion=day0))
        return None, tuple(findings)

    end = cutoff
    if settings.censor_at_next_infusion:
        later = [i.date for i in infusions if i.sequence > chosen.sequence and i.date >= day0]
        if later and (end is None or min(later) < end):
            end = min(later)
    if death_day is not None and end is not None and death_day > end:
        death, death_day = None, None  # not yet seen at the end of follow-up
    limit = death_day if death_day is not None else end  # nothing after this counts

    # everything counted lies in [day0, limit]; a far-future stand-in keeps the comparisons simple
    top = limit if limit is not None else dt.date.max

    # -- last contact (rule 1), relapse/progression, secondary AD, malignancy: one pass each -----------
    last = day0
    relapse: dt.date | None = None
    sad: dt.date | None = None
    malignancy: dt.date | None = None
    relapse_dates: list[dt.date] = []
    for o in outcomes:
        d = o.date
        kind = o.event_type
        if kind == _RELAPSE:
            relapse_dates.append(d)  # clinical relapses, for the MS definitions (CDP, NEDA-3)
        if d < day0 or d > top:
            continue
        if d > last:
            last = d
        if kind in _RELAPSE_TYPES:
            if relapse is None or d < relapse:
                relapse = d
        elif kind == _SECONDARY_AUTOIMMUNE:
            if sad is None or d < sad:
                sad = d
        elif kind == _MALIGNANCY and (malignancy is None or d < malignancy):
            malignancy = d
    from_status = settings.relapse_from_follow_up_status
    for f in follow_ups:
        d = f.date
        if d < day0 or d > top:
            continue
        if d > last and f.vital_status in _CONTACT_VITAL:
            last = d
        if from_status and f.disease_status in _RELAPSE_STATUS and (relapse is None or d < relapse):
            relapse = d
    for d in course.secondary_autoimmune_onsets:
        if day0 <= d <= top:
            last = max(last, d)
            if sad is None or d < sad:
                sad = d
    others = [sc.date for sc in course.scores]
    others += [c.date for c in course.other_contacts]
    others += [i.date for i in infusions]
    if chosen.engraftment is not None:
        others += [d for d in (chosen.engraftment.neutrophil_date, chosen.engraftment.platelet_date) if d]
    for d in others:
        if last < d <= top:
            last = d
    if death_day is not None:
        last = death_day

    if death_day is not None:
        os_days, os_event = (death_day - day0).days, 1
    else:
        os_days, os_event = (last - day0).days, 0
    cause_of_death = death.cause_of_death if death is not None else ""
    if relapse is not None:  # rule 4: on or before the death, so relapse first
        cr_days, cr_cause = (relapse - day0).days, 1
    elif death_day is not None:
        cr_days, cr_cause = (death_day - day0).days, 1 if cause_of_death == _DISEASE_DEATH else 2
    else:
        cr_days, cr_cause = (last - day0).days, 0

    # -- engraftment (rule 5) ------------------------------------------------------------------------------
    engraftment_days: dict[str, tuple[int | None, int | None]] = {
        "neutrophil": (None, None),
        "platelet": (None, None),
    }
    graft_failure: bool | None = None
    if chosen.engraftment is not None:
        e = chosen.engraftment
        graft_failure = e.graft_failure
        for what, day in (("neutrophil", e.neutrophil_date), ("platelet", e.platelet_date)):
            if day is not None and day < day0:
                report(
                    RULE_ENGRAFTMENT_BEFORE_INFUSION,
                    ENGRAFTMENT_BEFORE_INFUSION.format(what=what, date=day, infusion=day0),
                )
                continue
            if day is not None and death is not None and day > death.date:
                report(
                    RULE_ENGRAFTMENT_AFTER_DEATH,
                    ENGRAFTMENT_AFTER_DEATH.format(what=what, date=day, death=death.date),
                )
                day = None
            if day is not None and day > top:
                day = None  # after the end of follow-up
            if what == "platelet" and day is None and e.platelets_never_below_20:
                continue
            engraftment_days[what] = _competing(day, death_day, day0, last)

    # -- secondary autoimmune disease and malignancy ------------------------------------------------------
    sad_days, sad_cause = _competing(sad, death_day, day0, last)
    malignancy_days, malignancy_cause = _competing(malignancy, death_day, day0, last)

    # -- disease-specific response -------------------------------------------------------------------------
    response: ResponseOutcome = derive_response(
        course.disease,
        day0=day0,
        end=last,
        scores=[s for s in course.scores if limit is None or s.date <= limit],
        relapses=sorted(d for d in relapse_dates if limit is None or d <= limit),
        settings=settings,
        report=report,
    )

    hct_ci, performance = workup_before(course.workups, day0)
    neutrophil_days, neutrophil_cause = engraftment_days["neutrophil"]
    platelet_days, platelet_cause = engraftment_days["platelet"]
    row = InfusionEndpoints(
        registry_id=rid,
        centre=course.centre,
        country=course.country,
        disease=course.disease,
        subtype=course.subtype,
        sex=course.sex,
        age=age_at(course.birth_year, course.birth_month, day0),
        infusion_id=chosen.infusion_id,
        infusion_date=day0,
        sequence=chosen.sequence,
        product_type=chosen.product_type,
        regimen=chosen.regimen,
        intensity=chosen.intensity,
        hct_ci=hct_ci,
        performance_scale=performance[0],
        performance_score=performance[1],
        last_contact=last,
        death_date=death_day,
        death_cause=cause_of_death,
        death_treatment_related=cause_of_death in _TRM_CAUSES,
        relapse_date=relapse,
        os_days=os_days,
        os_event=os_event,
        pfs_days=cr_days,
        pfs_event=int(cr_cause > 0),
        cr_days=cr_days,
        cr_cause=cr_cause,
        trm_cause=0 if cr_cause == 0 else 1 if cr_cause == 2 and cause_of_death in _TRM_CAUSES else 2,
        neutrophil_days=neutrophil_days,
        neutrophil_cause=neutrophil_cause,
        platelet_days=platelet_days,
        platelet_cause=platelet_cause,
        graft_failure=graft_failure,
        sad_days=sad_days,
        sad_cause=sad_cause,
        malignancy_days=malignancy_days,
        malignancy_cause=malignancy_cause,
        response_definition=response.response_definition,
        response=response.response,
        response_date=response.response_date,
        remission_definition=response.remission_definition,
        remission=response.remission,
        cdp=response.cdp,
        cdp_days=response.cdp_days,
        cdp_event=response.cdp_event,
        neda3=response.neda3,
    )
    return row, tuple(findings)


def derive_endpoints(
    courses: Iterable[PatientCourse],
    *,
    selection: InfusionSelection = FIRST_AUTOLOGOUS_HSCT,
    cutoff: dt.date | None = None,
    settings: EndpointSettings = DEFAULT_SETTINGS,
) -> EndpointSet:
    """Endpoints of every course's analysed infusion.

    ``excluded`` lists the registry IDs of patients with an infusion of the selected kind that could not
    be analysed (death before it); ``left_out`` every course without an analysed infusion, with the rule
    (:func:`left_out_rule`): none is dropped silently.
    """
    rows: list[InfusionEndpoints] = []
    findings: list[Finding] = []
    left_out: list[LeftOut] = []
    for course in courses:
        row, found = derive_patient(course, selection=selection, cutoff=cutoff, settings=settings)
        if row is not None:
            rows.append(row)
        else:
            rule = left_out_rule(course, found, selection=selection, cutoff=cutoff)
            first = min(course.infusions, key=lambda i: (i.sequence, i.date), default=None)
            left_out.append(LeftOut(course.registry_id, rule, first.product_type if first else ""))
        findings.extend(found)
    excluded = tuple(x.registry_id for x in left_out if x.rule == RULE_DEATH_BEFORE_INFUSION)
    return EndpointSet(tuple(rows), tuple(findings), excluded, tuple(left_out))
