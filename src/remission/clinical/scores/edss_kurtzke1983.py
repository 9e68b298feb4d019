"""Kurtzke Expanded Disability Status Scale (EDSS): validation only.

Reference: Kurtzke JF. Rating neurologic impairment in multiple sclerosis: an expanded disability status
scale (EDSS). Neurology 1983;33:1444-52 [@Kurtzke1983].

Variables: the EDSS step as the neurologist rates it — 0, 1.0, 1.5, 2.0 … 9.5, 10 ✔ [@Kurtzke1983,
abstract]: the DSS steps "from 0 (normal) to 10 (death due to MS)", "each of the former steps (1,2,3 ... 9)
now divided into two (1.0, 1.5, 2.0 ... 9.5)" — so no 0.5 step. Optionally the seven FS scores, stored and
range-checked: pyramidal 0–6, cerebellar 0–5, brainstem 0–5, sensory 0–6, bowel and bladder 0–6, visual
0–6, cerebral 0–5. The abstract gives the FS grades only as "0 = normal to 5 or 6 = maximal impairment" and
names eight systems (the eighth, "Other", is not stored); which system goes to 5 and which to 6 is ◐ (the
paper's appendix was not read).

The EDSS is **not derived from the FS scores here**: the conversion (Neurostatus rules, with ambulation
driving steps ≥4.0) could not be sourced exactly, so this module validates an EDSS rated by the
neurologist and never computes one. The FS scores are recorded for the registry only.

Missing values: without the EDSS step the result is not computable (``missing = ("edss",)``), whatever FS
scores are present.
"""

from __future__ import annotations

from collections.abc import Mapping

from remission.clinical.scores._common import (
    ItemKind,
    ItemSpec,
    ScoreResult,
    check_items,
    int_item,
    not_computable,
)

INSTRUMENT = "edss"
TITLE = "Expanded Disability Status Scale (Kurtzke)"
SOURCE = "Kurtzke JF. Neurology 1983;33:1444-52 [@Kurtzke1983, abstract]"
SCORE_RANGE = (0.0, 10.0)
STEPS: tuple[float, ...] = (0.0, *(s / 2 for s in range(2, 20)), 10.0)  # 0, 1.0, 1.5, … 9.5, 10
assert len(STEPS) == 20

EDSS = ItemSpec("edss", ItemKind.FLOAT, "EDSS step", 0, 10, steps=STEPS)
FUNCTIONAL_SYSTEMS: tuple[ItemSpec, ...] = (
    int_item("fs_pyramidal", 0, 6, "Pyramidal functions"),
    int_item("fs_cerebellar", 0, 5, "Cerebellar functions"),
    int_item("fs_brainstem", 0, 5, "Brainstem functions"),
    int_item("fs_sensory", 0, 6, "Sensory functions"),
    int_item("fs_bowel_bladder", 0, 6, "Bowel and bladder functions"),
    int_item("fs_visual", 0, 6, "Visual functions"),
    int_item("fs_cerebral", 0, 5, "Cerebral (mental) functions"),
)
ITEMS: tuple[ItemSpec, ...] = (EDSS, *FUNCTIONAL_SYSTEMS)


def edss(value: float | None, *, functional_systems: Mapping[str, int | None] | None = None) -> ScoreResult:
    """A validated EDSS step; FS scores (keyed ``fs_*``) are checked and returned as components."""
    edss_value = EDSS.check(value)
    fs_values, _ = check_items(FUNCTIONAL_SYSTEMS, functional_systems or {})
    components = {name: float(score) for name, score in fs_values.items()}
    if edss_value is None:
        return not_computable(INSTRUMENT, ("edss",), components)
    return ScoreResult(INSTRUMENT, edss_value, None, components)
