"""One patient's registry records as one FHIR R4 Bundle (type ``collection``).

A ``collection`` and not a ``transaction``: the bundle is a file to keep, send or re-import, not a set of
instructions for a FHIR server (a transaction would need ``request`` entries and a server to run them).
Every resource is built as JSON and passed through fhirclient's R4 (4.0.1) model class of its type, whose
``as_json()`` checks element types and required elements, so a bundle that does not validate is never
written. Resource ids are stable (``<kind>-<database id>``; the Patient's id is its registry id) and
the bundle has no timestamp, so the same registry gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fhirclient.models.bundle import Bundle

from remission.interop.fhir import codes, values
from remission.interop.fhir.models import model_of
from remission.interop.fhir.shapes import SHAPES, Shape, reference, resource_id
from remission.registry.kinds import KIND_OF_MODEL
from remission.registry.models import Centre, Patient
from remission.registry.validation import is_empty


def security_label(centre: Centre) -> dict[str, str]:
    """The centre a resource belongs to, as a ``meta.security`` coding."""
    return {"system": codes.CENTRE_SYSTEM, "code": centre.code, "display": centre.name}


def _coding(system: str, code: str, display: str = "") -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _kind_code(kind: str) -> dict[str, Any]:
    return {"coding": [_coding(codes.code_system("record-type"), kind)]}


def _ref_of(record: Any, name: str) -> str:
    """The FHIR reference of the record a foreign key of ``record`` points to."""
    field = record._meta.get_field(name)
    return reference(KIND_OF_MODEL[field.related_model].slug, getattr(record, field.attname))


# --- core elements, one function per kind ------------------------------------------------------------


def _patient(p: Patient) -> dict[str, Any]:
    return {
        "identifier": [{"system": codes.REGISTRY_ID_SYSTEM, "value": p.registry_id}],
        "gender": p.sex,
        "birthDate": f"{p.birth_year:04d}-{p.birth_month:02d}",
        "managingOrganization": {
            "identifier": {"system": codes.CENTRE_SYSTEM, "value": p.centre.code},
            "display": p.centre.name,
        },
    }


def _condition(d: Any) -> dict[str, Any]:
    coding = [_coding(codes.code_system("disease"), d.disease)]
    if d.icd10:
        coding.append(_coding(codes.ICD10, d.icd10))
    resource: dict[str, Any] = {"code": {"coding": coding}}
    if d.first_symptom_date:
        resource["onsetDateTime"] = d.first_symptom_date.isoformat()
    return resource


def _medication_statement(t: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "status": "completed" if t.stop_date else "unknown",
        "medicationCodeableConcept": {"text": t.agent},
    }
    period: dict[str, str] = {}
    if t.start_date:
        period["start"] = t.start_date.isoformat()
    if t.stop_date:
        period["end"] = t.stop_date.isoformat()
    if period:
        resource["effectivePeriod"] = period
    if t.stop_reason:
        resource["statusReason"] = [
            {"coding": [_coding(codes.code_system("therapy-stop-reason"), t.stop_reason)]}
        ]
    return resource


def _assessment(a: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "status": "final",
        "code": {"coding": [_coding(codes.code_system("instrument"), a.instrument)]},
        "effectiveDateTime": a.date.isoformat(),
    }
    if a.score is None:
        resource["dataAbsentReason"] = {"coding": [_coding(codes.DATA_ABSENT_REASON, "unknown")]}
    else:
        resource["valueQuantity"] = {"value": float(a.score)}
    item_system = codes.code_system(f"instrument-item-{a.instrument}")
    resource["component"] = [
        {"code": {"coding": [_coding(item_system, name)]}, **values.item_value(value)}
        for name, value in sorted((a.items or {}).items())
    ]
    return resource


def _workup(w: Any) -> dict[str, Any]:
    return {"status": "final", "code": _kind_code("workup"), "effectiveDateTime": w.date.isoformat()}


def _procedure(kind: str, regimen: str = "") -> dict[str, Any]:
    code = _kind_code(kind)
    if regimen:
        code["coding"].append(_coding(codes.code_system("regimen"), regimen))
    return {"status": "completed", "code": code}


def _mobilisation(m: Any) -> dict[str, Any]:
    return _procedure("mobilisation", m.regimen) | {"performedDateTime": m.date.isoformat()}


def _cell_product(c: Any) -> dict[str, Any]:
    collection: dict[str, Any] = {}  # with the patient as its source (record_resource)
    if c.collection_date:
        collection["collectedDateTime"] = c.collection_date.isoformat()
    return {
        "productCategory": "cells",
        "productCode": {"coding": [_coding(codes.code_system("product-type"), c.product_type)]},
        "collection": collection,
    }


def _conditioning(c: Any) -> dict[str, Any]:
    return _procedure("conditioning", c.regimen) | {"performedPeriod": {"start": c.start_date.isoformat()}}


def _conditioning_agent(a: Any) -> dict[str, Any]:
    # effective[x] is required: the regimen's first day (the registry keeps no date per agent).
    return {
        "status": "completed",
        "medicationCodeableConcept": {"text": a.drug},
        "effectiveDateTime": a.conditioning.start_date.isoformat(),
        "partOf": [{"reference": _ref_of(a, "conditioning")}],
        "dosage": {
            "dose": {
                "value": float(a.dose),
                "unit": a.unit,
                "system": codes.UCUM,
                "code": codes.UCUM_OF_UNIT[a.unit],
            }
        },
    }


def _infusion(i: Any) -> dict[str, Any]:
    return _procedure("infusion") | {"performedDateTime": i.date.isoformat()}


def _engraftment(e: Any) -> dict[str, Any]:
    return {
        "status": "final",
        "code": _kind_code("engraftment"),
        "partOf": [{"reference": _ref_of(e, "infusion")}],
    }


def _adverse_event(e: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "actuality": "actual",
        "category": [{"coding": [_coding(codes.code_system("adverse-event-category"), e.category)]}],
        "event": {"text": e.term},
        "date": e.onset_date.isoformat(),
    }
    if e.infusion_id:
        resource["suspectEntity"] = [{"instance": {"reference": _ref_of(e, "infusion")}}]
    return resource


def _lab_result(r: Any) -> dict[str, Any]:
    coding = [_coding(codes.code_system("analyte"), r.analyte)]
    if r.analyte in codes.ANALYTE_LOINC and r.unit in codes.COUNT_UNITS:
        loinc, display = codes.ANALYTE_LOINC[r.analyte]
        coding.append(_coding(codes.LOINC, loinc, display))
    return {
        "status": "final",
        "category": [{"coding": [_coding(codes.OBSERVATION_CATEGORY, "laboratory")]}],
        "code": {"coding": coding},
        "effectiveDateTime": r.date.isoformat(),
        "valueQuantity": {
            "value": float(r.value),
            "unit": r.unit,
            "system": codes.UCUM,
            "code": codes.UCUM_OF_UNIT[r.unit],
        },
    }


def _follow_up(f: Any) -> dict[str, Any]:
    return {"status": "final", "code": _kind_code("follow-up"), "effectiveDateTime": f.date.isoformat()}


def _outcome_event(o: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "status": "final",
        "code": {"coding": [_coding(codes.code_system("outcome-type"), o.event_type)]},
        "effectiveDateTime": o.date.isoformat(),
    }
    if o.cause_of_death:
        resource["valueCodeableConcept"] = {
            "coding": [_coding(codes.code_system("cause-of-death"), o.cause_of_death)]
        }
    return resource


CORE: dict[str, Callable[[Any], dict[str, Any]]] = {
    "patient": _patient,
    "diagnosis": _condition,
    "prior-therapy": _medication_statement,
    "assessment": _assessment,
    "workup": _workup,
    "mobilisation": _mobilisation,
    "cell-product": _cell_product,
    "conditioning": _conditioning,
    "conditioning-agent": _conditioning_agent,
    "infusion": _infusion,
    "engraftment": _engraftment,
    "adverse-event": _adverse_event,
    "lab-result": _lab_result,
    "follow-up": _follow_up,
    "outcome-event": _outcome_event,
}


# --- what every resource has ------------------------------------------------------------------------


def _components(shape: Shape, record: Any) -> list[dict[str, Any]]:
    components: list[dict[str, Any]] = []
    for name in shape.components:
        value = getattr(record, name)
        if is_empty(value):
            continue
        system = codes.code_system(f"{shape.kind}-field")
        coding = [_coding(system, name)]
        if shape.kind == "workup" and name in codes.WORKUP_LOINC:
            loinc, display = codes.WORKUP_LOINC[name]
            coding.append(_coding(codes.LOINC, loinc, display))
        kind = values.kind_of_field(shape.field(name))
        value_system = codes.code_system(f"{shape.kind}-{name.replace('_', '-')}")
        components.append(
            {"code": {"coding": coding}, **values.component_value(kind, name, value, value_system)}
        )
    return components


def _extensions(shape: Shape, record: Any) -> list[dict[str, Any]]:
    extensions: list[dict[str, Any]] = []
    for name in shape.extensions:
        field = shape.field(name)
        kind = values.kind_of_field(field)
        value = getattr(record, field.attname)
        if is_empty(value):
            continue
        ref = _ref_of(record, name) if kind == "reference" else ""
        extensions.append(
            {
                "url": codes.field_extension(shape.kind, name),
                **values.extension_value(kind, value, reference=ref),
            }
        )
    missing = getattr(record, "missing", None) if shape.takes_missing else None
    for name, reason in sorted((missing or {}).items()):
        extensions.append(
            {
                "url": codes.MISSING_REASON_URL,
                "extension": [
                    {"url": "field", "valueString": str(name)},
                    {"url": "reason", "valueCode": str(reason)},
                ],
            }
        )
    return extensions


def record_resource(kind: str, record: Any, patient: Patient) -> dict[str, Any]:
    """One registry record of ``patient`` as a validated FHIR R4 resource (JSON)."""
    centre = patient.centre
    shape = SHAPES[kind]
    resource: dict[str, Any] = {
        "resourceType": shape.resource_type,
        "id": record.registry_id if kind == "patient" else resource_id(kind, record.pk),
        "meta": {"profile": [codes.profile(kind)], "security": [security_label(centre)]},
    }
    extensions = _extensions(shape, record)
    if extensions:
        resource["extension"] = extensions
    resource |= CORE[kind](record)
    subject = {"reference": f"Patient/{patient.registry_id}"}
    if kind == "cell-product":
        resource["collection"]["source"] = subject
    elif kind != "patient":
        resource["subject"] = subject
    components = _components(shape, record)
    if components:
        resource["component"] = resource.get("component", []) + components
    if resource.get("component") == []:
        del resource["component"]
    return model_of(shape.resource_type)(resource, strict=True).as_json()


def patient_bundle(patient: Patient, records: Mapping[str, Iterable[Any]]) -> dict[str, Any]:
    """The patient and ``records`` (kind → records of that patient) as one validated Bundle (JSON)."""
    centre = patient.centre
    entries = [record_resource("patient", patient, patient)]
    for kind in SHAPES:
        if kind != "patient":
            entries.extend(record_resource(kind, r, patient) for r in records.get(kind, ()))
    bundle = {
        "resourceType": "Bundle",
        "id": patient.registry_id,
        "meta": {"security": [security_label(centre)]},
        "type": "collection",
        "entry": [{"fullUrl": f"{codes.BASE}/{r['resourceType']}/{r['id']}", "resource": r} for r in entries],
    }
    return Bundle(bundle, strict=True).as_json()


def bundle_bytes(bundle: Mapping[str, Any]) -> bytes:
    """The file form of a bundle: UTF-8 JSON, keys sorted, indented, ending in a newline."""
    return (json.dumps(bundle, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
