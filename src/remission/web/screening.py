"""The candidate form of the screening page.

Built from the candidate JSON schema (a field added to the clinical tables appears here by itself).
Checking and screening a candidate is ``remission.clinical.candidate`` and pre-filling one from a
registry patient is ``remission.registry.candidates``: the API uses the same two.

The eligibility fields are grouped: the general criteria (every disease), then one group per set of
diseases whose rule sets read the field (``remission.clinical.eligibility.fields_for``). A group that
does not apply to the chosen disease is hidden; with JavaScript the groups follow the disease select at
once, without it the "Show this disease's fields" button re-renders the page (values kept). Each
measurement that eligibility and the HCT-CI share (LVEF, DLCO, FEV1, bilirubin, AST, ALT) has one field,
among the eligibility values; the HCT-CI group holds its items and the values only it reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext

from remission.clinical.candidate import CandidateProblem, schema
from remission.clinical.diseases import DISEASES
from remission.clinical.eligibility import FIELDS, GUIDELINE_TITLES, fields_for, guidelines_for
from remission.clinical.eligibility.core import (
    EVERY_CRITERION_MET,
    KIND_WORDS,
    MISSING_REASON,
    REASON_WITH_NOTE,
    RELATIVE_WORD,
    STATUS_WORDS,
    VERDICT_WORDS,
    Criterion,
)
from remission.clinical.hct_ci import RISK_GROUP_WORDS
from remission.clinical.regimens import REGIMENS
from remission.clinical.screening import SHARED_WITH_HCT_CI, ScreeningReport
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
    "infusion_year",  # these two: read by the outcome prediction only
    "centre_experience",
)
GENERAL = "general"  # the disease key of the fields every disease reads
DEFAULT_GUIDELINE_LABEL = "the disease's default guideline"


@dataclass(frozen=True)
class Fieldset:
    title: str
    fields: list[Any]  # bound fields
    diseases: tuple[str, ...] = ()  # empty: every disease
    shown: bool = True  # False: hidden (another disease's fields)
    open: bool = True


def _disease_label(code: str) -> str:
    return f"{DISEASES[code].name} ({code})"


def _field(name: str, prop: Mapping[str, Any], *, required: bool = False) -> forms.Field:
    label = prop.get("description") or capfirst(name.replace("_", " "))
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


def guideline_choices(disease: str | None) -> list[tuple[str, str]]:
    """The guideline select: the chosen disease's guidelines (its default first), else every one."""
    codes = guidelines_for(disease) if disease in DISEASES else tuple(GUIDELINE_TITLES)
    return [("", DEFAULT_GUIDELINE_LABEL), *((code, f"{GUIDELINE_TITLES[code]} [{code}]") for code in codes)]


def candidate_form_class(disease: str | None = None) -> type[forms.Form]:
    props = schema()["properties"]
    attrs: dict[str, Any] = {name: _field(name, props[name]) for name in TOP_FIELDS}
    attrs["candidate_id"].label = "Candidate (pseudonymous id)"
    attrs["disease"].label = "Disease"
    attrs["disease"].choices = [("", "—"), *((code, _disease_label(code)) for code in DISEASES)]
    attrs["guideline"] = forms.ChoiceField(
        label="Guideline", choices=guideline_choices(disease), required=False
    )
    for name in ("regimen", "mobilisation"):
        attrs[name].choices = [
            ("", "—"),
            *((code, f"{REGIMENS[code].name} [{code}]") for code, _ in attrs[name].choices[1:]),
        ]
    for group in GROUPS:
        for name, prop in props[group]["properties"].items():
            if group == "hct_ci" and name in SHARED_WITH_HCT_CI:
                continue  # one field per measurement: it is among the eligibility values
            attrs[group + SEP + name] = _field(name, prop)
    attrs["hct_ci" + SEP + "bmi"].label = "Body-mass index (kg/m²), when height and weight are not given"
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


@cache
def finding_groups() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(diseases, eligibility fields): the general fields first, then by the diseases that read them."""
    general = set(fields_for("other"))
    readers: dict[str, list[str]] = {}
    for disease in DISEASES:
        for name in fields_for(disease):
            if name not in general:
                readers.setdefault(name, []).append(disease)
    groups: dict[tuple[str, ...], list[str]] = {(): []}
    for name in schema()["properties"]["findings"]["properties"]:
        groups.setdefault(tuple(readers.get(name, ())), []).append(name)
    return tuple((diseases, tuple(names)) for diseases, names in groups.items())


def fieldsets(form: forms.Form, disease: str | None) -> list[Fieldset]:
    """The form's fields in groups for the template; other diseases' groups hidden once one is chosen."""
    chosen = disease if disease in DISEASES else None
    sets = [Fieldset("Candidate", [form[n] for n in TOP_FIELDS])]
    for diseases, names in finding_groups():
        bound = [form["findings" + SEP + n] for n in names]
        if not diseases:
            sets.append(Fieldset("Eligibility: general criteria and shared measurements", bound))
            continue
        title = "Eligibility: " + " and ".join(DISEASES[d].name for d in diseases)
        relevant = chosen in diseases
        has_errors = any(b.errors for b in bound)
        shown = chosen is None or relevant or has_errors
        sets.append(Fieldset(title, bound, diseases, shown=shown, open=relevant or has_errors))
    hct = [form[n] for n in form.fields if n.startswith("hct_ci" + SEP)]
    title = "HCT-CI comorbidities (LVEF, DLCO, FEV1 and liver tests: above)"
    sets.append(Fieldset(title, hct, open=any(b.errors for b in hct)))
    policy = [form[n] for n in form.fields if n.startswith("policy" + SEP)]
    sets.append(Fieldset("Dosing policy", policy, open=any(b.errors for b in policy)))
    return sets


def disease_script_data() -> dict[str, Any]:
    """What the page's script needs to follow the disease select: guidelines per disease."""
    return {
        "guidelines": {code: list(guidelines_for(code)) for code in DISEASES},
        "titles": GUIDELINE_TITLES,
        "default_label": DEFAULT_GUIDELINE_LABEL,
    }


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


def form_initial(candidate: Mapping[str, Any]) -> dict[str, Any]:
    """Form values from a candidate dict (the inverse of :func:`candidate_from_form`)."""
    initial = {name: candidate[name] for name in TOP_FIELDS if name in candidate}
    for group in GROUPS:
        for name, value in (candidate.get(group) or {}).items():
            initial[group + SEP + name] = value
    for name, value in (candidate.get("dosing_policy") or {}).items():
        initial["policy" + SEP + name] = value
    return initial


def form_field_of(path: str) -> str | None:
    """The form field of a candidate path: ``findings.lvef_pct`` -> ``findings__lvef_pct``."""
    parts = path.split(".")
    if len(parts) == 1:
        return parts[0] if parts[0] in TOP_FIELDS else None
    if parts[0] == "dosing_policy" and parts[1] in POLICY_FIELDS:
        return "policy" + SEP + parts[1]
    if parts[0] == "hct_ci" and parts[1] in SHARED_WITH_HCT_CI:
        return "findings" + SEP + parts[1]
    if parts[0] in GROUPS:
        return parts[0] + SEP + parts[1]
    return None


def problem_text(problem: CandidateProblem) -> str:
    """The problem for the form: its field and rule as they are, its sentence in the active language."""
    return f"{problem.field}: {problem.message_in(gettext)} [{problem.rule}]"


def centre_policy(user: Any) -> dict[str, Any]:
    """The dosing policy of the user's first centre (``settings.REMISSION_DOSING_POLICIES``), if any."""
    policies = getattr(settings, "REMISSION_DOSING_POLICIES", {})
    for centre in selectors.centre_list(user=user):
        if centre.code in policies:
            return dict(policies[centre.code])
    return {}


# --- the report in the reader's language -------------------------------------------------------------
# The clinical package writes its verdicts in English with the words marked for translation
# (remission.clinical.words); the page shows them in the active language. The codes stay as they are
# (verdict, status, kind, strength, rule set, field names), so CSS classes and the API read the same values.


def field_words(name: str) -> str:
    """An eligibility field as people name it, in the active language ("LVEF", "FEVG"); else the name."""
    spec = FIELDS.get(name)
    return name if spec is None else gettext(spec.label)


def _criteria_by_code(report: ScreeningReport) -> dict[str, Criterion]:
    return {c.code: c for ruleset in report.eligibility.rulesets for c in ruleset.criteria}


def _reasons(report: ScreeningReport, criteria: Mapping[str, Criterion]) -> list[str]:
    """The verdict's reasons in the active language, built again from the criteria that decided it
    (clinical.eligibility.core.combine, in the same order)."""
    result = report.eligibility
    if result.verdict == "eligible":
        return [gettext(EVERY_CRITERION_MET)]
    if result.verdict == "insufficient_data":
        return [
            gettext(MISSING_REASON).format(fields=", ".join(field_words(f) for f in result.missing_fields))
        ]
    if result.verdict == "not_eligible":
        decided = [r for r in result.criteria if r.status == "failed" and r.strength == "hard"]
    else:
        decided = [r for r in result.criteria if r.status == "failed"]
    reasons = []
    for r in decided:
        criterion = criteria.get(r.code)
        if criterion is None:  # not one of the report's rule sets: as written
            reasons.append(r.text)
            continue
        text, note = criterion.text_in(gettext), criterion.note_in(r.note, gettext)
        show_note = note and result.verdict == "mdt_review"
        reasons.append(gettext(REASON_WITH_NOTE).format(text=text, note=note) if show_note else text)
    return reasons


def report_for_people(report: ScreeningReport) -> dict[str, Any]:
    """The report as :meth:`ScreeningReport.to_dict` gives it, its words in the active language.

    Added: ``verdict_label``, and for each criterion ``status_label`` and ``kind_label`` (the codes
    ``verdict``, ``status``, ``kind`` and ``strength`` are kept for styling); translated in place: the
    reasons, each criterion's threshold, text and note, the guideline's title (``guideline_title``) and
    the missing fields (``missing_labels``); the HCT-CI's item labels and its ``risk_group_label``.
    Sources are cited as written; the HCT-CI's evidence, the dose tables and the disagreements are
    still in English (their sentences carry values and are not yet templates).
    """
    data = report.to_dict()
    criteria = _criteria_by_code(report)
    eligibility = data["eligibility"]
    data["verdict_label"] = gettext(VERDICT_WORDS.get(report.verdict, report.verdict))
    eligibility["reasons"] = _reasons(report, criteria)
    eligibility["missing_labels"] = [field_words(f) for f in eligibility["missing_fields"]]
    guideline = eligibility["guideline"]
    eligibility["guideline_title"] = (
        gettext(GUIDELINE_TITLES[guideline]) if guideline in GUIDELINE_TITLES else ""
    )
    for row, result in zip(eligibility["criteria"], report.eligibility.criteria, strict=True):
        criterion = criteria.get(result.code)
        row["status_label"] = gettext(STATUS_WORDS.get(result.status, result.status))
        kind = gettext(KIND_WORDS.get(result.kind, result.kind))
        row["kind_label"] = f"{kind} ({gettext(RELATIVE_WORD)})" if result.strength == "relative" else kind
        row["missing_labels"] = [field_words(f) for f in result.missing_fields]
        if criterion is not None:
            row["threshold"] = criterion.threshold_in(gettext)
            row["text"] = criterion.text_in(gettext)
            row["note"] = criterion.note_in(result.note, gettext)
    hct_ci = data["hct_ci"]
    risk = hct_ci.get("risk_group")
    hct_ci["risk_group_label"] = gettext(RISK_GROUP_WORDS[risk]) if risk in RISK_GROUP_WORDS else ""
    for item in hct_ci.get("items", []):
        item["label"] = gettext(item["label"])
    if report.disease in DISEASES:
        data["disease_name"] = gettext(DISEASES[report.disease].name)
    return data
