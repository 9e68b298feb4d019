"""Haematopoietic cell transplantation-specific comorbidity index (HCT-CI) and HCT-CI/age.

References
----------
- [@Sorror2005, Table 1]: item definitions and weights (17 items, weights 1, 2 and 3); risk groups
  0 / 1–2 / ≥ 3. The weights and definitions were read in a rendering of that table
  (pmidcalc.org, PMID 15994282), not in the journal's own page.
- [@Sorror2014, abstract] ✔: "age ≥ 40 years was assigned a weight of 1 to be added to the HCT-CI".
- [@Sorror2015, abstract] ✔: prospective CIBMTR validation in "8115 recipients of allogeneic and 11,652
  recipients of autologous HCT"; "HCT-CI Scores of ≥3 were uniformly associated with higher risks for
  outcomes in both allogeneic and autologous HCT".

Variables
---------
The input keys are listed, with their kind, unit and allowed range, in :data:`INPUTS` — one table.
Each item can be given as a boolean (``True`` = present, ``False`` = absent) and several can also be
derived from raw values: LVEF ≤ 50 % → cardiac; bilirubin > ULN–1.5 × ULN or AST/ALT > ULN–2.5 × ULN →
hepatic mild, bilirubin > 1.5 × ULN or AST/ALT > 2.5 × ULN → hepatic moderate/severe; BMI > 35 →
obesity; creatinine > 2 mg/dL (176.8 µmol/L) → renal; FEV1 or DLCO 66–80 % predicted → pulmonary
moderate, ≤ 65 % → pulmonary severe.

One item per organ
------------------
Pulmonary and hepatic have two levels each; an organ scores once, at the worst level any input shows
(never both levels). A ``True`` at one level grades the organ at that level; the other level need not be
given.

Stated items and measurements
-----------------------------
An item given ``True`` counts (the definitions are "or" lists: dyspnoea, cirrhosis or dialysis show an
item whatever the numbers). When a measurement shows an item that is given ``False``, or a BMI ≤ 35
contradicts ``obesity = True`` (the only item defined by a measurement alone), the two disagree: the
result lists the disagreement in ``disagreements``, and the measurement decides, because Table 1 defines
the item by it. ``HctCiSettings(stated_items_win=True)`` makes the stated item decide instead; the
disagreement is listed either way.

Missing values
--------------
An organ is *present* when any input shows it, *absent* when its boolean(s) are given ``False`` (for
obesity a BMI ≤ 35 is enough), and otherwise *missing*. With anything missing the score is not
computable: ``score`` is None and ``missing`` lists the keys that would settle it; ``minimum_score``
is the sum over items known to be present (a lower bound), and the risk group is still given as "high"
when that lower bound already reaches the high-risk cut-off. Nothing missing is scored as zero.

The autoimmune indication
-------------------------
Sorror's "rheumatologic" item lists SLE, RA, polymyositis, mixed connective-tissue disease and
polymyalgia rheumatica; "inflammatory bowel disease" lists Crohn's disease and ulcerative colitis.
Whether the indication itself scores is not settled by the definition (⚠, a setting: record the
centre's choice). The default, ``indication_scores=True``, follows the letter of
the definitions: the index counts conditions present at transplant, and an SLE, RA, myositis or Crohn's
candidate has that condition (and its organ burden) at transplant. SSc, MS and the other indications are
not listed and never score through this route. Set ``indication_scores=False`` to score only
comorbidities other than the indication; the choice is recorded in the evidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from remission.clinical.words import Numbers, Said, Words, as_written, gettext_noop, said

# --- error messages -------------------------------------------------------------------------------
UNKNOWN_INPUT = "HCT-CI: unknown input {key!r}; known inputs: {allowed}"
NOT_BOOLEAN = "HCT-CI: {key} must be true or false, got {value!r}"
NOT_NUMBER = "HCT-CI: {key} must be a number, got {value!r}"
OUT_OF_RANGE = "HCT-CI: {key} = {value!r} is outside the allowed range {low}–{high} {unit}"
AGE_OUT_OF_RANGE = "HCT-CI: age = {value!r} is outside the allowed range 0–120 years"
UNKNOWN_VARIANT = "HCT-CI: variant {value!r} is not one of 'hct_ci', 'hct_ci_age'"
BAD_INDICATION_ITEM = "HCT-CI: indication {disease!r} maps to {item!r}, which is not an HCT-CI item"
STATED_ABSENT_BUT_MEASURED = gettext_noop(
    "{label} is stated absent ({code} = false), but {evidence} meets its definition in Sorror's Table 1 — "
    "{definition}. {outcome}."
)
STATED_PRESENT_BUT_MEASURED = gettext_noop(
    "{label} is stated present ({code} = true), but {evidence} does not meet its definition in Sorror's "
    "Table 1 — {definition}. {outcome}."
)
MEASUREMENT_DECIDES = gettext_noop("Scored from the measurement, as the table defines the item")
STATEMENT_DECIDES = gettext_noop("Scored as stated (setting stated_items_win = true)")
BOTH_SHOW = gettext_noop("{first} and {second}")  # measurements that both show an item
BMI_GIVEN = gettext_noop("BMI {value:.1f}")

# --- the evidence and the organs ruled out, for people (clinical/words.py) ----------------------------
STATED_TRUE = gettext_noop("{code} = true")
LVEF_SHOWS = gettext_noop("LVEF {value:g} % ≤ 50 %")
LIVER_SEVERE_SHOWS = gettext_noop("{label} {value:g} × ULN > {top:g} × ULN")
LIVER_MILD_SHOWS = gettext_noop("{label} {value:g} × ULN (> ULN to {top:g} × ULN)")
BMI_SHOWS = gettext_noop("BMI {value:.1f} > {limit:g}")
CREATININE_MG_SHOWS = gettext_noop("creatinine {value:g} mg/dL > 2 mg/dL")
CREATININE_UMOL_SHOWS = gettext_noop("creatinine {value:g} µmol/L > 176.8 µmol/L (2 mg/dL)")
PREDICTED_SHOWS = gettext_noop("{label} {value:g} % predicted")
INDICATION_SCORES = gettext_noop("indication {disease} (setting indication_scores = true)")
ALSO_SHOWN = gettext_noop("{label} also shown ({evidence}); the organ scores once, at its worse level")
OVERRIDDEN = gettext_noop("{code} given false, overridden by the measurement")
AGE_SCORES = gettext_noop("age {age:g} ≥ {threshold:g} years ({source})")
BMI_RULES_OUT = gettext_noop("BMI {bmi:.1f}, not above {limit:g}")
WITH_NOTE = gettext_noop("{text} ({note})")
NO_ORGANS = gettext_noop("No {listed}.")
LAST_OF_LIST = gettext_noop("{rest} or {last}")
NO_AGE_POINT = gettext_noop("Age {age:g} years is under {threshold:g}: no age point.")
AGE_LABEL = gettext_noop("Age")
# the measurements as the evidence names them (the eligibility's labels: one translation each)
MEASUREMENT_WORDS = {
    "bilirubin_x_uln": gettext_noop("bilirubin"),
    "ast_x_uln": gettext_noop("AST"),
    "alt_x_uln": gettext_noop("ALT"),
    "fev1_pct": gettext_noop("FEV1"),
    "dlco_pct": gettext_noop("DLCO"),
}

SOURCE = "[@Sorror2005, Table 1]"
SOURCE_AGE = "[@Sorror2014, abstract]"
CREATININE_UMOL_PER_MG_DL = 88.4  # creatinine 1 mg/dL = 88.4 µmol/L


@dataclass(frozen=True)
class Item:
    code: str
    organ: str
    label: str
    weight: int
    definition: str


# [@Sorror2005, Table 1]: definitions and weights.
ITEMS: tuple[Item, ...] = (
    Item("arrhythmia", "arrhythmia", gettext_noop("Arrhythmia"), 1,
         gettext_noop("atrial fibrillation or flutter, sick sinus syndrome, or ventricular arrhythmia")),
    Item("cardiac", "cardiac", gettext_noop("Cardiac"), 1,
         gettext_noop("coronary artery disease, congestive heart failure, myocardial infarction, "
                      "or EF ≤ 50 %")),
    Item("inflammatory_bowel", "inflammatory_bowel", gettext_noop("Inflammatory bowel disease"), 1,
         gettext_noop("Crohn's disease or ulcerative colitis")),
    Item("diabetes", "diabetes", gettext_noop("Diabetes"), 1,
         gettext_noop("requiring insulin or an oral hypoglycaemic agent (not diet alone)")),
    Item("cerebrovascular", "cerebrovascular", gettext_noop("Cerebrovascular disease"), 1,
         gettext_noop("transient ischaemic attack or cerebrovascular accident")),
    Item("psychiatric", "psychiatric", gettext_noop("Psychiatric disturbance"), 1,
         gettext_noop("depression or anxiety requiring consultation or treatment")),
    Item("hepatic_mild", "hepatic", gettext_noop("Hepatic, mild"), 1,
         gettext_noop("chronic hepatitis, bilirubin > ULN to 1.5 × ULN, or AST/ALT > ULN to 2.5 × ULN")),
    Item("obesity", "obesity", gettext_noop("Obesity"), 1,
         gettext_noop("BMI > 35 kg/m² (adults)")),
    Item("infection", "infection", gettext_noop("Infection"), 1,
         gettext_noop("requiring antimicrobial treatment continued after day 0")),
    Item("rheumatologic", "rheumatologic", gettext_noop("Rheumatologic"), 2,
         gettext_noop("SLE, RA, polymyositis, mixed connective-tissue disease, or polymyalgia rheumatica")),
    Item("peptic_ulcer", "peptic_ulcer", gettext_noop("Peptic ulcer"), 2,
         gettext_noop("requiring treatment")),
    Item("renal", "renal", gettext_noop("Renal, moderate/severe"), 2,
         gettext_noop("creatinine > 2 mg/dL, on dialysis, or prior renal transplantation")),
    Item("pulmonary_moderate", "pulmonary", gettext_noop("Pulmonary, moderate"), 2,
         gettext_noop("DLCO and/or FEV1 66–80 % predicted, or dyspnoea on slight activity")),
    Item("prior_solid_tumour", "prior_solid_tumour", gettext_noop("Prior solid tumour"), 3,
         gettext_noop("treated at any time, excluding non-melanoma skin cancer")),
    Item("heart_valve", "heart_valve", gettext_noop("Heart valve disease"), 3,
         gettext_noop("except mitral valve prolapse")),
    Item("pulmonary_severe", "pulmonary", gettext_noop("Pulmonary, severe"), 3,
         gettext_noop("DLCO and/or FEV1 ≤ 65 % predicted, dyspnoea at rest, or requiring oxygen")),
    Item("hepatic_moderate_severe", "hepatic", gettext_noop("Hepatic, moderate/severe"), 3,
         gettext_noop("liver cirrhosis, bilirubin > 1.5 × ULN, or AST/ALT > 2.5 × ULN")),
)  # fmt: skip
ITEM_BY_CODE: dict[str, Item] = {item.code: item for item in ITEMS}
# How a clinician names each organ in a sentence ("No arrhythmia, cardiac disease or obesity.")
ORGAN_NOUNS: Mapping[str, str] = {
    "arrhythmia": gettext_noop("arrhythmia"),
    "cardiac": gettext_noop("cardiac disease"),
    "inflammatory_bowel": gettext_noop("inflammatory bowel disease"),
    "diabetes": gettext_noop("diabetes"),
    "cerebrovascular": gettext_noop("cerebrovascular disease"),
    "psychiatric": gettext_noop("psychiatric disturbance"),
    "hepatic": gettext_noop("liver disease"),
    "obesity": gettext_noop("obesity"),
    "infection": gettext_noop("infection"),
    "rheumatologic": gettext_noop("rheumatologic disease"),
    "peptic_ulcer": gettext_noop("peptic ulcer"),
    "renal": gettext_noop("renal disease"),
    "pulmonary": gettext_noop("pulmonary disease"),
    "prior_solid_tumour": gettext_noop("prior solid tumour"),
    "heart_valve": gettext_noop("heart valve disease"),
}
OBESITY_BMI_ABOVE = 35.0  # [@Sorror2005, Table 1]: obesity = BMI > 35 kg/m²
ORGANS: tuple[str, ...] = tuple(dict.fromkeys(item.organ for item in ITEMS))
# each organ's items, ascending weight as ITEMS lists them
ORGAN_ITEMS: dict[str, tuple[Item, ...]] = {
    organ: tuple(item for item in ITEMS if item.organ == organ) for organ in ORGANS
}


@dataclass(frozen=True)
class Input:
    key: str
    kind: str  # "bool" | "number"
    organ: str
    description: str
    unit: str = ""
    low: float = 0.0
    high: float = 1.0


# Every key ``hct_ci`` accepts: the 17 item booleans, then the raw values that determine a level.
INPUTS: tuple[Input, ...] = (
    *(Input(item.code, "bool", item.organ, f"{item.label}: {item.definition}") for item in ITEMS),
    Input("lvef_pct", "number", "cardiac", "Left-ventricular ejection fraction", "%", 5, 90),
    Input("bilirubin_x_uln", "number", "hepatic", "Total bilirubin as a multiple of ULN", "× ULN", 0, 50),
    Input("ast_x_uln", "number", "hepatic", "AST as a multiple of ULN", "× ULN", 0, 100),
    Input("alt_x_uln", "number", "hepatic", "ALT as a multiple of ULN", "× ULN", 0, 100),
    Input("bmi", "number", "obesity", "Body-mass index", "kg/m²", 10, 100),
    Input("creatinine_mg_dl", "number", "renal", "Serum creatinine", "mg/dL", 0.05, 30),
    Input("creatinine_umol_l", "number", "renal", "Serum creatinine", "µmol/L", 4, 2650),
    Input("fev1_pct", "number", "pulmonary", "FEV1, % predicted", "%", 5, 200),
    Input("dlco_pct", "number", "pulmonary", "DLCO (haemoglobin-corrected), % predicted", "%", 5, 200),
)
INPUT_BY_KEY: dict[str, Input] = {i.key: i for i in INPUTS}

RISK_GROUPS = ("low", "intermediate", "high")
# the risk groups as people read them (the faces translate them: clinical/words.py)
RISK_GROUP_WORDS = {
    "low": gettext_noop("low"),
    "intermediate": gettext_noop("intermediate"),
    "high": gettext_noop("high"),
}
DEFAULT_INDICATION_ITEMS: Mapping[str, str] = {
    "sle": "rheumatologic",
    "ra": "rheumatologic",
    "myositis": "rheumatologic",  # Sorror lists polymyositis
    "crohn": "inflammatory_bowel",
}


@dataclass(frozen=True)
class HctCiSettings:
    """Choices the sources leave open (⚠, each a setting; see the module docstring)."""

    variant: str = "hct_ci"  # "hct_ci" [@Sorror2005] or "hct_ci_age" [@Sorror2014]
    age_threshold_years: float = 40.0  # ✔ [@Sorror2014, abstract]: +1 point for age ≥ 40
    indication_scores: bool = True  # see the module docstring
    indication_items: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_INDICATION_ITEMS))
    # Severe pulmonary ⚠: the rendering of [@Sorror2005, Table 1] read gives "≤65%", the NCI PDQ table
    # adapted from it "<65%"; default ≤ 65 with moderate 66–80.
    pulmonary_severe_max_pct: float = 65.0
    pulmonary_severe_inclusive: bool = True
    pulmonary_moderate_max_pct: float = 80.0
    intermediate_from: int = 1  # [@Sorror2005]: 0 low, 1–2 intermediate, ≥ 3 high
    high_from: int = 3
    # A stated item against a measurement that contradicts it: the measurement decides by default (the
    # module docstring, "Stated items and measurements"); True lets the statement decide.
    stated_items_win: bool = False

    def __post_init__(self) -> None:
        if self.variant not in ("hct_ci", "hct_ci_age"):
            raise ValueError(UNKNOWN_VARIANT.format(value=self.variant))
        for disease, item in self.indication_items.items():
            if item not in ITEM_BY_CODE:
                raise ValueError(BAD_INDICATION_ITEM.format(disease=disease, item=item))


DEFAULT_SETTINGS = HctCiSettings()


@dataclass(frozen=True)
class ScoredItem:
    code: str
    label: str  # marked with gettext_noop: the faces translate it
    weight: int
    said_evidence: tuple[Said, ...]

    @property
    def evidence(self) -> tuple[str, ...]:
        """The evidence in English, as the API and the command line write it."""
        return self.evidence_in(as_written)

    def evidence_in(self, words: Words, numbers: Numbers = as_written) -> tuple[str, ...]:
        return tuple(e.text_in(words, numbers) for e in self.said_evidence)

    def to_text(self) -> str:
        return f"{self.label} (+{self.weight}): {'; '.join(self.evidence)}"


@dataclass(frozen=True)
class HctCiResult:
    score: int | None  # None when not computable
    minimum_score: int  # the points of the items known to be present
    risk_group: str | None  # None when not determinable
    items: tuple[ScoredItem, ...]  # items present, one per organ
    absent: tuple[str, ...]  # organs ruled out
    missing: tuple[str, ...]  # input keys that would settle the undetermined organs
    variant: str
    age: float | None
    settings: HctCiSettings = DEFAULT_SETTINGS
    absent_notes: tuple[tuple[str, Said], ...] = ()  # (organ, why) where a measurement ruled it out
    said_disagreements: tuple[Said, ...] = ()  # a stated item against a measurement (module docstring)

    @property
    def computable(self) -> bool:
        return self.score is not None

    @property
    def absent_text(self) -> str:
        """The organs ruled out, as a clinician writes it: "No arrhythmia, cardiac disease or obesity."."""
        return self.absent_text_in(as_written)

    def absent_text_in(self, words: Words, numbers: Numbers = as_written) -> str:
        """:attr:`absent_text` in ``words``, its numbers written by ``numbers``."""
        notes = dict(self.absent_notes)
        nouns = [
            said(WITH_NOTE, text=said(ORGAN_NOUNS[organ]), note=notes[organ])
            if organ in notes
            else said(ORGAN_NOUNS[organ])
            for organ in self.absent
            if organ in ORGAN_NOUNS
        ]
        sentences = []
        if nouns:
            shown = [noun.text_in(words, numbers) for noun in nouns]
            listed = (
                shown[0]
                if len(shown) == 1
                else said(LAST_OF_LIST, rest=", ".join(shown[:-1]), last=shown[-1])
            )
            sentences.append(said(NO_ORGANS, listed=listed))
        if "age" in self.absent and self.age is not None:
            sentences.append(said(NO_AGE_POINT, age=self.age, threshold=self.settings.age_threshold_years))
        return " ".join(sentence.text_in(words, numbers) for sentence in sentences)

    @property
    def disagreements(self) -> tuple[str, ...]:
        """The disagreements in English, as the API and the command line write them."""
        return self.disagreements_in(as_written)

    def disagreements_in(self, words: Words, numbers: Numbers = as_written) -> tuple[str, ...]:
        return tuple(d.text_in(words, numbers) for d in self.said_disagreements)

    @property
    def name(self) -> str:
        return "HCT-CI/age" if self.variant == "hct_ci_age" else "HCT-CI"

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.name,
            "source": SOURCE_AGE if self.variant == "hct_ci_age" else SOURCE,
            "score": self.score,
            "minimum_score": self.minimum_score,
            "risk_group": self.risk_group,
            "items": [
                {"code": i.code, "label": i.label, "weight": i.weight, "evidence": list(i.evidence)}
                for i in self.items
            ],
            "absent": list(self.absent),
            "absent_text": self.absent_text,
            "missing": list(self.missing),
            "disagreements": list(self.disagreements),
            "indication_scores": self.settings.indication_scores,
        }

    def to_text(self, *, with_disagreements: bool = True) -> str:
        if self.score is not None:
            source = SOURCE_AGE if self.variant == "hct_ci_age" else SOURCE
            head = f"{self.name} = {self.score} — risk group {self.risk_group} ({source})"
        else:
            group = f"; risk group {self.risk_group} already" if self.risk_group else ""
            head = (
                f"{self.name} not computable (at least {self.minimum_score}{group}); missing: "
                + ", ".join(self.missing)
            )
        lines = [head]
        if with_disagreements:
            lines += [f"  ! {text}" for text in self.disagreements]
        lines += [f"  + {item.to_text()}" for item in self.items]
        if self.absent_text:
            lines.append(f"  {self.absent_text}")
        return "\n".join(lines)


def _check(key: str, value: Any) -> Any:
    spec = INPUT_BY_KEY.get(key)
    if spec is None:
        raise ValueError(UNKNOWN_INPUT.format(key=key, allowed=", ".join(INPUT_BY_KEY)))
    if value is None:
        return None
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(NOT_BOOLEAN.format(key=key, value=value))
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValueError(NOT_NUMBER.format(key=key, value=value))
    if not spec.low <= value <= spec.high:
        raise ValueError(
            OUT_OF_RANGE.format(key=key, value=value, low=spec.low, high=spec.high, unit=spec.unit)
        )
    return float(value)


def _pulmonary_level(pct: float, s: HctCiSettings) -> str | None:
    severe = (
        pct <= s.pulmonary_severe_max_pct
        if s.pulmonary_severe_inclusive
        else pct < s.pulmonary_severe_max_pct
    )
    if severe:
        return "pulmonary_severe"
    if pct <= s.pulmonary_moderate_max_pct:
        return "pulmonary_moderate"
    return None


def _derived(values: Mapping[str, Any], s: HctCiSettings) -> list[tuple[str, Said]]:
    """(item code, evidence) for every item a raw value shows."""
    shown: list[tuple[str, Said]] = []
    if (v := values.get("lvef_pct")) is not None and v <= 50:
        shown.append(("cardiac", said(LVEF_SHOWS, value=v)))
    for key, mild_top in (("bilirubin_x_uln", 1.5), ("ast_x_uln", 2.5), ("alt_x_uln", 2.5)):
        v = values.get(key)
        if v is None:
            continue
        label = said(MEASUREMENT_WORDS[key])
        if v > mild_top:
            shown.append(
                ("hepatic_moderate_severe", said(LIVER_SEVERE_SHOWS, label=label, value=v, top=mild_top))
            )
        elif v > 1.0:
            shown.append(("hepatic_mild", said(LIVER_MILD_SHOWS, label=label, value=v, top=mild_top)))
    if (v := values.get("bmi")) is not None and v > OBESITY_BMI_ABOVE:
        shown.append(("obesity", said(BMI_SHOWS, value=v, limit=OBESITY_BMI_ABOVE)))
    if (v := values.get("creatinine_mg_dl")) is not None and v > 2:
        shown.append(("renal", said(CREATININE_MG_SHOWS, value=v)))
    if (v := values.get("creatinine_umol_l")) is not None and v / CREATININE_UMOL_PER_MG_DL > 2:
        shown.append(("renal", said(CREATININE_UMOL_SHOWS, value=v)))
    for key in ("fev1_pct", "dlco_pct"):
        v = values.get(key)
        if v is not None and (level := _pulmonary_level(v, s)) is not None:
            shown.append((level, said(PREDICTED_SHOWS, label=said(MEASUREMENT_WORDS[key]), value=v)))
    return shown


def hct_ci(
    conditions: Mapping[str, Any],
    *,
    age: float | None = None,
    disease: str | None = None,
    settings: HctCiSettings = DEFAULT_SETTINGS,
) -> HctCiResult:
    """The HCT-CI (or, with ``settings.variant == "hct_ci_age"``, HCT-CI/age) of one candidate.

    ``conditions`` maps keys of :data:`INPUTS` to booleans or raw values (None = not known);
    ``disease`` is the indication's disease code (it scores per ``settings.indication_scores``).
    """
    values = {key: _check(key, value) for key, value in conditions.items()}
    if age is not None and (isinstance(age, bool) or not isinstance(age, int | float) or not 0 <= age <= 120):
        raise ValueError(AGE_OUT_OF_RANGE.format(value=age))

    evidence: dict[str, list[Said]] = {item.code: [] for item in ITEMS}
    for item in ITEMS:
        if values.get(item.code) is True:
            evidence[item.code].append(said(STATED_TRUE, code=item.code))
    outcome = STATEMENT_DECIDES if settings.stated_items_win else MEASUREMENT_DECIDES
    measured: dict[str, list[Said]] = {}
    for code, text in _derived(values, settings):
        measured.setdefault(code, []).append(text)
    disagreements: list[Said] = []
    for code, texts in measured.items():
        item = ITEM_BY_CODE[code]
        if values.get(code) is False:
            shows = texts[0]
            for text in texts[1:]:
                shows = said(BOTH_SHOW, first=shows, second=text)
            disagreements.append(
                said(
                    STATED_ABSENT_BUT_MEASURED,
                    label=said(item.label),
                    code=code,
                    evidence=shows,
                    definition=said(item.definition),
                    outcome=said(outcome),
                )
            )
            if settings.stated_items_win:
                continue
        evidence[code].extend(texts)
    bmi = values.get("bmi")
    if values.get("obesity") is True and bmi is not None and bmi <= OBESITY_BMI_ABOVE:
        item = ITEM_BY_CODE["obesity"]
        disagreements.append(
            said(
                STATED_PRESENT_BUT_MEASURED,
                label=said(item.label),
                code="obesity",
                evidence=said(BMI_GIVEN, value=bmi),
                definition=said(item.definition),
                outcome=said(outcome),
            )
        )
        if not settings.stated_items_win:
            evidence["obesity"] = []
    if disease is not None and settings.indication_scores and disease in settings.indication_items:
        code = settings.indication_items[disease]
        evidence[code].append(said(INDICATION_SCORES, disease=disease))

    present: list[ScoredItem] = []
    absent: list[str] = []
    absent_notes: list[tuple[str, Said]] = []
    missing: list[str] = []
    for organ in ORGANS:
        levels = ORGAN_ITEMS[organ]  # ascending weight
        shown = [item for item in levels if evidence[item.code]]
        if shown:
            worst = max(shown, key=lambda item: item.weight)
            notes = list(evidence[worst.code])
            notes += [
                said(ALSO_SHOWN, label=said(item.label), evidence=tuple(evidence[item.code]))
                for item in shown
                if item != worst
            ]
            notes += [said(OVERRIDDEN, code=item.code) for item in shown if values.get(item.code) is False]
            present.append(ScoredItem(worst.code, worst.label, worst.weight, tuple(notes)))
        elif organ == "obesity" and bmi is not None:
            absent.append(organ)
            absent_notes.append((organ, said(BMI_RULES_OUT, bmi=bmi, limit=OBESITY_BMI_ABOVE)))
        elif all(values.get(item.code) is False for item in levels):
            absent.append(organ)
        else:
            missing += [item.code for item in levels if values.get(item.code) is None]

    if settings.variant == "hct_ci_age":
        if age is None:
            missing.append("age")
        elif age >= settings.age_threshold_years:
            scores = said(AGE_SCORES, age=age, threshold=settings.age_threshold_years, source=SOURCE_AGE)
            present.append(ScoredItem("age", AGE_LABEL, 1, (scores,)))
        else:
            absent.append("age")

    minimum = sum(item.weight for item in present)
    score = None if missing else minimum
    if score is not None:
        risk: str | None = _risk_group(score, settings)
    else:
        risk = "high" if minimum >= settings.high_from else None
    return HctCiResult(
        score=score,
        minimum_score=minimum,
        risk_group=risk,
        items=tuple(present),
        absent=tuple(absent),
        missing=tuple(missing),
        variant=settings.variant,
        age=None if age is None else float(age),
        settings=settings,
        absent_notes=tuple(absent_notes),
        said_disagreements=tuple(disagreements),
    )


def _risk_group(score: int, settings: HctCiSettings) -> str:
    if score >= settings.high_from:
        return "high"
    if score >= settings.intermediate_from:
        return "intermediate"
    return "low"


def describe_inputs() -> str:
    """The input table as text (for documentation and ``--help``)."""
    lines = []
    for spec in INPUTS:
        rng = "true/false" if spec.kind == "bool" else f"{spec.low:g}–{spec.high:g} {spec.unit}"
        lines.append(f"{spec.key:<26} {rng:<22} {spec.description}")
    return "\n".join(lines)
