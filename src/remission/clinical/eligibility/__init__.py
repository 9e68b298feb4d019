"""Eligibility screening for aHSCT in autoimmune disease: rule sets as data, per disease and guideline.

``screen(candidate, disease=..., guideline=None)`` evaluates the general EBMT 2025 criteria plus the
disease's rule set and returns a :class:`ScreeningResult` with a verdict (``eligible``,
``not_eligible``, ``mdt_review`` or ``insufficient_data``) and every criterion as met, failed or missing,
with its threshold, the candidate's value and its source. How the criteria combine is documented in
:mod:`remission.clinical.eligibility.core`.

Rule sets (``RULESETS``):

- ``general_ebmt2025`` — [@Alexander2025, Table 2] and organ-function limits that are assumptions (◐);
- ``ssc_ebmt2025`` — SSc, [@Alexander2025, Table 5] with the EBMT cardiac exclusions as tabulated in
  [@Penglase2023, Table 3];
- ``ms_sharrack2020`` — MS, after [@Sharrack2020, abstract] and MIST [@Burt2019, abstract] (thresholds
  are settings, most of them ◐);
- ``crohn_astic`` — Crohn's disease, ASTIC [@Hawkey2015, abstract].

For a disease without a disease-specific rule set, the general criteria apply and a relative criterion
"no disease-specific criteria encoded" sends the verdict to MDT review at best.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass, replace
from typing import Any

from remission.clinical.diseases import DISEASES
from remission.clinical.eligibility.core import (
    FIELDS,
    FIELDS_TABLE,
    STATUSES,
    VERDICTS,
    Criterion,
    CriterionResult,
    Field,
    Never,
    RuleSet,
    ScreeningResult,
    combine,
    include,
    validate_candidate,
)
from remission.clinical.eligibility.crohn_astic import CrohnSettings, crohn_astic
from remission.clinical.eligibility.general_ebmt2025 import GeneralSettings, general_ebmt2025
from remission.clinical.eligibility.ms_sharrack2020 import MsSettings, ms_sharrack2020
from remission.clinical.eligibility.ssc_ebmt2025 import SscSettings, ssc_ebmt2025
from remission.clinical.words import gettext_noop

__all__ = [
    "DEFAULT_GUIDELINE",
    "FIELDS",
    "FIELDS_TABLE",
    "GUIDELINES",
    "GUIDELINE_TITLES",
    "RULESETS",
    "STATUSES",
    "VERDICTS",
    "Criterion",
    "CriterionResult",
    "CrohnSettings",
    "Field",
    "GeneralSettings",
    "MsSettings",
    "RuleSet",
    "ScreeningResult",
    "SscSettings",
    "build_rulesets",
    "fields_for",
    "guidelines_for",
    "screen",
]

UNKNOWN_DISEASE = "eligibility: unknown disease {value!r}; known: {allowed}"
UNKNOWN_GUIDELINE = "eligibility: no guideline {value!r} for {disease}; available: {allowed}"
UNKNOWN_SETTING = "eligibility: rule set {ruleset} has no setting {name!r}; settings: {allowed}"
NONE_ENCODED = gettext_noop("disease-specific selection criteria for {disease} (none encoded)")
UNKNOWN_RULESET = "eligibility: settings given for unknown rule set {value!r}; rule sets: {allowed}"

# rule-set code -> (builder, settings class)
RULESETS: dict[str, tuple[Callable[[Any], RuleSet], type]] = {
    "general_ebmt2025": (general_ebmt2025, GeneralSettings),
    "ssc_ebmt2025": (ssc_ebmt2025, SscSettings),
    "ms_sharrack2020": (ms_sharrack2020, MsSettings),
    "crohn_astic": (crohn_astic, CrohnSettings),
}

# disease -> guideline code -> the rule sets it combines
GUIDELINES: dict[str, dict[str, tuple[str, ...]]] = {
    "ssc": {"ebmt2025": ("general_ebmt2025", "ssc_ebmt2025")},
    "ms": {"sharrack2020": ("general_ebmt2025", "ms_sharrack2020")},
    "crohn": {"astic": ("general_ebmt2025", "crohn_astic")},
}
GENERAL_ONLY = {"ebmt2025": ("general_ebmt2025",)}
DEFAULT_GUIDELINE: dict[str, str] = {"ssc": "ebmt2025", "ms": "sharrack2020", "crohn": "astic"}
# every guideline code, with the name a clinician knows it by (the rule sets' sources)
GUIDELINE_TITLES: dict[str, str] = {
    "ebmt2025": gettext_noop(
        "EBMT 2025 recommendations [@Alexander2025]; for SSc with the EBMT cardiac exclusions"
    ),
    "sharrack2020": gettext_noop("EBMT ADWP/JACIE MS guidelines [@Sharrack2020]"),
    "astic": gettext_noop("ASTIC trial criteria [@Hawkey2015]"),
}


def fields_for(disease: str) -> tuple[str, ...]:
    """The candidate fields the rule sets of ``disease`` read (any of its guidelines, exceptions too)."""
    names: dict[str, None] = {}
    for guideline in guidelines_for(disease):
        for ruleset in build_rulesets(disease, guideline)[1]:
            for criterion in ruleset.criteria:
                names.update(dict.fromkeys(criterion.condition.fields()))
                if criterion.exception is not None:
                    names.update(dict.fromkeys(criterion.exception.fields()))
    return tuple(names)


def guidelines_for(disease: str) -> tuple[str, ...]:
    """The guideline codes that apply to ``disease``, its default first."""
    available = GUIDELINES.get(disease, GENERAL_ONLY)
    default = DEFAULT_GUIDELINE.get(disease, "ebmt2025")
    return (default, *(code for code in available if code != default))


def _settings_for(code: str, given: Any) -> Any:
    _, cls = RULESETS[code]
    if given is None:
        return cls()
    if is_dataclass(given) and not isinstance(given, type):
        return given
    allowed = {f.name for f in fields(cls)}
    for name in given:
        if name not in allowed:
            raise ValueError(
                UNKNOWN_SETTING.format(ruleset=code, name=name, allowed=", ".join(sorted(allowed)))
            )
    return replace(cls(), **dict(given))


def build_rulesets(
    disease: str, guideline: str | None = None, settings: Mapping[str, Any] | None = None
) -> tuple[str, tuple[RuleSet, ...]]:
    """The guideline code and the rule sets that apply to ``disease``.

    ``settings`` maps a rule-set code to a settings object or a dict of overrides, e.g.
    ``{"ms_sharrack2020": {"edss_review_max": 6.0}}``.
    """
    if disease not in DISEASES:
        raise ValueError(UNKNOWN_DISEASE.format(value=disease, allowed=", ".join(DISEASES)))
    available = GUIDELINES.get(disease, GENERAL_ONLY)
    guideline = guideline or DEFAULT_GUIDELINE.get(disease, "ebmt2025")
    if guideline not in available:
        raise ValueError(
            UNKNOWN_GUIDELINE.format(value=guideline, disease=disease, allowed=", ".join(available))
        )
    settings = dict(settings or {})
    for code in settings:
        if code not in RULESETS:
            raise ValueError(UNKNOWN_RULESET.format(value=code, allowed=", ".join(RULESETS)))
    rulesets = [RULESETS[code][0](_settings_for(code, settings.get(code))) for code in available[guideline]]
    if disease not in GUIDELINES:
        rulesets.append(
            RuleSet(
                code=f"{disease}_none",
                title=f"{disease}: no disease-specific rule set",
                version="0",
                source="Remission",
                disease=disease,
                criteria=(
                    include(
                        "disease_specific_rules",
                        Never(NONE_ENCODED, (("disease", disease),)),
                        gettext_noop("Remission: only SSc, MS and Crohn's have encoded rule sets"),
                        strength="relative",
                        note=gettext_noop("decide against the disease's published criteria at the MDT"),
                    ),
                ),
            )
        )
    return guideline, tuple(rulesets)


def screen(
    candidate: Mapping[str, Any],
    *,
    disease: str,
    guideline: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> ScreeningResult:
    """Screen one candidate (a flat mapping of :data:`FIELDS`; None or absent = missing)."""
    values = validate_candidate(candidate)
    guideline, rulesets = build_rulesets(disease, guideline, settings)
    results = tuple(criterion.evaluate(values) for ruleset in rulesets for criterion in ruleset.criteria)
    verdict, reasons = combine(results)
    return ScreeningResult(
        disease=disease,
        guideline=guideline,
        verdict=verdict,
        criteria=results,
        rulesets=rulesets,
        reasons=reasons,
    )
