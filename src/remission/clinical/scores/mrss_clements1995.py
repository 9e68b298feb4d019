"""Modified Rodnan skin score (mRSS).

Reference: Clements P, Lachenbruch P, Siebold J, et al. Inter and intraobserver variability of total
skin thickness score (modified Rodnan TSS) in systemic sclerosis. J Rheumatol 1995;22:1281-5
[@Clements1995]. ✔ [@Clements1995, abstract]: "Skin thickness was assessed by clinical palpation of 17 body
areas on 0 to 3 scale (normal, mild, moderate, severe). The m-Rodnan total skin thickness score was derived
by summation of the scores from all 17 body areas." The names of the 17 areas below are not in the abstract
◐ (the usual modified Rodnan sites).

Variables: skin thickness by palpation at 17 sites — face, anterior chest, abdomen and, on each side,
fingers, dorsum of hand, forearm, upper arm, thigh, lower leg and dorsum of foot — each 0 (normal),
1 (mild), 2 (moderate) or 3 (severe thickening). Total = sum of the 17 sites, 0–51.

Missing values: the total needs all 17 sites; any missing site makes it not computable, with the missing
sites listed. No category: the mRSS is a continuous measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from remission.clinical.scores._common import ItemSpec, ScoreResult, check_items, int_item, not_computable

INSTRUMENT = "mrss"
TITLE = "Modified Rodnan skin score"
SOURCE = "Clements P et al. J Rheumatol 1995;22:1281-5 [@Clements1995, abstract]"
SCORE_RANGE = (0.0, 51.0)

_SINGLE_SITES = (("face", "Face"), ("anterior_chest", "Anterior chest"), ("abdomen", "Abdomen"))
_PAIRED_SITES = (
    ("fingers", "Fingers"),
    ("hand_dorsum", "Dorsum of hand"),
    ("forearm", "Forearm"),
    ("upper_arm", "Upper arm"),
    ("thigh", "Thigh"),
    ("lower_leg", "Lower leg"),
    ("foot_dorsum", "Dorsum of foot"),
)
SITES: tuple[str, ...] = tuple(code for code, _ in _SINGLE_SITES) + tuple(
    f"{code}_{side}" for code, _ in _PAIRED_SITES for side in ("right", "left")
)
ITEMS: tuple[ItemSpec, ...] = tuple(int_item(code, 0, 3, title) for code, title in _SINGLE_SITES) + tuple(
    int_item(f"{code}_{side}", 0, 3, f"{title} ({side})")
    for code, title in _PAIRED_SITES
    for side in ("right", "left")
)
assert len(ITEMS) == 17


def mrss(sites: Mapping[str, Any]) -> ScoreResult:
    """The mRSS from site scores keyed by :data:`SITES` (0–3 each); not computable if any site is missing."""
    values, missing = check_items(ITEMS, sites)
    if missing:
        return not_computable(INSTRUMENT, missing, values)
    return ScoreResult(INSTRUMENT, float(sum(values.values())), None, values)
