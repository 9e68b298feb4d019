"""The machinery of eligibility rule sets: candidate fields, conditions, criteria, rule sets, verdicts.

A rule set is data: a tuple of :class:`Criterion`, each a condition on candidate fields with a kind
(inclusion / exclusion), a strength (hard / relative), and a named source. Conditions use three-valued
logic: True, False, or None when a value they need is missing, so a missing value is never read as
normal.

How criteria combine into the verdict (in this order):

1. any **hard** criterion *failed* → ``not_eligible``;
2. else any criterion (hard or relative) *missing* → ``insufficient_data``;
3. else any **relative** criterion *failed* → ``mdt_review`` (the guideline allows it only with a
   multidisciplinary-team decision, or sources disagree on the threshold);
4. else → ``eligible``.

A criterion can carry an ``exception``: a condition under which a failed hard criterion counts as
relative (e.g. SSc, [@Alexander2025, Table 5]: progressive ILD "in case of mRSS <15 and limited SSc or
even sine scleroderma", level III). The criterion then still reads *failed*, with the exception named.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from remission.clinical.words import Words, as_written, gettext_noop

# --- error messages -------------------------------------------------------------------------------
UNKNOWN_FIELD = "candidate: unknown field {field!r}"
FIELD_NOT_BOOLEAN = "candidate: {field} must be true or false, got {value!r}"
FIELD_NOT_NUMBER = "candidate: {field} must be a number, got {value!r}"
FIELD_NOT_INTEGER = "candidate: {field} must be a whole number, got {value!r}"
FIELD_OUT_OF_RANGE = "candidate: {field} = {value!r} is outside the allowed range {low:g}–{high:g} {unit}"
FIELD_NOT_CHOICE = "candidate: {field} = {value!r} is not one of {choices}"
RULE_UNKNOWN_FIELD = "rule set {ruleset}: criterion {criterion} uses unknown field {field!r}"
RULE_BAD_OP = "rule set {ruleset}: criterion {criterion} uses unknown operator {op!r}"
RULE_THRESHOLD_RANGE = (
    "rule set {ruleset}: criterion {criterion}: threshold {value!r} for {field} is outside {low:g}–{high:g}"
)
RULE_BAD_CHOICE = "rule set {ruleset}: criterion {criterion}: {value!r} is not a choice of {field}"
RULE_DUPLICATE = "rule set {ruleset}: criterion code {criterion!r} appears twice"
RULE_BAD_KIND = "rule set {ruleset}: criterion {criterion}: bad kind or strength {value!r}"

VERDICTS = ("eligible", "not_eligible", "mdt_review", "insufficient_data")
STATUSES = ("met", "failed", "missing")

# --- words for people (templates with named placeholders; the faces translate them, see clinical/words.py)
VERDICT_WORDS = {
    "eligible": gettext_noop("eligible"),
    "not_eligible": gettext_noop("not eligible"),
    "mdt_review": gettext_noop("MDT review"),
    "insufficient_data": gettext_noop("insufficient data"),
}
STATUS_WORDS = {
    "met": gettext_noop("met"),
    "failed": gettext_noop("failed"),
    "missing": gettext_noop("missing"),
}
KIND_WORDS = {"inclusion": gettext_noop("inclusion"), "exclusion": gettext_noop("exclusion")}
RELATIVE_WORD = gettext_noop("relative")
EVERY_CRITERION_MET = gettext_noop("every criterion met")
MISSING_REASON = gettext_noop("missing: {fields}")
REASON_WITH_NOTE = gettext_noop("{text} ({note})")
NO_FLAG = gettext_noop("no {label}")
IN_CHOICES = gettext_noop("{label} in {{{choices}}}")
EQUALS = gettext_noop("{label} = {value}")
COMPARED = gettext_noop("{label} {op} {value:g}{unit}")
AND = gettext_noop(" and ")
OR = gettext_noop(" or ")
WHICHEVER = gettext_noop("{parts} (whichever is recorded)")
EXCLUSION_IF = gettext_noop("exclusion if {condition}")
TEXT_INCLUSION = gettext_noop("Inclusion: {condition} — {source}")
TEXT_INCLUSION_RELATIVE = gettext_noop("Inclusion (relative: MDT review): {condition} — {source}")
TEXT_EXCLUSION = gettext_noop("Exclusion: {condition} — {source}")
TEXT_EXCLUSION_RELATIVE = gettext_noop("Exclusion (relative: MDT review): {condition} — {source}")
WITH_EXCEPTION = gettext_noop("{condition}; exception: {exception}")
EXCEPTION_APPLIES = gettext_noop("exception applies: {exception}")
EXCEPTION_UNKNOWN = gettext_noop("failed unless the exception holds: {exception}")
# the candidate's value in the criteria table ("SSc subset: diffuse; mRSS: 24; CRP: 12 mg/L")
VALUE_YES = gettext_noop("yes")
VALUE_NO = gettext_noop("no")
VALUE_MISSING = gettext_noop("missing")
LABELLED_VALUE = gettext_noop("{label}: {value}")
VALUE_WITH_UNIT = gettext_noop("{value} {unit}")
VALUES_SEPARATOR = gettext_noop("; ")  # between the values of a criterion that reads several fields


# --- candidate fields: one table ------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "number" | "integer" | "bool" | "choice"
    label: str  # short, for rendered rules
    description: str
    unit: str = ""
    low: float = 0.0
    high: float = 0.0
    choices: tuple[str, ...] = ()


def _num(name: str, label: str, description: str, unit: str, low: float, high: float) -> Field:
    return Field(name, "number", label, description, unit, low, high)


def _int(name: str, label: str, description: str, low: int, high: int) -> Field:
    return Field(name, "integer", label, description, "", low, high)


def _bool(name: str, label: str, description: str) -> Field:
    return Field(name, "bool", label, description)


FIELDS_TABLE: tuple[Field, ...] = (
    # general ([@Alexander2025, Table 2])
    _num("age_years", gettext_noop("age"), gettext_noop("Age at screening"), gettext_noop("years"), 0, 120),
    _bool(
        "active_despite_standard_therapy",
        gettext_noop("active or progressive despite standard therapy"),
        gettext_noop("Disease active or progressive despite guideline-based or approved therapy"),
    ),
    _int("ecog", gettext_noop("ECOG"), gettext_noop("ECOG performance status (0–5)"), 0, 5),
    _num(
        "karnofsky",
        gettext_noop("Karnofsky"),
        gettext_noop("Karnofsky performance status"),
        gettext_noop("%"),
        0,
        100,
    ),
    _bool(
        "centre_experienced",
        gettext_noop("experienced centre"),
        gettext_noop(
            "Centre with joint haematology and specialist teams and MDT meetings (JACIE-accredited)"
        ),
    ),
    _bool(
        "active_uncontrolled_infection",
        gettext_noop("active uncontrolled infection"),
        gettext_noop("Active uncontrolled infection (including HIV, HBV, HCV)"),
    ),
    _bool("pregnant", gettext_noop("pregnancy"), gettext_noop("Pregnant")),
    _bool(
        "malignancy_within_5y",
        gettext_noop("malignancy within 5 years"),
        gettext_noop("Malignancy (other than non-melanoma skin cancer) within 5 years"),
    ),
    _bool(
        "uncontrolled_psychiatric_illness",
        gettext_noop("uncontrolled psychiatric illness or poor compliance"),
        gettext_noop("Uncontrolled psychiatric illness or poor compliance"),
    ),
    _num(
        "bilirubin_x_uln",
        gettext_noop("bilirubin"),
        gettext_noop("Total bilirubin as a multiple of ULN"),
        gettext_noop("× ULN"),
        0,
        50,
    ),
    _num(
        "ast_x_uln",
        gettext_noop("AST"),
        gettext_noop("AST as a multiple of ULN"),
        gettext_noop("× ULN"),
        0,
        100,
    ),
    _num(
        "alt_x_uln",
        gettext_noop("ALT"),
        gettext_noop("ALT as a multiple of ULN"),
        gettext_noop("× ULN"),
        0,
        100,
    ),
    _num(
        "creatinine_clearance_ml_min",
        gettext_noop("CrCl"),
        gettext_noop("Creatinine clearance"),
        gettext_noop("mL/min"),
        0,
        250,
    ),
    _num(
        "lvef_pct",
        gettext_noop("LVEF"),
        gettext_noop("Left-ventricular ejection fraction"),
        gettext_noop("%"),
        5,
        90,
    ),
    _num(
        "dlco_pct",
        gettext_noop("DLCO"),
        gettext_noop("DLCO (haemoglobin-corrected), % predicted"),
        gettext_noop("%"),
        5,
        200,
    ),
    _num("fvc_pct", gettext_noop("FVC"), gettext_noop("FVC, % predicted"), gettext_noop("%"), 5, 200),
    _num(
        "fev1_pct",
        gettext_noop("FEV1"),
        gettext_noop("FEV1, % predicted (used by the HCT-CI)"),
        gettext_noop("%"),
        5,
        200,
    ),
    # systemic sclerosis ([@Alexander2025, Table 5]; EBMT cardiac exclusions, [@Penglase2023, Table 3])
    _bool(
        "acr_eular_2013",
        gettext_noop("2013 ACR/EULAR SSc criteria met"),
        gettext_noop("Meets the 2013 ACR/EULAR classification criteria"),
    ),
    Field(
        "ssc_subset",
        "choice",
        gettext_noop("SSc subset"),
        gettext_noop("Cutaneous subset"),
        choices=("diffuse", "limited", "sine"),
    ),
    _int("mrss", gettext_noop("mRSS"), gettext_noop("Modified Rodnan skin score (0–51)"), 0, 51),
    _bool(
        "visceral_organ_involvement",
        gettext_noop("≥ 1 visceral organ involved"),
        gettext_noop("At least one visceral organ manifestation (lung, heart, kidney)"),
    ),
    _num(
        "crp_mg_l",
        gettext_noop("CRP"),
        gettext_noop("C-reactive protein (no other cause)"),
        gettext_noop("mg/L"),
        0,
        500,
    ),
    _bool(
        "progressive_ild",
        gettext_noop("progressive ILD on CT"),
        gettext_noop("Progressive interstitial lung disease on CT"),
    ),
    _num(
        "disease_duration_years",
        gettext_noop("disease duration"),
        gettext_noop("Years since the first non-Raynaud symptom (SSc) or since onset (MS)"),
        gettext_noop("years"),
        0,
        80,
    ),
    _num(
        "first_line_therapy_months",
        gettext_noop("first-line therapy"),
        gettext_noop("Months of first-line immunosuppression"),
        gettext_noop("months"),
        0,
        600,
    ),
    _bool(
        "sustained_activity_on_first_line",
        gettext_noop("sustained activity on first-line therapy"),
        gettext_noop("Disease activity sustained despite first-line therapy"),
    ),
    _bool(
        "first_line_intolerance",
        gettext_noop("intolerance of first-line therapy"),
        gettext_noop("Intolerance of first-line therapy"),
    ),
    _bool(
        "septal_bounce",
        gettext_noop("septal bounce / D-sign on cardiac MRI"),
        gettext_noop("Septal bounce or D-sign on cardiac MRI"),
    ),
    _bool(
        "constrictive_pericarditis",
        gettext_noop("constrictive pericarditis"),
        gettext_noop("Constrictive pericarditis"),
    ),
    _bool("tamponade", gettext_noop("cardiac tamponade"), gettext_noop("Cardiac tamponade")),
    _num(
        "pasp_rest_mmhg",
        gettext_noop("PASP at rest"),
        gettext_noop("Pulmonary artery systolic pressure at rest"),
        gettext_noop("mmHg"),
        5,
        150,
    ),
    _num(
        "pasp_fluid_mmhg",
        gettext_noop("PASP after fluid challenge"),
        gettext_noop("PASP after fluid challenge"),
        gettext_noop("mmHg"),
        5,
        150,
    ),
    _num(
        "mpap_rest_mmhg",
        gettext_noop("mPAP at rest"),
        gettext_noop("Mean pulmonary artery pressure at rest (right-heart catheter)"),
        gettext_noop("mmHg"),
        5,
        100,
    ),
    _num(
        "mpap_fluid_mmhg",
        gettext_noop("mPAP after fluid challenge"),
        gettext_noop("mPAP after fluid challenge (right-heart catheter)"),
        gettext_noop("mmHg"),
        5,
        100,
    ),
    _bool(
        "cardiac_output_no_rise_on_fluid",
        gettext_noop("fall in, or no rise of, cardiac output after fluid"),
        gettext_noop("Cardiac output falls or fails to rise after fluid challenge"),
    ),
    _num(
        "pvr_wood_units",
        gettext_noop("PVR"),
        gettext_noop("Pulmonary vascular resistance"),
        gettext_noop("Wood units"),
        0,
        30,
    ),
    _num(
        "tapse_cm",
        gettext_noop("TAPSE"),
        gettext_noop("Tricuspid annular plane systolic excursion"),
        gettext_noop("cm"),
        0.3,
        5,
    ),
    _bool(
        "unrevascularised_severe_cad",
        gettext_noop("unrevascularised severe coronary disease"),
        gettext_noop("Severe coronary artery disease not revascularised"),
    ),
    _bool(
        "untreated_severe_arrhythmia",
        gettext_noop("untreated severe arrhythmia"),
        gettext_noop("Untreated severe arrhythmia"),
    ),
    _bool(
        "symptomatic_cardiac_disease",
        gettext_noop("symptomatic cardiac disease"),
        gettext_noop("Symptomatic cardiac disease"),
    ),
    # multiple sclerosis (rule set after [@Sharrack2020] and MIST [@Burt2019])
    Field(
        "ms_course",
        "choice",
        gettext_noop("MS course"),
        gettext_noop("Course of MS"),
        choices=("rrms", "spms", "ppms"),
    ),
    _int(
        "relapses_12m",
        gettext_noop("relapses in 12 months"),
        gettext_noop("Clinical relapses in the past 12 months"),
        0,
        20,
    ),
    _bool(
        "mri_activity_12m",
        gettext_noop("Gd+ or new T2 lesions in 12 months"),
        gettext_noop("Gd-enhancing or new T2 MRI lesions in the past 12 months (at a separate time point)"),
    ),
    _int(
        "dmt_failed_count",
        gettext_noop("full DMT courses failed"),
        gettext_noop("Full courses of disease-modifying therapy failed"),
        0,
        20,
    ),
    _num("edss", gettext_noop("EDSS"), gettext_noop("Expanded Disability Status Scale (0–10)"), "", 0, 10),
    # Crohn's disease (ASTIC)
    _num("cdai", gettext_noop("CDAI"), gettext_noop("Crohn's Disease Activity Index"), "", 0, 1200),
    _int(
        "immunosuppressants_failed_count",
        gettext_noop("immunosuppressive or biologic agents failed"),
        gettext_noop("Immunosuppressive or biologic agents the disease was refractory to"),
        0,
        20,
    ),
    _bool(
        "corticosteroids_failed",
        gettext_noop("refractory to corticosteroids"),
        gettext_noop("Refractory to (or dependent on) corticosteroids"),
    ),
    _bool(
        "amenable_to_surgery",
        gettext_noop("amenable to surgery"),
        gettext_noop("Disease amenable to surgery"),
    ),
)
FIELDS: dict[str, Field] = {f.name: f for f in FIELDS_TABLE}


def validate_candidate(candidate: Mapping[str, Any]) -> dict[str, Any]:
    """Check every given field against :data:`FIELDS`; returns the values (None = missing)."""
    values: dict[str, Any] = {}
    for name, value in candidate.items():
        spec = FIELDS.get(name)
        if spec is None:
            raise ValueError(UNKNOWN_FIELD.format(field=name))
        if value is None:
            values[name] = None
            continue
        if spec.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(FIELD_NOT_BOOLEAN.format(field=name, value=value))
        elif spec.kind == "choice":
            if value not in spec.choices:
                raise ValueError(
                    FIELD_NOT_CHOICE.format(field=name, value=value, choices=", ".join(spec.choices))
                )
        else:
            if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
                raise ValueError(FIELD_NOT_NUMBER.format(field=name, value=value))
            if spec.kind == "integer" and value != int(value):
                raise ValueError(FIELD_NOT_INTEGER.format(field=name, value=value))
            if not spec.low <= value <= spec.high:
                raise ValueError(
                    FIELD_OUT_OF_RANGE.format(
                        field=name, value=value, low=spec.low, high=spec.high, unit=spec.unit
                    )
                )
        values[name] = value
    return values


# --- conditions (three-valued) --------------------------------------------------------------------
class Condition(Protocol):
    def evaluate(self, values: Mapping[str, Any]) -> bool | None: ...
    def render(self, words: Words = ..., numbers: Words = ...) -> str: ...
    def fields(self) -> tuple[str, ...]: ...


OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "in": lambda a, b: a in b,
}
OP_TEXT = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "in": "in"}


@dataclass(frozen=True)
class Compare:
    """``field op value`` — e.g. Compare("lvef_pct", "<", 45)."""

    field: str
    op: str
    value: Any

    def evaluate(self, values: Mapping[str, Any]) -> bool | None:
        given = values.get(self.field)
        return None if given is None else bool(OPS[self.op](given, self.value))

    def render(self, words: Words = as_written, numbers: Words = as_written) -> str:
        """The condition in ``words``, its threshold written by ``numbers`` ("1.8" -> "1,8")."""
        spec = FIELDS[self.field]
        label = words(spec.label)
        if spec.kind == "bool":
            return label if self.value is True else words(NO_FLAG).format(label=label)
        if self.op == "in":
            return words(IN_CHOICES).format(label=label, choices=", ".join(map(str, self.value)))
        if spec.kind == "choice":
            return words(EQUALS).format(label=label, value=self.value)
        unit = f" {words(spec.unit)}" if spec.unit else ""
        value = _Number(self.value, numbers)
        return words(COMPARED).format(label=label, op=OP_TEXT[self.op], value=value, unit=unit)

    def fields(self) -> tuple[str, ...]:
        return (self.field,)


def Is(field: str) -> Compare:  # reads as a rule: Is("pregnant")
    return Compare(field, "==", True)


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]

    def evaluate(self, values: Mapping[str, Any]) -> bool | None:
        results = [p.evaluate(values) for p in self.parts]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True

    def render(self, words: Words = as_written, numbers: Words = as_written) -> str:
        return words(AND).join(_paren(p, words, numbers) for p in self.parts)

    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for p in self.parts for f in p.fields()))


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def evaluate(self, values: Mapping[str, Any]) -> bool | None:
        results = [p.evaluate(values) for p in self.parts]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False

    def render(self, words: Words = as_written, numbers: Words = as_written) -> str:
        return words(OR).join(_paren(p, words, numbers) for p in self.parts)

    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for p in self.parts for f in p.fields()))


@dataclass(frozen=True)
class AllGiven:
    """All of the parts whose fields are given must hold; missing only when none is given.

    For alternatives that measure the same thing (ECOG or Karnofsky): give either; if both are given,
    both must hold.
    """

    parts: tuple[Condition, ...]

    def evaluate(self, values: Mapping[str, Any]) -> bool | None:
        results = [p.evaluate(values) for p in self.parts]
        given = [r for r in results if r is not None]
        return None if not given else all(given)

    def render(self, words: Words = as_written, numbers: Words = as_written) -> str:
        return words(WHICHEVER).format(parts=" / ".join(_paren(p, words, numbers) for p in self.parts))

    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for p in self.parts for f in p.fields()))


@dataclass(frozen=True)
class Never:
    """A condition that never holds: for "no disease-specific rule set is encoded". ``text`` is a
    template marked for translation, formatted with ``values`` (as they are)."""

    text: str
    values: tuple[tuple[str, Any], ...] = ()

    def evaluate(self, values: Mapping[str, Any]) -> bool | None:
        return False

    def render(self, words: Words = as_written, numbers: Words = as_written) -> str:
        return words(self.text).format(**dict(self.values)) if self.values else words(self.text)

    def fields(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class _Number:
    """A threshold formatted by the template's spec ("{value:g}"), then written by ``numbers``."""

    value: float
    numbers: Words

    def __format__(self, spec: str) -> str:
        return self.numbers(format(self.value, spec))


def _paren(condition: Condition, words: Words = as_written, numbers: Words = as_written) -> str:
    text = condition.render(words, numbers)
    return f"({text})" if isinstance(condition, AllOf | AnyOf) else text


def _leaves(condition: Any) -> list[Compare]:
    if isinstance(condition, Compare):
        return [condition]
    return [leaf for part in getattr(condition, "parts", ()) for leaf in _leaves(part)]


# --- criteria and results -------------------------------------------------------------------------
@dataclass(frozen=True)
class Criterion:
    """One rule. For an *inclusion* the condition must hold; for an *exclusion* it must not."""

    code: str
    kind: str  # "inclusion" | "exclusion"
    strength: str  # "hard" | "relative"
    condition: Condition
    source: str
    note: str = ""
    exception: Condition | None = None  # turns a failed hard criterion into a relative one
    exception_text: str = ""

    @property
    def threshold(self) -> str:
        return self.threshold_in(as_written)

    @property
    def text(self) -> str:
        return self.text_in(as_written)

    def threshold_in(self, words: Words, numbers: Words = as_written) -> str:
        """The condition as a threshold ("LVEF < 45 %", "exclusion if pregnancy"), in ``words``; its
        numbers written by ``numbers``."""
        rendered = self.condition.render(words, numbers)
        return words(EXCLUSION_IF).format(condition=rendered) if self.kind == "exclusion" else rendered

    def exception_in(self, words: Words, numbers: Words = as_written) -> str:
        """The exception, in ``words``; "" without one."""
        if self.exception is None:
            return ""
        return words(self.exception_text) if self.exception_text else self.exception.render(words, numbers)

    def text_in(self, words: Words, numbers: Words = as_written) -> str:
        """The criterion as a sentence with its source, in ``words`` (the source is cited as written)."""
        relative = self.strength == "relative"
        if self.kind == "exclusion":
            template = TEXT_EXCLUSION_RELATIVE if relative else TEXT_EXCLUSION
        else:
            template = TEXT_INCLUSION_RELATIVE if relative else TEXT_INCLUSION
        condition = self.condition.render(words, numbers)
        if self.exception is not None:
            exception = self.exception_in(words, numbers)
            condition = words(WITH_EXCEPTION).format(condition=condition, exception=exception)
        return words(template).format(condition=condition, source=self.source_in(words))

    def source_in(self, words: Words) -> str:
        """The source in ``words``: its wording translated, its citations (``[@key, where]``) as they are."""
        return words(self.source) if self.source else ""

    def note_in(self, note: str, words: Words, numbers: Words = as_written) -> str:
        """A result's ``note`` (as :meth:`evaluate` wrote it) in ``words``."""
        if not note:
            return ""
        if self.exception is not None:
            for template in (EXCEPTION_APPLIES, EXCEPTION_UNKNOWN):
                if note == template.format(exception=self.exception_in(as_written)):
                    return words(template).format(exception=self.exception_in(words, numbers))
        return words(note)

    def evaluate(self, values: Mapping[str, Any]) -> CriterionResult:
        held = self.condition.evaluate(values)
        met: bool | None = None if held is None else (held if self.kind == "inclusion" else not held)
        status = "missing" if met is None else ("met" if met else "failed")
        strength = self.strength
        note = self.note
        fields = self.condition.fields()
        missing_from = fields
        if status == "failed" and self.exception is not None:
            exception = self.exception.evaluate(values)
            if exception is True:
                strength = "relative"
                note = EXCEPTION_APPLIES.format(exception=self.exception_in(as_written))
            elif exception is None:  # cannot tell a hard failure from the exception
                status = "missing"
                missing_from = self.exception.fields()
                note = EXCEPTION_UNKNOWN.format(exception=self.exception_in(as_written))
        value: Any = values.get(fields[0]) if len(fields) == 1 else {f: values.get(f) for f in fields}
        missing = tuple(f for f in missing_from if values.get(f) is None) if status == "missing" else ()
        return CriterionResult(
            code=self.code,
            kind=self.kind,
            strength=strength,
            status=status,
            threshold=self.threshold,
            value=value,
            source=self.source,
            text=self.text,
            note=note,
            missing_fields=missing,
        )


def include(code: str, condition: Condition, source: str, *, strength: str = "hard", **kw: Any) -> Criterion:
    """An inclusion criterion: ``condition`` must hold."""
    return Criterion(code, "inclusion", strength, condition, source, **kw)


def exclude(code: str, condition: Condition, source: str, *, strength: str = "hard", **kw: Any) -> Criterion:
    """An exclusion criterion: the candidate is excluded when ``condition`` holds."""
    return Criterion(code, "exclusion", strength, condition, source, **kw)


@dataclass(frozen=True)
class CriterionResult:
    code: str
    kind: str
    strength: str
    status: str  # "met" | "failed" | "missing"
    threshold: str
    value: Any
    source: str
    text: str
    note: str = ""
    missing_fields: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "strength": self.strength,
            "status": self.status,
            "threshold": self.threshold,
            "value": self.value,
            "source": self.source,
            "text": self.text,
            "note": self.note,
            "missing_fields": list(self.missing_fields),
            "value_text": _value_text(self.value),
        }

    def value_text_in(self, words: Words, numbers: Words = as_written) -> str:
        """The candidate's value as :func:`_value_text` writes it, in ``words``; ``numbers`` writes a number
        as the reader does ("0.8" -> "0,8")."""
        return _value_text(self.value, words, numbers)

    def to_text(self) -> str:
        mark = {"met": "[met]    ", "failed": "[FAILED] ", "missing": "[missing]"}[self.status]
        value = _value_text(self.value)
        note = f" ({self.note})" if self.note else ""
        return f"{mark} {self.text} | value: {value}{note}"


def _value_text(value: Any, words: Words = as_written, numbers: Words = as_written) -> str:
    """The candidate's value as read in a report: "SSc subset: diffuse; mRSS: 24; CRP: 12 mg/L"; in
    ``words`` (labels, units, yes/no), its numbers written by ``numbers``; choices are shown as codes."""
    if isinstance(value, dict):
        parts = (
            words(LABELLED_VALUE).format(label=words(FIELDS[k].label), value=_with_unit(k, v, words, numbers))
            for k, v in value.items()
        )
        return words(VALUES_SEPARATOR).join(parts) or "—"
    if value is None:
        return words(VALUE_MISSING)
    if isinstance(value, bool):
        return words(VALUE_YES) if value else words(VALUE_NO)
    if isinstance(value, float):
        return numbers(f"{value:g}")
    return numbers(str(value)) if isinstance(value, int) else str(value)


def _with_unit(name: str, value: Any, words: Words = as_written, numbers: Words = as_written) -> str:
    unit = FIELDS[name].unit
    text = _value_text(value, words, numbers)
    if unit and isinstance(value, int | float) and not isinstance(value, bool):
        return words(VALUE_WITH_UNIT).format(value=text, unit=words(unit))
    return text


@dataclass(frozen=True)
class RuleSet:
    code: str
    title: str
    version: str
    source: str
    criteria: tuple[Criterion, ...]
    disease: str | None = None  # None = applies to every disease
    workup: tuple[str, ...] = ()
    settings: Any = None

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for criterion in self.criteria:
            if criterion.code in seen:
                raise ValueError(RULE_DUPLICATE.format(ruleset=self.code, criterion=criterion.code))
            seen.add(criterion.code)
            if criterion.kind not in ("inclusion", "exclusion") or criterion.strength not in (
                "hard",
                "relative",
            ):
                raise ValueError(
                    RULE_BAD_KIND.format(ruleset=self.code, criterion=criterion.code, value=criterion.kind)
                )
            leaves = _leaves(criterion.condition) + (
                _leaves(criterion.exception) if criterion.exception else []
            )
            for leaf in leaves:
                self._check_leaf(criterion.code, leaf)

    def _check_leaf(self, criterion: str, leaf: Compare) -> None:
        spec = FIELDS.get(leaf.field)
        if spec is None:
            raise ValueError(
                RULE_UNKNOWN_FIELD.format(ruleset=self.code, criterion=criterion, field=leaf.field)
            )
        if leaf.op not in OPS:
            raise ValueError(RULE_BAD_OP.format(ruleset=self.code, criterion=criterion, op=leaf.op))
        if spec.kind in ("number", "integer") and leaf.op != "in" and not spec.low <= leaf.value <= spec.high:
            raise ValueError(
                RULE_THRESHOLD_RANGE.format(
                    ruleset=self.code,
                    criterion=criterion,
                    value=leaf.value,
                    field=leaf.field,
                    low=spec.low,
                    high=spec.high,
                )
            )
        if spec.kind == "choice":
            options = leaf.value if leaf.op == "in" else (leaf.value,)
            for option in options:
                if option not in spec.choices:
                    raise ValueError(
                        RULE_BAD_CHOICE.format(
                            ruleset=self.code, criterion=criterion, value=option, field=leaf.field
                        )
                    )

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for c in self.criteria for f in c.condition.fields()))

    def criterion(self, code: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.code == code:
                return criterion
        raise KeyError(code)

    def to_text(self) -> str:
        lines = [f"{self.title} (rule set {self.code} v{self.version}) — {self.source}"]
        lines += [f"  - {c.text}" for c in self.criteria]
        if self.workup:
            lines.append("  Work-up to record: " + "; ".join(self.workup))
        return "\n".join(lines)


@dataclass(frozen=True)
class ScreeningResult:
    disease: str
    guideline: str
    verdict: str
    criteria: tuple[CriterionResult, ...]
    rulesets: tuple[RuleSet, ...]
    reasons: tuple[str, ...]

    @property
    def missing_fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for c in self.criteria for f in c.missing_fields))

    def criterion(self, code: str) -> CriterionResult:
        for result in self.criteria:
            if result.code == code:
                return result
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "disease": self.disease,
            "guideline": self.guideline,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "missing_fields": list(self.missing_fields),
            "rulesets": [f"{r.code} v{r.version}" for r in self.rulesets],
            "criteria": [c.to_dict() for c in self.criteria],
        }

    def to_text(self) -> str:
        lines = [f"Eligibility ({self.disease}, {self.guideline}): {self.verdict.upper()}"]
        lines += [f"  because: {reason}" for reason in self.reasons]
        lines.append("  rule sets: " + ", ".join(f"{r.code} v{r.version}" for r in self.rulesets))
        lines += [f"  {c.to_text()}" for c in self.criteria]
        return "\n".join(lines)


def combine(results: tuple[CriterionResult, ...]) -> tuple[str, tuple[str, ...]]:
    """The verdict and the criteria that decided it (see the module docstring for the order)."""
    hard_failed = [r for r in results if r.status == "failed" and r.strength == "hard"]
    if hard_failed:
        return "not_eligible", tuple(r.text for r in hard_failed)
    missing = [r for r in results if r.status == "missing"]
    if missing:
        fields = dict.fromkeys(f for r in missing for f in r.missing_fields)
        return "insufficient_data", (MISSING_REASON.format(fields=", ".join(fields)),)
    relative_failed = [r for r in results if r.status == "failed"]
    if relative_failed:
        return "mdt_review", tuple(
            REASON_WITH_NOTE.format(text=r.text, note=r.note) if r.note else r.text for r in relative_failed
        )
    return "eligible", (EVERY_CRITERION_MET,)
