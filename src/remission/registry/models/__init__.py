"""The registry's tables (docs/architecture.md, "The data model"), one module per stage of a course."""

from remission.registry.models.audit import AuditAnchor, AuditChainHead, AuditRecord
from remission.registry.models.centres import Centre, Membership
from remission.registry.models.disease import Assessment, Diagnosis, PriorTherapy, WorkUp
from remission.registry.models.followup import AdverseEvent, FollowUp, LabResult, OutcomeEvent
from remission.registry.models.jobs import ComputationJob
from remission.registry.models.patients import HospitalIdentifier, Patient
from remission.registry.models.prediction import PredictionModelSet
from remission.registry.models.preferences import UserPreference
from remission.registry.models.quality import Query, QueryDigest, QueryEvent, TimePoint
from remission.registry.models.tokens import ApiToken, TokenScope
from remission.registry.models.treatment import (
    CellProduct,
    Conditioning,
    ConditioningAgent,
    Engraftment,
    Infusion,
    Mobilisation,
)

# Records that belong to a patient, in the order of a patient's course (used by scoping and checks).
PATIENT_RECORD_MODELS = (
    Diagnosis,
    PriorTherapy,
    Assessment,
    WorkUp,
    Mobilisation,
    CellProduct,
    Conditioning,
    ConditioningAgent,
    Infusion,
    Engraftment,
    AdverseEvent,
    LabResult,
    FollowUp,
    OutcomeEvent,
)

__all__ = [
    "PATIENT_RECORD_MODELS",
    "AdverseEvent",
    "ApiToken",
    "Assessment",
    "AuditAnchor",
    "AuditChainHead",
    "AuditRecord",
    "CellProduct",
    "Centre",
    "ComputationJob",
    "Conditioning",
    "ConditioningAgent",
    "Diagnosis",
    "Engraftment",
    "FollowUp",
    "HospitalIdentifier",
    "Infusion",
    "LabResult",
    "Membership",
    "Mobilisation",
    "OutcomeEvent",
    "Patient",
    "PredictionModelSet",
    "PriorTherapy",
    "Query",
    "QueryDigest",
    "QueryEvent",
    "TimePoint",
    "TokenScope",
    "UserPreference",
    "WorkUp",
]
