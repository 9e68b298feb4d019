"""Every read of the registry. Each function is keyword-only, takes the reading ``user`` and returns
only what that user's centres and role allow (``selectors/scoping.py``); another centre's record is
"not found", never "forbidden", so that its existence is not revealed."""

from remission.registry.selectors.browse import centre_quality, patient_browse, record_get
from remission.registry.selectors.centres import audit_trail, centre_get, centre_list, membership_list
from remission.registry.selectors.patients import (
    hospital_identifier_list,
    patient_get,
    patient_get_by_pk,
    patient_list,
)
from remission.registry.selectors.records import (
    adverse_event_list,
    assessment_get,
    assessment_list,
    cell_product_list,
    conditioning_agent_list,
    conditioning_list,
    diagnosis_list,
    engraftment_list,
    follow_up_list,
    infusion_get,
    infusion_list,
    lab_result_list,
    mobilisation_list,
    outcome_event_list,
    prior_therapy_list,
    workup_list,
)

__all__ = [
    "adverse_event_list",
    "assessment_get",
    "assessment_list",
    "audit_trail",
    "cell_product_list",
    "centre_get",
    "centre_list",
    "centre_quality",
    "conditioning_agent_list",
    "conditioning_list",
    "diagnosis_list",
    "engraftment_list",
    "follow_up_list",
    "hospital_identifier_list",
    "infusion_get",
    "infusion_list",
    "lab_result_list",
    "membership_list",
    "mobilisation_list",
    "outcome_event_list",
    "patient_browse",
    "patient_get",
    "patient_get_by_pk",
    "patient_list",
    "prior_therapy_list",
    "record_get",
    "workup_list",
]
