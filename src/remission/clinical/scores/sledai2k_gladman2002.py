"""SLEDAI-2K (Systemic Lupus Erythematosus Disease Activity Index 2000).

Reference: Gladman DD, Ibañez D, Urowitz MB. Systemic lupus erythematosus disease activity index 2000.
J Rheumatol 2002;29:288-91 [@Gladman2002]. ✔ [@Gladman2002, abstract]: SLEDAI-2K "allows for persistent
activity in rash, mucous membranes, alopecia, and proteinuria". The descriptor weights ◐ were checked
against two reproductions of the SLEDAI-2K table (HHE Rheumatology 2019, Table 4; medicalcriteria.com), not
against the table of the 2002 paper itself, which was not read. Look-back 10 days ◐: "If descriptor is
present at the time of visit or in the proceeding [sic] 10 days" in the medicalcriteria.com reproduction.

Variables: 24 descriptors, each present (True) or absent (False) in the look-back, with its
weight; SLEDAI-2K = sum of the weights of the descriptors present, 0–105. Unlike SLEDAI, persistent rash,
alopecia, mucosal ulcers and proteinuria count. ``clinical`` SLEDAI-2K (for DORIS) leaves out the two
serological descriptors (low complement, increased DNA binding).

Missing values: every descriptor must be recorded as present or absent; any missing one makes the score
not computable, with the missing descriptors listed. The clinical value is computable without the two
serological descriptors. No category.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from remission.clinical.scores._common import ItemSpec, ScoreResult, bool_item, check_items, not_computable

INSTRUMENT = "sledai2k"
TITLE = "SLEDAI-2K"
SOURCE = "Gladman DD et al. J Rheumatol 2002;29:288-91 [@Gladman2002, abstract]"
SCORE_RANGE = (0.0, 105.0)

# descriptor code -> (descriptor, weight) — the SLEDAI-2K table as reproduced (see the module docstring) ◐
WEIGHTS: Mapping[str, tuple[str, int]] = {
    "seizure": ("Seizure", 8),
    "psychosis": ("Psychosis", 8),
    "organic_brain_syndrome": ("Organic brain syndrome", 8),
    "visual_disturbance": ("Visual disturbance", 8),
    "cranial_nerve_disorder": ("Cranial nerve disorder", 8),
    "lupus_headache": ("Lupus headache", 8),
    "cva": ("Cerebrovascular accident", 8),
    "vasculitis": ("Vasculitis", 8),
    "arthritis": ("Arthritis", 4),
    "myositis": ("Myositis", 4),
    "urinary_casts": ("Urinary casts", 4),
    "haematuria": ("Hematuria (>5 RBC/hpf)", 4),
    "proteinuria": ("Proteinuria (>0.5 g/24 h)", 4),
    "pyuria": ("Pyuria (>5 WBC/hpf)", 4),
    "rash": ("Rash", 2),
    "alopecia": ("Alopecia", 2),
    "mucosal_ulcers": ("Mucosal ulcers", 2),
    "pleurisy": ("Pleurisy", 2),
    "pericarditis": ("Pericarditis", 2),
    "low_complement": ("Low complement", 2),
    "increased_dna_binding": ("Increased DNA binding", 2),
    "fever": ("Fever (>38 °C)", 1),
    "thrombocytopenia": ("Thrombocytopenia (<100×10⁹/L)", 1),
    "leukopenia": ("Leukopenia (<3×10⁹/L)", 1),
}
SEROLOGICAL: frozenset[str] = frozenset({"low_complement", "increased_dna_binding"})
ITEMS: tuple[ItemSpec, ...] = tuple(bool_item(code, title) for code, (title, _) in WEIGHTS.items())
assert len(ITEMS) == 24 and sum(weight for _, weight in WEIGHTS.values()) == 105


def sledai2k(items: Mapping[str, Any], *, clinical: bool = False) -> ScoreResult:
    """SLEDAI-2K from descriptors keyed by :data:`WEIGHTS` (True = present).

    ``clinical=True`` gives the clinical SLEDAI-2K (serological descriptors left out, so not needed).
    ``components`` holds the weight scored by each descriptor present.
    """
    specs = [spec for spec in ITEMS if not (clinical and spec.name in SEROLOGICAL)]
    values, missing = check_items(specs, items)
    components = {code: float(WEIGHTS[code][1]) for code, present in values.items() if present}
    name = "clinical_sledai2k" if clinical else INSTRUMENT
    if missing:
        return not_computable(name, missing, components)
    return ScoreResult(name, sum(components.values()), None, components)
