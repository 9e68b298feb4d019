"""The code systems, profiles and units of Remission's FHIR R4 bundles, in one place.

Codes of outside systems (LOINC, UCUM, HL7 terminology) are written only where they were checked
against a published source, named next to each code. Everything else is coded in a project-local code
system under :data:`BASE`, whose codes are the registry's own (``remission.registry.codes``).
"""

from __future__ import annotations

from typing import Final

# The project's own namespace (as the candidate schema's ``$id``); not a server address.
BASE: Final = "https://remission.example.org/fhir"
FHIR_VERSION: Final = "4.0.1"  # fhirclient 4.4.0's models: "Generated from FHIR 4.0.1-9346c8cc45"

REGISTRY_ID_SYSTEM: Final = f"{BASE}/identifier/registry-id"
CENTRE_SYSTEM: Final = f"{BASE}/CodeSystem/centre"
LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
ICD10: Final = "http://hl7.org/fhir/sid/icd-10"
# HL7 terminology, R4 core: Observation.category "laboratory" and data-absent-reason "unknown".
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT_REASON: Final = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
MISSING_REASON_URL: Final = f"{BASE}/StructureDefinition/missing-reason"


def code_system(name: str) -> str:
    """A project-local code system, e.g. ``code_system("disease")``."""
    return f"{BASE}/CodeSystem/{name}"


def profile(kind: str) -> str:
    """The profile every resource of one registry record type declares in ``meta.profile``."""
    return f"{BASE}/StructureDefinition/{kind}"


def field_extension(kind: str, field: str) -> str:
    """The extension that carries one registry field FHIR has no element for."""
    return f"{BASE}/StructureDefinition/{kind}-{field.replace('_', '-')}"


# LOINC for the laboratory analytes, by the unit family the code's property fixes. Checked sources:
#   751-8 "Neutrophils [#/volume] in Blood by Automated count": HL7 CTC Adverse Events IG, example
#       Observation r201-9 (build.fhir.org/ig/standardhealth/fsh-ae/Observation-r201-9.html).
#   731-0 "Lymphocytes [#/volume] in Blood by Automated count": HL7 eCR IG 2018Sep, example Observation
#       us-core-observation-results-eve-everywoman-lymphocytes (hl7.org/fhir/us/ecr/2018Sep/).
#   777-3 "Platelets [#/volume] in Blood by Automated count": US Core STU7, example Observation
#       cbc-platelets (hl7.org/fhir/us/core/STU7/Observation-cbc-platelets.html).
# The lymphocyte subsets (CD3, CD4, CD8, CD4 naive, CD19, NK, Treg), the immunoglobulins and TRECs have
# no LOINC here: their codes could not be checked against a source, so they carry only the project code.
COUNT_UNITS: Final = frozenset({"cells/uL", "10^9/L"})
ANALYTE_LOINC: Final[dict[str, tuple[str, str]]] = {
    "neutrophils": ("751-8", "Neutrophils [#/volume] in Blood by Automated count"),
    "lymphocytes": ("731-0", "Lymphocytes [#/volume] in Blood by Automated count"),
    "platelets": ("777-3", "Platelets [#/volume] in Blood by Automated count"),
}

# LOINC for work-up measurements. Checked sources: the FHIR core vital-signs profiles bodyheight
# (hl7.org/fhir/R4B/bodyheight.html: code fixed to 8302-2) and bodyweight
# (hl7.org/fhir/2021May/bodyweight.html: code fixed to 29463-7).
WORKUP_LOINC: Final[dict[str, tuple[str, str]]] = {
    "height_cm": ("8302-2", "Body height"),
    "weight_kg": ("29463-7", "Body weight"),
}

# The registry's unit strings → UCUM codes (unitsofmeasure.org syntax: 10*9 for 10^9, curly braces for
# annotations such as {copies}).
UCUM_OF_UNIT: Final[dict[str, str]] = {
    "cells/uL": "/uL",
    "10^9/L": "10*9/L",
    "%": "%",
    "g/L": "g/L",
    "mg/dL": "mg/dL",
    "copies/ug DNA": "{copies}/ug",
    "copies/mL": "{copies}/mL",
    "mg/kg": "mg/kg",
    "mg/m2": "mg/m2",
    "g/m2": "g/m2",
    "mg": "mg",
    "g": "g",
    "ug/kg": "ug/kg",
    "Gy": "Gy",
}

# Units of registry fields written as Quantity (field name → (unit as shown, UCUM code)).
FIELD_UNITS: Final[dict[str, tuple[str, str]]] = {
    "height_cm": ("cm", "cm"),
    "weight_kg": ("kg", "kg"),
    "lvef_pct": ("%", "%"),
    "pasp_mmhg": ("mmHg", "mm[Hg]"),
    "mpap_mmhg": ("mmHg", "mm[Hg]"),
    "fvc_pct": ("%", "%"),
    "dlco_pct": ("%", "%"),
    "creatinine_clearance": ("mL/min", "mL/min"),
}
