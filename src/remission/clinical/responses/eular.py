"""EULAR response criteria for RA, from two DAS28 values.

Reference: van Gestel AM, Prevoo MLL, van 't Hof MA, et al. Development and validation of the European
League Against Rheumatism response criteria for rheumatoid arthritis. Arthritis Rheum 1996;39:34-40
[@vanGestel1996]. Table ◐ — the paper's own table was not read here; the matrix below agrees cell by cell
with the EULAR response table reproduced by MDCalc (DAS28-ESR and DAS28-CRP pages) and with NICE TA195
(improvement "of 0.6 or less is considered a poor response, and improvements greater than 1.2 points
indicate a good response"):

| DAS28 at follow-up | improvement > 1.2 | > 0.6 to ≤ 1.2 | ≤ 0.6 |
|--------------------|-------------------|----------------|-------|
| ≤ 3.2              | good              | moderate       | none  |
| > 3.2 to ≤ 5.1     | moderate          | moderate       | none  |
| > 5.1              | moderate          | none           | none  |

Values are compared as reported, to 2 decimals (both DAS28 values and the improvement are rounded), so
that 5.00 → 3.80 is an improvement of exactly 1.20. Works for DAS28-ESR or DAS28-CRP, not mixed.
"""

from __future__ import annotations

from remission.clinical.responses._common import DATES_OUT_OF_ORDER, Evidence, Measurement, ResponseResult
from remission.clinical.scores.das28 import SCORE_RANGE

DEFINITION = "eular_response"
SOURCE = "van Gestel AM et al. Arthritis Rheum 1996;39:34-40 [@vanGestel1996] ◐"
GOOD = "good"
MODERATE = "moderate"
NONE = "none"
DAS28_OUT_OF_RANGE = "DAS28 {value!r} on {date} is out of range; allowed {low:g} to {high:g}"
DECIMALS = 2


def eular_response(baseline: Measurement, current: Measurement) -> ResponseResult:
    """EULAR good / moderate / no response from the baseline and follow-up DAS28."""
    low, high = SCORE_RANGE
    for m in (baseline, current):
        if not low <= m.value <= high:
            raise ValueError(DAS28_OUT_OF_RANGE.format(value=m.value, date=m.date, low=low, high=high))
    if current.date <= baseline.date:
        raise ValueError(
            DATES_OUT_OF_ORDER.format(what="EULAR response", later=current.date, earlier=baseline.date)
        )
    before, after = round(baseline.value, DECIMALS), round(current.value, DECIMALS)
    improvement = round(before - after, DECIMALS)
    if after <= 3.2:
        decision = GOOD if improvement > 1.2 else MODERATE if improvement > 0.6 else NONE
    elif after <= 5.1:
        decision = MODERATE if improvement > 0.6 else NONE
    else:
        decision = MODERATE if improvement > 1.2 else NONE
    evidence = (
        Evidence(baseline.date, before, "baseline DAS28"),
        Evidence(current.date, after, "follow-up DAS28"),
        Evidence(current.date, improvement, "improvement"),
    )
    reason = f"DAS28 {before:.2f} → {after:.2f} (improvement {improvement:.2f}): {decision} response"
    return ResponseResult(DEFINITION, decision, evidence, reason, None, SOURCE)
