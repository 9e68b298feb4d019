"""Disease-specific response after one infusion, from the clinical layer's response definitions.

=========  ==========================================  =========================================
disease    definition (``remission.clinical.responses``)  series used (instrument codes)
=========  ==========================================  =========================================
ms         confirmed disability progression; NEDA-3      ``edss`` (+ relapse outcome events, ``mri_brain``)
ssc        ASSIST response (mRSS fall / FVC rise)        ``mrss``, ``fvc_pct`` (+ work-up FVC)
sle        DORIS remission                               ``sledai2k`` items (+ ``pga``, ``prednisone_mg``)
ra         EULAR response                                ``das28_esr``, else ``das28_crp``
crohn      CDAI response (CR-70/CR-100) and remission    ``cdai_crohn``
=========  ==========================================  =========================================

Rules:

- Baseline = the last value on or before day 0 and at most ``baseline_lookback_days`` before it; without
  one, a response that needs a baseline is not computable (never a post-treatment value as baseline).
- DORIS, EULAR and CDAI are read at the post-treatment assessment nearest to day 0 +
  ``response_timepoint_days`` within ± ``response_window_days`` (the earlier one on a tie); ASSIST uses its
  own time point and window (:class:`~remission.clinical.settings_scores.AssistSettings`).
- CDP (MS): progression gives ``cdp_event`` 1 at the date of the first raised EDSS; otherwise censored at
  the last usable post-treatment EDSS. EDSS assessments flagged ``during_relapse`` are left out, and the
  CDP definition leaves out those within 30 days after a relapse. NEDA-3 is over day 0 to the end of
  follow-up (last contact).
- Values the clinical layer rejects (an EDSS that is not an EDSS step, a DAS28 out of range) make that
  response not computable and are reported as a data-quality finding (rule ``response_input_invalid``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from remission.analysis.endpoints.records import ScoreFacts
from remission.analysis.endpoints.settings import EndpointSettings
from remission.clinical.responses import (
    NOT_COMPUTABLE,
    Measurement,
    MriScan,
    ResponseResult,
    SleAssessment,
    assist_response,
    cdai_remission,
    cdai_response,
    confirmed_disability_progression,
    doris_remission,
    eular_response,
    neda3,
)
from remission.clinical.scores.sledai2k_gladman2002 import WEIGHTS as SLEDAI_WEIGHTS

MRI_INSTRUMENT = "mri_brain"
RESPONSE_INSTRUMENTS = frozenset(
    {"edss", "mrss", "fvc_pct", "sledai2k", "das28_esr", "das28_crp", "cdai_crohn", MRI_INSTRUMENT}
)
PROGRESSION = "progression"
RULE_RESPONSE_INPUT = "response_input_invalid"
RESPONSE_INPUT = "{definition} not computable: {error}"


@dataclass(frozen=True, slots=True)
class ResponseOutcome:
    """The response columns of one analysed infusion ('' / None where the disease has no definition)."""

    response_definition: str = ""
    response: str = ""
    response_date: dt.date | None = None
    remission_definition: str = ""
    remission: str = ""
    cdp: str = ""
    cdp_days: int | None = None
    cdp_event: int | None = None
    neda3: str = ""


NONE = ResponseOutcome()
_DERIVED = frozenset({"ms", "ssc", "sle", "ra", "crohn"})
Report = Callable[[str, str], None]


def _series(scores: Sequence[ScoreFacts], instrument: str) -> list[ScoreFacts]:
    """The ``instrument``'s rows in date order (``scores`` are in date order already)."""
    return [s for s in scores if s.instrument == instrument]


def _measurements(rows: Sequence[ScoreFacts]) -> list[Measurement]:
    return [Measurement(s.date, float(s.score)) for s in rows if s.score is not None]


def _baseline(rows: Sequence[Measurement], day0: dt.date, lookback: int) -> Measurement | None:
    earliest = day0 - dt.timedelta(days=lookback)
    before = [m for m in rows if earliest <= m.date <= day0]
    return before[-1] if before else None


def _nearest(rows: Sequence[Measurement], day0: dt.date, settings: EndpointSettings) -> Measurement | None:
    target = day0 + dt.timedelta(days=settings.response_timepoint_days)
    inside = [
        m for m in rows if m.date > day0 and abs((m.date - target).days) <= settings.response_window_days
    ]
    return min(inside, key=lambda m: (abs((m.date - target).days), m.date)) if inside else None


def _guarded(definition: str, report: Report, compute: Callable[[], ResponseResult]) -> ResponseResult | None:
    try:
        return compute()
    except (ValueError, TypeError) as exc:
        report(RULE_RESPONSE_INPUT, RESPONSE_INPUT.format(definition=definition, error=exc))
        return None


def _decision(result: ResponseResult | None) -> str:
    return NOT_COMPUTABLE if result is None else result.decision


def _ms(
    day0: dt.date,
    end: dt.date,
    scores: Sequence[ScoreFacts],
    relapses: Sequence[dt.date],
    settings: EndpointSettings,
    report: Report,
) -> ResponseOutcome:
    edss = _measurements([s for s in _series(scores, "edss") if not s.during_relapse])
    baseline = _baseline(edss, day0, settings.baseline_lookback_days)
    after = [m for m in edss if day0 < m.date <= end]
    if baseline is None or not after:
        cdp = None
        cdp_decision = NOT_COMPUTABLE
    else:
        cdp = _guarded(
            "confirmed disability progression",
            report,
            lambda: confirmed_disability_progression(
                after, relapses, baseline=baseline, start=day0, end=end, settings=settings.cdp
            ),
        )
        cdp_decision = _decision(cdp)
    cdp_days = cdp_event = None
    if cdp is not None and cdp.decision == PROGRESSION and cdp.event_date is not None:
        cdp_days, cdp_event = (cdp.event_date - day0).days, 1
    elif cdp is not None and cdp.computable:
        # censored at the last EDSS the definition could use (not one within a relapse's exclusion window)
        window = settings.cdp.relapse_exclusion_days
        usable = [m.date for m in after if not any(0 <= (m.date - r).days <= window for r in relapses)]
        cdp_days, cdp_event = (max(usable) - day0).days, 0
    mri = []
    for s in _series(scores, MRI_INSTRUMENT):
        items = s.items or {}
        try:
            mri.append(MriScan(s.date, items.get("new_or_enlarging_t2"), items.get("gd_enhancing")))
        except ValueError as exc:
            report(RULE_RESPONSE_INPUT, RESPONSE_INPUT.format(definition="NEDA-3", error=exc))
    neda = None
    if baseline is not None:
        neda = _guarded(
            "NEDA-3",
            report,
            lambda: neda3(
                start=day0,
                end=end,
                relapses=relapses,
                edss=after,
                mri=mri,
                edss_baseline=baseline,
                settings=settings.neda,
                # the CDP above when it was computed on the same ratings under the same settings
                cdp=cdp if cdp is not None and settings.neda.cdp == settings.cdp else None,
            ),
        )
    neda_decision = _decision(neda)
    return ResponseOutcome(
        response_definition="neda3",
        response=neda_decision,
        response_date=None if neda is None else neda.event_date,
        cdp=cdp_decision,
        cdp_days=cdp_days,
        cdp_event=cdp_event,
        neda3=neda_decision,
    )


def _ssc(
    day0: dt.date, scores: Sequence[ScoreFacts], settings: EndpointSettings, report: Report
) -> ResponseOutcome:
    mrss = _measurements(_series(scores, "mrss"))
    fvc = _measurements(_series(scores, "fvc_pct"))
    result = _guarded(
        "ASSIST response",
        report,
        lambda: assist_response(baseline_date=day0, mrss=mrss, fvc=fvc, settings=settings.assist),
    )
    follow_up = [e.date for e in (result.evidence if result else ()) if e.what.startswith("follow-up")]
    return ResponseOutcome(
        response_definition="assist_response",
        response=_decision(result),
        response_date=max(follow_up) if follow_up else None,
    )


def _sle(
    day0: dt.date, scores: Sequence[ScoreFacts], settings: EndpointSettings, report: Report
) -> ResponseOutcome:
    rows = [s for s in _series(scores, "sledai2k") if s.date > day0]
    stand_ins = [Measurement(s.date, 0.0) for s in rows]
    chosen = _nearest(stand_ins, day0, settings)
    if chosen is None:
        return ResponseOutcome(response_definition="doris_remission", response=NOT_COMPUTABLE)
    row = next(s for s in rows if s.date == chosen.date)
    items = dict(row.items or {})

    def compute() -> ResponseResult:
        assessment = SleAssessment(
            date=row.date,
            sledai_items={k: v for k, v in items.items() if k in SLEDAI_WEIGHTS},
            pga=items.get("pga"),
            prednisone_mg=items.get("prednisone_mg"),
        )
        return doris_remission([assessment], at=row.date, settings=settings.doris)

    result = _guarded("DORIS remission", report, compute)
    return ResponseOutcome(
        response_definition="doris_remission", response=_decision(result), response_date=row.date
    )


def _ra(
    day0: dt.date, scores: Sequence[ScoreFacts], settings: EndpointSettings, report: Report
) -> ResponseOutcome:
    for instrument in ("das28_esr", "das28_crp"):
        series = _measurements(_series(scores, instrument))
        baseline = _baseline(series, day0, settings.baseline_lookback_days)
        current = _nearest(series, day0, settings)
        if baseline is not None and current is not None:
            result = _guarded("EULAR response", report, lambda b=baseline, c=current: eular_response(b, c))
            return ResponseOutcome(
                response_definition="eular_response", response=_decision(result), response_date=current.date
            )
    return ResponseOutcome(response_definition="eular_response", response=NOT_COMPUTABLE)


def _crohn(
    day0: dt.date, scores: Sequence[ScoreFacts], settings: EndpointSettings, report: Report
) -> ResponseOutcome:
    series = _measurements(_series(scores, "cdai_crohn"))
    baseline = _baseline(series, day0, settings.baseline_lookback_days)
    current = _nearest(series, day0, settings)
    definition = f"cdai_response_{settings.crohn.response_fall:g}"
    if current is None:
        return ResponseOutcome(
            response_definition=definition,
            response=NOT_COMPUTABLE,
            remission_definition="cdai_remission",
            remission=NOT_COMPUTABLE,
        )
    remission = cdai_remission(current, settings=settings.crohn)
    response = None
    if baseline is not None:
        response = _guarded(
            "CDAI response", report, lambda: cdai_response(baseline, current, settings=settings.crohn)
        )
    return ResponseOutcome(
        response_definition=definition,
        response=_decision(response),
        response_date=current.date,
        remission_definition="cdai_remission",
        remission=remission.decision,
    )


def derive_response(
    disease: str,
    *,
    day0: dt.date,
    end: dt.date,
    scores: Sequence[ScoreFacts],
    relapses: Sequence[dt.date],
    settings: EndpointSettings,
    report: Report,
) -> ResponseOutcome:
    """The response columns for ``disease`` from ``scores`` seen up to ``end`` (follow-up end)."""
    if disease not in _DERIVED:
        return NONE
    scores = sorted(scores, key=lambda s: s.date)
    if disease == "ms":
        return _ms(day0, end, scores, relapses, settings, report)
    if disease == "ssc":
        return _ssc(day0, scores, settings, report)
    if disease == "sle":
        return _sle(day0, scores, settings, report)
    if disease == "ra":
        return _ra(day0, scores, settings, report)
    if disease == "crohn":
        return _crohn(day0, scores, settings, report)
    return NONE
