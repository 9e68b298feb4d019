"""Crohn's Disease Activity Index (CDAI).

Reference: Best WR, Becktel JM, Singleton JW, Kern F Jr. Development of a Crohn's disease activity index.
National Cooperative Crohn's Disease Study. Gastroenterology 1976;70:439-44. Only the abstract was read:
the index uses "eight selected variables" ✔ [@Best1976, abstract]; the multipliers below ◐ are those
reproduced by every calculator and review seen, not read in the paper's own table. Not to be confused with
the RA CDAI (``cdai_ra``).

| Term (variable)                                                   | Multiplier |
|-------------------------------------------------------------------|------------|
| X1 number of liquid or very soft stools, each day for 7 days      | ×2         |
| X2 abdominal pain (0 none – 3 severe), each day for 7 days        | ×5         |
| X3 general well-being (0 well – 4 terrible), each day for 7 days  | ×7         |
| X4 number of the 6 complication categories present                | ×20        |
| X5 Lomotil or opiates for diarrhoea (0/1)                         | ×30        |
| X6 abdominal mass (0 none, 2 questionable, 5 definite)            | ×10        |
| X7 haematocrit deficit: 47 − Hct (men), 42 − Hct (women)          | ×6         |
| X8 percent below standard weight: 100·(1 − weight/standard)       | ×1         |

Complication categories (X4): arthritis/arthralgia; iritis/uveitis; erythema nodosum, pyoderma gangrenosum
or aphthous stomatitis; anal fissure, fistula or abscess; other fistula; fever >37.8 °C in the past week.

Conventions that differ ⚠ (settings, :class:`~remission.clinical.settings_scores.CdaiCrohnSettings`):
the 7-day diary terms are the sums of the daily values (default ◐) or, in some calculators, one mean daily
value; some calculators floor X8 at −10. Haematocrit and weight terms are negative when the patient is
above the standard (no floor by default ◐).

Categories: remission <150 ⚠; active 150–450; severe >450 ✔. [@Best1976, abstract]: "Index values of 150
and below are associated with quiescent disease; values above that indicate active disease, and values
above 450 are seen with extremely severe disease" — so 150 itself is quiescent in Best 1976, while the
remission band here (<150) follows the trial convention
(:class:`~remission.clinical.settings_scores.CrohnResponseSettings`).

Missing values: every diary day and every other item is needed (no imputation of missing diary days);
otherwise not computable with the missing items listed. The standard weight (from height and sex tables)
is an input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from remission.clinical.scores._common import (
    ItemKind,
    ItemSpec,
    ScoreResult,
    bool_item,
    categorise,
    check_items,
    float_item,
    int_item,
    not_computable,
)
from remission.clinical.settings_scores import Band, CdaiCrohnSettings, DiaryConvention

INSTRUMENT = "cdai_crohn"
TITLE = "Crohn's Disease Activity Index"
SOURCE = "Best WR et al. Gastroenterology 1976;70:439-44 [@Best1976, abstract]"
SCORE_RANGE = (-1100.0, 1600.0)  # wide bounds implied by the item ranges (negative X7/X8 allowed)
DAYS = 7

BANDS: tuple[Band, ...] = (Band("remission", 150, inclusive=False), Band("active", 450), Band("severe", None))

STOOLS = tuple(
    int_item(f"liquid_stools_d{d}", 0, 30, f"Liquid or very soft stools, day {d}") for d in range(1, 8)
)
PAIN = tuple(int_item(f"abdominal_pain_d{d}", 0, 3, f"Abdominal pain (0–3), day {d}") for d in range(1, 8))
WELLBEING = tuple(
    int_item(f"wellbeing_d{d}", 0, 4, f"General well-being (0–4), day {d}") for d in range(1, 8)
)
COMPLICATIONS: tuple[ItemSpec, ...] = (
    bool_item("arthritis_arthralgia", "Arthritis or arthralgia"),
    bool_item("iritis_uveitis", "Iritis or uveitis"),
    bool_item("skin_mouth", "Erythema nodosum, pyoderma gangrenosum or aphthous stomatitis"),
    bool_item("anal_fissure_fistula_abscess", "Anal fissure, fistula or abscess"),
    bool_item("other_fistula", "Other fistula"),
    bool_item("fever", "Fever over 37.8 °C during the past week"),
)
ANTIDIARRHOEAL = bool_item("antidiarrhoeal", "Lomotil or opiates for diarrhoea")
ABDOMINAL_MASS = ItemSpec(
    "abdominal_mass",
    ItemKind.INT,
    "Abdominal mass (0 none, 2 questionable, 5 definite)",
    0,
    5,
    steps=(0, 2, 5),
)
HAEMATOCRIT = float_item("haematocrit", 10, 70, "Haematocrit", "%")
SEX = ItemSpec("sex", ItemKind.CHOICE, "Sex (for the haematocrit standard)", choices=("male", "female"))
WEIGHT = float_item("weight_kg", 20, 300, "Body weight", "kg")
STANDARD_WEIGHT = float_item("standard_weight_kg", 30, 150, "Standard weight for height and sex", "kg")
ITEMS: tuple[ItemSpec, ...] = (
    *STOOLS,
    *PAIN,
    *WELLBEING,
    *COMPLICATIONS,
    ANTIDIARRHOEAL,
    ABDOMINAL_MASS,
    HAEMATOCRIT,
    SEX,
    WEIGHT,
    STANDARD_WEIGHT,
)
HAEMATOCRIT_STANDARD: Mapping[str, float] = {"male": 47.0, "female": 42.0}  # X7 standard Hct

DIARY_LENGTH = "{item}: the diary needs {days} daily values, got {count}"
DEFAULT_SETTINGS = CdaiCrohnSettings()


def _diary(name: str, values: Sequence[Any] | None, specs: Sequence[ItemSpec]) -> dict[str, Any]:
    if values is None:
        return {spec.name: None for spec in specs}
    if len(values) != DAYS:
        raise ValueError(DIARY_LENGTH.format(item=name, days=DAYS, count=len(values)))
    return {spec.name: value for spec, value in zip(specs, values, strict=True)}


def cdai_crohn(
    *,
    liquid_stools: Sequence[int | None] | None,
    abdominal_pain: Sequence[int | None] | None,
    general_wellbeing: Sequence[int | None] | None,
    complications: Mapping[str, bool | None],
    antidiarrhoeal: bool | None,
    abdominal_mass: int | None,
    haematocrit: float | None,
    sex: str | None,
    weight_kg: float | None,
    standard_weight_kg: float | None,
    settings: CdaiCrohnSettings = DEFAULT_SETTINGS,
) -> ScoreResult:
    """Crohn's CDAI from a 7-day diary (one value per day, day 1 first) and the other items.

    ``complications`` is keyed by the complication item names (:data:`COMPLICATIONS`), True = present.
    """
    items: dict[str, Any] = {
        **_diary("liquid_stools", liquid_stools, STOOLS),
        **_diary("abdominal_pain", abdominal_pain, PAIN),
        **_diary("general_wellbeing", general_wellbeing, WELLBEING),
        **{spec.name: complications.get(spec.name) for spec in COMPLICATIONS},
        "antidiarrhoeal": antidiarrhoeal,
        "abdominal_mass": abdominal_mass,
        "haematocrit": haematocrit,
        "sex": sex,
        "weight_kg": weight_kg,
        "standard_weight_kg": standard_weight_kg,
    }
    return cdai_crohn_items(items, settings=settings)


def cdai_crohn_items(
    items: Mapping[str, Any], *, settings: CdaiCrohnSettings = DEFAULT_SETTINGS
) -> ScoreResult:
    """Crohn's CDAI from the stored items (names as in :data:`ITEMS`)."""
    values, missing = check_items(ITEMS, items)
    if missing:
        return not_computable(INSTRUMENT, missing)

    def diary(specs: Sequence[ItemSpec]) -> float:
        total = float(sum(values[spec.name] for spec in specs))
        return total if settings.diary is DiaryConvention.SUM else total / DAYS

    weight_term = 100 * (1 - values["weight_kg"] / values["standard_weight_kg"])  # X8
    if settings.weight_term_floor is not None:
        weight_term = max(weight_term, settings.weight_term_floor)
    components = {
        "liquid_stools": 2 * diary(STOOLS),  # X1 ×2
        "abdominal_pain": 5 * diary(PAIN),  # X2 ×5
        "general_wellbeing": 7 * diary(WELLBEING),  # X3 ×7
        "complications": 20.0 * sum(values[spec.name] for spec in COMPLICATIONS),  # X4 ×20
        "antidiarrhoeal": 30.0 * values["antidiarrhoeal"],  # X5 ×30
        "abdominal_mass": 10.0 * values["abdominal_mass"],  # X6 ×10
        "haematocrit": 6 * (HAEMATOCRIT_STANDARD[values["sex"]] - values["haematocrit"]),  # X7 ×6
        "weight": weight_term,  # X8 ×1
    }
    value = round(sum(components.values()), 6)
    return ScoreResult(INSTRUMENT, value, categorise(value, BANDS), components)
