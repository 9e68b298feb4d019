"""Every write to the registry. Each function is keyword-only, takes the acting user as ``actor``,
validates, checks the actor's centre and role, runs in a transaction and leaves an audit record.

Edits and deletions of any record go through :func:`record_update` and :func:`record_delete`
with the version the user read.
"""

from remission.registry.services.centres import (
    centre_create,
    centre_update,
    membership_end,
    membership_grant,
    user_create,
)
from remission.registry.services.disease import (
    assessment_record,
    diagnosis_record,
    prior_therapy_record,
    workup_record,
)
from remission.registry.services.followup import (
    adverse_event_record,
    follow_up_record,
    lab_result_record,
    outcome_event_record,
)
from remission.registry.services.patients import (
    hospital_identifier_add,
    patient_consent_withdraw,
    patient_register,
    patient_update,
)
from remission.registry.services.records import record_delete, record_update
from remission.registry.services.tokens import token_create, token_revoke
from remission.registry.services.treatment import (
    cell_product_record,
    conditioning_record,
    engraftment_record,
    infusion_record,
    mobilisation_record,
)

__all__ = [
    "adverse_event_record",
    "assessment_record",
    "cell_product_record",
    "centre_create",
    "centre_update",
    "conditioning_record",
    "diagnosis_record",
    "engraftment_record",
    "follow_up_record",
    "hospital_identifier_add",
    "infusion_record",
    "lab_result_record",
    "membership_end",
    "membership_grant",
    "mobilisation_record",
    "outcome_event_record",
    "patient_consent_withdraw",
    "patient_register",
    "patient_update",
    "prior_therapy_record",
    "record_delete",
    "record_update",
    "token_create",
    "token_revoke",
    "user_create",
    "workup_record",
]
