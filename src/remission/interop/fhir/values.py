"""Registry field values ↔ FHIR ``value[x]``, chosen by the Django field that holds the value.

One table decides how a field travels, so the writer and the reader cannot disagree: a date is a
``valueDate`` (``valueDateTime`` in a component, which has no ``valueDate``), an integer ``valueInteger``,
a float ``valueDecimal`` (``valueQuantity`` in a component), a coded field (one with choices) ``valueCode``
(``valueCodeableConcept``), other text ``valueString``, a JSON field ``valueString`` holding JSON, and a
link to another record ``valueReference``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

from django.db import models

from remission.interop.fhir import codes

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Marks an item whose valueString holds JSON (a value that is not a plain number, boolean or text).
JSON_ITEM = {"url": f"{codes.BASE}/StructureDefinition/json-value", "valueBoolean": True}

NOT_A_DATE = "{value!r} is not a date (YYYY-MM-DD)"
WRONG_TYPE = "expected {expected}, found {found}"
NOT_JSON = "{value!r} is not JSON"
UNKNOWN_CODE = "{value!r} is not a code of {what}; known codes: {known}"
NOT_FINITE = "{value!r} is not a finite number"


class BadElement(Exception):
    """One element of a resource cannot be read: where (element path), which rule, and why."""

    def __init__(self, element: str, rule: str, message: str) -> None:
        self.element = element
        self.rule = rule
        self.message = message
        super().__init__(f"{element}: {message} [{rule}]")


def kind_of_field(field: models.Field) -> str:
    """date | bool | int | float | json | code | string | reference."""
    if field.is_relation:
        return "reference"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.BooleanField):
        return "bool"
    if isinstance(field, models.IntegerField):
        return "int"
    if isinstance(field, models.FloatField):
        return "float"
    if isinstance(field, models.JSONField):
        return "json"
    if field.choices:
        return "code"
    return "string"


# --- writing ---------------------------------------------------------------------------------------


def extension_value(kind: str, value: Any, *, reference: str = "") -> dict[str, Any]:
    """The ``value[x]`` of an extension carrying ``value`` of a field of this kind."""
    if kind == "reference":
        return {"valueReference": {"reference": reference}}
    if kind == "date":
        return {"valueDate": value.isoformat()}
    if kind == "bool":
        return {"valueBoolean": bool(value)}
    if kind == "int":
        return {"valueInteger": int(value)}
    if kind == "float":
        return {"valueDecimal": float(value)}
    if kind == "json":
        return {"valueString": json.dumps(value, sort_keys=True, ensure_ascii=False)}
    if kind == "code":
        return {"valueCode": str(value)}
    return {"valueString": str(value)}


def component_value(kind: str, name: str, value: Any, field_system: str) -> dict[str, Any]:
    """The ``value[x]`` of an Observation component carrying one registry field."""
    if kind == "date":
        return {"valueDateTime": value.isoformat()}
    if kind == "bool":
        return {"valueBoolean": bool(value)}
    if kind == "int":
        return {"valueInteger": int(value)}
    if kind == "float":
        quantity: dict[str, Any] = {"value": float(value)}
        if name in codes.FIELD_UNITS:
            unit, ucum = codes.FIELD_UNITS[name]
            quantity |= {"unit": unit, "system": codes.UCUM, "code": ucum}
        return {"valueQuantity": quantity}
    if kind == "code":
        return {"valueCodeableConcept": {"coding": [{"system": field_system, "code": str(value)}]}}
    return {"valueString": str(value)}


def item_value(value: Any) -> dict[str, Any]:
    """The ``value[x]`` of an assessment item (items are JSON scalars; anything else travels as JSON)."""
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, float):
        return {"valueQuantity": {"value": value}}
    if isinstance(value, str) and value:
        return {"valueString": value}
    return {"valueString": json.dumps(value, sort_keys=True), "extension": [JSON_ITEM]}


# --- reading ---------------------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    return type(value).__name__


def expect(value: Any, types: type | tuple[type, ...], element: str, expected: str) -> Any:
    """``value`` if it is of ``types`` (a bool is never an int here), else BadElement [type]."""
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise BadElement(element, "type", WRONG_TYPE.format(expected=expected, found="boolean"))
    if not isinstance(value, types):
        raise BadElement(element, "type", WRONG_TYPE.format(expected=expected, found=_type_name(value)))
    return value


def parse_date(value: Any, element: str) -> dt.date:
    text = expect(value, str, element, "a date")
    try:
        if not DATE_PATTERN.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise BadElement(element, "date", NOT_A_DATE.format(value=text)) from exc


def parse_float(value: Any, element: str) -> float:
    number = float(expect(value, (int, float), element, "a number"))
    if not math.isfinite(number):
        raise BadElement(element, "number", NOT_FINITE.format(value=value))
    return number


def parse_code(value: Any, element: str, known: frozenset[str] | None, what: str) -> str:
    code = expect(value, str, element, "a code")
    if known is not None and code not in known:
        shown = ", ".join(sorted(known))
        raise BadElement(element, "known_code", UNKNOWN_CODE.format(value=code, what=what, known=shown))
    return code


def parse_json(value: Any, element: str) -> Any:
    text = expect(value, str, element, "JSON text")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadElement(element, "json", NOT_JSON.format(value=text)) from exc


def choices_of(field: models.Field) -> frozenset[str] | None:
    return frozenset(str(c[0]) for c in field.choices) if field.choices else None


def read_extension_value(kind: str, ext: dict[str, Any], field: models.Field, element: str) -> Any:
    """The Python value of an extension written by :func:`extension_value` (reference: the reference)."""
    key = {
        "reference": "valueReference",
        "date": "valueDate",
        "bool": "valueBoolean",
        "int": "valueInteger",
        "float": "valueDecimal",
        "json": "valueString",
        "code": "valueCode",
        "string": "valueString",
    }[kind]
    where = f"{element}.{key}"
    if key not in ext:
        raise BadElement(where, "required", WRONG_TYPE.format(expected=key, found="nothing"))
    value = ext[key]
    if kind == "reference":
        return expect(
            expect(value, dict, where, "a Reference").get("reference"),
            str,
            f"{where}.reference",
            "a reference",
        )
    if kind == "date":
        return parse_date(value, where)
    if kind == "bool":
        return expect(value, bool, where, "a boolean")
    if kind == "int":
        return expect(value, int, where, "an integer")
    if kind == "float":
        return parse_float(value, where)
    if kind == "json":
        return parse_json(value, where)
    if kind == "code":
        return parse_code(value, where, choices_of(field), field.name)
    return expect(value, str, where, "a string")


def read_component_value(kind: str, component: dict[str, Any], field: models.Field, element: str) -> Any:
    """The Python value of a component written by :func:`component_value`."""
    if kind == "date":
        return parse_date(component.get("valueDateTime"), f"{element}.valueDateTime")
    if kind == "bool":
        return expect(component.get("valueBoolean"), bool, f"{element}.valueBoolean", "a boolean")
    if kind == "int":
        return expect(component.get("valueInteger"), int, f"{element}.valueInteger", "an integer")
    if kind == "float":
        quantity = expect(component.get("valueQuantity"), dict, f"{element}.valueQuantity", "a Quantity")
        return parse_float(quantity.get("value"), f"{element}.valueQuantity.value")
    if kind == "code":
        concept = expect(
            component.get("valueCodeableConcept"),
            dict,
            f"{element}.valueCodeableConcept",
            "a CodeableConcept",
        )
        codings = expect(concept.get("coding"), list, f"{element}.valueCodeableConcept.coding", "codings")
        if not codings:
            raise BadElement(f"{element}.valueCodeableConcept.coding", "required", "no coding")
        coding = expect(codings[0], dict, f"{element}.valueCodeableConcept.coding[0]", "a Coding")
        return parse_code(
            coding.get("code"),
            f"{element}.valueCodeableConcept.coding[0].code",
            choices_of(field),
            field.name,
        )
    return expect(component.get("valueString"), str, f"{element}.valueString", "a string")


def read_item_value(component: dict[str, Any], element: str) -> Any:
    """The Python value of an assessment item written by :func:`item_value`."""
    if "valueBoolean" in component:
        return expect(component["valueBoolean"], bool, f"{element}.valueBoolean", "a boolean")
    if "valueInteger" in component:
        return expect(component["valueInteger"], int, f"{element}.valueInteger", "an integer")
    if "valueQuantity" in component:
        quantity = expect(component["valueQuantity"], dict, f"{element}.valueQuantity", "a Quantity")
        return parse_float(quantity.get("value"), f"{element}.valueQuantity.value")
    if "extension" in component:
        return parse_json(component.get("valueString"), f"{element}.valueString")
    return expect(component.get("valueString"), str, f"{element}.valueString", "a value")
