"""Labels for people: the code list of every coded field of every registry model, in one place.

Stored values are stable lowercase codes (``ms``, ``rrms``, ``mob_cy2_gcsf``, ``cells/uL``); pages,
exports' data dictionaries and messages show their labels. A field is coded when the model gives it
Django choices or when its codes come from the clinical catalogue (diseases and their subtypes,
regimens, instruments) or from :mod:`remission.registry.codes` (laboratory units).

:func:`code_choices` gives a field's code list with labels, :func:`code_label` the label of one value,
:func:`record_label` the label of a stored record's value (a subtype is read with the record's own
disease). An unknown value is shown as it is stored, so a page never hides what the database holds.
:func:`number_text` writes a stored number for people (``10,000,000``, never ``1e+07``).
"""

from __future__ import annotations

import math
from decimal import Decimal
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models

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

SUBTYPE_SEPARATOR = " / "  # joins the labels of a subtype code two diseases share, when no disease is given


def _model(model: type[models.Model] | models.Model) -> type[models.Model]:
    return model if isinstance(model, type) else type(model)


def _diseases() -> Choices:
    from remission.clinical.diseases import DISEASES

    return tuple((code, d.name) for code, d in DISEASES.items())


def _subtypes(disease: str | None) -> Choices:
    from remission.clinical.diseases import DISEASES

    if disease is not None:
        found = DISEASES.get(disease)
        return () if found is None else tuple(found.subtypes.items())
    labels: dict[str, list[str]] = {}
    for d in DISEASES.values():
        for code, name in d.subtypes.items():
            labels.setdefault(code, []).append(name)
    return tuple((code, SUBTYPE_SEPARATOR.join(names)) for code, names in labels.items())


def _instruments() -> Choices:
    from remission.clinical.instruments import INSTRUMENTS

    return tuple((code, i.title) for code, i in INSTRUMENTS.items())


def _regimens(purposes: frozenset[str]) -> Choices:
    from remission.clinical.regimens import REGIMENS

    return tuple((code, r.name) for code, r in REGIMENS.items() if r.purpose in purposes)


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
    return _choices(_model(model), field, disease)


@cache
def _choices(model: type[models.Model], field: str, disease: str | None) -> Choices:
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
def _label_map(model: type[models.Model], field: str, disease: str | None) -> dict[str, str]:
    return dict(_choices(model, field, disease))


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
    return _label_map(_model(model), field, disease).get(text, text)


def record_label(record: models.Model, field: str) -> str:
    """The label of the value ``record`` holds in ``field`` (a diagnosis's subtype read with its disease)."""
    disease = getattr(record, "disease", None) if field == "subtype" else None
    return code_label(type(record), field, getattr(record, field), disease)


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
