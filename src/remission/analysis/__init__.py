"""remission.analysis: registry records → analysis data set (endpoints) → cohorts, Table 1, outcomes.

- :mod:`.endpoints` — endpoint derivation, in one place (pure functions on plain per-patient records);
- :mod:`.loader` — reads the registry in bulk, centre-scoped, into those records;
- :mod:`.cohorts` — era, centre experience, cohort filters, groups;
- :mod:`.dataset` — :func:`load_cohort`, the notebook API;
- :mod:`.table1` — baseline characteristics by group;
- :mod:`.outcomes` — the standard outcome analysis (KM, cumulative incidence, tests, Cox, Fine-Gray);
- :mod:`.completeness` — follow-up: reverse Kaplan-Meier, Clark's completeness index.

Analysis reads; it never writes.
"""

from remission.analysis.cohorts import Cohort, CohortSettings, select, split
from remission.analysis.dataset import AnalysisSet, load_analysis_set, load_cohort
from remission.analysis.endpoints import (
    EndpointSet,
    EndpointSettings,
    Finding,
    InfusionSelection,
    PatientCourse,
    derive_endpoints,
    derive_patient,
)

__all__ = [
    "AnalysisSet",
    "Cohort",
    "CohortSettings",
    "EndpointSet",
    "EndpointSettings",
    "Finding",
    "InfusionSelection",
    "PatientCourse",
    "derive_endpoints",
    "derive_patient",
    "load_analysis_set",
    "load_cohort",
    "select",
    "split",
]
