"""Brain MRI activity in multiple sclerosis: new or enlarging T2 lesions and gadolinium-enhancing lesions.

Reference: the MRI component of NEDA ✔ [@Perumal2019, abstract]: "no gadolinium-enhancing lesions, and
no new/newly enlarging T2-hyperintense lesions". The counts are the radiologist's, read against the
previous scan.

Variables: ``new_or_enlarging_t2`` (count, 0–500) and ``gd_enhancing`` (count, 0–500).

Value: the number of active lesions (sum of both counts); category ``active`` when it is above 0,
``no activity`` when it is 0.

Missing values: either count missing → not computable (``missing`` names it). A scan with only one of
the two reads cannot show "no activity".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from remission.clinical.scores._common import ScoreResult, check_items, int_item, not_computable

TITLE = "Brain MRI activity (new/enlarging T2, Gd-enhancing lesions)"
SOURCE = "NEDA MRI component [@Perumal2019, abstract]"
ITEMS = (
    int_item("new_or_enlarging_t2", 0, 500, "New or enlarging T2 lesions", "lesions"),
    int_item("gd_enhancing", 0, 500, "Gd-enhancing lesions", "lesions"),
)
SCORE_RANGE = (0.0, 1000.0)


def mri_activity(items: Mapping[str, Any]) -> ScoreResult:
    """Active lesions on one scan; category ``active`` or ``no activity``."""
    values, missing = check_items(ITEMS, items)
    if missing:
        return not_computable("mri_brain", missing)
    total = float(sum(values.values()))
    return ScoreResult("mri_brain", total, "active" if total > 0 else "no activity", values)
