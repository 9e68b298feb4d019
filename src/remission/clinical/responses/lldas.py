"""Lupus Low Disease Activity State (LLDAS).

Reference: Franklyn K, Lau CS, Navarra SV, et al. Definition and initial validation of a Lupus Low
Disease Activity State (LLDAS). Ann Rheum Dis 2016;75:1615-21 [@Franklyn2016]. Criteria ✔
[@Franklyn2016, Table 1] ("LLDAS definition", items 1–5 below); thresholds are settings
(:class:`~remission.clinical.settings_scores.LldasSettings`):

1. SLEDAI-2K ≤ 4, with no activity in major organ systems (renal, CNS, cardiopulmonary, vasculitis,
   fever) and no haemolytic anaemia or gastrointestinal activity;
2. no new features of lupus activity compared with the previous assessment (a SLEDAI-2K descriptor
   present now and absent then);
3. physician global assessment ≤ 1 (0–3);
4. prednisolone (equivalent) ≤ 7.5 mg/day;
5. well-tolerated standard maintenance immunosuppressants and approved biologics — not checked here.

Evaluated at the latest assessment on or before ``at``; criterion 2 needs the assessment before it, so
the first assessment of a series is not computable unless another criterion already fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from remission.clinical.responses._common import NOT_COMPUTABLE, Evidence, ResponseResult
from remission.clinical.responses._sle import SleAssessment, latest
from remission.clinical.scores.sledai2k_gladman2002 import sledai2k
from remission.clinical.settings_scores import LldasSettings

DEFINITION = "lldas"
SOURCE = "Franklyn K et al. Ann Rheum Dis 2016;75:1615-21 [@Franklyn2016, Table 1]"
LLDAS = "lldas"
NOT_LLDAS = "not_lldas"
DEFAULT_SETTINGS = LldasSettings()

# SLEDAI-2K descriptors of the major organ systems named in [@Franklyn2016, Table 1] item 1 (renal, CNS,
# cardiopulmonary, vasculitis, fever); which descriptors belong to each system is ◐
MAJOR_ORGAN: dict[str, tuple[str, ...]] = {
    "CNS": (
        "seizure",
        "psychosis",
        "organic_brain_syndrome",
        "visual_disturbance",
        "cranial_nerve_disorder",
        "lupus_headache",
        "cva",
    ),
    "vasculitis": ("vasculitis",),
    "renal": ("urinary_casts", "haematuria", "proteinuria", "pyuria"),
    "cardiopulmonary": ("pleurisy", "pericarditis"),
    "fever": ("fever",),
}


def lldas(
    assessments: Sequence[SleAssessment],
    *,
    at: dt.date | None = None,
    settings: LldasSettings = DEFAULT_SETTINGS,
) -> ResponseResult:
    """LLDAS at the latest assessment on or before ``at``."""
    current, previous = latest(assessments, at)
    day = current.date
    score = sledai2k(current.sledai_items)
    items = current.sledai_items
    evidence: list[Evidence] = []
    failed: list[str] = []
    missing: list[str] = [f"SLEDAI-2K {name}" for name in score.missing]

    if score.value is not None:
        evidence.append(Evidence(day, score.value, "SLEDAI-2K"))
        if score.value > settings.sledai_max:
            failed.append(f"SLEDAI-2K {score.value:g} > {settings.sledai_max}")
    for system, codes in MAJOR_ORGAN.items():
        active = [code for code in codes if items.get(code)]
        if active:
            failed.append(f"{system} activity ({', '.join(active)})")
    for flag, label in (
        ("haemolytic_anaemia", "haemolytic anaemia"),
        ("gi_activity", "gastrointestinal activity"),
    ):
        value = getattr(current, flag)
        if value is None:
            missing.append(label)
        elif value:
            failed.append(label)
    if previous is None:
        missing.append("a previous assessment (for new activity)")
    else:
        new = [code for code, present in items.items() if present and not previous.sledai_items.get(code)]
        if new:
            failed.append(f"new activity since {previous.date}: {', '.join(new)}")
        evidence.append(Evidence(previous.date, None, "previous assessment compared"))
    if current.pga is None:
        missing.append("physician global assessment")
    else:
        evidence.append(Evidence(day, current.pga, "physician global assessment (0–3)"))
        if current.pga > settings.pga_max:
            failed.append(f"PGA {current.pga:g} > {settings.pga_max:g}")
    if current.prednisone_mg is None:
        missing.append("prednisone dose")
    else:
        evidence.append(Evidence(day, current.prednisone_mg, "prednisone mg/day"))
        if current.prednisone_mg > settings.prednisone_max_mg:
            failed.append(f"prednisone {current.prednisone_mg:g} mg/day > {settings.prednisone_max_mg:g}")

    if failed:
        return ResponseResult(DEFINITION, NOT_LLDAS, tuple(evidence), "; ".join(failed), None, SOURCE)
    if missing:
        reason = "missing: " + ", ".join(missing)
        return ResponseResult(DEFINITION, NOT_COMPUTABLE, tuple(evidence), reason, None, SOURCE)
    reason = (
        f"SLEDAI-2K ≤ {settings.sledai_max} without major-organ or new activity, PGA ≤ {settings.pga_max:g}, "
        f"prednisone ≤ {settings.prednisone_max_mg:g} mg/day (maintenance therapy not checked)"
    )
    return ResponseResult(DEFINITION, LLDAS, tuple(evidence), reason, None, SOURCE)
