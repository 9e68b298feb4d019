"""Which FHIR resource carries each kind of registry record, and which of its fields FHIR elements hold.

A field of the kind (``Kind.fields``) that is neither a *core* field (written to a FHIR element by
``bundle.py`` and read back by ``read.py``) nor a *component* field (an Observation component) travels
in an extension of its own (``codes.field_extension``), so every field makes the round trip.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from django.db import models

from remission.registry.kinds import EDITABLE_KINDS


@dataclasses.dataclass(frozen=True)
class Shape:
    """One kind of record in FHIR: its resource type, ``core`` (field → the FHIR element that holds it)
    and ``components`` (fields written as Observation components)."""

    kind: str
    resource_type: str
    core: Mapping[str, str] = dataclasses.field(default_factory=dict)
    components: tuple[str, ...] = ()

    @property
    def model(self) -> type[models.Model]:
        return EDITABLE_KINDS[self.kind].model

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field of the kind, as its service takes them."""
        if self.kind == "conditioning-agent":
            return ("conditioning", *EDITABLE_KINDS[self.kind].fields)
        return EDITABLE_KINDS[self.kind].fields

    @property
    def extensions(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f not in self.core and f not in self.components)

    @property
    def takes_missing(self) -> bool:
        return self.kind != "patient" and EDITABLE_KINDS[self.kind].takes_missing

    def element(self, name: str) -> str:
        """Where field ``name`` is in a resource of this shape (for problems: file / resource / element)."""
        if name in self.core:
            return self.core[name]
        if name in self.components:
            return f"component[{name}]"
        if name == "missing":
            return "extension[missing-reason]"
        return f"extension[{name}]"

    def field(self, name: str) -> models.Field:
        return self.model._meta.get_field(name)


SHAPES: dict[str, Shape] = {
    s.kind: s
    for s in (
        Shape(
            "patient",
            "Patient",
            core={"sex": "gender", "birth_year": "birthDate", "birth_month": "birthDate"},
        ),
        Shape(
            "diagnosis",
            "Condition",
            core={"disease": "code", "icd10": "code", "first_symptom_date": "onsetDateTime"},
        ),
        Shape(
            "prior-therapy",
            "MedicationStatement",
            core={
                "agent": "medicationCodeableConcept.text",
                "start_date": "effectivePeriod.start",
                "stop_date": "effectivePeriod.end",
                "stop_reason": "statusReason",
            },
        ),
        Shape(
            "assessment",
            "Observation",
            core={
                "instrument": "code",
                "date": "effectiveDateTime",
                "score": "valueQuantity.value",
                "items": "component",
            },
        ),
        Shape(
            "workup",
            "Observation",
            core={"date": "effectiveDateTime"},
            components=(
                "height_cm",
                "weight_kg",
                "lvef_pct",
                "pasp_mmhg",
                "mpap_mmhg",
                "fvc_pct",
                "dlco_pct",
                "creatinine_clearance",
            ),
        ),
        Shape("mobilisation", "Procedure", core={"date": "performedDateTime", "regimen": "code"}),
        Shape(
            "cell-product",
            "BiologicallyDerivedProduct",
            core={"product_type": "productCode", "collection_date": "collection.collectedDateTime"},
        ),
        Shape("conditioning", "Procedure", core={"regimen": "code", "start_date": "performedPeriod.start"}),
        Shape(
            "conditioning-agent",
            "MedicationAdministration",
            core={
                "conditioning": "partOf",
                "drug": "medicationCodeableConcept.text",
                "dose": "dosage.dose.value",
                "unit": "dosage.dose.unit",
            },
        ),
        Shape("infusion", "Procedure", core={"date": "performedDateTime"}),
        Shape(
            "engraftment",
            "Observation",
            core={"infusion": "partOf"},
            components=("neutrophil_date", "platelet_date", "platelets_never_below_20", "graft_failure"),
        ),
        Shape(
            "adverse-event",
            "AdverseEvent",
            core={
                "term": "event.text",
                "category": "category",
                "onset_date": "date",
                "infusion": "suspectEntity",
            },
        ),
        Shape(
            "lab-result",
            "Observation",
            core={
                "date": "effectiveDateTime",
                "analyte": "code",
                "value": "valueQuantity.value",
                "unit": "valueQuantity.unit",
            },
        ),
        Shape(
            "follow-up",
            "Observation",
            core={"date": "effectiveDateTime"},
            components=("vital_status", "disease_status", "current_therapy"),
        ),
        Shape(
            "outcome-event",
            "Observation",
            core={
                "event_type": "code",
                "date": "effectiveDateTime",
                "cause_of_death": "valueCodeableConcept",
            },
        ),
    )
}

# The order records are written in a bundle: a record comes after every record it points to.
ORDER: tuple[str, ...] = tuple(SHAPES)


def resource_id(kind: str, pk: int) -> str:
    return f"{kind}-{pk}"


def reference(kind: str, pk: int) -> str:
    return f"{SHAPES[kind].resource_type}/{resource_id(kind, pk)}"
