"""Harvey–Bradshaw index (HBI) for Crohn's disease.

Reference: Harvey RF, Bradshaw JM. A simple index of Crohn's-disease activity. Lancet 1980;1(8167):514
[@Harvey1980]. Items ◐ (the one-page paper was not read; the items as reproduced identically by IG-IBD
scores, Crohn's and Colitis Canada and GlobalRPh), scored for the previous day:

- General well-being (very well, slightly below par, poor, very poor, terrible): 0–4
- Abdominal pain (none, mild, moderate, severe): 0–3
- Number of liquid stools per day: 1 point per stool
- Abdominal mass (none, dubious, definite, definite and tender): 0–3
- Complications, 1 point each: arthralgia, uveitis, erythema nodosum, aphthous ulcers, pyoderma
  gangrenosum, anal fissure, new fistula, abscess

Bands ◐ (as tabulated by the same calculators, not from a named primary table): remission <5; mild 5–7;
moderate 8–16; severe >16 — a setting
(:class:`~remission.clinical.settings_scores.HbiSettings`).

Missing values: every item is needed (a complication must be recorded present or absent); otherwise
not computable with the missing items listed.
"""

from __future__ import annotations

from collections.abc import Mapping

from remission.clinical.scores._common import (
    ItemSpec,
    ScoreResult,
    bool_item,
    categorise,
    check_items,
    int_item,
    not_computable,
)
from remission.clinical.settings_scores import HbiSettings

INSTRUMENT = "hbi"
TITLE = "Harvey–Bradshaw index"
SOURCE = "Harvey RF, Bradshaw JM. Lancet 1980;1:514 [@Harvey1980] ◐"
STOOLS_MAX = 30
COMPLICATIONS: tuple[ItemSpec, ...] = (
    bool_item("arthralgia", "Arthralgia"),
    bool_item("uveitis", "Uveitis"),
    bool_item("erythema_nodosum", "Erythema nodosum"),
    bool_item("aphthous_ulcers", "Aphthous ulcers"),
    bool_item("pyoderma_gangrenosum", "Pyoderma gangrenosum"),
    bool_item("anal_fissure", "Anal fissure"),
    bool_item("new_fistula", "New fistula"),
    bool_item("abscess", "Abscess"),
)
ITEMS: tuple[ItemSpec, ...] = (
    int_item("general_wellbeing", 0, 4, "General well-being (0 very well – 4 terrible)"),
    int_item("abdominal_pain", 0, 3, "Abdominal pain (0 none – 3 severe)"),
    int_item("liquid_stools", 0, STOOLS_MAX, "Liquid stools per day"),
    int_item("abdominal_mass", 0, 3, "Abdominal mass (0 none – 3 definite and tender)"),
    *COMPLICATIONS,
)
SCORE_RANGE = (0.0, 4.0 + 3 + STOOLS_MAX + 3 + len(COMPLICATIONS))
DEFAULT_SETTINGS = HbiSettings()


def hbi(
    general_wellbeing: int | None,
    abdominal_pain: int | None,
    liquid_stools: int | None,
    abdominal_mass: int | None,
    complications: Mapping[str, bool | None],
    *,
    settings: HbiSettings = DEFAULT_SETTINGS,
) -> ScoreResult:
    """HBI; ``complications`` keyed by :data:`COMPLICATIONS` names, True = present."""
    raw = {
        "general_wellbeing": general_wellbeing,
        "abdominal_pain": abdominal_pain,
        "liquid_stools": liquid_stools,
        "abdominal_mass": abdominal_mass,
        **{spec.name: complications.get(spec.name) for spec in COMPLICATIONS},
    }
    values, missing = check_items(ITEMS, raw)
    if missing:
        return not_computable(INSTRUMENT, missing)
    components = {
        "general_wellbeing": float(values["general_wellbeing"]),
        "abdominal_pain": float(values["abdominal_pain"]),
        "liquid_stools": float(values["liquid_stools"]),
        "abdominal_mass": float(values["abdominal_mass"]),
        "complications": float(sum(values[spec.name] for spec in COMPLICATIONS)),  # 1 point each
    }
    value = sum(components.values())
    return ScoreResult(INSTRUMENT, value, categorise(value, settings.bands), components)
