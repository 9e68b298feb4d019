"""Candidate screening for the web and the API: the candidate form (built from the candidate JSON
schema, so a field added to the clinical tables appears here by itself), schema validation with errors
naming the field and the rule, and a candidate pre-filled from a registry patient's records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django import forms
from django.conf import settings

from remission.clinical.screening import candidate_schema, screen_candidate
from remission.registry import selectors

SEP = "__"
GROUPS = ("findings", "hct_ci")
POLICY_FIELDS = ("name", "weight_basis", "adjusted_factor", "bsa_formula", "bsa_weight_basis", "bsa_cap_m2")
TOP_FIELDS = (
    "candidate_id",
    "disease",
    "guideline",
    "age_years",
    "sex",
    "height_cm",
    "weight_kg",
    "regimen",
    "mobilisation",
)


@dataclass(frozen=True)
class CandidateProblem:
    field: str  # dotted path, e.g. findings.lvef_pct
    rule: str
    message: str


@cache
def schema() -> dict[str, Any]:
    return candidate_schema()


def validate_candidate(candidate: Any) -> list[CandidateProblem]:
    """Every schema error, naming the field (dotted path) and the rule."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    problems = []
    for error in sorted(validator.iter_errors(candidate), key=lambda e: [str(p) for p in e.absolute_path]):
        path = [str(part) for part in error.absolute_path]
        if error.validator in ("required", "additionalProperties") and "'" in error.message:
            path.append(error.message.split("'")[1])
        problems.append(CandidateProblem(".".join(path) or "candidate", str(error.validator), error.message))
    return problems


def screen(candidate: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[CandidateProblem]]:
    """The screening report as a dict, or the problems that stopped it."""
    problems = validate_candidate(candidate)
    if problems:
        return None, problems
    try:
        report = screen_candidate(candidate)
    except ValueError as exc:  # a rule the schema cannot express (e.g. guideline of another disease)
        return None, [CandidateProblem("candidate", "screening", str(exc))]
    return report.to_dict(), []


def _field(name: str, prop: Mapping[str, Any], *, required: bool = False) -> forms.Field:
    label = prop.get("description") or name.replace("_", " ").capitalize()
    kinds = prop.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if "enum" in prop:
        choices = [("", "—"), *((str(v), str(v)) for v in prop["enum"] if v is not None)]
        return forms.ChoiceField(label=label, choices=choices, required=required)
    if "boolean" in kinds:
        return forms.NullBooleanField(label=label, required=False, widget=forms.NullBooleanSelect())
    bounds = {"min_value": prop.get("minimum"), "max_value": prop.get("maximum")}
    if "integer" in kinds:
        return forms.IntegerField(label=label, required=required, **bounds)
    if "number" in kinds:
        return forms.FloatField(label=label, required=required, **bounds)
    return forms.CharField(label=label, required=required, max_length=100)


def candidate_form_class() -> type[forms.Form]:
    props = schema()["properties"]
    attrs: dict[str, Any] = {}
    for name in TOP_FIELDS:
        attrs[name] = _field(name, props[name])  # required fields are the schema's to name
    attrs["candidate_id"].label = "Candidate (pseudonymous id)"
    for group in GROUPS:
        for name, prop in props[group]["properties"].items():
            attrs[group + SEP + name] = _field(name, prop)
    policy = props["dosing_policy"]["properties"]
    for name in POLICY_FIELDS:
        attrs["policy" + SEP + name] = _field(name, policy[name])
    attrs["policy" + SEP + "name"].label = "Dosing policy name"
    attrs["candidate_json"] = forms.CharField(
        label="…or paste a candidate as JSON (docs/screening.md)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    return type("CandidateForm", (forms.Form,), attrs)


def fieldsets(form: forms.Form) -> list[tuple[str, list[Any]]]:
    """The form's fields in groups for the template."""
    groups: list[tuple[str, list[Any]]] = [("Candidate", [form[n] for n in TOP_FIELDS])]
    titles = {"findings": "Eligibility findings", "hct_ci": "HCT-CI comorbidities", "policy": "Dosing policy"}
    for prefix in (*GROUPS, "policy"):
        groups.append((titles[prefix], [form[n] for n in form.fields if n.startswith(prefix + SEP)]))
    return groups


def candidate_from_form(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The candidate dict from a valid form (None when JSON was pasted but did not parse)."""
    pasted = (data.get("candidate_json") or "").strip()
    if pasted:
        try:
            value = json.loads(pasted)
        except json.JSONDecodeError:
            return None
        return value
    candidate: dict[str, Any] = {}
    for name in TOP_FIELDS:
        if data.get(name) not in (None, ""):
            candidate[name] = data[name]
    for group in (*GROUPS, "policy"):
        values = {
            key[len(group) + len(SEP) :]: value
            for key, value in data.items()
            if key.startswith(group + SEP) and value not in (None, "")
        }
        if values:
            candidate["dosing_policy" if group == "policy" else group] = values
    return candidate


def form_field_of(path: str) -> str | None:
    """The form field of a candidate path: ``findings.lvef_pct`` -> ``findings__lvef_pct``."""
    parts = path.split(".")
    if len(parts) == 1:
        return parts[0] if parts[0] in TOP_FIELDS else None
    if parts[0] == "dosing_policy" and parts[1] in POLICY_FIELDS:
        return "policy" + SEP + parts[1]
    if parts[0] in GROUPS:
        return parts[0] + SEP + parts[1]
    return None


def centre_policy(user: Any) -> dict[str, Any]:
    """The dosing policy of the user's first centre (``settings.REMISSION_DOSING_POLICIES``), if any."""
    policies = getattr(settings, "REMISSION_DOSING_POLICIES", {})
    for centre in selectors.centre_list(user=user):
        if centre.code in policies:
            return dict(policies[centre.code])
    return {}


def initial_from_patient(*, user: Any, registry_id: str, today: dt.date | None = None) -> dict[str, Any]:
    """Form values from a registry patient: age, sex, latest work-up, primary disease, latest scores."""
    today = today or dt.date.today()
    patient = selectors.patient_get(user=user, registry_id=registry_id)
    initial: dict[str, Any] = {"candidate_id": patient.registry_id}
    age = today.year - patient.birth_year - (1 if today.month < patient.birth_month else 0)
    initial["age_years"] = age
    if patient.sex in ("female", "male", "unknown"):
        initial["sex"] = patient.sex
    diagnoses = list(selectors.diagnosis_list(user=user, patient=patient)[:1])
    if diagnoses:
        initial["disease"] = diagnoses[0].disease
        if diagnoses[0].disease == "ssc" and diagnoses[0].subtype in ("diffuse", "limited", "sine"):
            initial["findings__ssc_subset"] = diagnoses[0].subtype
    workups = list(selectors.workup_list(user=user, patient=patient))
    if workups:
        w = workups[-1]
        for source, target in (
            ("height_cm", "height_cm"),
            ("weight_kg", "weight_kg"),
            ("lvef_pct", "findings__lvef_pct"),
            ("dlco_pct", "findings__dlco_pct"),
            ("fvc_pct", "findings__fvc_pct"),
            ("creatinine_clearance", "findings__creatinine_clearance_ml_min"),
            ("pasp_mmhg", "findings__pasp_rest_mmhg"),
            ("mpap_mmhg", "findings__mpap_rest_mmhg"),
        ):
            if getattr(w, source) is not None:
                initial[target] = getattr(w, source)
        if w.performance_scale == "ecog" and w.performance_score is not None:
            initial["findings__ecog"] = w.performance_score
        if w.performance_scale == "karnofsky" and w.performance_score is not None:
            initial["findings__karnofsky"] = w.performance_score
    for assessment in selectors.assessment_list(user=user, patient=patient, instrument="mrss"):
        if assessment.score is not None:
            initial["findings__mrss"] = round(assessment.score)
    return initial
