"""DORIS remission in SLE (Definition Of Remission In SLE, 2021).

Reference: van Vollenhoven RF, Bertsias G, Doria A, et al. 2021 DORIS definition of remission in SLE:
final recommendations from an international task force. Lupus Sci Med 2021;8:e000538
[@vanVollenhoven2021]. Criteria ✔ [@vanVollenhoven2021, abstract], all settings
(:class:`~remission.clinical.settings_scores.DorisSettings`):

- clinical SLEDAI-2K = 0 (SLEDAI-2K without low complement and increased DNA binding: serology ignored);
- physician global assessment < 0.5 (0–3 scale);
- prednisone (equivalent) ≤ 5 mg/day ("prednisolone 5 mg/day or less" in the abstract; ⚠ "<5 mg/day" in
  the final recommendation of its Table 2);
- stable antimalarials, immunosuppressants and approved biologics are allowed — not checked here.

Evaluated at the latest assessment on or before ``at``. Missing inputs: not computable, listing them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from remission.clinical.responses._common import NOT_COMPUTABLE, Evidence, ResponseResult
from remission.clinical.responses._sle import SleAssessment, latest
from remission.clinical.scores.sledai2k_gladman2002 import sledai2k
from remission.clinical.settings_scores import DorisSettings

DEFINITION = "doris_remission"
SOURCE = "van Vollenhoven RF et al. Lupus Sci Med 2021;8:e000538 (DORIS 2021) [@vanVollenhoven2021, abstract]"
REMISSION = "remission"
NO_REMISSION = "no_remission"
DEFAULT_SETTINGS = DorisSettings()


def doris_remission(
    assessments: Sequence[SleAssessment],
    *,
    at: dt.date | None = None,
    settings: DorisSettings = DEFAULT_SETTINGS,
) -> ResponseResult:
    """DORIS remission at the latest assessment on or before ``at``."""
    current, _ = latest(assessments, at)
    day = current.date
    clinical = sledai2k(current.sledai_items, clinical=True)
    missing = [f"SLEDAI-2K {name}" for name in clinical.missing]
    if current.pga is None:
        missing.append("physician global assessment")
    if current.prednisone_mg is None:
        missing.append("prednisone dose")
    evidence: list[Evidence] = []
    if clinical.value is not None:
        evidence.append(Evidence(day, clinical.value, "clinical SLEDAI-2K"))
    if current.pga is not None:
        evidence.append(Evidence(day, current.pga, "physician global assessment (0–3)"))
    if current.prednisone_mg is not None:
        evidence.append(Evidence(day, current.prednisone_mg, "prednisone mg/day"))

    failed = []
    if clinical.value is not None and clinical.value > settings.clinical_sledai_max:
        failed.append(f"clinical SLEDAI-2K {clinical.value:g} > {settings.clinical_sledai_max}")
    if current.pga is not None and current.pga >= settings.pga_below:
        failed.append(f"PGA {current.pga:g} ≥ {settings.pga_below:g}")
    if current.prednisone_mg is not None and current.prednisone_mg > settings.prednisone_max_mg:
        failed.append(f"prednisone {current.prednisone_mg:g} mg/day > {settings.prednisone_max_mg:g}")
    if failed:
        return ResponseResult(DEFINITION, NO_REMISSION, tuple(evidence), "; ".join(failed), None, SOURCE)
    if missing:
        reason = "missing: " + ", ".join(missing)
        return ResponseResult(DEFINITION, NOT_COMPUTABLE, tuple(evidence), reason, None, SOURCE)
    reason = (
        f"clinical SLEDAI-2K 0, PGA < {settings.pga_below:g}, "
        f"prednisone ≤ {settings.prednisone_max_mg:g} mg/day (stable background therapy not checked)"
    )
    return ResponseResult(DEFINITION, REMISSION, tuple(evidence), reason, None, SOURCE)
