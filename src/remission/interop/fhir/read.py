"""Reading Bundles as ``remission fhir export`` writes them into the import engine's typed rows.

Each file must hold one FHIR R4 Bundle of type ``collection`` with one Patient and that patient's
records, each resource declaring one of Remission's profiles (``meta.profile``). A file is first parsed
strictly by fhirclient's R4 model classes (element names and types, required elements), then each
resource is read back into a :class:`~remission.interop.rows.SourceRow`: codes against the registry's
code lists, dates, laboratory units against the analyte. Every problem names the file, the resource and
the element, e.g. ``R7KQ2M4XA.json / Observation/lab-result-12 / valueQuantity.unit / known_unit: 'mg'
is not a unit for cd4; known units: 10^9/L, cells/uL``. Bad input raises :class:`ReadError` only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from fhirclient.models.bundle import Bundle
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from remission.interop.fhir import codes, values
from remission.interop.fhir.shapes import SHAPES, Shape
from remission.interop.fhir.values import BadElement, expect, parse_code, parse_date, parse_float
from remission.interop.rows import ReadError, RowProblem, SourceRow
from remission.registry.codes import ANALYTE_UNITS, Analyte, MissingReason

SYSTEM = "fhir"
BUNDLE_ROW = "Bundle"

NOT_JSON = "not JSON: {error}"
NOT_R4 = "not a valid FHIR R4 Bundle: {error}"
NOT_R4_RESOURCE = "not a valid FHIR R4 resource: {error}"
NOT_A_BUNDLE = "resourceType is {found!r}, expected 'Bundle'"
NOT_COLLECTION = "Bundle.type is {found!r}, expected 'collection'"
NO_PATIENT = "the bundle holds no Patient"
TWO_PATIENTS = "the bundle holds more than one Patient"
UNKNOWN_PROFILE = "{resource_type} does not declare a Remission profile (meta.profile); found {found}"
WRONG_TYPE_FOR_PROFILE = "profile {profile} is for {expected}, not {found}"
NO_SUBJECT = "{element} is missing: every record names its patient"
WRONG_SUBJECT = "{found!r} is not this bundle's patient (Patient/{registry_id})"
MISSING_ELEMENT = "{element} is missing"
NO_CODING = "no coding of system {system}"
UNKNOWN_UNIT = "{unit!r} is not a unit for {analyte}; known units: {known}"
BAD_BIRTH_DATE = "{value!r} is not a birth month (YYYY-MM)"
UNKNOWN_FIELD_EXTENSION = "extension {url} is not a field of a {kind} record"
DUPLICATE_ID = "{name} appears twice in the bundle"
NO_FILES = "no *.json file in {folder}"
UNREADABLE = "cannot be read: {error}"

# Fields of a patient row beside the patient's own, and where they are read from.
PATIENT_ELEMENTS = {"centre": "meta.security", "registry_id": "id"}
PROFILE_KINDS = {codes.profile(kind): kind for kind in SHAPES}
MISSING_REASONS = frozenset(str(r) for r in MissingReason)
SEX_CODES = frozenset({"female", "male", "unknown"})


class _Resource:
    """One resource being read: raw JSON with helpers that name the element of every problem."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def get(self, path: str, required: bool = True) -> Any:
        node: Any = self.data
        for part in path.split("."):
            if isinstance(node, list):
                if not node:
                    node = None
                    break
                node = node[0]
            node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                break
        if node is None and required:
            raise BadElement(path, "required", MISSING_ELEMENT.format(element=path))
        return node

    def coding(self, path: str, system: str, required: bool = True) -> str | None:
        """The code of the coding of ``system`` in the CodeableConcept at ``path``."""
        concept = self.get(path, required)
        if concept is None:
            return None
        if isinstance(concept, list):  # a repeating CodeableConcept (category, statusReason): the first
            concept = concept[0] if concept else {}
        codings = expect(
            expect(concept, dict, path, "a CodeableConcept").get("coding", []),
            list,
            f"{path}.coding",
            "codings",
        )
        for i, coding in enumerate(codings):
            coding = expect(coding, dict, f"{path}.coding[{i}]", "a Coding")
            if coding.get("system") == system:
                return expect(coding.get("code"), str, f"{path}.coding[{i}].code", "a code")
        if required:
            raise BadElement(f"{path}.coding", "required", NO_CODING.format(system=system))
        return None


def _known(choices: Any) -> frozenset[str]:
    return frozenset(str(c) for c in choices)


def _catalogue(name: str) -> frozenset[str]:
    from remission.registry import catalogue

    return {"disease": catalogue.disease_codes, "regimen": catalogue.regimen_codes}[name]()


# --- core elements, one function per kind (the inverse of bundle.py) ---------------------------------


def _patient(r: _Resource) -> dict[str, Any]:
    sex = parse_code(r.get("gender"), "gender", SEX_CODES, "sex")
    birth = expect(r.get("birthDate"), str, "birthDate", "a birth month")
    parts = birth.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise BadElement("birthDate", "date", BAD_BIRTH_DATE.format(value=birth))
    return {"sex": sex, "birth_year": int(parts[0]), "birth_month": int(parts[1])}


def _condition(r: _Resource) -> dict[str, Any]:
    out: dict[str, Any] = {
        "disease": parse_code(
            r.coding("code", codes.code_system("disease")),
            "code.coding.code",
            _catalogue("disease"),
            "disease",
        )
    }
    icd10 = r.coding("code", codes.ICD10, required=False)
    if icd10 is not None:
        out["icd10"] = icd10
    onset = r.get("onsetDateTime", required=False)
    if onset is not None:
        out["first_symptom_date"] = parse_date(onset, "onsetDateTime")
    return out


def _medication_statement(r: _Resource) -> dict[str, Any]:
    from remission.registry.codes import TherapyStopReason

    out: dict[str, Any] = {
        "agent": expect(
            r.get("medicationCodeableConcept.text"), str, "medicationCodeableConcept.text", "text"
        )
    }
    period = r.get("effectivePeriod", required=False)
    out["start_date"] = None
    if period is not None:
        period = expect(period, dict, "effectivePeriod", "a Period")
        if "start" in period:
            out["start_date"] = parse_date(period["start"], "effectivePeriod.start")
        if "end" in period:
            out["stop_date"] = parse_date(period["end"], "effectivePeriod.end")
    reason = r.coding("statusReason", codes.code_system("therapy-stop-reason"), required=False)
    if reason is not None:
        out["stop_reason"] = parse_code(
            reason, "statusReason.coding.code", _known(TherapyStopReason), "stop_reason"
        )
    return out


def _assessment(r: _Resource) -> dict[str, Any]:
    from remission.clinical.instruments import INSTRUMENTS

    instrument = parse_code(
        r.coding("code", codes.code_system("instrument")),
        "code.coding.code",
        frozenset(INSTRUMENTS),
        "instrument",
    )
    out: dict[str, Any] = {
        "instrument": instrument,
        "date": parse_date(r.get("effectiveDateTime"), "effectiveDateTime"),
    }
    quantity = r.get("valueQuantity", required=False)
    out["score"] = (
        None if quantity is None else parse_float(r.get("valueQuantity.value"), "valueQuantity.value")
    )
    item_system = codes.code_system(f"instrument-item-{instrument}")
    items: dict[str, Any] = {}
    for i, component in enumerate(expect(r.data.get("component", []), list, "component", "components")):
        element = f"component[{i}]"
        name = _Resource(expect(component, dict, element, "a component")).coding("code", item_system)
        items[name] = values.read_item_value(component, element)
    if items:
        out["items"] = items
    return out


def _effective(r: _Resource) -> dict[str, Any]:
    return {"date": parse_date(r.get("effectiveDateTime"), "effectiveDateTime")}


def _regimen(r: _Resource) -> str:
    return parse_code(
        r.coding("code", codes.code_system("regimen")), "code.coding.code", _catalogue("regimen"), "regimen"
    )


def _mobilisation(r: _Resource) -> dict[str, Any]:
    return {"date": parse_date(r.get("performedDateTime"), "performedDateTime"), "regimen": _regimen(r)}


def _cell_product(r: _Resource) -> dict[str, Any]:
    from remission.registry.codes import ProductType

    out: dict[str, Any] = {
        "product_type": parse_code(
            r.coding("productCode", codes.code_system("product-type")),
            "productCode.coding.code",
            _known(ProductType),
            "product_type",
        )
    }
    collected = r.get("collection.collectedDateTime", required=False)
    if collected is not None:
        out["collection_date"] = parse_date(collected, "collection.collectedDateTime")
    return out


def _conditioning(r: _Resource) -> dict[str, Any]:
    return {
        "regimen": _regimen(r),
        "start_date": parse_date(r.get("performedPeriod.start"), "performedPeriod.start"),
    }


def _conditioning_agent(r: _Resource) -> dict[str, Any]:
    from remission.registry.codes import DoseUnit

    unit = parse_code(r.get("dosage.dose.unit"), "dosage.dose.unit", _known(DoseUnit), "unit")
    return {
        "conditioning": expect(r.get("partOf.reference"), str, "partOf.reference", "a reference"),
        "drug": expect(
            r.get("medicationCodeableConcept.text"), str, "medicationCodeableConcept.text", "text"
        ),
        "dose": parse_float(r.get("dosage.dose.value"), "dosage.dose.value"),
        "unit": unit,
    }


def _infusion(r: _Resource) -> dict[str, Any]:
    return {"date": parse_date(r.get("performedDateTime"), "performedDateTime")}


def _engraftment(r: _Resource) -> dict[str, Any]:
    return {"infusion": expect(r.get("partOf.reference"), str, "partOf.reference", "a reference")}


def _adverse_event(r: _Resource) -> dict[str, Any]:
    from remission.registry.codes import AdverseEventCategory

    out: dict[str, Any] = {
        "term": expect(r.get("event.text"), str, "event.text", "text"),
        "category": parse_code(
            r.coding("category", codes.code_system("adverse-event-category")),
            "category.coding.code",
            _known(AdverseEventCategory),
            "category",
        ),
        "onset_date": parse_date(r.get("date"), "date"),
    }
    suspect = r.get("suspectEntity.instance.reference", required=False)
    if suspect is not None:
        out["infusion"] = expect(suspect, str, "suspectEntity.instance.reference", "a reference")
    return out


def _lab_result(r: _Resource) -> dict[str, Any]:
    analyte = parse_code(
        r.coding("code", codes.code_system("analyte")), "code.coding.code", _known(Analyte), "analyte"
    )
    unit = expect(r.get("valueQuantity.unit"), str, "valueQuantity.unit", "a unit")
    known = ANALYTE_UNITS[Analyte(analyte)]
    if unit not in known:
        shown = ", ".join(sorted(known))
        raise BadElement(
            "valueQuantity.unit", "known_unit", UNKNOWN_UNIT.format(unit=unit, analyte=analyte, known=shown)
        )
    return {
        "date": parse_date(r.get("effectiveDateTime"), "effectiveDateTime"),
        "analyte": analyte,
        "value": parse_float(r.get("valueQuantity.value"), "valueQuantity.value"),
        "unit": unit,
    }


def _outcome_event(r: _Resource) -> dict[str, Any]:
    from remission.registry.codes import CauseOfDeath, OutcomeType

    out: dict[str, Any] = {
        "event_type": parse_code(
            r.coding("code", codes.code_system("outcome-type")),
            "code.coding.code",
            _known(OutcomeType),
            "event_type",
        ),
        "date": parse_date(r.get("effectiveDateTime"), "effectiveDateTime"),
    }
    cause = r.coding("valueCodeableConcept", codes.code_system("cause-of-death"), required=False)
    if cause is not None:
        out["cause_of_death"] = parse_code(
            cause, "valueCodeableConcept.coding.code", _known(CauseOfDeath), "cause_of_death"
        )
    return out


CORE: dict[str, Callable[[_Resource], dict[str, Any]]] = {
    "patient": _patient,
    "diagnosis": _condition,
    "prior-therapy": _medication_statement,
    "assessment": _assessment,
    "workup": _effective,
    "mobilisation": _mobilisation,
    "cell-product": _cell_product,
    "conditioning": _conditioning,
    "conditioning-agent": _conditioning_agent,
    "infusion": _infusion,
    "engraftment": _engraftment,
    "adverse-event": _adverse_event,
    "lab-result": _lab_result,
    "follow-up": _effective,
    "outcome-event": _outcome_event,
}


# --- what every resource has ------------------------------------------------------------------------


def _extensions(shape: Shape, r: _Resource) -> dict[str, Any]:
    out: dict[str, Any] = {}
    urls = {codes.field_extension(shape.kind, name): name for name in shape.extensions}
    missing: dict[str, str] = {}
    for i, ext in enumerate(expect(r.data.get("extension", []), list, "extension", "extensions")):
        element = f"extension[{i}]"
        ext = expect(ext, dict, element, "an Extension")
        url = ext.get("url")
        if url == codes.MISSING_REASON_URL and shape.takes_missing:
            parts = {
                p.get("url"): p
                for p in expect(ext.get("extension", []), list, element, "extensions")
                if isinstance(p, dict)
            }
            name = expect(
                parts.get("field", {}).get("valueString"),
                str,
                f"{element}.extension[field].valueString",
                "a field name",
            )
            reason = parse_code(
                parts.get("reason", {}).get("valueCode"),
                f"{element}.extension[reason].valueCode",
                MISSING_REASONS,
                "missing",
            )
            missing[name] = reason
            continue
        if url not in urls:
            raise BadElement(
                f"{element}.url", "known_extension", UNKNOWN_FIELD_EXTENSION.format(url=url, kind=shape.kind)
            )
        name = urls[url]
        field = shape.field(name)
        out[name] = values.read_extension_value(values.kind_of_field(field), ext, field, element)
    if missing:
        out["missing"] = missing
    return out


def _components(shape: Shape, r: _Resource) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not shape.components:  # an assessment's components are its items, read with its core
        return out
    system = codes.code_system(f"{shape.kind}-field")
    for i, component in enumerate(expect(r.data.get("component", []), list, "component", "components")):
        element = f"component[{i}]"
        component = expect(component, dict, element, "a component")
        name = parse_code(
            _Resource(component).coding("code", system),
            f"{element}.code.coding.code",
            frozenset(shape.components),
            "component",
        )
        field = shape.field(name)
        out[name] = values.read_component_value(values.kind_of_field(field), component, field, element)
    return out


def _kind_of(resource: dict[str, Any]) -> str:
    resource_type = resource.get("resourceType")
    profiles = (resource.get("meta") or {}).get("profile") or []
    kinds = [PROFILE_KINDS[p] for p in profiles if isinstance(p, str) and p in PROFILE_KINDS]
    if not kinds:
        raise BadElement(
            "meta.profile",
            "known_profile",
            UNKNOWN_PROFILE.format(resource_type=resource_type, found=profiles or "none"),
        )
    shape = SHAPES[kinds[0]]
    if shape.resource_type != resource_type:
        raise BadElement(
            "resourceType",
            "resource_type",
            WRONG_TYPE_FOR_PROFILE.format(
                profile=codes.profile(shape.kind), expected=shape.resource_type, found=resource_type
            ),
        )
    return shape.kind


def _subject(kind: str, r: _Resource, registry_id: str) -> None:
    path = "collection.source.reference" if kind == "cell-product" else "subject.reference"
    found = r.get(path, required=False)
    if found is None:
        raise BadElement(path, "subject", NO_SUBJECT.format(element=path))
    if found != f"Patient/{registry_id}":
        raise BadElement(path, "subject", WRONG_SUBJECT.format(found=found, registry_id=registry_id))


def _row(source: str, kind: str, r: _Resource, registry_id: str) -> SourceRow:
    shape = SHAPES[kind]
    fields = {**_extensions(shape, r), **_components(shape, r), **CORE[kind](r)}
    if kind == "patient":
        fields["registry_id"] = registry_id
        fields["centre"] = _centre(r)
    else:
        _subject(kind, r, registry_id)
    row_name = f"{r.data['resourceType']}/{r.data.get('id')}"
    return SourceRow(
        source=source,
        row=row_name,
        kind=kind,
        key=row_name,
        patient_key=f"Patient/{registry_id}",
        values=fields,
        columns={name: PATIENT_ELEMENTS.get(name) or shape.element(name) for name in fields},
    )


def _centre(r: _Resource) -> str:
    labels = expect(r.get("meta.security"), list, "meta.security", "security labels")
    for i, label in enumerate(labels):
        label = expect(label, dict, f"meta.security[{i}]", "a Coding")
        if label.get("system") == codes.CENTRE_SYSTEM:
            return expect(label.get("code"), str, f"meta.security[{i}].code", "a centre code")
    raise BadElement("meta.security", "required", NO_CODING.format(system=codes.CENTRE_SYSTEM))


def read_bundle(source: str, text: str | bytes) -> list[SourceRow]:
    """The rows of one bundle file (``source`` names it in every problem). Raises ReadError only."""
    resources, problems = _resources(source, text)
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if len(patients) != 1:
        message = NO_PATIENT if not patients else TWO_PATIENTS
        raise ReadError([*problems, RowProblem(source, BUNDLE_ROW, "entry", "one_patient", message)])
    registry_id = patients[0].get("id")
    if not isinstance(registry_id, str) or not registry_id:
        name = f"Patient/{registry_id}"
        raise ReadError(
            [*problems, RowProblem(source, name, "id", "required", MISSING_ELEMENT.format(element="id"))]
        )
    rows: list[SourceRow] = []
    seen: set[str] = set()
    for resource in resources:
        name = f"{resource.get('resourceType')}/{resource.get('id')}"
        try:
            if name in seen:
                raise BadElement("id", "duplicate_id", DUPLICATE_ID.format(name=name))
            seen.add(name)
            rows.append(_row(source, _kind_of(resource), _Resource(resource), registry_id))
        except BadElement as bad:
            problems.append(RowProblem(source, name, bad.element, bad.rule, bad.message))
    if problems:
        raise ReadError(problems)
    return rows


def _resources(source: str, text: str | bytes) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    """The resources of a bundle that fhirclient parses strictly, and the problems of the others.

    The bundle itself is checked without its resources, then each resource alone, so that a problem
    names the resource it is in. A file that is not a Bundle at all raises ReadError at once.
    """
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ReadError([RowProblem(source, BUNDLE_ROW, "", "json", NOT_JSON.format(error=exc))]) from exc
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        found = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        message = NOT_A_BUNDLE.format(found=found)
        raise ReadError([RowProblem(source, BUNDLE_ROW, "resourceType", "resource_type", message)])
    entries = data.get("entry")
    shell = {k: v for k, v in data.items() if k != "entry"}
    if entries is not None and not isinstance(entries, list):
        shell["entry"] = entries  # fhirclient names the error
    elif isinstance(entries, list):
        shell["entry"] = [
            {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e for e in entries
        ]
    try:
        Bundle(shell, strict=True)
    except Exception as exc:  # fhirclient raises FHIRValidationError, and TypeError/ValueError/… on odd input
        message = NOT_R4.format(error=_one_line(exc))
        raise ReadError([RowProblem(source, BUNDLE_ROW, "", "fhir_r4", message)]) from exc
    if data.get("type") != "collection":
        message = NOT_COLLECTION.format(found=data.get("type"))
        raise ReadError([RowProblem(source, BUNDLE_ROW, "type", "bundle_type", message)])
    resources: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    for i, entry in enumerate(entries or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            message = MISSING_ELEMENT.format(element="resource")
            problems.append(RowProblem(source, f"entry[{i}]", "resource", "required", message))
            continue
        try:
            FHIRElementFactory.instantiate(resource.get("resourceType"), resource)  # strict
        except Exception as exc:  # as above: FHIRValidationError, or another error on odd input
            name = f"{resource.get('resourceType')}/{resource.get('id')}"
            message = NOT_R4_RESOURCE.format(error=_one_line(exc))
            problems.append(RowProblem(source, name, "", "fhir_r4", message))
            continue
        resources.append(resource)
    return resources, problems


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:500]


def read_folder(folder: Path) -> list[SourceRow]:
    """The rows of every ``*.json`` bundle in ``folder`` (sorted by name); every file's problems at once."""
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not files:
        raise ReadError([RowProblem(str(folder), BUNDLE_ROW, "", "no_files", NO_FILES.format(folder=folder))])
    return read_files(files)


def read_files(files: Iterable[Path]) -> list[SourceRow]:
    rows: list[SourceRow] = []
    problems: list[RowProblem] = []
    for path in files:
        try:
            rows.extend(read_bundle(path.name, path.read_bytes()))
        except ReadError as exc:
            problems.extend(exc.problems)
        except OSError as exc:
            problems.append(RowProblem(path.name, BUNDLE_ROW, "", "readable", UNREADABLE.format(error=exc)))
    if problems:
        raise ReadError(problems)
    return rows
