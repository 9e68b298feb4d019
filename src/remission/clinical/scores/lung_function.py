"""FVC and DLCO, % predicted: validated single-value measures.

References: spirometry and gas transfer as reported by the pulmonary function laboratory (ATS/ERS
standards: Graham BL et al. Eur Respir J 2017;49:1600016 for DLCO; Graham BL et al. Am J Respir Crit Care
Med 2019;200:e70-88 for spirometry). Recorded in SSc and before transplant (clinical-content.md §1.2,
§4.1); the predicted-value equations are the laboratory's, not recomputed here.

Variables: one value, % of predicted. Allowed range (plausibility, to catch unit mix-ups): FVC 10–200 %,
DLCO 5–200 %.

Missing values: no value → not computable (``missing`` names the item).
"""

from __future__ import annotations

from remission.clinical.scores._common import ItemSpec, ScoreResult, float_item, not_computable

SOURCE = "ATS/ERS pulmonary function standards (Graham 2017, 2019); laboratory % predicted"
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
