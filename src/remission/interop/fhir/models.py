"""fhirclient's R4 (4.0.1) model classes for the resource types the bundles hold."""

from __future__ import annotations

from fhirclient.models.adverseevent import AdverseEvent
from fhirclient.models.biologicallyderivedproduct import BiologicallyDerivedProduct
from fhirclient.models.condition import Condition
from fhirclient.models.fhirabstractresource import FHIRAbstractResource
from fhirclient.models.medicationadministration import MedicationAdministration
from fhirclient.models.medicationstatement import MedicationStatement
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient
from fhirclient.models.procedure import Procedure

MODELS: dict[str, type[FHIRAbstractResource]] = {
    m.resource_type: m
    for m in (
        AdverseEvent,
        BiologicallyDerivedProduct,
        Condition,
        MedicationAdministration,
        MedicationStatement,
        Observation,
        Patient,
        Procedure,
    )
}


def model_of(resource_type: str) -> type[FHIRAbstractResource]:
    return MODELS[resource_type]
