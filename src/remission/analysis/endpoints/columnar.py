"""Endpoint derivation as array operations over the registry's columns (issue 21, "Derive as columns").

:func:`derive_columns` gives what :func:`~.derive.derive_endpoints` gives — the frame of
:meth:`~.derive.EndpointSet.to_frame` (same columns, dtypes and row order), the findings (same rules,
messages and order), ``excluded`` and ``left_out`` — from one dict of NumPy arrays per table
(:func:`remission.analysis.columns.read_registry_columns` reads them) instead of one
:class:`~.records.PatientCourse` per patient. Every rule of :mod:`.derive` is applied to whole columns at
once: infusion selection (:class:`~.settings.InfusionSelection`), the cut-off and
``censor_at_next_infusion``, death from the death event or the first follow-up reporting death, the last
contact from every kind of record within day 0 … end of follow-up, relapse/progression (outcome events and,
with ``relapse_from_follow_up_status``, follow-up status) before death, NRM and TRM causes, engraftment
(before the infusion, after death, never below 20) and secondary autoimmune disease and malignancy
competing with death, the work-up before day 0 and the age. The per-patient code stays as the test oracle
(``tests/analysis/test_columnar.py`` compares both patient by patient).

What is columnar, and what is not yet:

- **Every column but the response columns** (:data:`COLUMNAR_COLUMNS`), and every finding but
  ``response_input_invalid``: array operations only, no Python loop over patients (a loop runs only over
  the findings, to word them).
- **Response columns** (:data:`RESPONSE_COLUMNS`: ``response_definition``, ``response``,
  ``response_date``, ``remission_definition``, ``remission``, ``cdp``, ``cdp_days``, ``cdp_event``,
  ``neda3``), as :mod:`.responses` derives them:

  - MS (confirmed disability progression, NEDA-3) and SSc (ASSIST): array operations, written straight
    into the response columns; only the MRI lesion counts are read out of each MRI's items one by one.
  - RA (EULAR), SLE (DORIS) and Crohn's disease (CDAI response and remission): the baseline and time-point
    values are picked as array operations; **not yet columnar**: the decision on them is the clinical
    layer's function (``eular_response``, ``doris_remission``, ``cdai_response``, ``cdai_remission``),
    called once per patient, with its errors reported as :mod:`.responses` reports them.
  - **Per patient** (:func:`~.responses.derive_response` on the patient's scores and clinical relapses
    up to the end of follow-up, as :func:`~.derive.derive_patient` calls it): MS patients with an EDSS
    value or MRI lesion count the clinical layer refuses (it words the ``response_input_invalid``
    finding), SSc patients with a baseline FVC of 0, every MS patient when ``settings.neda.cdp`` differs
    from ``settings.cdp`` (NEDA-3 then computes its own CDP), and any other disease :mod:`.responses`
    gains a definition for (found by asking it once per disease with no scores).

Input tables (``pos`` below is a patient's position in ``patients``, which sets the row order):

=============  ============================================================================================
``patients``   ``pk``, ``registry_id``, ``centre_id``, ``sex``, ``birth_year``, ``birth_month`` (floats)
``centres``    ``pk``, ``code``, ``country``
``diagnoses``  ``patient_id``, ``disease``, ``subtype`` (primary diagnoses; the last row of a patient wins)
``infusions``  ``pk``, ``patient_id``, ``date``, ``sequence``, ``product_type``, ``regimen``, ``intensity``
               (the effective intensity), every infusion, also after the cut-off
``engraftments`` ``infusion_id``, ``neutrophil_date``, ``platelet_date``, ``never_below``, ``failure`` (0/1)
``outcomes``   ``patient_id``, ``event_type``, ``date``, ``cause_of_death``
``follow_ups`` ``patient_id``, ``date``, ``vital_status``, ``disease_status``
``scores``     ``patient_id``, ``date``, ``instrument``, ``score``, ``items``, ``during_relapse`` (1/0/NaN)
``workups``    ``patient_id``, ``date``, ``hct_ci_score``, ``performance_scale``, ``performance_score``
``contacts``   ``patient_id``, ``date``, ``kind`` (index into :data:`CONTACT_KINDS`): latest date per kind
``secondary``  ``patient_id``, ``onset_date`` (adverse events of category secondary autoimmunity)
=============  ============================================================================================

Dates are ``datetime64[D]`` (NaT = missing). Records are in the order the loader reads them: where the
per-patient code takes the first of equal records, so does this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from remission.analysis.endpoints.derive import (
    AFTER_DEATH_IGNORED,
    ALIVE_AFTER_DEATH,
    COLUMNS,
    DEAD_WITHOUT_DEATH_EVENT,
    DEATH_FOLLOW_UP_MISMATCH,
    ENGRAFTMENT_BEFORE_INFUSION,
    EVENT_BEFORE_INFUSION,
    FOLLOW_UP_BEFORE_INFUSION,
    INFUSION_AFTER_DEATH,
    INFUSION_ORDER,
    RULE_AFTER_CUTOFF,
    RULE_AFTER_DEATH,
    RULE_ALIVE_AFTER_DEATH,
    RULE_DEAD_WITHOUT_DEATH_EVENT,
    RULE_DEATH_BEFORE_INFUSION,
    RULE_DEATH_FOLLOW_UP_MISMATCH,
    RULE_ENGRAFTMENT_BEFORE_INFUSION,
    RULE_EVENT_BEFORE_INFUSION,
    RULE_FOLLOW_UP_BEFORE_INFUSION,
    RULE_INFUSION_ORDER,
    RULE_NO_INFUSION,
    RULE_OTHER_PRODUCT,
    LeftOut,
)
from remission.analysis.endpoints.records import ScoreFacts
from remission.analysis.endpoints.responses import (
    MRI_INSTRUMENT,
    NONE,
    RESPONSE_INPUT,
    RULE_RESPONSE_INPUT,
    ResponseOutcome,
    derive_response,
)
from remission.analysis.endpoints.settings import (
    DEFAULT_SETTINGS,
    FIRST_AUTOLOGOUS_HSCT,
    EndpointSettings,
    InfusionSelection,
)
from remission.clinical.responses import (
    NOT_COMPUTABLE,
    Measurement,
    ResponseResult,
    SleAssessment,
    cdai_remission,
    cdai_response,
    doris_remission,
    eular_response,
)
from remission.clinical.responses.assist import NO_RESPONSE as ASSIST_NO_RESPONSE
from remission.clinical.responses.assist import RESPONSE as ASSIST_RESPONSE
from remission.clinical.responses.cdp import NO_PROGRESSION, PROGRESSION, UNCONFIRMED
from remission.clinical.responses.neda import ACTIVITY, NEDA
from remission.clinical.scores.edss_kurtzke1983 import EDSS
from remission.clinical.scores.sledai2k_gladman2002 import WEIGHTS as SLEDAI_WEIGHTS
from remission.registry.codes import (
    TREATMENT_RELATED_DEATHS,
    CauseOfDeath,
    DiseaseStatus,
    OutcomeType,
    VitalStatus,
)
from remission.registry.findings import Finding

Columns = Mapping[str, np.ndarray]
CONTACT_KINDS: tuple[str, ...] = (
    "assessment",
    "lab result",
    "adverse event onset",
    "adverse event resolution",
)
RESPONSE_COLUMNS: tuple[str, ...] = (
    "response_definition",
    "response",
    "response_date",
    "remission_definition",
    "remission",
    "cdp",
    "cdp_days",
    "cdp_event",
    "neda3",
)
COLUMNAR_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in RESPONSE_COLUMNS)

_NAT = np.iinfo(np.int64).min  # a missing date (NumPy's NaT as int64)
_BIG = np.iinfo(np.int64).max  # no limit / no date yet, for minima
_EPOCH = dt.date(1970, 1, 1).toordinal()
_RELAPSE_TYPES = [OutcomeType.RELAPSE.value, OutcomeType.PROGRESSION.value]
_RELAPSE_STATUS = [DiseaseStatus.RELAPSE.value, DiseaseStatus.PROGRESSION.value]
_CONTACT_VITAL = [VitalStatus.ALIVE.value, VitalStatus.DEAD.value]
_TRM_CAUSES = [c.value for c in TREATMENT_RELATED_DEATHS]

# the order of a patient's findings in derive_patient: stage, then the record's order, then sub-order
_STAGE_INFUSIONS, _STAGE_DEATH, _STAGE_FOLLOW_UPS, _STAGE_OUTCOMES = 0, 1, 2, 3
_STAGE_CONTACTS, _STAGE_SCORES, _STAGE_CHOSEN, _STAGE_ENGRAFTMENT, _STAGE_RESPONSE = 4, 5, 6, 7, 8


@dataclass(frozen=True)
class ColumnarEndpoints:
    """What :func:`derive_columns` gives: the frame of :meth:`EndpointSet.to_frame`, and the findings,
    ``excluded`` and ``left_out`` of :func:`derive_endpoints`."""

    frame: pd.DataFrame
    findings: tuple[Finding, ...]
    excluded: tuple[str, ...]
    left_out: tuple[LeftOut, ...]


def _days(values: np.ndarray) -> np.ndarray:
    """Dates as int64 day numbers (NaT as :data:`_NAT`)."""
    return np.asarray(values).astype("datetime64[D]").astype(np.int64)


def _date(day: int) -> dt.date:
    return dt.date.fromordinal(int(day) + _EPOCH)


def _is_in(values: np.ndarray, codes: list[str]) -> np.ndarray:
    return pd.Series(values, dtype=object).isin(codes).to_numpy()


def _group_starts(pos: np.ndarray) -> np.ndarray:
    """First index of each run of equal values in ``pos`` (sorted)."""
    if not len(pos):
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, pos[1:] != pos[:-1]])


def _first_per_group(pos: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """For each patient in ``pos``, the row index that sorts first by ``keys`` (most significant first),
    ties going to the earlier row."""
    order = np.lexsort((np.arange(len(pos)), *reversed(keys), pos))
    return order[_group_starts(pos[order])]


def _last_per_group(pos: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """For each patient in ``pos``, the row index that sorts last by ``keys``, ties going to the later row."""
    order = np.lexsort((np.arange(len(pos)), *reversed(keys), pos))
    sorted_pos = pos[order]
    if not len(pos):
        return order
    ends = np.r_[np.flatnonzero(sorted_pos[1:] != sorted_pos[:-1]), len(pos) - 1]
    return order[ends]


class _Locator:
    """Patient primary keys to positions in the patients table."""

    def __init__(self, pk: np.ndarray) -> None:
        self.order = np.argsort(pk, kind="stable")
        self.sorted = pk[self.order]

    def __call__(self, table: Columns, key: str = "patient_id") -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The rows of ``table`` whose patient is known, and their positions."""
        ids = np.asarray(table[key], dtype=np.int64)
        if not len(self.sorted) or not len(ids):
            keep = np.zeros(len(ids), dtype=bool)
            return {k: np.asarray(v)[keep] for k, v in table.items()}, np.empty(0, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.sorted, ids), len(self.sorted) - 1)
        keep = self.sorted[at] == ids
        if keep.all():  # as read from one scope: every row's patient is known, nothing to copy
            return {k: np.asarray(v) for k, v in table.items()}, self.order[at]
        rows = {k: np.asarray(v)[keep] for k, v in table.items()}
        return rows, self.order[at[keep]]


class _Findings:
    """Findings with their sort key (patient position, stage, record order, sub-order), so that they come
    out in derive_endpoints' order: by patient, then in the order derive_patient's steps report them."""

    def __init__(self, registry_ids: np.ndarray) -> None:
        self.registry_ids = registry_ids
        self.items: list[tuple[int, int, int, int, str, str, str, str]] = []

    def add(
        self,
        pos: int,
        stage: int,
        order: int,
        sub: int,
        rule: str,
        message: str,
        where: tuple[str, str] = ("", ""),
    ) -> None:
        """One finding; ``where``: the record kind (model name) and field, when derivation names them."""
        self.items.append((int(pos), stage, int(order), sub, rule, message, *where))

    def add_many(
        self,
        rows: np.ndarray,
        pos: np.ndarray,
        stage: int,
        order: np.ndarray,
        sub: int,
        rule: str,
        message: Callable[[int], str],
        where: tuple[str, str] = ("", ""),
    ) -> None:
        for i in np.flatnonzero(rows):
            self.add(pos[i], stage, order[i], sub, rule, message(i), where)

    def sorted(self) -> tuple[Finding, ...]:
        self.items.sort(key=lambda f: f[:4])
        return tuple(
            Finding(rule, message, registry_id=str(self.registry_ids[pos]), entity=entity, field=field)
            for pos, _, _, _, rule, message, entity, field in self.items
        )


def _window_max(
    into: np.ndarray, pos: np.ndarray, day: np.ndarray, low: np.ndarray, high: np.ndarray
) -> None:
    """``into[p]`` = the latest of it and the dates ``day`` of patient ``p`` within [low[p], high[p]]."""
    inside = (day != _NAT) & (day >= low[pos]) & (day <= high[pos])
    np.maximum.at(into, pos[inside], day[inside])


def _window_min(
    into: np.ndarray, pos: np.ndarray, day: np.ndarray, low: np.ndarray, high: np.ndarray
) -> None:
    inside = (day != _NAT) & (day >= low[pos]) & (day <= high[pos])
    np.minimum.at(into, pos[inside], day[inside])


def _competing(
    event: np.ndarray, death: np.ndarray, died: np.ndarray, day0: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(days, cause) per patient for an event (``_BIG`` = none) with death as the competing risk."""
    has = (event != _BIG) & (~died | (event <= death))
    days = np.where(has, event - day0, np.where(died, death - day0, last - day0))
    cause = np.where(has, 1, np.where(died, 2, 0))
    return days, cause


def _optional_int(values: np.ndarray, missing: np.ndarray) -> pd.api.extensions.ExtensionArray:
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing.copy())


def _as_datetime(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[ns]")


def derive_columns(
    tables: Mapping[str, Columns],
    *,
    selection: InfusionSelection = FIRST_AUTOLOGOUS_HSCT,
    cutoff: dt.date | None = None,
    settings: EndpointSettings = DEFAULT_SETTINGS,
    responses: bool = True,
) -> ColumnarEndpoints:
    """Endpoints of every patient's analysed infusion, from the registry's columns (module docstring).

    ``responses=False`` leaves the response columns (:data:`RESPONSE_COLUMNS`) empty and their findings
    out: for callers that use no response (centre completeness: day 0, last contact, death) and for timing
    the rest alone (``benchmarks/derivation.py``).
    """
    patients = tables["patients"]
    registry_ids = np.asarray(patients["registry_id"], dtype=object)
    n = len(registry_ids)
    locate = _Locator(np.asarray(patients["pk"], dtype=np.int64))
    found = _Findings(registry_ids)

    # -- infusions, sorted as derive_patient sorts them: by (sequence, date) within each patient -------------
    inf, ipos = locate(tables["infusions"])
    iday = _days(inf["date"])
    iseq = inf["sequence"].astype(np.int64)
    order = np.lexsort((iday, iseq, ipos))
    inf = {k: v[order] for k, v in inf.items()}
    ipos, iday, iseq = ipos[order], iday[order], iseq[order]
    starts = _group_starts(ipos)
    has_infusion = np.zeros(n, dtype=bool)
    has_infusion[ipos[starts]] = True
    first_row = np.full(n, -1, dtype=np.int64)
    first_row[ipos[starts]] = starts
    first_day = np.full(n, _BIG, dtype=np.int64)
    if len(starts):
        first_day[ipos[starts]] = np.minimum.reduceat(iday, starts)
    rank = np.arange(len(ipos)) - np.repeat(starts, np.diff(np.r_[starts, len(ipos)]))
    if len(ipos) > 1:
        late = np.r_[False, (ipos[1:] == ipos[:-1]) & (iday[1:] < iday[:-1])]
        found.add_many(
            late,
            ipos,
            _STAGE_INFUSIONS,
            rank,
            0,
            RULE_INFUSION_ORDER,
            lambda i: INFUSION_ORDER.format(
                sequence=iseq[i], date=_date(iday[i]), previous=iseq[i - 1], previous_date=_date(iday[i - 1])
            ),
        )

    # -- the recorded death --------------------------------------------------------------------------------
    out, opos = locate(tables["outcomes"])
    keep = has_infusion[opos]
    out, opos = {k: v[keep] for k, v in out.items()}, opos[keep]
    oday, otype = _days(out["date"]), out["event_type"]
    orow = np.arange(len(opos))
    is_death = otype == OutcomeType.DEATH.value
    death_rows = np.flatnonzero(is_death)[_first_per_group(opos[is_death], oday[is_death])]
    death_day = np.full(n, _NAT, dtype=np.int64)
    death_cause = np.full(n, "", dtype=object)
    death_day[opos[death_rows]] = oday[death_rows]
    death_cause[opos[death_rows]] = out["cause_of_death"][death_rows]
    has_event = death_day != _NAT

    fu, fpos = locate(tables["follow_ups"])
    keep = has_infusion[fpos]
    fu, fpos = {k: v[keep] for k, v in fu.items()}, fpos[keep]
    fday, fvital = _days(fu["date"]), fu["vital_status"]
    frow = np.arange(len(fpos))
    first_dead = np.full(n, _BIG, dtype=np.int64)
    dead = fvital == VitalStatus.DEAD.value
    np.minimum.at(first_dead, fpos[dead], fday[dead])
    from_follow_up = ~has_event & (first_dead != _BIG)
    for p in np.flatnonzero(from_follow_up):
        found.add(
            p,
            _STAGE_DEATH,
            0,
            0,
            RULE_DEAD_WITHOUT_DEATH_EVENT,
            DEAD_WITHOUT_DEATH_EVENT.format(date=_date(first_dead[p])),
            ("followup", "vital_status"),
        )
    mismatch = has_event & (first_dead != _BIG) & (first_dead < death_day)
    for p in np.flatnonzero(mismatch):
        found.add(
            p,
            _STAGE_DEATH,
            0,
            0,
            RULE_DEATH_FOLLOW_UP_MISMATCH,
            DEATH_FOLLOW_UP_MISMATCH.format(value=_date(death_day[p]), dead=_date(first_dead[p])),
            ("outcomeevent", "date"),
        )
    death_day[from_follow_up] = first_dead[from_follow_up]
    death_cause[from_follow_up] = CauseOfDeath.UNKNOWN.value
    died = death_day != _NAT

    # -- contradictions ------------------------------------------------------------------------------------
    found.add_many(
        fday < first_day[fpos],
        fpos,
        _STAGE_FOLLOW_UPS,
        frow,
        0,
        RULE_FOLLOW_UP_BEFORE_INFUSION,
        lambda i: FOLLOW_UP_BEFORE_INFUSION.format(date=_date(fday[i]), infusion=_date(first_day[fpos[i]])),
        ("followup", "date"),
    )
    found.add_many(
        died[fpos] & (fday > death_day[fpos]) & (fvital == VitalStatus.ALIVE.value),
        fpos,
        _STAGE_FOLLOW_UPS,
        frow,
        1,
        RULE_ALIVE_AFTER_DEATH,
        lambda i: ALIVE_AFTER_DEATH.format(value=_date(fday[i]), death=_date(death_day[fpos[i]])),
        ("followup", "date"),
    )
    found.add_many(
        ~is_death & (oday < first_day[opos]),
        opos,
        _STAGE_OUTCOMES,
        orow,
        0,
        RULE_EVENT_BEFORE_INFUSION,
        lambda i: EVENT_BEFORE_INFUSION.format(
            what=otype[i].replace("_", " "), date=_date(oday[i]), infusion=_date(first_day[opos[i]])
        ),
        ("outcomeevent", "date"),
    )
    found.add_many(
        ~is_death & died[opos] & (oday > death_day[opos]),
        opos,
        _STAGE_OUTCOMES,
        orow,
        1,
        RULE_AFTER_DEATH,
        lambda i: AFTER_DEATH_IGNORED.format(
            value=f"{otype[i].replace('_', ' ')} on {_date(oday[i])}", death=_date(death_day[opos[i]])
        ),
        ("outcomeevent", "date"),
    )
    con, cpos = locate(tables["contacts"])
    keep = has_infusion[cpos]
    con, cpos = {k: v[keep] for k, v in con.items()}, cpos[keep]
    cday, ckind = _days(con["date"]), con["kind"].astype(np.int64)
    found.add_many(
        (cday != _NAT) & died[cpos] & (cday > death_day[cpos]),
        cpos,
        _STAGE_CONTACTS,
        ckind,
        0,
        RULE_AFTER_DEATH,
        lambda i: AFTER_DEATH_IGNORED.format(
            value=f"{CONTACT_KINDS[ckind[i]]} on {_date(cday[i])}", death=_date(death_day[cpos[i]])
        ),
    )
    sc, spos = locate(tables["scores"])
    keep = has_infusion[spos]
    sc, spos = {k: v[keep] for k, v in sc.items()}, spos[keep]
    sday = _days(sc["date"])
    after = np.flatnonzero(died[spos] & (sday > death_day[spos]))
    for i in after[_first_per_group(spos[after], -sday[after])]:
        found.add(
            spos[i],
            _STAGE_SCORES,
            0,
            0,
            RULE_AFTER_DEATH,
            AFTER_DEATH_IGNORED.format(
                value=f"{sc['instrument'][i]} assessment on {_date(sday[i])}", death=_date(death_day[spos[i]])
            ),
            ("assessment", "date"),
        )

    # -- the analysed infusion -----------------------------------------------------------------------------
    accepted = np.ones(len(ipos), dtype=bool)
    if selection.product_types is not None:
        accepted = _is_in(inf["product_type"], sorted(selection.product_types))
    if selection.sequence is not None:
        accepted &= iseq == selection.sequence
    candidates = np.flatnonzero(accepted)
    chosen = np.full(n, -1, dtype=np.int64)
    chosen[ipos[candidates[_group_starts(ipos[candidates])]]] = candidates[_group_starts(ipos[candidates])]
    has_chosen = chosen >= 0
    day0 = np.where(has_chosen, iday[np.maximum(chosen, 0)] if len(iday) else 0, _BIG)
    cut = _BIG if cutoff is None else cutoff.toordinal() - _EPOCH
    after_cutoff = has_chosen & (day0 > cut)
    died_before = has_chosen & ~after_cutoff & died & (death_day < day0)
    for p in np.flatnonzero(died_before):
        found.add(
            p,
            _STAGE_CHOSEN,
            0,
            0,
            RULE_AFTER_DEATH,
            INFUSION_AFTER_DEATH.format(value=f"infusion on {_date(day0[p])}", death=_date(death_day[p])),
            ("infusion", "date"),
        )
    analysed = has_chosen & ~after_cutoff & ~died_before
    left_rule = np.where(
        ~has_infusion,
        RULE_NO_INFUSION,
        np.where(
            ~has_chosen,
            RULE_OTHER_PRODUCT,
            np.where(after_cutoff, RULE_AFTER_CUTOFF, RULE_DEATH_BEFORE_INFUSION),
        ),
    )
    left_out = tuple(
        LeftOut(
            str(registry_ids[p]),
            str(left_rule[p]),
            str(inf["product_type"][first_row[p]]) if first_row[p] >= 0 else "",
        )
        for p in np.flatnonzero(~analysed)
    )
    excluded = tuple(x.registry_id for x in left_out if x.rule == RULE_DEATH_BEFORE_INFUSION)

    # -- end of follow-up (rule 2) and the death seen by then -----------------------------------------------
    end = np.full(n, cut, dtype=np.int64)
    if settings.censor_at_next_infusion and len(ipos):
        chosen_seq = np.where(has_chosen, iseq[np.maximum(chosen, 0)], _BIG)
        later = (iseq > chosen_seq[ipos]) & (iday >= day0[ipos])
        next_day = np.full(n, _BIG, dtype=np.int64)
        np.minimum.at(next_day, ipos[later], iday[later])
        end = np.minimum(end, next_day)
    seen = died & (death_day <= end)
    death_cause = np.where(seen, death_cause, "")
    top = np.where(seen, death_day, end)
    low = np.where(analysed, day0, _BIG)  # nothing counts for a patient not analysed

    # -- last contact (rule 1), relapse/progression, secondary AD, malignancy --------------------------------
    last = np.where(analysed, day0, _NAT)
    relapse = np.full(n, _BIG, dtype=np.int64)
    sad = np.full(n, _BIG, dtype=np.int64)
    malignancy = np.full(n, _BIG, dtype=np.int64)
    _window_max(last, opos, oday, low, top)
    relapsing = _is_in(otype, _RELAPSE_TYPES)
    _window_min(relapse, opos[relapsing], oday[relapsing], low, top)
    of_type = otype == OutcomeType.SECONDARY_AUTOIMMUNE.value
    _window_min(sad, opos[of_type], oday[of_type], low, top)
    of_type = otype == OutcomeType.MALIGNANCY.value
    _window_min(malignancy, opos[of_type], oday[of_type], low, top)
    contact = _is_in(fvital, _CONTACT_VITAL)
    _window_max(last, fpos[contact], fday[contact], low, top)
    if settings.relapse_from_follow_up_status:
        status = _is_in(fu["disease_status"], _RELAPSE_STATUS)
        _window_min(relapse, fpos[status], fday[status], low, top)
    sec, secpos = locate(tables["secondary"])
    secday = _days(sec["onset_date"])
    _window_max(last, secpos, secday, low, top)
    _window_min(sad, secpos, secday, low, top)
    _window_max(last, spos, sday, low, top)
    _window_max(last, cpos, cday, low, top)
    _window_max(last, ipos, iday, low, top)

    # the analysed infusion's engraftment record (the last one read for it)
    eng = tables["engraftments"]
    eng_id = np.asarray(eng["infusion_id"], dtype=np.int64)
    eng_last = _last_per_group(eng_id) if len(eng_id) else np.empty(0, dtype=np.int64)
    eng_ids = eng_id[eng_last]
    chosen_pk = np.where(analysed, inf["pk"][np.maximum(chosen, 0)] if len(ipos) else -1, -1)
    at = np.minimum(np.searchsorted(eng_ids, chosen_pk), max(len(eng_ids) - 1, 0))
    has_eng = analysed & (eng_ids[at] == chosen_pk) if len(eng_ids) else np.zeros(n, dtype=bool)
    erow = eng_last[at] if len(eng_ids) else np.zeros(n, dtype=np.int64)
    neutrophil = np.where(has_eng, _days(eng["neutrophil_date"])[erow] if len(eng_ids) else _NAT, _NAT)
    platelet = np.where(has_eng, _days(eng["platelet_date"])[erow] if len(eng_ids) else _NAT, _NAT)
    every = np.arange(n)
    _window_max(last, every, neutrophil, low, top)
    _window_max(last, every, platelet, low, top)
    last = np.where(seen, death_day, last)

    # -- OS, relapse/progression and NRM (rule 4) ----------------------------------------------------------
    os_days = np.where(seen, death_day, last) - day0
    os_event = seen.astype(np.int64)
    has_relapse = relapse != _BIG
    disease_death = death_cause == CauseOfDeath.DISEASE.value
    cr_days = np.where(has_relapse, relapse, np.where(seen, death_day, last)) - day0
    cr_cause = np.where(has_relapse, 1, np.where(seen, np.where(disease_death, 1, 2), 0))
    trm = _is_in(death_cause, _TRM_CAUSES)
    trm_cause = np.where(cr_cause == 0, 0, np.where((cr_cause == 2) & trm, 1, 2))

    # -- engraftment (rule 5) ------------------------------------------------------------------------------
    engraftment: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    never_below = np.zeros(n, dtype=bool)
    failure = np.zeros(n, dtype=bool)
    if len(eng_ids):
        never_below = has_eng & (np.asarray(eng["never_below"])[erow] != 0)
        failure = np.asarray(eng["failure"])[erow] != 0
    for sub, (what, day) in enumerate((("neutrophil", neutrophil), ("platelet", platelet))):
        present = has_eng & (day != _NAT)
        before = present & (day < day0)
        for p in np.flatnonzero(before):
            found.add(
                p,
                _STAGE_ENGRAFTMENT,
                0,
                sub,
                RULE_ENGRAFTMENT_BEFORE_INFUSION,
                ENGRAFTMENT_BEFORE_INFUSION.format(what=what, date=_date(day[p]), infusion=_date(day0[p])),
                ("engraftment", f"{what}_date"),
            )
        past_death = present & ~before & seen & (day > death_day)
        for p in np.flatnonzero(past_death):
            found.add(
                p,
                _STAGE_ENGRAFTMENT,
                0,
                sub,
                RULE_AFTER_DEATH,
                AFTER_DEATH_IGNORED.format(
                    value=f"{what} engraftment on {_date(day[p])}", death=_date(death_day[p])
                ),
                ("engraftment", f"{what}_date"),
            )
        counted = present & ~before & ~past_death & (day <= top)
        missing = ~has_eng | before
        if what == "platelet":
            missing |= ~counted & never_below
        days, cause = _competing(np.where(counted, day, _BIG), death_day, seen, day0, last)
        engraftment[what] = (days, cause, missing)

    # -- secondary autoimmune disease and malignancy ------------------------------------------------------
    sad_days, sad_cause = _competing(sad, death_day, seen, day0, last)
    malignancy_days, malignancy_cause = _competing(malignancy, death_day, seen, day0, last)

    # -- work-up before day 0 ------------------------------------------------------------------------------
    wu, wpos = locate(tables["workups"])
    wday = _days(wu["date"])
    usable = analysed[wpos] & (wday <= day0[wpos])
    hct_ci = np.zeros(n, dtype=np.int64)
    no_hct = np.ones(n, dtype=bool)
    rows = np.flatnonzero(usable & ~np.isnan(wu["hct_ci_score"].astype(np.float64)))
    picked = rows[_last_per_group(wpos[rows], wday[rows])]
    hct_ci[wpos[picked]] = wu["hct_ci_score"][picked].astype(np.int64)
    no_hct[wpos[picked]] = False
    performance_score = np.zeros(n, dtype=np.int64)
    no_performance = np.ones(n, dtype=bool)
    performance_scale = np.full(n, "", dtype=object)
    rows = np.flatnonzero(usable & ~np.isnan(wu["performance_score"].astype(np.float64)))
    picked = rows[_last_per_group(wpos[rows], wday[rows])]
    performance_score[wpos[picked]] = wu["performance_score"][picked].astype(np.int64)
    no_performance[wpos[picked]] = False
    performance_scale[wpos[picked]] = [s or "" for s in wu["performance_scale"][picked]]

    # -- who: centre, diagnosis, age -----------------------------------------------------------------------
    centres = tables["centres"]
    centre_at = pd.Index(np.asarray(centres["pk"], dtype=np.int64)).get_indexer(
        np.asarray(patients["centre_id"], dtype=np.int64)
    )
    # position -1 (an unknown centre) picks the "" appended last
    code = np.append(np.asarray(centres["code"], dtype=object), "")[centre_at]
    country = np.append(np.asarray(centres["country"], dtype=object), "")[centre_at]
    dx, dpos = locate(tables["diagnoses"])
    disease = np.full(n, "", dtype=object)
    subtype = np.full(n, "", dtype=object)
    disease[dpos] = dx["disease"]  # the last row of a patient wins, as in the loader's dict
    subtype[dpos] = dx["subtype"]
    birth_year = np.asarray(patients["birth_year"], dtype=np.float64)
    birth_month = np.asarray(patients["birth_month"], dtype=np.float64)
    no_birth = np.isnan(birth_year) | np.isnan(birth_month)
    months = np.where(no_birth, 0, (birth_year - 1970) * 12 + birth_month - 1).astype(np.int64)
    birthday = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + 14
    age = np.where(no_birth, np.nan, (day0 - birthday) / 365.25)

    # -- disease-specific response (MS and SSc as columns, the others one outcome per patient) -------------
    response_columns = _ResponseColumns(n)
    if responses:
        _responses(
            response_columns, sc, spos, analysed, disease, day0, last, top, oday, otype, opos, settings, found
        )

    # -- the frame -----------------------------------------------------------------------------------------
    keep = np.flatnonzero(analysed)
    row = chosen[keep]
    data: dict[str, object] = {
        "registry_id": registry_ids[keep],
        "centre": code[keep].astype(object),
        "country": country[keep].astype(object),
        "disease": disease[keep],
        "subtype": subtype[keep],
        "sex": np.asarray(patients["sex"], dtype=object)[keep],
        "age": age[keep].astype(np.float64),
        "infusion_id": pd.array(inf["pk"][row].astype(np.int64), dtype="Int64"),
        "infusion_date": _as_datetime(day0[keep]),
        "sequence": iseq[row].astype(np.int64),
        "product_type": np.asarray(inf["product_type"], dtype=object)[row],
        "regimen": np.asarray(inf["regimen"], dtype=object)[row],
        "intensity": np.asarray(inf["intensity"], dtype=object)[row],
        "hct_ci": _optional_int(hct_ci[keep], no_hct[keep]),
        "performance_scale": performance_scale[keep],
        "performance_score": _optional_int(performance_score[keep], no_performance[keep]),
        "last_contact": _as_datetime(last[keep]),
        "death_date": _as_datetime(np.where(seen, death_day, _NAT)[keep]),
        "death_cause": death_cause[keep].astype(object),
        "death_treatment_related": trm[keep].astype(bool),
        "relapse_date": _as_datetime(np.where(has_relapse, relapse, _NAT)[keep]),
        "os_days": os_days[keep].astype(np.int64),
        "os_event": os_event[keep],
        "pfs_days": cr_days[keep].astype(np.int64),
        "pfs_event": (cr_cause[keep] > 0).astype(np.int64),
        "cr_days": cr_days[keep].astype(np.int64),
        "cr_cause": cr_cause[keep].astype(np.int64),
        "trm_cause": trm_cause[keep].astype(np.int64),
    }
    for what in ("neutrophil", "platelet"):
        days, cause, missing = engraftment[what]
        data[f"{what}_days"] = _optional_int(days[keep], missing[keep])
        data[f"{what}_cause"] = _optional_int(cause[keep], missing[keep])
    data["graft_failure"] = pd.arrays.BooleanArray(failure[keep] & has_eng[keep], ~has_eng[keep])
    data["sad_days"] = sad_days[keep].astype(np.int64)
    data["sad_cause"] = sad_cause[keep].astype(np.int64)
    data["malignancy_days"] = malignancy_days[keep].astype(np.int64)
    data["malignancy_cause"] = malignancy_cause[keep].astype(np.int64)
    data.update(response_columns.taken(keep))
    frame = pd.DataFrame(data, columns=list(COLUMNS))
    return ColumnarEndpoints(frame, found.sorted(), excluded, left_out)


def _responses(
    into: _ResponseColumns,
    sc: Mapping[str, np.ndarray],
    spos: np.ndarray,
    analysed: np.ndarray,
    disease: np.ndarray,
    day0: np.ndarray,
    last: np.ndarray,
    top: np.ndarray,
    oday: np.ndarray,
    otype: np.ndarray,
    opos: np.ndarray,
    settings: EndpointSettings,
    found: _Findings,
) -> None:
    """The response of every analysed patient whose disease has a response definition, written ``into``
    the response columns at the patient's position, with the findings (module docstring: MS and SSc as
    columns, RA, SLE and Crohn's disease with the values picked as columns, the rest per patient through
    :func:`derive_response`)."""
    probe = dt.date(2000, 1, 1)
    defined = [
        d
        for d in pd.unique(disease[analysed])
        if derive_response(
            str(d), day0=probe, end=probe, scores=[], relapses=[], settings=settings, report=lambda r, m: None
        )
        != NONE
    ]
    wanted = analysed & _is_in(disease, defined)
    if not wanted.any():
        return
    sday = _days(sc["date"])
    clinical = np.flatnonzero((otype == OutcomeType.RELAPSE.value) & wanted[opos] & (oday <= top[opos]))
    clinical = clinical[np.lexsort((oday[clinical], opos[clinical]))]  # sorted, as derive_patient sorts them
    if settings.neda.cdp == settings.cdp:  # else NEDA-3 computes its own CDP: per patient
        ms = wanted & (disease == "ms")
        per_patient = _ms_columns(
            into, sc, spos, sday, ms, day0, last, top, opos[clinical], oday[clinical], settings
        )
        wanted = wanted & ~(ms & ~per_patient)
    ssc = wanted & (disease == "ssc")
    per_patient = _ssc_columns(into, sc, spos, sday, ssc, day0, top, settings)
    wanted = wanted & ~(ssc & ~per_patient)
    nearest = wanted & _is_in(disease, ["crohn", "ra", "sle"])
    outcomes = _nearest_value_responses(sc, spos, sday, nearest, disease, day0, top, settings, found)
    for p, outcome in outcomes.items():
        into.put(p, outcome)
    wanted = wanted & ~nearest
    rows = np.flatnonzero(wanted[spos] & (sday <= top[spos]))
    rows = rows[np.argsort(spos[rows], kind="stable")]  # by patient, each patient's in the loader's order
    score = sc["score"][rows].astype(np.float64)
    flag = sc["during_relapse"][rows].astype(np.float64)
    facts = list(
        map(
            ScoreFacts,
            _dates(sday[rows]),
            sc["instrument"][rows].tolist(),
            np.where(np.isnan(score), None, score.astype(object)).tolist(),
            sc["items"][rows].tolist(),
            np.where(np.isnan(flag), None, flag != 0).tolist(),
        )
    )
    scores = _grouped(spos[rows], facts)
    relapses = _grouped(opos[clinical], _dates(oday[clinical]))
    patients = np.flatnonzero(wanted)
    for p, disease_code, start, end in zip(
        patients.tolist(),
        disease[patients].tolist(),
        _dates(day0[patients]),
        _dates(last[patients]),
        strict=True,
    ):
        reported: list[tuple[str, str]] = []
        outcome = derive_response(
            disease_code,
            day0=start,
            end=end,
            scores=scores.get(p, []),
            relapses=relapses.get(p, []),
            settings=settings,
            report=lambda rule, message, to=reported: to.append((rule, message)),
        )
        into.put(p, outcome)
        for k, (rule, message) in enumerate(reported):
            found.add(p, _STAGE_RESPONSE, k, 0, rule, message)


def _count_ok(value: object) -> bool:
    """An MRI lesion count :class:`MriScan` accepts (None or a whole number >= 0)."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def _ms_columns(
    into: _ResponseColumns,
    sc: Mapping[str, np.ndarray],
    spos: np.ndarray,
    sday: np.ndarray,
    ms: np.ndarray,
    day0: np.ndarray,
    last: np.ndarray,
    top: np.ndarray,
    rpos: np.ndarray,
    rday: np.ndarray,
    settings: EndpointSettings,
) -> np.ndarray:
    """CDP and NEDA-3 (:mod:`.responses`' ``_ms`` with :mod:`remission.clinical.responses`' definitions) of
    the MS patients ``ms``, as columns, written ``into`` the response columns; returns the patients left
    to the per-patient code (an EDSS value or MRI lesion count the clinical layer rejects: it reports a
    finding).
    ``rpos``/``rday``: the clinical relapses up to the end of follow-up, sorted by patient and date."""
    n = len(ms)
    rows = np.flatnonzero(ms[spos] & (sday <= top[spos]))
    rows = rows[np.lexsort((sday[rows], spos[rows]))]  # by patient and date, ties in the loader's order
    pos, day = spos[rows], sday[rows]
    instrument = sc["instrument"][rows]
    score = sc["score"][rows].astype(np.float64)
    flag = sc["during_relapse"][rows].astype(np.float64)
    per_patient = np.zeros(n, dtype=bool)

    # EDSS ratings used: not during a relapse, with a score; a value EDSS.check refuses -> per patient
    edss = (instrument == "edss") & ~np.isnan(score) & (flag != 1)
    bad = [v for v in np.unique(score[edss]).tolist() if EDSS.problem(v) is not None]
    per_patient[pos[edss & _is_in(score.astype(object), bad)]] = True
    e = np.flatnonzero(edss)
    epos, eday, evalue = pos[e], day[e], score[e]

    # baseline: the last rating on or before day 0, at most baseline_lookback_days before it
    lookback = settings.baseline_lookback_days
    near = np.flatnonzero((eday <= day0[epos]) & (eday >= day0[epos] - lookback))
    picked = near[_last_per_group(epos[near], eday[near])] if len(near) else near
    has_base = np.zeros(n, dtype=bool)
    base = np.zeros(n, dtype=np.float64)
    has_base[epos[picked]] = True
    base[epos[picked]] = evalue[picked]
    deltas = {v: settings.cdp.delta_for(v) for v in np.unique(base[has_base]).tolist()}
    level = base + np.array([deltas.get(v, 0.0) for v in base.tolist()], dtype=np.float64)

    # usable ratings after day 0 up to the end: not within relapse_exclusion_days after a relapse onset
    after = (eday > day0[epos]) & (eday <= last[epos])
    shift, span = np.int64(2**30), np.int64(2**32)
    rkey = rpos.astype(np.int64) * span + rday + shift
    at = np.searchsorted(rkey, epos.astype(np.int64) * span + eday + shift, side="right") - 1
    prior = np.where(at >= 0, at, 0)
    if len(rkey):
        excluded = (
            (at >= 0) & (rpos[prior] == epos) & (eday - rday[prior] <= settings.cdp.relapse_exclusion_days)
        )
    else:
        excluded = np.zeros(len(epos), dtype=bool)
    u = np.flatnonzero(after & ~excluded)
    upos, uday, uvalue = epos[u], eday[u], evalue[u]
    has_usable = np.zeros(n, dtype=bool)
    has_usable[upos] = True
    last_usable = np.full(n, _NAT, dtype=np.int64)
    np.maximum.at(last_usable, upos, uday)

    # confirmed progression: the first rating at the level whose rise holds (no rating below the level)
    # up to and including the first rating confirmation_days or more later; held to the last rating
    # without reaching that: unconfirmed
    above = uvalue >= level[upos] - 1e-9
    below = np.flatnonzero(~above)
    m = len(u)
    k = np.arange(m)
    # m stands for "none"; upos padded with -1 so that index m belongs to no patient
    padded = np.r_[upos, -1]
    next_below = np.r_[below, m][np.searchsorted(below, k, side="right")]
    next_below = np.where(padded[next_below] == upos, next_below, m)
    ukey = upos.astype(np.int64) * span + uday + shift
    j = np.minimum(
        np.maximum(np.searchsorted(ukey, ukey + settings.cdp.confirmation_days, side="left"), k + 1), m
    )
    confirmed = padded[j] == upos
    progression = above & confirmed & (next_below > j)
    unconfirmed = above & ~confirmed & (next_below == m)
    decisive = np.flatnonzero(progression | unconfirmed)
    first = decisive[_group_starts(upos[decisive])]
    cdp = np.where(has_usable, NO_PROGRESSION, NOT_COMPUTABLE).astype(object)
    cdp_date = np.full(n, _NAT, dtype=np.int64)
    cdp[upos[first]] = np.where(progression[first], PROGRESSION, UNCONFIRMED)
    cdp_date[upos[first[progression[first]]]] = uday[first[progression[first]]]
    cdp = np.where(has_base, cdp, NOT_COMPUTABLE)
    progressed = cdp == PROGRESSION
    cdp_days = np.where(progressed, cdp_date, last_usable) - day0
    cdp_missing = cdp == NOT_COMPUTABLE

    # NEDA-3: relapses in (day 0, end], the CDP, MRI activity in (day 0 + re-baseline, end]
    first_event = np.full(n, _BIG, dtype=np.int64)
    inside = (rday > day0[rpos]) & (rday <= last[rpos])
    np.minimum.at(first_event, rpos[inside], rday[inside])
    first_event = np.where(progressed, np.minimum(first_event, cdp_date), first_event)
    unknown = ~np.isin(cdp, [PROGRESSION, NO_PROGRESSION])
    scans = np.flatnonzero(instrument == MRI_INSTRUMENT)
    counted_from = day0 + settings.neda.mri_rebaseline_days
    has_scan = np.zeros(n, dtype=bool)
    items = sc["items"][rows[scans]]
    for i, values in zip(scans.tolist(), items.tolist(), strict=True):
        p = int(pos[i])
        values = values or {}
        t2, gd = values.get("new_or_enlarging_t2"), values.get("gd_enhancing")
        if not (_count_ok(t2) and _count_ok(gd)):
            per_patient[p] = True
            continue
        if not counted_from[p] < day[i] <= last[p]:
            continue
        has_scan[p] = True
        if t2 or gd:
            first_event[p] = min(first_event[p], day[i])
        if t2 is None or gd is None:
            unknown[p] = True
    unknown |= ~has_scan
    active = first_event != _BIG
    neda = np.where(active, ACTIVITY, np.where(unknown, NOT_COMPUTABLE, NEDA)).astype(object)
    neda = np.where(has_base, neda, NOT_COMPUTABLE)
    event_date = has_base & active

    done = np.flatnonzero(ms & ~per_patient)
    into.fill(
        done,
        response_definition="neda3",
        response=neda[done],
        response_date=np.where(event_date, first_event, _NAT)[done],
        cdp=cdp[done],
        cdp_days=np.where(cdp_missing, _NAT, cdp_days)[done],
        cdp_event=np.where(cdp_missing, _NAT, progressed)[done],
        neda3=neda[done],
    )
    return per_patient


def _series_rows(
    sc: Mapping[str, np.ndarray],
    spos: np.ndarray,
    sday: np.ndarray,
    who: np.ndarray,
    top: np.ndarray,
    name: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One instrument's scored rows (position, day, value) of the patients ``who`` up to ``top``, by
    patient and date (ties in the loader's order, as ``sorted`` by date keeps them)."""
    rows = np.flatnonzero(who[spos] & (sday <= top[spos]) & (sc["instrument"] == name))
    values = sc["score"][rows].astype(np.float64)
    rows = rows[~np.isnan(values)]
    rows = rows[np.lexsort((sday[rows], spos[rows]))]
    return spos[rows], sday[rows], sc["score"][rows].astype(np.float64)


def _baseline_and_follow_up(
    pos: np.ndarray, day: np.ndarray, value: np.ndarray, day0: np.ndarray, timepoint: int, window: int, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ASSIST's baseline (the last value on or before day 0) and follow-up (the value nearest day 0 +
    ``timepoint`` within ± ``window`` after day 0, the earlier on a tie): has baseline, baseline value,
    has follow-up, follow-up value, follow-up day."""
    before = np.flatnonzero(day <= day0[pos])
    b = before[_last_per_group(pos[before], day[before])] if len(before) else before
    distance = np.abs(day - (day0[pos] + timepoint))
    inside = np.flatnonzero((day > day0[pos]) & (distance <= window))
    f = inside[_first_per_group(pos[inside], distance[inside], day[inside])]
    has_base, base = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.float64)
    has_base[pos[b]], base[pos[b]] = True, value[b]
    has_follow, follow, follow_day = np.zeros(n, dtype=bool), np.zeros(n), np.full(n, _NAT, dtype=np.int64)
    has_follow[pos[f]], follow[pos[f]], follow_day[pos[f]] = True, value[f], day[f]
    return has_base, base, has_follow, follow, follow_day


def _measurements_at(
    sc: Mapping[str, np.ndarray],
    spos: np.ndarray,
    sday: np.ndarray,
    who: np.ndarray,
    day0: np.ndarray,
    top: np.ndarray,
    name: str,
    settings: EndpointSettings,
) -> tuple[dict[int, Measurement], dict[int, Measurement]]:
    """:mod:`.responses`' ``_baseline`` (within ``baseline_lookback_days``) and ``_nearest`` (the response
    time point ± window) of one instrument, as Measurements by patient position."""
    pos, day, value = _series_rows(sc, spos, sday, who, top, name)
    lookback = settings.baseline_lookback_days
    before = np.flatnonzero((day <= day0[pos]) & (day >= day0[pos] - lookback))
    b = before[_last_per_group(pos[before], day[before])] if len(before) else before
    distance = np.abs(day - (day0[pos] + settings.response_timepoint_days))
    inside = np.flatnonzero((day > day0[pos]) & (distance <= settings.response_window_days))
    f = inside[_first_per_group(pos[inside], distance[inside], day[inside])]

    def measured(rows: np.ndarray) -> dict[int, Measurement]:
        return dict(
            zip(pos[rows].tolist(), map(Measurement, _dates(day[rows]), value[rows].tolist()), strict=True)
        )

    return measured(b), measured(f)


def _nearest_value_responses(
    sc: Mapping[str, np.ndarray],
    spos: np.ndarray,
    sday: np.ndarray,
    who: np.ndarray,
    disease: np.ndarray,
    day0: np.ndarray,
    top: np.ndarray,
    settings: EndpointSettings,
    found: _Findings,
) -> dict[int, ResponseOutcome]:
    """RA (EULAR response, DAS28-ESR else DAS28-CRP), SLE (DORIS remission at the SLEDAI-2K assessment
    nearest the time point) and Crohn's disease (CDAI response and remission) of the patients ``who``:
    baseline and time-point values picked as columns, the decision by the clinical layer's functions on
    them, exactly as :mod:`.responses`' ``_ra``, ``_sle`` and ``_crohn``."""
    outcomes: dict[int, ResponseOutcome] = {}

    def guarded(p: int, definition: str, compute: Callable[[], ResponseResult]) -> ResponseResult | None:
        try:
            return compute()
        except (ValueError, TypeError) as exc:
            found.add(
                p,
                _STAGE_RESPONSE,
                0,
                0,
                RULE_RESPONSE_INPUT,
                RESPONSE_INPUT.format(definition=definition, error=exc),
            )
            return None

    ra = who & (disease == "ra")
    picked = [
        _measurements_at(sc, spos, sday, ra, day0, top, name, settings) for name in ("das28_esr", "das28_crp")
    ]
    for p in np.flatnonzero(ra).tolist():
        outcomes[p] = ResponseOutcome(response_definition="eular_response", response=NOT_COMPUTABLE)
        for baselines, currents in picked:
            baseline, current = baselines.get(p), currents.get(p)
            if baseline is not None and current is not None:
                result = guarded(p, "EULAR response", lambda b=baseline, c=current: eular_response(b, c))
                outcomes[p] = ResponseOutcome(
                    response_definition="eular_response",
                    response=NOT_COMPUTABLE if result is None else result.decision,
                    response_date=current.date,
                )
                break

    sle = who & (disease == "sle")
    rows = np.flatnonzero(sle[spos] & (sday <= top[spos]) & (sc["instrument"] == "sledai2k"))
    rows = rows[np.lexsort((sday[rows], spos[rows]))]
    pos, day = spos[rows], sday[rows]
    distance = np.abs(day - (day0[pos] + settings.response_timepoint_days))
    inside = np.flatnonzero((day > day0[pos]) & (distance <= settings.response_window_days))
    nearest = inside[_first_per_group(pos[inside], distance[inside], day[inside])]
    on_days = zip(_dates(day[nearest]), sc["items"][rows[nearest]].tolist(), strict=True)
    assessed = dict(zip(pos[nearest].tolist(), on_days, strict=True))
    for p in np.flatnonzero(sle).tolist():
        if p not in assessed:
            outcomes[p] = ResponseOutcome(response_definition="doris_remission", response=NOT_COMPUTABLE)
            continue
        on, items = assessed[p]
        items = dict(items or {})

        def doris(on: dt.date = on, items: dict = items) -> ResponseResult:
            assessment = SleAssessment(
                date=on,
                sledai_items={k: v for k, v in items.items() if k in SLEDAI_WEIGHTS},
                pga=items.get("pga"),
                prednisone_mg=items.get("prednisone_mg"),
            )
            return doris_remission([assessment], at=on, settings=settings.doris)

        result = guarded(p, "DORIS remission", doris)
        outcomes[p] = ResponseOutcome(
            response_definition="doris_remission",
            response=NOT_COMPUTABLE if result is None else result.decision,
            response_date=on,
        )

    crohn = who & (disease == "crohn")
    baselines, currents = _measurements_at(sc, spos, sday, crohn, day0, top, "cdai_crohn", settings)
    definition = f"cdai_response_{settings.crohn.response_fall:g}"
    for p in np.flatnonzero(crohn).tolist():
        baseline, current = baselines.get(p), currents.get(p)
        if current is None:
            outcomes[p] = ResponseOutcome(
                response_definition=definition,
                response=NOT_COMPUTABLE,
                remission_definition="cdai_remission",
                remission=NOT_COMPUTABLE,
            )
            continue
        remission = cdai_remission(current, settings=settings.crohn)
        response = None
        if baseline is not None:
            response = guarded(
                p, "CDAI response", lambda b=baseline, c=current: cdai_response(b, c, settings=settings.crohn)
            )
        outcomes[p] = ResponseOutcome(
            response_definition=definition,
            response=NOT_COMPUTABLE if response is None else response.decision,
            response_date=current.date,
            remission_definition="cdai_remission",
            remission=remission.decision,
        )
    return outcomes


def _percent(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``remission.clinical.responses`` ``percent`` (Python's ``round``, not NumPy's) per element."""
    return np.array([round(100 * a / b, 6) for a, b in zip(part.tolist(), whole.tolist(), strict=True)])


def _ssc_columns(
    into: _ResponseColumns,
    sc: Mapping[str, np.ndarray],
    spos: np.ndarray,
    sday: np.ndarray,
    ssc: np.ndarray,
    day0: np.ndarray,
    top: np.ndarray,
    settings: EndpointSettings,
) -> np.ndarray:
    """The ASSIST response (:func:`remission.clinical.responses.assist_response`, as ``_ssc`` calls it) of
    the SSc patients ``ssc``, as columns, written ``into`` the response columns; returns the patients left
    to the per-patient code (a baseline FVC of 0)."""
    n = len(ssc)
    a = settings.assist
    mrss = _baseline_and_follow_up(
        *_series_rows(sc, spos, sday, ssc, top, "mrss"), day0, a.timepoint_days, a.window_days, n
    )
    fvc = _baseline_and_follow_up(
        *_series_rows(sc, spos, sday, ssc, top, "fvc_pct"), day0, a.timepoint_days, a.window_days, n
    )
    m0_has, m0, m1_has, m1, m1_day = mrss
    f0_has, f0, f1_has, f1, f1_day = fvc
    per_patient = ssc & f0_has & f1_has & (f0 == 0)
    qualifier = a.mrss_min_baseline
    not_applicable = m0_has & (qualifier is not None) & (m0 <= (qualifier if qualifier is not None else 0))
    mrss_known = ~not_applicable & m0_has & m1_has & (m0 > 0)
    fall = np.zeros(n)
    fall[mrss_known] = _percent(m0[mrss_known] - m1[mrss_known], m0[mrss_known])
    met = mrss_known & (fall > a.mrss_fall_pct)
    unknown = ~not_applicable & ~mrss_known
    fvc_known = f0_has & f1_has & ~per_patient
    rise = np.zeros(n)
    if a.fvc_rise_relative:
        rise[fvc_known] = _percent(f1[fvc_known] - f0[fvc_known], f0[fvc_known])
    else:
        rise[fvc_known] = [round(x, 6) for x in (f1[fvc_known] - f0[fvc_known]).tolist()]
    met |= fvc_known & (rise > a.fvc_rise_pct)
    unknown |= ~fvc_known
    decision = np.where(met, ASSIST_RESPONSE, np.where(unknown, NOT_COMPUTABLE, ASSIST_NO_RESPONSE))
    # the response date: the latest follow-up value in the evidence
    mrss_evidence = (mrss_known | (not_applicable & m1_has & (m0 > 0))) & m1_has
    dated = np.maximum(np.where(mrss_evidence, m1_day, _NAT), np.where(fvc_known, f1_day, _NAT))
    done = np.flatnonzero(ssc & ~per_patient)
    into.fill(
        done,
        response_definition="assist_response",
        response=decision[done].astype(object),
        response_date=dated[done],
    )
    return per_patient


def _dates(days: np.ndarray) -> list[dt.date]:
    """Day numbers (none missing) as ``datetime.date`` objects."""
    return days.astype("datetime64[D]").astype(object).tolist()


def _grouped(pos: np.ndarray, values: list) -> dict[int, list]:
    """``values`` (in the order of ``pos``, which is sorted) as one list per patient position."""
    if not len(pos):
        return {}
    starts = _group_starts(pos)
    ends = np.r_[starts[1:], len(pos)]
    return {
        p: values[a:b] for p, a, b in zip(pos[starts].tolist(), starts.tolist(), ends.tolist(), strict=True)
    }


class _ResponseColumns:
    """The response columns (:class:`~.responses.ResponseOutcome`'s fields) of every patient position, as
    derivation fills them: :data:`~.responses.NONE`'s values to begin with, then the patients decided as
    columns (:meth:`fill`) and those decided one at a time (:meth:`put`). Dates and the two whole numbers
    are held as int64, :data:`_NAT` for None."""

    TEXT = ("response_definition", "response", "remission_definition", "remission", "cdp", "neda3")
    WHOLE_NUMBERS = ("cdp_days", "cdp_event")  # nullable integers (Int64 in the frame)

    def __init__(self, n: int) -> None:
        self.values: dict[str, np.ndarray] = {
            **{name: np.full(n, getattr(NONE, name), dtype=object) for name in self.TEXT},
            **{name: np.full(n, _NAT, dtype=np.int64) for name in ("response_date", *self.WHOLE_NUMBERS)},
        }

    def fill(self, positions: np.ndarray, **columns: object) -> None:
        """The named columns at ``positions``: each an array beside ``positions`` or one value for all."""
        for name, values in columns.items():
            self.values[name][positions] = values

    def put(self, p: int, outcome: ResponseOutcome) -> None:
        """One patient's outcome."""
        for name in self.TEXT:
            self.values[name][p] = getattr(outcome, name)
        date = outcome.response_date
        self.values["response_date"][p] = _NAT if date is None else date.toordinal() - _EPOCH
        for name in self.WHOLE_NUMBERS:
            value = getattr(outcome, name)
            self.values[name][p] = _NAT if value is None else value

    def taken(self, keep: np.ndarray) -> dict[str, object]:
        """The columns of the positions ``keep``, with :meth:`EndpointSet.to_frame`'s dtypes."""
        out: dict[str, object] = {name: self.values[name][keep] for name in self.TEXT}
        out["response_date"] = _as_datetime(self.values["response_date"][keep])
        for name in self.WHOLE_NUMBERS:
            values = self.values[name][keep]
            out[name] = pd.arrays.IntegerArray(np.where(values == _NAT, 0, values), values == _NAT)
        return out
