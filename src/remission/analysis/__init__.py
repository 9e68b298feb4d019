"""remission.analysis: registry records → analysis data set (endpoints) → cohorts, Table 1, outcomes.

- :mod:`.endpoints` — endpoint derivation, in one place (pure functions on plain per-patient records);
- :mod:`.derivation_reads` — what derivation reads of the registry (scoped querysets, the cut-off), once;
- :mod:`.columns` — reads those records as columns (the analyses' road); :mod:`.loader` as per-patient
  records (the columnar derivation's test oracle);
- :mod:`.cohorts` — era, centre experience, cohort filters, groups;
- :mod:`.dataset` — :func:`load_cohort`, the notebook API;
- :mod:`.table1` — baseline characteristics by group;
- :mod:`.outcomes` — the standard outcome analysis (KM, cumulative incidence, tests, Cox, Fine-Gray);
- :mod:`.completeness` — follow-up: reverse Kaplan-Meier, Clark's completeness index;
- :mod:`.longitudinal` — scores and laboratory values by days since the index infusion;
- :mod:`.benchmarking` — observed against case-mix-expected events per centre, funnel-plot limits;
- :mod:`.multistate` — the course after infusion as a multi-state model (state occupation);
- :mod:`.landmark` — survival by the response known at a landmark time;
- :mod:`.comparison` — two regimens (eras, intensities) compared as an emulated target trial.

Analysis reads; it never writes.
"""

from remission.analysis.benchmarking import Benchmarking, centre_benchmarks
from remission.analysis.cohorts import Cohort, CohortSettings, select, split
from remission.analysis.comparison import Comparison, ComparisonProtocol, compare
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
from remission.analysis.landmark import LandmarkAnalysis, LandmarkSettings, landmark_analysis
from remission.analysis.longitudinal import Measurements, load_measurements
from remission.analysis.multistate import StateOccupation, state_occupation

__all__ = [
    "AnalysisSet",
    "Benchmarking",
    "Cohort",
    "CohortSettings",
    "Comparison",
    "ComparisonProtocol",
    "EndpointSet",
    "EndpointSettings",
    "Finding",
    "InfusionSelection",
    "LandmarkAnalysis",
    "LandmarkSettings",
    "Measurements",
    "PatientCourse",
    "StateOccupation",
    "centre_benchmarks",
    "compare",
    "derive_endpoints",
    "derive_patient",
    "landmark_analysis",
    "load_analysis_set",
    "load_cohort",
    "load_measurements",
    "select",
    "split",
    "state_occupation",
]
