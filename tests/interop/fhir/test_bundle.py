"""What a written Bundle holds: valid FHIR R4 (4.0.1), the centre on every resource, LOINC/UCUM where
checked, no hospital number, the same bytes each time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhirclient.models.bundle import Bundle
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from remission.interop.fhir import codes
from remission.interop.fhir.export import fhir_export
from remission.registry.access import SYSTEM as OPERATOR
from remission.registry.models import HospitalIdentifier
from tests.registry.conftest import World


def _export(tmp_path: Path, **kwargs: Any) -> dict[str, dict[str, Any]]:
    fhir_export(actor=OPERATOR, folder=tmp_path, **kwargs)
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(tmp_path.glob("*.json"))}


def _resources(bundle: dict[str, Any], resource_type: str | None = None) -> list[dict[str, Any]]:
    found = [e["resource"] for e in bundle["entry"]]
    return [r for r in found if resource_type is None or r["resourceType"] == resource_type]


def _with_profile(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in _resources(bundle) if codes.profile(kind) in r["meta"]["profile"]]


def test_every_written_bundle_parses_strictly_as_fhir_r4(world: World, tmp_path: Path) -> None:
    bundles = _export(tmp_path)
    assert set(bundles) == {world.patient_a.registry_id, world.patient_b.registry_id}
    for bundle in bundles.values():
        Bundle(bundle, strict=True)  # raises FHIRValidationError on any wrong element, type or cardinality
        for resource in _resources(bundle):
            FHIRElementFactory.instantiate(resource["resourceType"], resource)  # strict by default
        assert bundle["type"] == "collection"
        assert len(_resources(bundle, "Patient")) == 1


def test_fhirclient_models_are_fhir_4_0_1() -> None:
    import fhirclient.models.patient as patient_module

    source = Path(patient_module.__file__).read_text(encoding="utf-8")
    assert source.startswith("# Generated from FHIR 4.0.1")
    assert codes.FHIR_VERSION == "4.0.1"


def test_every_resource_carries_its_centre_as_a_security_label(world: World, tmp_path: Path) -> None:
    bundles = _export(tmp_path)
    for registry_id, centre in (
        (world.patient_a.registry_id, "alpha"),
        (world.patient_b.registry_id, "beta"),
    ):
        bundle = bundles[registry_id]
        labels = [bundle["meta"]["security"], *(r["meta"]["security"] for r in _resources(bundle))]
        assert len(labels) == len(bundle["entry"]) + 1
        for label in labels:
            assert label == [
                {
                    "system": "https://remission.example.org/fhir/CodeSystem/centre",
                    "code": centre,
                    "display": "Alpha Hospital" if centre == "alpha" else "Beta Klinikum",
                }
            ]


def test_the_patient_has_its_registry_id_and_birth_month_and_no_hospital_number(
    world: World, tmp_path: Path
) -> None:
    bundles = _export(tmp_path)
    patient = world.patient_a
    resource = _resources(bundles[patient.registry_id], "Patient")[0]
    assert resource["identifier"] == [
        {"system": "https://remission.example.org/fhir/identifier/registry-id", "value": patient.registry_id}
    ]
    assert resource["birthDate"] == f"{patient.birth_year}-{patient.birth_month:02d}"
    text = "\n".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.json"))
    numbers = list(HospitalIdentifier.objects.values_list("value", flat=True))
    assert numbers, "the world has hospital numbers to look for"
    for number in numbers:
        assert number not in text


def test_laboratory_values_carry_loinc_only_where_checked_and_ucum_units(
    world: World, tmp_path: Path
) -> None:
    bundle = _export(tmp_path)[world.patient_a.registry_id]
    labs = {
        r["code"]["coding"][0]["code"]: r
        for r in _with_profile(bundle, "lab-result")
        if r["effectiveDateTime"] > "2022-08"
    }
    neutrophils = labs["neutrophils"]
    assert {
        "system": "http://loinc.org",
        "code": "751-8",
        "display": "Neutrophils [#/volume] in Blood by Automated count",
    } in neutrophils["code"]["coding"]
    assert neutrophils["valueQuantity"] == {
        "value": 2.5,
        "unit": "10^9/L",
        "system": "http://unitsofmeasure.org",
        "code": "10*9/L",
    }
    assert labs["platelets"]["code"]["coding"][1]["code"] == "777-3"
    # no checked LOINC code for IgG or for naive CD4+ as a percentage: the project code only
    for analyte in ("igg", "cd4_naive", "trec"):
        assert [c["system"] for c in labs[analyte]["code"]["coding"]] == [
            "https://remission.example.org/fhir/CodeSystem/analyte"
        ]
    assert labs["trec"]["valueQuantity"]["code"] == "{copies}/ug"
    categories = [r["category"][0]["coding"][0]["code"] for r in _with_profile(bundle, "lab-result")]
    assert set(categories) == {"laboratory"}


def test_conditioning_agents_are_medication_administrations_of_their_regimen(
    world: World, tmp_path: Path
) -> None:
    bundle = _export(tmp_path)[world.patient_a.registry_id]
    agents = _resources(bundle, "MedicationAdministration")
    cyclophosphamide = next(a for a in agents if a["medicationCodeableConcept"]["text"] == "cyclophosphamide")
    assert cyclophosphamide["dosage"]["dose"] == {
        "value": 50.0,
        "unit": "mg/kg",
        "system": "http://unitsofmeasure.org",
        "code": "mg/kg",
    }
    days = [e for e in cyclophosphamide["extension"] if e["url"].endswith("/conditioning-agent-days")]
    assert days == [
        {
            "url": "https://remission.example.org/fhir/StructureDefinition/conditioning-agent-days",
            "valueInteger": 4,
        }
    ]
    conditioning = _with_profile(bundle, "conditioning")[0]
    assert cyclophosphamide["partOf"] == [{"reference": f"Procedure/{conditioning['id']}"}]
    assert conditioning["resourceType"] == "Procedure"
    assert {
        "system": "https://remission.example.org/fhir/CodeSystem/regimen",
        "code": "cy200_ratg",
    } in conditioning["code"]["coding"]


def test_procedures_cover_collection_conditioning_and_infusion(world: World, tmp_path: Path) -> None:
    bundle = _export(tmp_path)[world.patient_b.registry_id]
    kinds = sorted(r["code"]["coding"][0]["code"] for r in _resources(bundle, "Procedure"))
    assert kinds == ["conditioning", "infusion", "mobilisation"]
    types = {r["resourceType"] for r in _resources(bundle)}
    assert types == {
        "Patient",
        "Condition",
        "MedicationStatement",
        "Observation",
        "Procedure",
        "BiologicallyDerivedProduct",
        "MedicationAdministration",
        "AdverseEvent",
    }


def test_an_assessment_keeps_its_items_as_components(world: World, tmp_path: Path) -> None:
    bundle = _export(tmp_path)[world.patient_a.registry_id]
    haq = next(r for r in _with_profile(bundle, "assessment") if r["code"]["coding"][0]["code"] == "haq_di")
    items = {c["code"]["coding"][0]["code"]: c for c in haq["component"]}
    assert items["dress_self"]["valueInteger"] == 1
    assert items["dressing_aid"]["valueBoolean"] is True
    assert items["walking_aid"]["valueBoolean"] is False
    assert "valueQuantity" not in haq  # no score: the reason instead
    assert haq["dataAbsentReason"]["coding"][0]["code"] == "unknown"


def test_the_same_registry_gives_the_same_bytes(world: World, tmp_path: Path) -> None:
    first = tmp_path / "first"
    second = tmp_path / "second"
    fhir_export(actor=OPERATOR, folder=first)
    fhir_export(actor=OPERATOR, folder=second)
    names = sorted(p.name for p in first.glob("*.json"))
    assert names == sorted(p.name for p in second.glob("*.json"))
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes()
