"""One candidate's screening report: eligibility, HCT-CI, regimen intensity and the dose tables.

The candidate is a mapping (the CLI reads it from a JSON file validated against
``candidate.schema.json``; this module does no I/O):

- ``candidate_id`` (required), ``disease`` (required, a disease code), ``guideline`` (optional);
- ``age_years``, ``sex`` ("female" / "male" / "unknown"), ``height_cm``, ``weight_kg``;
- ``findings``: the eligibility fields (:data:`remission.clinical.eligibility.FIELDS`, without age);
- ``hct_ci``: HCT-CI inputs (:data:`remission.clinical.hct_ci.INPUTS`); BMI is computed from height and
  weight;
- ``hct_ci_settings``: ``variant``, ``indication_scores``, ``pulmonary_severe_inclusive``,
  ``stated_items_win``;
- ``eligibility_settings``: overrides per rule set, e.g. ``{"ms_sharrack2020": {"edss_review_max": 6.0}}``;
- ``regimen`` and ``mobilisation``: regimen codes; ``regimen_overrides``: ``{agent: {dose, unit, days}}``;
- ``dosing_policy``: :meth:`remission.clinical.dosing.DosingPolicy.from_dict` fields;
- ``infusion_year`` (planned year of day 0) and ``centre_experience`` (earlier HSC transplants for
  autoimmune disease at the centre, autologous or allogeneic): read only by the outcome prediction
  (:mod:`remission.analysis.prediction.bedside`), not by the screening.

Values given once: the measurements both parts use (:data:`SHARED_WITH_HCT_CI`: LVEF, DLCO, FEV1,
bilirubin, AST, ALT) are given once, in ``findings`` or in ``hct_ci``, and feed both the eligibility
criteria and the HCT-CI, which derives its organ items from them ([@Sorror2005, Table 1]; see
:mod:`remission.clinical.hct_ci`). Given in both places with different values, each part uses the
value of its own section and the report lists the disagreement; so it does for a BMI that disagrees
with height and weight. Creatinine clearance and PASP are eligibility values only: the HCT-CI's renal
item is defined by serum creatinine, and it has no pulmonary-pressure item.

Missing values: a missing height, weight or sex (when the policy needs it) leaves the dose tables "not
computable" with the list of what is missing; eligibility and HCT-CI report their own missing items.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from remission.clinical import dosing
from remission.clinical.bibliography import Source, cited_sources
from remission.clinical.dosing import DoseTable, DosingPolicy, dose_table
from remission.clinical.eligibility import FIELDS, ScreeningResult, screen
from remission.clinical.hct_ci import HctCiResult, HctCiSettings, hct_ci
from remission.clinical.regimens import IntensityResult, Regimen, assess_intensity, get_regimen
from remission.clinical.words import Numbers, Said, Words, as_written, gettext_noop, said

UNKNOWN_KEY = "candidate: unknown top-level field {key!r}; allowed: {allowed}"
REQUIRED_KEY = "candidate: {key} is required"
OVERRIDE_WITHOUT_REGIMEN = gettext_noop("candidate: regimen_overrides given without a regimen")
GIVEN_TWICE = gettext_noop(
    "{label} is given twice and the values disagree: {in_findings:g}{unit} in findings (used for "
    "eligibility) and {in_hct_ci:g}{unit} in hct_ci (used for the HCT-CI); give it once"
)
BMI_DISAGREES = gettext_noop(
    "BMI is given as {given:.1f} in hct_ci, but height {height:g} cm and weight {weight:g} kg give "
    "{computed:.1f}; the HCT-CI uses the given {given:.1f}"
)

SEX_NEEDED = gettext_noop("sex (male/female, for ideal body weight)")  # a reason the doses are not computable

TOP_LEVEL = (
    "candidate_id",
    "disease",
    "guideline",
    "age_years",
    "sex",
    "height_cm",
    "weight_kg",
    "findings",
    "hct_ci",
    "hct_ci_settings",
    "eligibility_settings",
    "regimen",
    "regimen_overrides",
    "mobilisation",
    "dosing_policy",
    "infusion_year",
    "centre_experience",
)
SHARED_WITH_HCT_CI = ("lvef_pct", "dlco_pct", "fev1_pct", "bilirubin_x_uln", "ast_x_uln", "alt_x_uln")


@dataclass(frozen=True)
class ScreeningReport:
    candidate_id: str
    disease: str
    eligibility: ScreeningResult
    hct_ci: HctCiResult
    regimen: Regimen | None
    intensity: IntensityResult | None
    dose_tables: tuple[DoseTable, ...]
    dosing_missing: tuple[str, ...]  # why the dose tables could not be computed
    values_disagree: tuple[Said, ...] = ()  # a measurement given twice with different values

    @property
    def verdict(self) -> str:
        return self.eligibility.verdict

    @property
    def disagreements(self) -> tuple[str, ...]:
        """Every place where the candidate's values contradict each other (values, then HCT-CI items)."""
        return self.disagreements_in(as_written)

    def disagreements_in(self, words: Words, numbers: Numbers = as_written) -> tuple[str, ...]:
        """:attr:`disagreements` in ``words``, their numbers written by ``numbers``."""
        values = tuple(d.text_in(words, numbers) for d in self.values_disagree)
        return values + self.hct_ci.disagreements_in(words, numbers)

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every source the verdict, the HCT-CI, the regimen and the doses cite, each once, in order."""
        return cited_sources(json.dumps(self._findings(), ensure_ascii=False))

    def to_dict(self) -> dict[str, Any]:
        return {
            **self._findings(),
            "sources": [
                {"key": s.key, "reference": s.reference(), "doi": s.doi, "pmid": s.pmid} for s in self.sources
            ],
        }

    def _findings(self) -> dict[str, Any]:
        return {
            "candidate_id": self.candidate_id,
            "disease": self.disease,
            "verdict": self.verdict,
            "eligibility": self.eligibility.to_dict(),
            "hct_ci": self.hct_ci.to_dict(),
            "regimen": None if self.regimen is None else self.regimen.to_dict(),
            "intensity": None
            if self.intensity is None
            else {
                "class": self.intensity.intensity.value,
                "reason": self.intensity.reason,
                "rule": self.intensity.rule,
            },
            "dose_tables": [t.to_dict() for t in self.dose_tables],
            "dosing_missing": list(self.dosing_missing),
            "disagreements": list(self.disagreements),
        }

    def to_text(self) -> str:
        parts = [
            f"Candidate {self.candidate_id} — {self.disease}",
            f"VERDICT: {self.verdict}",
        ]
        if self.disagreements:
            parts += ["", "The candidate's values disagree; check them:"]
            parts += [f"  ! {text}" for text in self.disagreements]
        parts += [
            "",
            self.eligibility.to_text(),
            "",
            self.hct_ci.to_text(with_disagreements=False),
        ]
        if self.regimen is not None and self.intensity is not None:
            parts += [
                "",
                f"Regimen: {self.regimen.name} [{self.regimen.code}] — intensity "
                f"{self.intensity.intensity.value} ({self.intensity.reason}; {self.intensity.rule})",
            ]
        if self.dosing_missing:
            parts += ["", "Dose table not computable; missing: " + ", ".join(self.dosing_missing)]
        for table in self.dose_tables:
            parts += ["", table.to_text()]
        parts += ["", "Sources (docs/sources.md):"]
        parts += [f"  [@{s.key}] {s.reference()}" for s in self.sources]
        return "\n".join(parts)


@dataclass(frozen=True)
class SharedValues:
    """The eligibility values and the HCT-CI inputs, each measurement given once feeding both."""

    findings: dict[str, Any]
    hct_ci: dict[str, Any]
    disagreements: tuple[Said, ...]


def share_values(candidate: Mapping[str, Any]) -> SharedValues:
    """Fill each part with the measurements given in the other; list the values that disagree."""
    findings = dict(candidate.get("findings") or {})
    conditions = dict(candidate.get("hct_ci") or {})
    disagreements: list[Said] = []
    for key in SHARED_WITH_HCT_CI:
        in_findings, in_hct_ci = findings.get(key), conditions.get(key)
        if in_findings is None and in_hct_ci is not None:
            findings[key] = in_hct_ci
        elif in_hct_ci is None and in_findings is not None:
            conditions[key] = in_findings
        elif in_findings is not None and in_findings != in_hct_ci:
            spec = FIELDS[key]
            # the unit follows the value after a space ("58 %"); that template is not for translators
            unit = Said(" {unit}", (("unit", said(spec.unit)),)) if spec.unit else ""
            disagreements.append(
                said(
                    GIVEN_TWICE,
                    label=said(spec.label),
                    in_findings=in_findings,
                    in_hct_ci=in_hct_ci,
                    unit=unit,
                )
            )
    height, weight = candidate.get("height_cm"), candidate.get("weight_kg")
    if height is not None and weight is not None:
        computed = dosing.bmi(height, weight)
        given = conditions.get("bmi")
        if given is None:
            conditions["bmi"] = computed
        elif round(given, 1) != round(computed, 1):  # BMI is reported to one decimal
            disagreements.append(
                said(BMI_DISAGREES, given=given, height=height, weight=weight, computed=computed)
            )
    return SharedValues(findings, conditions, tuple(disagreements))


def _dose_tables(
    candidate: Mapping[str, Any], regimen: Regimen | None, mobilisation: Regimen | None
) -> tuple[tuple[DoseTable, ...], tuple[str, ...]]:
    wanted = [r for r in (mobilisation, regimen) if r is not None]
    if not wanted:
        return (), ()
    policy = DosingPolicy.from_dict(candidate.get("dosing_policy") or {})
    missing = [key for key in ("height_cm", "weight_kg") if candidate.get(key) is None]
    sex = candidate.get("sex") or "unknown"
    needs_sex = {policy.weight_basis, policy.bsa_weight_basis, *policy.agent_weight_basis.values()} - {
        "actual"
    }
    if needs_sex and sex not in dosing.DEVINE_BASE_KG:
        missing.append(SEX_NEEDED)
    if missing:
        return (), tuple(missing)
    tables = tuple(
        dose_table(
            r.prescriptions(),
            height_cm=candidate["height_cm"],
            weight_kg=candidate["weight_kg"],
            sex=sex,
            policy=policy,
            title=said(dosing.DOSE_TABLE_OF, name=said(r.name), code=r.code),
        )
        for r in wanted
    )
    return tables, ()


def screen_candidate(candidate: Mapping[str, Any]) -> ScreeningReport:
    """Eligibility, HCT-CI, regimen intensity and dose tables for one candidate."""
    for key in candidate:
        if key not in TOP_LEVEL:
            raise ValueError(UNKNOWN_KEY.format(key=key, allowed=", ".join(TOP_LEVEL)))
    for key in ("candidate_id", "disease"):
        if not candidate.get(key):
            raise ValueError(REQUIRED_KEY.format(key=key))
    disease = candidate["disease"]
    shared = share_values(candidate)
    eligibility = screen(
        {**shared.findings, "age_years": candidate.get("age_years")},
        disease=disease,
        guideline=candidate.get("guideline"),
        settings=candidate.get("eligibility_settings"),
    )
    hct_settings = HctCiSettings(**dict(candidate.get("hct_ci_settings") or {}))
    comorbidity = hct_ci(
        shared.hct_ci,
        age=candidate.get("age_years"),
        disease=disease,
        settings=hct_settings,
    )
    regimen = get_regimen(candidate["regimen"]) if candidate.get("regimen") else None
    if candidate.get("regimen_overrides"):
        if regimen is None:
            raise ValueError(OVERRIDE_WITHOUT_REGIMEN)
        regimen = regimen.with_overrides(candidate["regimen_overrides"])
    mobilisation = get_regimen(candidate["mobilisation"]) if candidate.get("mobilisation") else None
    tables, dosing_missing = _dose_tables(candidate, regimen, mobilisation)
    return ScreeningReport(
        candidate_id=str(candidate["candidate_id"]),
        disease=disease,
        eligibility=eligibility,
        hct_ci=comorbidity,
        regimen=regimen,
        intensity=None if regimen is None else assess_intensity(regimen),
        dose_tables=tables,
        dosing_missing=dosing_missing,
        values_disagree=shared.disagreements,
    )


# --- the candidate file's JSON schema, built from the tables ----------------------------------------
SCHEMA_ID = "https://remission.example.org/schemas/candidate.schema.json"


def _property(
    kind: str, description: str, low: float | None = None, high: float | None = None
) -> dict[str, Any]:
    if kind == "bool":
        return {"type": ["boolean", "null"], "description": description}
    prop: dict[str, Any] = {"type": ["integer", "null"] if kind == "integer" else ["number", "null"]}
    prop["description"] = description
    if low is not None:
        prop["minimum"] = low
    if high is not None:
        prop["maximum"] = high
    return prop


INFUSION_YEARS = (1980, 2100)  # the planned year of day 0: a plausible calendar year
SETTING_TYPES = {"float": "number", "int": "integer", "str": "string", "bool": "boolean"}


def _settings_schema(cls: type) -> dict[str, Any]:
    """A rule set's settings object: each field of its settings dataclass, typed."""
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {f.name: {"type": SETTING_TYPES[str(f.type)]} for f in fields(cls)},
    }


def candidate_schema() -> dict[str, Any]:
    """The JSON schema of a candidate file, generated from the field tables.

    ``candidate.schema.json`` is this schema, committed; a test keeps the two equal.
    """
    from remission.clinical.diseases import DISEASES
    from remission.clinical.eligibility import FIELDS_TABLE, GUIDELINE_TITLES, RULESETS
    from remission.clinical.hct_ci import INPUTS
    from remission.clinical.regimens import REGIMENS

    findings: dict[str, Any] = {}
    for f in FIELDS_TABLE:
        if f.name == "age_years":
            continue
        description = f.description + (f" ({f.unit})" if f.unit else "")
        if f.kind == "choice":
            findings[f.name] = {"enum": [*f.choices, None], "description": description}
        else:
            findings[f.name] = _property(f.kind, description, f.low, f.high)
    hct: dict[str, Any] = {}
    for i in INPUTS:
        description = i.description + (f" ({i.unit})" if i.unit else "")
        hct[i.key] = _property(i.kind, description, *((i.low, i.high) if i.kind == "number" else ()))
    conditioning = sorted(code for code, r in REGIMENS.items() if r.purpose != "mobilisation")
    mobilising = sorted(code for code, r in REGIMENS.items() if r.purpose == "mobilisation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Remission screening candidate",
        "type": "object",
        "required": ["candidate_id", "disease"],
        "additionalProperties": False,
        "properties": {
            "candidate_id": {"type": "string", "minLength": 1, "description": "Pseudonymous candidate id"},
            "disease": {"enum": sorted(DISEASES), "description": "Disease code"},
            "guideline": {
                "enum": [*GUIDELINE_TITLES, None],
                "description": "Guideline code; default per disease",
            },
            "age_years": _property("number", "Age at screening (years)", 0, 120),
            "sex": {"enum": ["female", "male", "unknown", None]},
            "height_cm": _property("number", "Height (cm)", *dosing.HEIGHT_RANGE_CM),
            "weight_kg": _property("number", "Actual body weight (kg)", *dosing.WEIGHT_RANGE_KG),
            "findings": {"type": "object", "additionalProperties": False, "properties": findings},
            "hct_ci": {"type": "object", "additionalProperties": False, "properties": hct},
            "hct_ci_settings": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "variant": {"enum": ["hct_ci", "hct_ci_age"]},
                    "indication_scores": {"type": "boolean"},
                    "pulmonary_severe_inclusive": {"type": "boolean"},
                    "stated_items_win": {"type": "boolean"},
                },
            },
            "eligibility_settings": {
                "type": "object",
                "additionalProperties": False,
                "properties": {code: _settings_schema(cls) for code, (_, cls) in RULESETS.items()},
            },
            "regimen": {"enum": [*conditioning, None], "description": "Conditioning or lymphodepletion"},
            "regimen_overrides": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "dose": {"type": "number", "exclusiveMinimum": 0},
                        "unit": {"enum": sorted(dosing.PRESCRIPTION_UNITS)},
                        "days": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
                    },
                },
            },
            "mobilisation": {"enum": [*mobilising, None]},
            "infusion_year": _property(
                "integer", "Planned year of day 0 (for the outcome prediction's era)", *INFUSION_YEARS
            ),
            "centre_experience": _property(
                "integer",
                "Earlier HSC transplants for autoimmune disease at the centre (for the outcome prediction)",
                0,
                100000,
            ),
            "dosing_policy": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "weight_basis": {"enum": list(dosing.WEIGHT_BASES)},
                    "adjusted_factor": {"type": "number", "minimum": 0, "maximum": 1},
                    "bsa_formula": {"enum": list(dosing.BSA_FORMULAS)},
                    "bsa_weight_basis": {"enum": list(dosing.WEIGHT_BASES)},
                    "bsa_cap_m2": {"type": ["number", "null"], "minimum": 1, "maximum": 3},
                    "rounding": {
                        "type": "object",
                        "additionalProperties": {"type": "number", "exclusiveMinimum": 0},
                    },
                    "agent_weight_basis": {
                        "type": "object",
                        "additionalProperties": {"enum": list(dosing.WEIGHT_BASES)},
                    },
                },
            },
        },
    }
