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
from django.utils.formats import get_format
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop

from remission.clinical.candidate import CandidateProblem, schema
from remission.clinical.diseases import DISEASES
from remission.clinical.dosing import BASIS_WORDS, FORMULA_NAMES, PRESCRIBED
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
from remission.clinical.hct_ci import AGE_LABEL, INPUT_BY_KEY, ITEM_BY_CODE, RISK_GROUP_WORDS
from remission.clinical.regimens import REGIMENS
from remission.clinical.screening import SHARED_WITH_HCT_CI, ScreeningReport
from remission.clinical.words import Said, said
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
DEFAULT_GUIDELINE_LABEL = gettext_noop("the disease's default guideline")
# The form's labels, in English (marked here, translated when the form is built). The eligibility
# fields and the HCT-CI items are named by the clinical tables (their descriptions and units); the
# fields below are the form's own.
TOP_LABELS = {
    "candidate_id": gettext_noop("Candidate (pseudonymous id)"),
    "disease": gettext_noop("Disease"),
    "guideline": gettext_noop("Guideline"),
    "age_years": gettext_noop("Age at screening (years)"),
    "sex": gettext_noop("Sex"),
    "height_cm": gettext_noop("Height (cm)"),
    "weight_kg": gettext_noop("Actual body weight (kg)"),
    "regimen": gettext_noop("Conditioning or lymphodepletion"),
    "mobilisation": gettext_noop("Mobilisation"),
    "infusion_year": gettext_noop("Planned year of day 0 (for the outcome prediction's era)"),
    "centre_experience": gettext_noop(
        "Earlier HSC transplants for autoimmune disease at the centre (for the outcome prediction)"
    ),
}
HCT_CI_LABELS = {
    "bmi": gettext_noop("Body-mass index (kg/m²), when height and weight are not given"),
    "creatinine_mg_dl": gettext_noop("Serum creatinine (mg/dL)"),
    "creatinine_umol_l": gettext_noop("Serum creatinine (µmol/L)"),
}
POLICY_LABELS = {
    "name": gettext_noop("Dosing policy name"),
    "weight_basis": gettext_noop("Weight the doses are computed on"),
    "adjusted_factor": gettext_noop("Adjusted-weight factor (0–1)"),
    "bsa_formula": gettext_noop("BSA formula"),
    "bsa_weight_basis": gettext_noop("Weight the BSA is computed on"),
    "bsa_cap_m2": gettext_noop("BSA cap (m²)"),
}
DESCRIBED = gettext_noop("%(description)s (%(unit)s)")  # a field's description and its unit
ITEM_LABEL = gettext_noop("%(label)s: %(definition)s")  # an HCT-CI item and its definition in Sorror's table
CHOICE_WITH_CODE = gettext_noop("%(words)s (%(code)s)")  # a choice whose code the criteria name
# the choices of the candidate's fields as people name them; the codes the criteria name are shown beside
CHOICE_WORDS = {
    "sex": {
        "female": gettext_noop("female"),
        "male": gettext_noop("male"),
        "unknown": gettext_noop("unknown"),
    },
    "ms_course": {
        "rrms": gettext_noop("relapsing-remitting"),
        "spms": gettext_noop("secondary progressive"),
        "ppms": gettext_noop("primary progressive"),
    },
    "ssc_subset": {
        "diffuse": gettext_noop("diffuse cutaneous"),
        "limited": gettext_noop("limited cutaneous"),
        "sine": gettext_noop("sine scleroderma"),
    },
    "weight_basis": BASIS_WORDS,
    "bsa_weight_basis": BASIS_WORDS,
    "bsa_formula": FORMULA_NAMES,
}
WITH_CODE = ("ms_course", "ssc_subset")
# the units of the dose tables as people write them (the codes stay in the API: "m2", "ug")
UNIT_WORDS = {"m2": "m²", "ug": "µg", "mg/m2": "mg/m²", "g/m2": "g/m²", "ug/kg": "µg/kg"}


@dataclass(frozen=True)
class Fieldset:
    title: str
    fields: list[Any]  # bound fields
    diseases: tuple[str, ...] = ()  # empty: every disease
    shown: bool = True  # False: hidden (another disease's fields)
    open: bool = True


def _disease_label(code: str) -> str:
    return f"{gettext(DISEASES[code].name)} ({code})"


def described(description: str, unit: str = "") -> str:
    """A field's description with its unit, in the active language: "Créatinine sérique (mg/dL)"."""
    if not unit:
        return gettext(description)
    return gettext(DESCRIBED) % {"description": gettext(description), "unit": gettext(unit)}


def field_label(group: str, name: str) -> str:
    """The label of a candidate field in the active language (``group``: "", "findings", "hct_ci",
    "dosing_policy"), from the clinical tables where they describe it."""
    if group == "" and name in TOP_LABELS:
        return gettext(TOP_LABELS[name])
    if group == "findings" and name in FIELDS:
        return described(FIELDS[name].description, FIELDS[name].unit)
    if group == "hct_ci":
        if name in HCT_CI_LABELS:
            return gettext(HCT_CI_LABELS[name])
        if name in ITEM_BY_CODE:
            item = ITEM_BY_CODE[name]
            return gettext(ITEM_LABEL) % {
                "label": gettext(item.label),
                "definition": gettext(item.definition),
            }
        if name in INPUT_BY_KEY:
            return described(INPUT_BY_KEY[name].description, INPUT_BY_KEY[name].unit)
    if group == "dosing_policy" and name in POLICY_LABELS:
        return gettext(POLICY_LABELS[name])
    return capfirst(name.replace("_", " "))


def choice_label(name: str, value: str) -> str:
    """A choice of a candidate field as people name it; the criteria's codes kept beside their words."""
    words = CHOICE_WORDS.get(name, {}).get(value)
    if words is None:
        return value
    if name in WITH_CODE:
        return gettext(CHOICE_WITH_CODE) % {"words": gettext(words), "code": value}
    return capfirst(gettext(words))


def _field(name: str, prop: Mapping[str, Any], *, label: str = "", required: bool = False) -> forms.Field:
    label = label or capfirst(name.replace("_", " "))
    kinds = prop.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if "enum" in prop:
        values = (str(v) for v in prop["enum"] if v is not None)
        choices = [("", "—"), *((v, choice_label(name, v)) for v in values)]
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
    titles = guideline_titles()
    return [("", gettext(DEFAULT_GUIDELINE_LABEL)), *((code, f"{titles[code]} [{code}]") for code in codes)]


def guideline_titles() -> dict[str, str]:
    """Each guideline's title in the active language; citation keys (``[@key]``) as they are."""
    return {code: gettext(title) for code, title in GUIDELINE_TITLES.items()}


def candidate_form_class(disease: str | None = None) -> type[forms.Form]:
    props = schema()["properties"]
    attrs: dict[str, Any] = {
        name: _field(name, props[name], label=field_label("", name)) for name in TOP_FIELDS
    }
    attrs["disease"].choices = [("", "—"), *((code, _disease_label(code)) for code in DISEASES)]
    attrs["guideline"] = forms.ChoiceField(
        label=field_label("", "guideline"), choices=guideline_choices(disease), required=False
    )
    for name in ("regimen", "mobilisation"):
        attrs[name].choices = [
            ("", "—"),
            *((code, f"{gettext(REGIMENS[code].name)} [{code}]") for code, _ in attrs[name].choices[1:]),
        ]
    for group in GROUPS:
        for name, prop in props[group]["properties"].items():
            if group == "hct_ci" and name in SHARED_WITH_HCT_CI:
                continue  # one field per measurement: it is among the eligibility values
            attrs[group + SEP + name] = _field(name, prop, label=field_label(group, name))
    policy = props["dosing_policy"]["properties"]
    for name in POLICY_FIELDS:
        attrs["policy" + SEP + name] = _field(name, policy[name], label=field_label("dosing_policy", name))
    attrs["candidate_json"] = forms.CharField(
        label=gettext("…or paste a candidate as JSON (docs/screening.md)"),
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


def _diseases_text(diseases: tuple[str, ...]) -> str:
    """The diseases' names in the active language: "A", "A and B", "A, B and C"."""
    names = [gettext(DISEASES[d].name) for d in diseases]
    if len(names) == 1:
        return names[0]
    return gettext("%(names)s and %(last)s") % {"names": ", ".join(names[:-1]), "last": names[-1]}


def fieldsets(form: forms.Form, disease: str | None) -> list[Fieldset]:
    """The form's fields in groups for the template; other diseases' groups hidden once one is chosen."""
    chosen = disease if disease in DISEASES else None
    sets = [Fieldset(gettext("Candidate"), [form[n] for n in TOP_FIELDS])]
    for diseases, names in finding_groups():
        bound = [form["findings" + SEP + n] for n in names]
        if not diseases:
            sets.append(Fieldset(gettext("Eligibility: general criteria and shared measurements"), bound))
            continue
        title = gettext("Eligibility: %(diseases)s") % {"diseases": _diseases_text(diseases)}
        relevant = chosen in diseases
        has_errors = any(b.errors for b in bound)
        shown = chosen is None or relevant or has_errors
        sets.append(Fieldset(title, bound, diseases, shown=shown, open=relevant or has_errors))
    hct = [form[n] for n in form.fields if n.startswith("hct_ci" + SEP)]
    title = gettext("HCT-CI comorbidities (LVEF, DLCO, FEV1 and liver tests: above)")
    sets.append(Fieldset(title, hct, open=any(b.errors for b in hct)))
    policy = [form[n] for n in form.fields if n.startswith("policy" + SEP)]
    sets.append(Fieldset(gettext("Dosing policy"), policy, open=any(b.errors for b in policy)))
    return sets


def disease_script_data() -> dict[str, Any]:
    """What the page's script needs to follow the disease select: guidelines per disease."""
    return {
        "guidelines": {code: list(guidelines_for(code)) for code in DISEASES},
        "titles": guideline_titles(),
        "default_label": gettext(DEFAULT_GUIDELINE_LABEL),
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


def number_words(text: str) -> str:
    """A number as the clinical package writes it ("3371.45", "1,234.5") with the active language's
    decimal mark and digit grouping ("3371,45", "1 234,5")."""
    decimal, group = get_format("DECIMAL_SEPARATOR"), get_format("THOUSAND_SEPARATOR")
    return text.translate({ord("."): decimal, ord(","): group})


def unit_words(unit: str | None) -> str:
    """A unit of the dose tables as people write it ("m2" -> "m²", "ug" -> "µg"); None -> ""."""
    return "" if unit is None else UNIT_WORDS.get(unit, unit)


def _with_unit_words(note: Said) -> Said:
    """A dose line's note with its unit written for people (the API keeps the code)."""
    return Said(note.template, tuple((k, unit_words(v) if k == "unit" else v) for k, v in note.values))


def _hct_ci_missing_words(key: str) -> str:
    """What the HCT-CI misses, as people name it: an item's label ("Obésité"), the age, else the field."""
    if key in ITEM_BY_CODE:
        return gettext(ITEM_BY_CODE[key].label)
    if key == "age":
        return gettext(AGE_LABEL)
    return field_label("hct_ci", key)


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
        text, note = (
            criterion.text_in(gettext, number_words),
            criterion.note_in(r.note, gettext, number_words),
        )
        show_note = note and result.verdict == "mdt_review"
        reasons.append(gettext(REASON_WITH_NOTE).format(text=text, note=note) if show_note else text)
    return reasons


def report_for_people(report: ScreeningReport) -> dict[str, Any]:
    """The report as :meth:`ScreeningReport.to_dict` gives it, its words in the active language.

    Added: ``verdict_label``, and for each criterion ``status_label`` and ``kind_label`` (the codes
    ``verdict``, ``status``, ``kind`` and ``strength`` are kept for styling); translated in place: the
    reasons, each criterion's threshold, text and note, the guideline's title (``guideline_title``) and
    the missing fields (``missing_labels``); the HCT-CI's item labels, their evidence, ``absent_text``
    and its ``risk_group_label``, what it misses (``missing_labels``; ``missing`` keeps the keys);
    the values that disagree (``disagreements``, also the HCT-CI's own);
    the regimen's name and the intensity's reason, with the class as words in
    ``intensity.class_label`` (``class`` stays the code); each dose table's title, its policy's rule
    (``policy_rule``) and each line's prescription and notes, with ``basis_label`` beside the code
    ``basis``; the reasons the dose tables are not computable (``dosing_missing``). Numbers in these
    sentences take the language's decimal mark (:func:`number_words`). Also in the active language: each
    criterion's ``value_text`` and ``source`` (its wording; the citations ``[@key, where]`` as they are),
    and the units of the dose lines written for people (``m²``, ``µg``: ``prescribed``, ``notes``,
    ``body_size_unit``, ``dose_unit``; the API keeps the codes ``m2``, ``ug``). As written: the drug
    names, the policy's name (the centre's own), codes and field names.
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
        row["value_text"] = result.value_text_in(gettext, number_words)
        if criterion is not None:
            row["threshold"] = criterion.threshold_in(gettext, number_words)
            row["text"] = criterion.text_in(gettext, number_words)
            row["note"] = criterion.note_in(result.note, gettext, number_words)
            row["source"] = criterion.source_in(gettext)
    hct_ci = data["hct_ci"]
    risk = hct_ci.get("risk_group")
    hct_ci["risk_group_label"] = gettext(RISK_GROUP_WORDS[risk]) if risk in RISK_GROUP_WORDS else ""
    hct_ci["missing_labels"] = [_hct_ci_missing_words(key) for key in report.hct_ci.missing]
    for item, scored in zip(hct_ci["items"], report.hct_ci.items, strict=True):
        item["label"] = gettext(scored.label)
        item["evidence"] = list(scored.evidence_in(gettext, number_words))
    hct_ci["absent_text"] = report.hct_ci.absent_text_in(gettext, number_words)
    hct_ci["disagreements"] = list(report.hct_ci.disagreements_in(gettext, number_words))
    data["disagreements"] = list(report.disagreements_in(gettext, number_words))
    if report.regimen is not None:
        data["regimen"]["name"] = gettext(report.regimen.name)
    if report.intensity is not None:
        data["intensity"]["class_label"] = report.intensity.intensity_in(gettext)
        data["intensity"]["reason"] = report.intensity.reason_in(gettext, number_words)
    data["dosing_missing"] = [
        field_label("", m) if m in TOP_LABELS else gettext(m) for m in report.dosing_missing
    ]
    for shown, table in zip(data["dose_tables"], report.dose_tables, strict=True):
        shown["title"] = table.title_in(gettext, number_words)
        shown["policy_rule"] = table.policy.describe_in(gettext, number_words)
        for row, line in zip(shown["lines"], table.lines, strict=True):
            prescribed = said(PRESCRIBED, dose=line.prescribed_dose, unit=unit_words(line.prescribed_unit))
            row["prescribed"] = prescribed.text_in(gettext, number_words)
            row["basis_label"] = line.basis_in(gettext)
            row["notes"] = [_with_unit_words(note).text_in(gettext, number_words) for note in line.said_notes]
            row["body_size_unit"] = unit_words(line.body_size_unit)
            row["dose_unit"] = unit_words(line.dose_unit)
    if report.disease in DISEASES:
        data["disease_name"] = gettext(DISEASES[report.disease].name)
    return data
