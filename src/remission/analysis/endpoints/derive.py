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

Contradictory records are never silently fixed: each is reported as a
:class:`~remission.registry.findings.Finding` (patient, rule, message; the record kind and field where
derivation knows them), and the patient is handled as stated here. Where the registry's validation rules
(:mod:`remission.registry.validation`) name the same contradiction, the finding carries that rule's id and
wording (one rule, one id, whether ``remission check`` or derivation finds it); the rest are derivation's
own:

==================================  ========================================================================
rule                                handling
==================================  ========================================================================
``date_not_after_death``            the analysed infusion after the death: not analysed (the patient is
                                    left out as ``death_before_infusion``); an outcome event, another record
                                    (assessment, lab, adverse event) or an engraftment date after the
                                    death: ignored (for engraftment, death is the competing event)
``alive_not_after_death``           a follow-up reports the patient alive after the death: the death
                                    stands; that follow-up is ignored
``death_not_after_dead_follow_up``  a follow-up reports death before the recorded death: the death event's
                                    date stands
``infusion_before_engraftment``     an engraftment date before the analysed infusion: ignored, the endpoint
                                    is missing
``dead_without_death_event``        a follow-up with vital status dead and no death event: death on the
                                    earliest such follow-up, cause unknown (so NRM unless a relapse came
                                    first)
``event_before_infusion``           an outcome event (relapse, progression…) before the first infusion:
                                    ignored (it is not an outcome of any infusion)
``follow_up_before_infusion``       a follow-up before the first infusion: ignored
``infusion_order``                  sequence numbers not in date order: the sequence numbers are used as
                                    recorded
``response_input_invalid``          the response is not computable (see :mod:`.responses`)
==================================  ========================================================================

:func:`derive_patient` runs the steps in this order, each a pure function: :func:`infusion_order_findings`;
:func:`recorded_death`; :func:`record_contradictions`; :func:`analysed_infusion` and
:func:`death_before_infusion` (no row when either says so); :func:`follow_up_window` (day 0, the end of
follow-up and the death seen by then); :func:`first_events` (relapse/progression, secondary autoimmune
disease, malignancy); :func:`last_contact`; :func:`survival_columns` (OS, PFS, the competing risks);
:func:`engraftment_columns`; :func:`response_columns`; :func:`endpoints_row`.

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
from remission.registry import validation
from remission.registry.codes import (
    TREATMENT_RELATED_DEATHS,
    CauseOfDeath,
    DiseaseStatus,
    OutcomeType,
    VitalStatus,
)
from remission.registry.dates import as_days
from remission.registry.findings import Finding

# contradictions the registry's validation rules also name: the registry's rule (one rule, one id),
# under the names derivation gives the case
RULE_AFTER_DEATH = validation.RULE_AFTER_DEATH  # an infusion, event, record or engraftment after the death
RULE_ALIVE_AFTER_DEATH = validation.RULE_ALIVE_AFTER_DEATH
RULE_DEATH_FOLLOW_UP_MISMATCH = validation.RULE_DEATH_AFTER_DEAD_FOLLOW_UP
RULE_ENGRAFTMENT_BEFORE_INFUSION = validation.RULE_INFUSION_BEFORE_ENGRAFTMENT
# contradictions only derivation names
RULE_DEAD_WITHOUT_DEATH_EVENT = "dead_without_death_event"
RULE_EVENT_BEFORE_INFUSION = "event_before_infusion"
RULE_FOLLOW_UP_BEFORE_INFUSION = "follow_up_before_infusion"
RULE_INFUSION_ORDER = "infusion_order"
# why a patient has no analysed infusion (each patient left out has exactly one, the first that applies)
RULE_NO_INFUSION = "no_infusion"
RULE_OTHER_PRODUCT = "other_product"  # infusions, none of the selected product (e.g. CAR-T only)
RULE_AFTER_CUTOFF = "infused_after_cutoff"
RULE_DEATH_BEFORE_INFUSION = "death_before_infusion"  # its finding: RULE_AFTER_DEATH on the infusion
LEFT_OUT_RULES: tuple[str, ...] = (
    RULE_NO_INFUSION,
    RULE_OTHER_PRODUCT,
    RULE_AFTER_CUTOFF,
    RULE_DEATH_BEFORE_INFUSION,
)
NOT_LEFT_OUT = "patient {registry_id} has an analysed infusion; it is not left out"

# the registry's wording (``{value}``: the record and its date), then how derivation handles it
INFUSION_AFTER_DEATH = validation.AFTER_DEATH + "; the infusion is not analysed"
AFTER_DEATH_IGNORED = validation.AFTER_DEATH + "; ignored"
ALIVE_AFTER_DEATH = validation.ALIVE_AFTER_DEATH + "; ignored"
DEATH_FOLLOW_UP_MISMATCH = validation.DEATH_AFTER_DEAD_FOLLOW_UP + "; the death's date stands"
# validation.ORDER_LINKED without the record labels derivation does not have
ENGRAFTMENT_BEFORE_INFUSION = (
    "the {what} engraftment on {date} is before the infusion on {infusion}; ignored (endpoint missing)"
)
DEAD_WITHOUT_DEATH_EVENT = (
    "follow-up on {date} reports the patient dead but there is no death event; death taken on {date}, "
    "cause unknown"
)
EVENT_BEFORE_INFUSION = "{what} on {date} is before the first infusion on {infusion}; ignored"
FOLLOW_UP_BEFORE_INFUSION = "follow-up on {date} is before the first infusion on {infusion}; ignored"
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
        return findings_frame(self.findings)


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Derivation's findings as a table: ``registry_id``, ``rule``, ``message``."""
    return pd.DataFrame(
        [(f.registry_id, f.rule, f.message) for f in findings], columns=["registry_id", "rule", "message"]
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


def _by_sequence(infusion: InfusionFacts) -> tuple[int, dt.date]:
    """The order infusions are taken in: sequence number, then date."""
    return (infusion.sequence, infusion.date)


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
    chosen = _selected(sorted(course.infusions, key=_by_sequence), selection)
    if chosen is None:
        return RULE_OTHER_PRODUCT
    if cutoff is not None and chosen.date > cutoff:
        return RULE_AFTER_CUTOFF
    if any(_is_infusion_after_death(f) for f in found):
        return RULE_DEATH_BEFORE_INFUSION
    raise AssertionError(NOT_LEFT_OUT.format(registry_id=course.registry_id))


# --- the steps of derive_patient, in order ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FollowUpWindow:
    """What counts for the analysed infusion: day 0, the death seen by the end of follow-up (None: none
    seen), the end of follow-up (rule 2; None: open), and ``limit``, the last day anything counts (the
    death, else the end; None: no limit). Everything counted lies in [day 0, ``top``], ``top`` being the
    limit or a far-future stand-in that keeps the comparisons simple."""

    day0: dt.date
    death: OutcomeFacts | None
    end: dt.date | None
    death_day: dt.date | None
    limit: dt.date | None
    top: dt.date

    @classmethod
    def of(cls, day0: dt.date, death: OutcomeFacts | None, end: dt.date | None) -> FollowUpWindow:
        """The window of day 0, the death seen (or None) and the end of follow-up (or None)."""
        death_day = death.date if death is not None else None
        limit = death_day if death_day is not None else end
        return cls(day0, death, end, death_day, limit, limit if limit is not None else dt.date.max)


@dataclass(frozen=True, slots=True)
class FirstEvents:
    """The first relapse/progression, secondary autoimmune disease and malignancy inside the window, and
    every clinical relapse on record (for the MS definitions, CDP and NEDA-3)."""

    relapse: dt.date | None
    secondary_autoimmune: dt.date | None
    malignancy: dt.date | None
    clinical_relapses: tuple[dt.date, ...]


@dataclass(frozen=True, slots=True)
class SurvivalColumns:
    """OS, and relapse/progression against NRM (``cr``) and TRM as competing risks; PFS is ``cr`` with any
    cause an event."""

    os_days: int
    os_event: int
    cr_days: int
    cr_cause: int
    trm_cause: int


@dataclass(frozen=True, slots=True)
class EngraftmentColumns:
    """Neutrophil and platelet engraftment with death as the competing event (None: missing)."""

    neutrophil_days: int | None = None
    neutrophil_cause: int | None = None
    platelet_days: int | None = None
    platelet_cause: int | None = None
    graft_failure: bool | None = None


def infusion_order_findings(registry_id: str, infusions: list[InfusionFacts]) -> list[Finding]:
    """``infusion_order`` for each infusion dated before the one numbered before it (``infusions`` sorted
    by sequence)."""
    return [
        Finding(
            RULE_INFUSION_ORDER,
            INFUSION_ORDER.format(
                sequence=current.sequence,
                date=current.date,
                previous=previous.sequence,
                previous_date=previous.date,
            ),
            registry_id=registry_id,
        )
        for previous, current in pairwise(infusions)
        if current.date < previous.date
    ]


def recorded_death(course: PatientCourse) -> tuple[OutcomeFacts | None, list[Finding]]:
    """The patient's death over the whole record: the earliest death event; else the earliest follow-up
    with vital status dead (``dead_without_death_event``, cause unknown). A dead follow-up before the
    death event breaks the registry's ``death_not_after_dead_follow_up`` (the event's date stands)."""
    rid = course.registry_id
    death: OutcomeFacts | None = None
    for o in course.outcomes:
        if o.event_type == _DEATH and (death is None or o.date < death.date):
            death = o
    first_dead: dt.date | None = None
    for f in course.follow_ups:
        if f.vital_status == _DEAD and (first_dead is None or f.date < first_dead):
            first_dead = f.date
    if first_dead is None:
        return death, []
    if death is None:
        message = DEAD_WITHOUT_DEATH_EVENT.format(date=first_dead)
        found = _on_date(RULE_DEAD_WITHOUT_DEATH_EVENT, message, rid, "followup", "vital_status")
        return OutcomeFacts(_DEATH, first_dead, _UNKNOWN_CAUSE), [found]
    if first_dead < death.date:
        message = DEATH_FOLLOW_UP_MISMATCH.format(value=death.date, dead=first_dead)
        return death, [_on_date(RULE_DEATH_FOLLOW_UP_MISMATCH, message, rid, "outcomeevent")]
    return death, []


def _on_date(rule: str, message: str, registry_id: str, entity: str, field: str = "date") -> Finding:
    """A finding about one dated record of the patient (``entity``: its model name)."""
    return Finding(rule, message, registry_id=registry_id, entity=entity, field=field)


def record_contradictions(
    course: PatientCourse, first_day: dt.date, death_day: dt.date | None
) -> list[Finding]:
    """Records that contradict the first infusion (``first_day``) or the death, each reported (they are
    ignored by the steps that follow): follow-ups before the first infusion or alive after the death;
    outcome events before the first infusion or after the death; other records and the latest score after
    the death."""
    rid = course.registry_id
    found: list[Finding] = []
    for f in course.follow_ups:
        if f.date < first_day:
            message = FOLLOW_UP_BEFORE_INFUSION.format(date=f.date, infusion=first_day)
            found.append(_on_date(RULE_FOLLOW_UP_BEFORE_INFUSION, message, rid, "followup"))
        if death_day is not None and f.date > death_day and f.vital_status == _ALIVE:
            message = ALIVE_AFTER_DEATH.format(value=f.date, death=death_day)
            found.append(_on_date(RULE_ALIVE_AFTER_DEATH, message, rid, "followup"))
    for o in course.outcomes:
        if o.event_type == _DEATH:
            continue
        what = o.event_type.replace("_", " ")
        if o.date < first_day:
            message = EVENT_BEFORE_INFUSION.format(what=what, date=o.date, infusion=first_day)
            found.append(_on_date(RULE_EVENT_BEFORE_INFUSION, message, rid, "outcomeevent"))
        if death_day is not None and o.date > death_day:
            message = AFTER_DEATH_IGNORED.format(value=f"{what} on {o.date}", death=death_day)
            found.append(_on_date(RULE_AFTER_DEATH, message, rid, "outcomeevent"))
    if death_day is None:
        return found
    for c in course.other_contacts:
        if c.date > death_day:
            message = AFTER_DEATH_IGNORED.format(value=f"{c.what} on {c.date}", death=death_day)
            found.append(Finding(RULE_AFTER_DEATH, message, registry_id=rid))
    late = None
    for sc in course.scores:
        if sc.date > death_day and (late is None or sc.date > late.date):
            late = sc
    if late is not None:
        message = AFTER_DEATH_IGNORED.format(
            value=f"{late.instrument} assessment on {late.date}", death=death_day
        )
        found.append(_on_date(RULE_AFTER_DEATH, message, rid, "assessment"))
    return found


def analysed_infusion(
    infusions: list[InfusionFacts], selection: InfusionSelection, cutoff: dt.date | None
) -> InfusionFacts | None:
    """The infusion ``selection`` picks (``infusions`` sorted by sequence), None when there is none or it
    is after the cut-off (:func:`left_out_rule` says which)."""
    chosen = _selected(infusions, selection)
    if chosen is None or (cutoff is not None and chosen.date > cutoff):
        return None
    return chosen


def death_before_infusion(registry_id: str, death: OutcomeFacts | None, day0: dt.date) -> Finding | None:
    """The registry's ``date_not_after_death`` for the analysed infusion when the death is before day 0
    (the infusion is not analysed: left out as ``death_before_infusion``)."""
    if death is None or death.date >= day0:
        return None
    message = INFUSION_AFTER_DEATH.format(value=f"infusion on {day0}", death=death.date)
    return _on_date(RULE_AFTER_DEATH, message, registry_id, "infusion")


def _is_infusion_after_death(finding: Finding) -> bool:
    return finding.rule == RULE_AFTER_DEATH and finding.entity == "infusion"


def follow_up_window(
    infusions: list[InfusionFacts],
    chosen: InfusionFacts,
    death: OutcomeFacts | None,
    cutoff: dt.date | None,
    settings: EndpointSettings,
) -> FollowUpWindow:
    """Day 0, the end of follow-up (rule 2: the cut-off and, with ``censor_at_next_infusion``, the next
    infusion) and the death if it is seen by then."""
    day0 = chosen.date
    end = cutoff
    if settings.censor_at_next_infusion:
        later = [i.date for i in infusions if i.sequence > chosen.sequence and i.date >= day0]
        if later and (end is None or min(later) < end):
            end = min(later)
    if death is not None and end is not None and death.date > end:
        death = None  # not yet seen at the end of follow-up
    return FollowUpWindow.of(day0, death, end)


def first_events(course: PatientCourse, window: FollowUpWindow, settings: EndpointSettings) -> FirstEvents:
    """The first relapse/progression (an outcome event, or with ``relapse_from_follow_up_status`` a
    follow-up reporting one: rule 6), secondary autoimmune disease (outcome event or adverse-event onset)
    and malignancy in the window."""
    relapse: dt.date | None = None
    sad: dt.date | None = None
    malignancy: dt.date | None = None
    clinical_relapses: list[dt.date] = []
    day0, top = window.day0, window.top
    for o in course.outcomes:
        d = o.date
        kind = o.event_type
        if kind == _RELAPSE:
            clinical_relapses.append(d)
        if d < day0 or d > top:
            continue
        if kind in _RELAPSE_TYPES:
            if relapse is None or d < relapse:
                relapse = d
        elif kind == _SECONDARY_AUTOIMMUNE:
            if sad is None or d < sad:
                sad = d
        elif kind == _MALIGNANCY and (malignancy is None or d < malignancy):
            malignancy = d
    if settings.relapse_from_follow_up_status:
        for f in course.follow_ups:
            d = f.date
            if f.disease_status in _RELAPSE_STATUS and day0 <= d <= top and (relapse is None or d < relapse):
                relapse = d
    for d in course.secondary_autoimmune_onsets:
        if day0 <= d <= top and (sad is None or d < sad):
            sad = d
    return FirstEvents(relapse, sad, malignancy, tuple(clinical_relapses))


def last_contact(
    course: PatientCourse, infusions: list[InfusionFacts], chosen: InfusionFacts, window: FollowUpWindow
) -> dt.date:
    """Rule 1: the death date, else the latest dated contact in the window (day 0 at the earliest)."""
    if window.death_day is not None:
        return window.death_day
    day0, top = window.day0, window.top
    dates = [o.date for o in course.outcomes]
    dates += [f.date for f in course.follow_ups if f.vital_status in _CONTACT_VITAL]
    dates += course.secondary_autoimmune_onsets
    dates += [sc.date for sc in course.scores]
    dates += [c.date for c in course.other_contacts]
    dates += [i.date for i in infusions]
    if chosen.engraftment is not None:
        dates += [d for d in (chosen.engraftment.neutrophil_date, chosen.engraftment.platelet_date) if d]
    return max((d for d in dates if day0 <= d <= top), default=day0)


def survival_columns(window: FollowUpWindow, last: dt.date, relapse: dt.date | None) -> SurvivalColumns:
    """OS; relapse/progression (rule 4: first on the day of death; a death from the disease counts as
    progression) against NRM; TRM (a treatment-related death with no relapse before it)."""
    day0, death_day = window.day0, window.death_day
    cause = window.death.cause_of_death if window.death is not None else ""
    if death_day is not None:
        os_days, os_event = (death_day - day0).days, 1
    else:
        os_days, os_event = (last - day0).days, 0
    if relapse is not None:  # on or before the death, so relapse first
        cr_days, cr_cause = (relapse - day0).days, 1
    elif death_day is not None:
        cr_days, cr_cause = (death_day - day0).days, 1 if cause == _DISEASE_DEATH else 2
    else:
        cr_days, cr_cause = (last - day0).days, 0
    trm_cause = 0 if cr_cause == 0 else 1 if cr_cause == 2 and cause in _TRM_CAUSES else 2
    return SurvivalColumns(os_days, os_event, cr_days, cr_cause, trm_cause)


def engraftment_columns(
    registry_id: str, chosen: InfusionFacts, window: FollowUpWindow, last: dt.date
) -> tuple[EngraftmentColumns, list[Finding]]:
    """Neutrophil and platelet engraftment of the analysed infusion (rule 5), with the engraftment dates
    that contradict day 0 or the death reported and ignored."""
    e = chosen.engraftment
    if e is None:
        return EngraftmentColumns(), []
    day0, death = window.day0, window.death
    found: list[Finding] = []
    columns: dict[str, tuple[int | None, int | None]] = {"neutrophil": (None, None), "platelet": (None, None)}
    for what, day in (("neutrophil", e.neutrophil_date), ("platelet", e.platelet_date)):
        if day is not None and day < day0:
            message = ENGRAFTMENT_BEFORE_INFUSION.format(what=what, date=day, infusion=day0)
            found.append(
                _on_date(
                    RULE_ENGRAFTMENT_BEFORE_INFUSION, message, registry_id, "engraftment", f"{what}_date"
                )
            )
            continue
        if day is not None and death is not None and day > death.date:
            message = AFTER_DEATH_IGNORED.format(value=f"{what} engraftment on {day}", death=death.date)
            found.append(_on_date(RULE_AFTER_DEATH, message, registry_id, "engraftment", f"{what}_date"))
            day = None
        if day is not None and day > window.top:
            day = None  # after the end of follow-up
        if what == "platelet" and day is None and e.platelets_never_below_20:
            continue
        columns[what] = _competing(day, window.death_day, day0, last)
    (neutrophil_days, neutrophil_cause), (platelet_days, platelet_cause) = columns.values()
    return (
        EngraftmentColumns(neutrophil_days, neutrophil_cause, platelet_days, platelet_cause, e.graft_failure),
        found,
    )


def response_columns(
    course: PatientCourse,
    window: FollowUpWindow,
    last: dt.date,
    clinical_relapses: tuple[dt.date, ...],
    settings: EndpointSettings,
) -> tuple[ResponseOutcome, list[Finding]]:
    """The disease-specific response (:mod:`.responses`) from the scores and clinical relapses up to the
    window's limit, followed to the last contact; ``response_input_invalid`` for inputs it rejects."""
    found: list[Finding] = []

    def report(rule: str, message: str) -> None:
        found.append(Finding(rule, message, registry_id=course.registry_id))

    limit = window.limit
    response = derive_response(
        course.disease,
        day0=window.day0,
        end=last,
        scores=[s for s in course.scores if limit is None or s.date <= limit],
        relapses=sorted(d for d in clinical_relapses if limit is None or d <= limit),
        settings=settings,
        report=report,
    )
    return response, found


def endpoints_row(
    course: PatientCourse,
    chosen: InfusionFacts,
    window: FollowUpWindow,
    last: dt.date,
    events: FirstEvents,
    survival: SurvivalColumns,
    engraftment: EngraftmentColumns,
    response: ResponseOutcome,
) -> InfusionEndpoints:
    """The row of the analysed infusion: who, time zero, the work-up before it and every endpoint."""
    day0, death_day = window.day0, window.death_day
    cause = window.death.cause_of_death if window.death is not None else ""
    hct_ci, (performance_scale, performance_score) = workup_before(course.workups, day0)
    sad_days, sad_cause = _competing(events.secondary_autoimmune, death_day, day0, last)
    malignancy_days, malignancy_cause = _competing(events.malignancy, death_day, day0, last)
    return InfusionEndpoints(
        registry_id=course.registry_id,
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
        performance_scale=performance_scale,
        performance_score=performance_score,
        last_contact=last,
        death_date=death_day,
        death_cause=cause,
        death_treatment_related=cause in _TRM_CAUSES,
        relapse_date=events.relapse,
        os_days=survival.os_days,
        os_event=survival.os_event,
        pfs_days=survival.cr_days,
        pfs_event=int(survival.cr_cause > 0),
        cr_days=survival.cr_days,
        cr_cause=survival.cr_cause,
        trm_cause=survival.trm_cause,
        neutrophil_days=engraftment.neutrophil_days,
        neutrophil_cause=engraftment.neutrophil_cause,
        platelet_days=engraftment.platelet_days,
        platelet_cause=engraftment.platelet_cause,
        graft_failure=engraftment.graft_failure,
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


def derive_patient(
    course: PatientCourse,
    *,
    selection: InfusionSelection = FIRST_AUTOLOGOUS_HSCT,
    cutoff: dt.date | None = None,
    settings: EndpointSettings = DEFAULT_SETTINGS,
) -> tuple[InfusionEndpoints | None, tuple[Finding, ...]]:
    """Endpoints of ``course``'s analysed infusion (None when it has none) and the findings about it."""
    infusions = sorted(course.infusions, key=_by_sequence)
    if not infusions:
        return None, ()
    rid = course.registry_id
    found = infusion_order_findings(rid, infusions)
    death, death_findings = recorded_death(course)
    found += death_findings
    found += record_contradictions(course, min(i.date for i in infusions), death.date if death else None)
    chosen = analysed_infusion(infusions, selection, cutoff)
    if chosen is None:
        return None, tuple(found)
    before = death_before_infusion(rid, death, chosen.date)
    if before is not None:
        return None, (*found, before)
    window = follow_up_window(infusions, chosen, death, cutoff, settings)
    events = first_events(course, window, settings)
    last = last_contact(course, infusions, chosen, window)
    survival = survival_columns(window, last, events.relapse)
    engraftment, engraftment_findings = engraftment_columns(rid, chosen, window, last)
    response, response_findings = response_columns(course, window, last, events.clinical_relapses, settings)
    row = endpoints_row(course, chosen, window, last, events, survival, engraftment, response)
    return row, (*found, *engraftment_findings, *response_findings)


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
            first = min(course.infusions, key=_by_sequence, default=None)
            left_out.append(LeftOut(course.registry_id, rule, first.product_type if first else ""))
        findings.extend(found)
    excluded = tuple(x.registry_id for x in left_out if x.rule == RULE_DEATH_BEFORE_INFUSION)
    return EndpointSet(tuple(rows), tuple(findings), excluded, tuple(left_out))
