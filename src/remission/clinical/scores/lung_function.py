"""FVC and DLCO, % predicted: validated single-value measures.

References: spirometry as reported by the pulmonary function laboratory under the ATS/ERS standard
[@Graham2019, abstract] (Graham BL et al. Am J Respir Crit Care Med 2019;200:e70-88); gas transfer (DLCO)
likewise as the laboratory reports it (its ERS/ATS standard was not read here). Recorded in SSc and
before transplant; the predicted-value equations are the laboratory's, not recomputed here.

Variables: one value, % of predicted. Allowed range ◐ (plausibility, to catch unit mix-ups, not a clinical
threshold): FVC 10–200 %, DLCO 5–200 %.

Missing values: no value → not computable (``missing`` names the item).
"""

from __future__ import annotations

from remission.clinical.scores._common import ItemSpec, ScoreResult, float_item, not_computable

SOURCE = "Laboratory % predicted under the ATS/ERS spirometry standard [@Graham2019, abstract]"
FVC_PCT = float_item("fvc_pct", 10, 200, "FVC, % predicted", "%")
DLCO_PCT = float_item("dlco_pct", 5, 200, "DLCO, % predicted", "%")
FVC_RANGE = (10.0, 200.0)
DLCO_RANGE = (5.0, 200.0)


def _single(spec: ItemSpec, value: float | None) -> ScoreResult:
    checked = spec.check(value)
    if checked is None:
        return not_computable(spec.name, (spec.name,))
    return ScoreResult(spec.name, checked, None, {spec.name: checked})


def fvc_pct(value: float | None) -> ScoreResult:
    """FVC % predicted, validated."""
    return _single(FVC_PCT, value)


def dlco_pct(value: float | None) -> ScoreResult:
    """DLCO % predicted, validated."""
    return _single(DLCO_PCT, value)
