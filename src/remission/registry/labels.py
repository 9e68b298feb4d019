"""Labels for people: the code list of every coded field of every registry model, in one place.

Stored values are stable lowercase codes (``ms``, ``rrms``, ``mob_cy2_gcsf``, ``cells/uL``); pages,
exports' data dictionaries and messages show their labels. A field is coded when the model gives it
Django choices or when its codes come from the clinical catalogue (diseases and their subtypes,
regimens, instruments) or from :mod:`remission.registry.codes` (laboratory units).

:func:`code_choices` gives a field's code list with labels, :func:`code_label` the label of one value,
:func:`record_label` the label of a stored record's value (a subtype is read with the record's own
disease). An unknown value is shown as it is stored, so a page never hides what the database holds.
:func:`number_text` writes a stored number for people (``10,000,000``, never ``1e+07``).

Labels are in the active language (Django's i18n; the registry's catalogue, ``registry/locale``, and the
clinical one, ``clinical/locale``): the registry's code lists are lazy translations, the clinical
catalogue's names are translated when they are listed, and :func:`field_label` and :func:`model_label`
give a field's and a record kind's name. Stored codes, field names and rule ids are never translated.
"""

from __future__ import annotations

import math
from decimal import Decimal
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext, gettext_noop

Choices = tuple[tuple[str, str], ...]

# Units of laboratory results (codes.ANALYTE_UNITS) as people write them.
UNIT_LABELS: dict[str, str] = {
    "cells/uL": "cells/µL",
    "10^9/L": "× 10⁹/L",
    "%": "%",
    "g/L": "g/L",
    "mg/dL": "mg/dL",
    "copies/ug DNA": "copies/µg DNA",
    "copies/mL": "copies/mL",
}

# Field names (Django's verbose names: given, or the field's name in words) as translators see them.
FIELD_WORDS = (
    gettext_noop("disease"),
    gettext_noop("subtype"),
    gettext_noop("ICD-10"),
    gettext_noop("first symptom date"),
    gettext_noop("diagnosis date"),
    gettext_noop("is primary"),
    gettext_noop("agent"),
    gettext_noop("agent class"),
    gettext_noop("start date"),
    gettext_noop("stop date"),
    gettext_noop("stop reason"),
    gettext_noop("date"),
    gettext_noop("instrument"),
    gettext_noop("items"),
    gettext_noop("score"),
    gettext_noop("timepoint"),
    gettext_noop("during relapse"),
    gettext_noop("height cm"),
    gettext_noop("weight kg"),
    gettext_noop("performance scale"),
    gettext_noop("performance score"),
    gettext_noop("LVEF %"),
    gettext_noop("PASP (echo) mmHg"),
    gettext_noop("mPAP (right heart catheter) mmHg"),
    gettext_noop("FVC % predicted"),
    gettext_noop("DLCO % predicted"),
    gettext_noop("Creatinine clearance mL/min"),
    gettext_noop("HCT-CI items"),
    gettext_noop("HCT-CI"),
    gettext_noop("serology"),
    gettext_noop("regimen"),
    gettext_noop("gcsf"),
    gettext_noop("CD34+ yield ×10^6/kg"),
    gettext_noop("apheresis count"),
    gettext_noop("complications"),
    gettext_noop("product type"),
    gettext_noop("source"),
    gettext_noop("manipulation"),
    gettext_noop("mobilisation"),
    gettext_noop("collection date"),
    gettext_noop("CD34+ ×10^6/kg"),
    gettext_noop("cells/kg"),
    gettext_noop("viability pct"),
    gettext_noop("intensity"),
    gettext_noop("serotherapy"),
    gettext_noop("TBI dose Gy"),
    gettext_noop("drug"),
    gettext_noop("dose"),
    gettext_noop("unit"),
    gettext_noop("days"),
    gettext_noop("weight basis"),
    gettext_noop("body size value"),
    gettext_noop("product"),
    gettext_noop("conditioning"),
    gettext_noop("sequence"),
    gettext_noop("infusion"),
    gettext_noop("neutrophil date"),
    gettext_noop("platelet date"),
    gettext_noop("platelets never below 20"),
    gettext_noop("graft failure"),
    gettext_noop("term"),
    gettext_noop("category"),
    gettext_noop("grading system"),
    gettext_noop("grade"),
    gettext_noop("onset date"),
    gettext_noop("resolution date"),
    gettext_noop("organism"),
    gettext_noop("relatedness"),
    gettext_noop("analyte"),
    gettext_noop("value"),
    gettext_noop("vital status"),
    gettext_noop("disease status"),
    gettext_noop("current therapy"),
    gettext_noop("event type"),
    gettext_noop("cause of death"),
    gettext_noop("detail"),
    gettext_noop("sex"),
    gettext_noop("birth year"),
    gettext_noop("birth month"),
    gettext_noop("consent status"),
    gettext_noop("consent version"),
    gettext_noop("consent date"),
    gettext_noop("consent withdrawn date"),
    gettext_noop("centre"),
    gettext_noop("code"),
    gettext_noop("country"),
    gettext_noop("name"),
    gettext_noop("first procedure year"),
    gettext_noop("EBMT CIC"),
    gettext_noop("CIBMTR CCN"),
    gettext_noop("JACIE/FACT accredited"),
    gettext_noop("is demo"),
    gettext_noop("role"),
    gettext_noop("valid from"),
    gettext_noop("valid to"),
    gettext_noop("registry id"),
    gettext_noop("user"),
    gettext_noop("due date"),
    gettext_noop("window start"),
    gettext_noop("window end"),
    gettext_noop("received date"),
    gettext_noop("status"),
    gettext_noop("severity"),
    gettext_noop("text"),
    gettext_noop("rule"),
    gettext_noop("field"),
    gettext_noop("note"),
    gettext_noop("reason"),
    gettext_noop("time point"),
    gettext_noop("missing"),
)
# Record kinds (the models' verbose names, singular and plural).
MODEL_WORDS = (
    gettext_noop("diagnosis"),
    gettext_noop("diagnoses"),
    gettext_noop("prior therapy"),
    gettext_noop("prior therapies"),
    gettext_noop("assessment"),
    gettext_noop("assessments"),
    gettext_noop("work-up"),
    gettext_noop("work-ups"),
    gettext_noop("mobilisation"),
    gettext_noop("mobilisations"),
    gettext_noop("cell product"),
    gettext_noop("cell products"),
    gettext_noop("conditioning"),
    gettext_noop("conditionings"),
    gettext_noop("conditioning agent"),
    gettext_noop("conditioning agents"),
    gettext_noop("infusion"),
    gettext_noop("infusions"),
    gettext_noop("engraftment"),
    gettext_noop("engraftments"),
    gettext_noop("adverse event"),
    gettext_noop("adverse events"),
    gettext_noop("lab result"),
    gettext_noop("lab results"),
    gettext_noop("follow-up"),
    gettext_noop("follow-ups"),
    gettext_noop("outcome event"),
    gettext_noop("outcome events"),
    gettext_noop("patient"),
    gettext_noop("patients"),
    gettext_noop("centre"),
    gettext_noop("centres"),
    gettext_noop("membership"),
    gettext_noop("memberships"),
    gettext_noop("time point"),
    gettext_noop("time points"),
    gettext_noop("query"),
    gettext_noop("queries"),
    gettext_noop("hospital identifier"),
    gettext_noop("hospital identifiers"),
)

# Help texts of the fields people enter (the models' help_text), as translators see them.
HELP_WORDS = (
    gettext_noop("The indication for cell therapy"),
    gettext_noop("Drug or procedure, e.g. 'mycophenolate', 'rituximab'"),
    gettext_noop("Assessed within 30 days of a relapse (not used for progression)"),
    gettext_noop("e.g. {'hbsag': 'negative', 'cmv_igg': 'positive'}"),
    gettext_noop("First day of mobilisation"),
    gettext_noop("e.g. mob_cy2_gcsf, mob_gcsf"),
    gettext_noop("e.g. ['disease_flare', 'infection']"),
    gettext_noop("A clinical regimen code, e.g. cy200_ratg"),
    gettext_noop("Dose per day, in ``unit``"),
    gettext_noop("The weight (kg) or BSA (m²) the dose was computed on"),
    gettext_noop("Day 0"),
    gettext_noop("1 for the patient's first infusion, 2 for the next…"),
)

SUBTYPE_SEPARATOR = " / "  # joins the labels of a subtype code two diseases share, when no disease is given


def _model(model: type[models.Model] | models.Model) -> type[models.Model]:
    return model if isinstance(model, type) else type(model)


def _diseases() -> Choices:
    from remission.clinical.diseases import DISEASES

    return tuple((code, gettext(d.name)) for code, d in DISEASES.items())


def _subtypes(disease: str | None) -> Choices:
    from remission.clinical.diseases import DISEASES

    if disease is not None:
        found = DISEASES.get(disease)
        return () if found is None else tuple((code, gettext(name)) for code, name in found.subtypes.items())
    labels: dict[str, list[str]] = {}
    for d in DISEASES.values():
        for code, name in d.subtypes.items():
            labels.setdefault(code, []).append(gettext(name))
    return tuple((code, SUBTYPE_SEPARATOR.join(names)) for code, names in labels.items())


def _instruments() -> Choices:
    from remission.clinical.instruments import INSTRUMENTS

    return tuple((code, gettext(i.title)) for code, i in INSTRUMENTS.items())


def _regimens(purposes: frozenset[str]) -> Choices:
    from remission.clinical.regimens import REGIMENS

    return tuple((code, gettext(r.name)) for code, r in REGIMENS.items() if r.purpose in purposes)


def _units() -> Choices:
    from remission.registry.codes import ANALYTE_UNITS

    units = dict.fromkeys(u for per_analyte in ANALYTE_UNITS.values() for u in per_analyte)
    return tuple((u, UNIT_LABELS.get(u, u)) for u in units)


# (model name, field) -> the code list of a field the model keeps as a free code.
_CATALOGUE = {
    ("diagnosis", "disease"): _diseases,
    ("assessment", "instrument"): _instruments,
    ("mobilisation", "regimen"): lambda: _regimens(frozenset({"mobilisation"})),
    ("conditioning", "regimen"): lambda: _regimens(frozenset({"conditioning", "lymphodepletion"})),
    ("labresult", "unit"): _units,
}


def code_choices(model: type[models.Model] | models.Model, field: str, disease: str | None = None) -> Choices:
    """The (code, label) pairs of a coded field; empty when the field is not coded.

    ``disease`` narrows ``Diagnosis.subtype`` to the subtypes of one disease (subtype codes are unique
    within a disease only); without it every subtype is listed once, shared codes with joined labels.
    """
    return _choices(_model(model), field, disease, get_language())


@cache
def _choices(model: type[models.Model], field: str, disease: str | None, language: str | None) -> Choices:
    """The code list in ``language`` (the active one: labels are translated, so each language has its own)."""
    name = model._meta.model_name
    if (name, field) == ("diagnosis", "subtype"):
        return _subtypes(disease)
    catalogue = _CATALOGUE.get((name, field))
    if catalogue is not None:
        return catalogue()
    try:
        model_field = model._meta.get_field(field)
    except FieldDoesNotExist:  # a name that is not a field has no codes
        return ()
    choices = getattr(model_field, "choices", None) or ()
    return tuple((str(code), str(label)) for code, label in choices)


@cache
def _label_map(
    model: type[models.Model], field: str, disease: str | None, language: str | None
) -> dict[str, str]:
    return dict(_choices(model, field, disease, language))


def is_coded(model: type[models.Model] | models.Model, field: str) -> bool:
    """Whether ``field`` of ``model`` holds codes that have labels."""
    return bool(code_choices(_model(model), field))


def coded_fields(model: type[models.Model] | models.Model) -> tuple[str, ...]:
    """The names of the model's coded fields, in the model's field order."""
    model = _model(model)
    return tuple(f.name for f in model._meta.concrete_fields if is_coded(model, f.name))


def code_label(
    model: type[models.Model] | models.Model, field: str, value: Any, disease: str | None = None
) -> str:
    """The label of ``value`` in ``field`` of ``model``; the value itself when it has none, "" for empty."""
    if value is None or value == "":
        return ""
    text = str(value)
    return _label_map(_model(model), field, disease, get_language()).get(text, text)


def record_label(record: models.Model, field: str) -> str:
    """The label of the value ``record`` holds in ``field`` (a diagnosis's subtype read with its disease)."""
    disease = getattr(record, "disease", None) if field == "subtype" else None
    return code_label(type(record), field, getattr(record, field), disease)


def field_label(model: type[models.Model] | models.Model, name: str) -> str:
    """A field's name for people in the active language ("Diagnosis date", "Date du diagnostic", "ICD-10");
    a name that is no field, as it is (a foreign key's ``<name>_id`` is the field ``<name>``)."""
    try:
        model_field = _model(model)._meta.get_field(name[:-3] if name.endswith("_id") else name)
    except FieldDoesNotExist:
        return name
    words = str(getattr(model_field, "verbose_name", None) or model_field.name.replace("_", " "))
    return capfirst(gettext(words))


def field_help(model: type[models.Model] | models.Model, name: str) -> str:
    """A field's help text for people in the active language; "" when it has none (or is no field)."""
    try:
        model_field = _model(model)._meta.get_field(name)
    except FieldDoesNotExist:
        return ""
    text = str(getattr(model_field, "help_text", "") or "")
    return gettext(text).replace("``", "") if text else ""


def model_label(model: type[models.Model] | models.Model, *, plural: bool = False) -> str:
    """A record kind's name in the active language, in lower case as in a sentence ("infusion",
    "perfusion"); ``plural``: its plural ("follow-ups", "suivis")."""
    meta = _model(model)._meta
    return gettext(str(meta.verbose_name_plural if plural else meta.verbose_name))


def number_text(value: float | int | None) -> str:
    """A number as people write it: every digit the stored value has, thousands grouped, no exponent.

    ``1e7`` -> ``"10,000,000"``, ``3.5`` -> ``"3.5"``, ``2.0`` -> ``"2"``, ``1e-05`` -> ``"0.00001"``,
    ``-1234.5`` -> ``"-1,234.5"``; None -> ``""``. Not a number (nan, inf) is written as Python does.
    """
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = format(Decimal(repr(value)), "f")  # shortest round-trip digits, written out in full
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    sign = "-" if whole.startswith("-") and (fraction or whole.strip("-0")) else ""
    grouped = f"{int(whole.lstrip('-')):,}"
    return f"{sign}{grouped}.{fraction}" if fraction else f"{sign}{grouped}"
