"""Disease Activity Score in 28 joints: DAS28-ESR and DAS28-CRP.

References: Prevoo MLL, van 't Hof MA, Kuper HH, et al. Arthritis Rheum 1995;38:44-8 [@Prevoo1995]
(DAS28-ESR; the paper itself was not read). The 4-variable DAS28-CRP as tabulated in [@Prince2012, Table 1].

    DAS28-ESR = 0.56·√TJC28 + 0.28·√SJC28 + 0.70·ln(ESR) + 0.014·GH                        ◐
    DAS28-CRP = 0.56·√TJC28 + 0.28·√SJC28 + 0.36·ln(CRP + 1) + 0.014·GH + 0.96             ✔

DAS28-CRP ✔ [@Prince2012, Table 1]: "0.56*√(TJC28) + 0.28*√(SJC28) + 0.36*ln(CRP+1) + 0.014*GH + 0.96", CRP in
mg/L, GH on a 0–100 mm VAS. DAS28-ESR ◐: the same joint and GH terms with 0.70·ln(ESR), as on the DAS28
group's formula page (das-score.nl: "DAS28(4) = (0.56*sqrt(t28) + 0.28*sqrt(sw28) + 0.70*Ln(ESR) + 0.014*GH");
not read in Prevoo 1995 itself.

Variables: TJC28 and SJC28 (tender and swollen joints of 28, 0–28), ESR (mm/h, 1–200), CRP (mg/L,
0–500), GH = patient global assessment of health on a 0–100 mm VAS.

Categories ◐: remission <2.6; low ≤3.2; moderate ≤5.1; high >5.1, applied to the value as reported
(2 decimals); DAS28 <2.6 as remission ✔ [@Prince2012, Table 1]. For DAS28-CRP the cut-offs of
[@Inoue2007, abstract] (2.3 / 2.7 / 4.1) are a setting ⚠
(:data:`~remission.clinical.settings_scores.DAS28_CRP_BANDS_INOUE2007`).

Missing values: all four inputs are needed; otherwise not computable with the missing ones listed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from remission.clinical.scores._common import (
    ItemSpec,
    ScoreResult,
    categorise,
    check_items,
    float_item,
    int_item,
    not_computable,
)
from remission.clinical.settings_scores import Band, Das28Settings

TITLE_ESR = "DAS28-ESR"
TITLE_CRP = "DAS28-CRP"
SOURCE_ESR = "Prevoo MLL et al. Arthritis Rheum 1995;38:44-8 [@Prevoo1995] ◐"
SOURCE_CRP = "4-variable DAS28-CRP [@Prince2012, Table 1]; cut-offs ⚠ [@Inoue2007, abstract]"
SCORE_RANGE = (0.0, 10.0)

TJC28 = int_item("tjc28", 0, 28, "Tender joint count (28)")
SJC28 = int_item("sjc28", 0, 28, "Swollen joint count (28)")
ESR = float_item("esr", 1, 200, "Erythrocyte sedimentation rate", "mm/h")
CRP = float_item("crp", 0, 500, "C-reactive protein", "mg/L")
GH = float_item("gh", 0, 100, "Patient global assessment of health (VAS)", "mm")
ITEMS_ESR: tuple[ItemSpec, ...] = (TJC28, SJC28, ESR, GH)
ITEMS_CRP: tuple[ItemSpec, ...] = (TJC28, SJC28, CRP, GH)

DEFAULT_SETTINGS = Das28Settings()


def das28_category(value: float, bands: Sequence[Band], decimals: int = 2) -> str:
    """The activity category of a DAS28 value, after rounding it to ``decimals`` as it is reported."""
    return categorise(round(value, decimals), bands)


def _joint_terms(tjc28: int, sjc28: int) -> dict[str, float]:
    return {
        "tjc28": 0.56 * math.sqrt(tjc28),  # 0.56·√TJC28
        "sjc28": 0.28 * math.sqrt(sjc28),  # 0.28·√SJC28
    }


def das28_esr(
    tjc28: int | None,
    sjc28: int | None,
    esr: float | None,
    gh: float | None,
    *,
    settings: Das28Settings = DEFAULT_SETTINGS,
) -> ScoreResult:
    """DAS28-ESR; ``components`` holds each weighted term."""
    values, missing = check_items(ITEMS_ESR, {"tjc28": tjc28, "sjc28": sjc28, "esr": esr, "gh": gh})
    if missing:
        return not_computable("das28_esr", missing)
    terms = _joint_terms(values["tjc28"], values["sjc28"])
    terms["esr"] = 0.70 * math.log(values["esr"])  # 0.70·ln(ESR)
    terms["gh"] = 0.014 * values["gh"]  # 0.014·GH
    value = sum(terms.values())
    category = das28_category(value, settings.esr_bands, settings.decimals)
    return ScoreResult("das28_esr", value, category, terms)


def das28_crp(
    tjc28: int | None,
    sjc28: int | None,
    crp: float | None,
    gh: float | None,
    *,
    settings: Das28Settings = DEFAULT_SETTINGS,
) -> ScoreResult:
    """DAS28-CRP (CRP in mg/L); ``components`` holds each weighted term and the constant."""
    values, missing = check_items(ITEMS_CRP, {"tjc28": tjc28, "sjc28": sjc28, "crp": crp, "gh": gh})
    if missing:
        return not_computable("das28_crp", missing)
    terms = _joint_terms(values["tjc28"], values["sjc28"])
    terms["crp"] = 0.36 * math.log(values["crp"] + 1)  # 0.36·ln(CRP + 1)
    terms["gh"] = 0.014 * values["gh"]  # 0.014·GH
    terms["constant"] = 0.96  # + 0.96
    value = sum(terms.values())
    category = das28_category(value, settings.crp_bands, settings.decimals)
    return ScoreResult("das28_crp", value, category, terms)
