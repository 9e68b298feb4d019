"""RA Clinical Disease Activity Index (CDAI) and Simplified Disease Activity Index (SDAI).

References: Aletaha D, Nell VPK, Stamm T, et al. Acute phase reactants add little to composite disease
activity indices for rheumatoid arthritis. Arthritis Res Ther 2005;7:R796-806 [@Aletaha2005] — CDAI ✔
[@Aletaha2005, abstract]: "the sum of tender and swollen joint counts [28 joints] and patient and physician
global assessments [in cm]". SDAI and both remission cut-offs ✔ [@Prince2012, Table 1]: "SDAI TJC28 + SJC28
+ CRP + PTglobal + MDglobal ≤3.3", "CDAI TJC28 + SJC28 + PTglobal + MDglobal ≤2.8", CRP in mg/dl for SDAI.
The low and moderate cut-offs (10/22, 11/26) ◐ were not read in a primary table.

    CDAI = SJC28 + TJC28 + patient global (0–10) + evaluator global (0–10)          range 0–76
    SDAI = CDAI + CRP (mg/dL)

Not to be confused with the Crohn's Disease Activity Index (``cdai_crohn``).

CRP: SDAI adds CRP in **mg/dL**; this module takes CRP in mg/L (as DAS28-CRP and most laboratories do)
and divides by 10 — the input item is named ``crp`` with unit mg/L.

Categories: CDAI remission ≤2.8 ✔, low ≤10, moderate ≤22, high >22 ◐; SDAI remission ≤3.3 ✔, low ≤11,
moderate ≤26, high >26 ◐.

Missing values: all inputs are needed; otherwise not computable with the missing ones listed.
"""

from __future__ import annotations

from remission.clinical.scores._common import (
    ItemSpec,
    ScoreResult,
    categorise,
    check_items,
    float_item,
    int_item,
    not_computable,
)
from remission.clinical.settings_scores import Band

TITLE_CDAI = "Clinical Disease Activity Index (RA)"
TITLE_SDAI = "Simplified Disease Activity Index"
SOURCE_CDAI = "Aletaha D et al. Arthritis Res Ther 2005;7:R796-806 [@Aletaha2005, abstract]"
SOURCE_SDAI = "SDAI = CDAI + CRP (mg/dL) [@Prince2012, Table 1]"
CDAI_RANGE = (0.0, 76.0)
SDAI_RANGE = (0.0, 126.0)  # 76 + CRP up to 500 mg/L = 50 mg/dL

CDAI_BANDS: tuple[Band, ...] = (
    Band("remission", 2.8),
    Band("low", 10),
    Band("moderate", 22),
    Band("high", None),
)
SDAI_BANDS: tuple[Band, ...] = (
    Band("remission", 3.3),
    Band("low", 11),
    Band("moderate", 26),
    Band("high", None),
)

ITEMS_CDAI: tuple[ItemSpec, ...] = (
    int_item("tjc28", 0, 28, "Tender joint count (28)"),
    int_item("sjc28", 0, 28, "Swollen joint count (28)"),
    float_item("patient_global", 0, 10, "Patient global assessment of disease activity", "cm"),
    float_item("evaluator_global", 0, 10, "Evaluator global assessment of disease activity", "cm"),
)
ITEMS_SDAI: tuple[ItemSpec, ...] = (*ITEMS_CDAI, float_item("crp", 0, 500, "C-reactive protein", "mg/L"))


def _round(value: float) -> float:
    # sums of tenths: round away binary noise (0.1 + 0.2) before comparing with the cut-offs
    return round(value, 6)


def cdai_ra(
    tjc28: int | None, sjc28: int | None, patient_global: float | None, evaluator_global: float | None
) -> ScoreResult:
    """RA CDAI = SJC28 + TJC28 + patient global + evaluator global."""
    values, missing = check_items(
        ITEMS_CDAI,
        {
            "tjc28": tjc28,
            "sjc28": sjc28,
            "patient_global": patient_global,
            "evaluator_global": evaluator_global,
        },
    )
    if missing:
        return not_computable("cdai_ra", missing)
    components = {name: float(value) for name, value in values.items()}
    value = _round(sum(components.values()))
    return ScoreResult("cdai_ra", value, categorise(value, CDAI_BANDS), components)


def sdai(
    tjc28: int | None,
    sjc28: int | None,
    patient_global: float | None,
    evaluator_global: float | None,
    crp: float | None,
) -> ScoreResult:
    """SDAI = SJC28 + TJC28 + patient global + evaluator global + CRP (``crp`` in mg/L, added as mg/dL)."""
    values, missing = check_items(
        ITEMS_SDAI,
        {
            "tjc28": tjc28,
            "sjc28": sjc28,
            "patient_global": patient_global,
            "evaluator_global": evaluator_global,
            "crp": crp,
        },
    )
    if missing:
        return not_computable("sdai", missing)
    components = {name: float(value) for name, value in values.items()}
    components["crp"] = values["crp"] / 10  # CRP mg/L -> mg/dL
    value = _round(sum(components.values()))
    return ScoreResult("sdai", value, categorise(value, SDAI_BANDS), components)
