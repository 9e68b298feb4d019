"""remission.analysis: registry records → analysis data set (endpoints) → cohorts, Table 1, outcomes.

- :mod:`.endpoints` — endpoint derivation, in one place (pure functions on plain per-patient records);
- :mod:`.loader` — reads the registry in bulk, centre-scoped, into those records;
- :mod:`.cohorts` — era, centre experience, cohort filters, groups;
- :mod:`.dataset` — :func:`load_cohort`, the notebook API;
- :mod:`.table1` — baseline characteristics by group;
- :mod:`.outcomes` — the standard outcome analysis (KM, cumulative incidence, tests, Cox, Fine-Gray);
- :mod:`.completeness` — follow-up: reverse Kaplan-Meier, Clark's completeness index;
- :mod:`.longitudinal` — scores and laboratory values by days since the index infusion;
- :mod:`.benchmarking` — observed against case-mix-expected events per centre, funnel-plot limits.

Analysis reads; it never writes.
"""

from remission.analysis.benchmarking import Benchmarking, centre_benchmarks
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
from remission.analysis.longitudinal import Measurements, load_measurements

__all__ = [
    "AnalysisSet",
    "Benchmarking",
    "Cohort",
    "CohortSettings",
    "EndpointSet",
    "EndpointSettings",
    "Finding",
    "InfusionSelection",
    "Measurements",
    "PatientCourse",
    "centre_benchmarks",
    "derive_endpoints",
    "derive_patient",
    "load_analysis_set",
    "load_cohort",
    "load_measurements",
    "select",
    "split",
]
