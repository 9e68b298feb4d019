"""A generated patient before it is written: plain values, no Django, no database.

A :class:`PatientPlan` holds the patient's own fields and its records in the order a registry would
receive them (diagnosis … follow-up). Records point at each other by local keys (an infusion names its
``product`` and ``conditioning``), and the two writers (:mod:`remission.synth.bulk` and
:mod:`remission.synth.via_services`) turn those keys into database rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from remission.synth.cohort import Covariates
from remission.synth.hazards import Outcome

# Foreign keys between a patient's own records: model -> {field: model it points at}.
REFERENCES: dict[str, dict[str, str]] = {
    "CellProduct": {"mobilisation": "Mobilisation"},
    "ConditioningAgent": {"conditioning": "Conditioning"},
    "Infusion": {"product": "CellProduct", "conditioning": "Conditioning"},
    "Engraftment": {"infusion": "Infusion"},
    "AdverseEvent": {"infusion": "Infusion"},
}
# The order records are written in (every record after the ones it points at).
MODEL_ORDER: tuple[str, ...] = (
    "Diagnosis",
    "PriorTherapy",
    "WorkUp",
    "Assessment",
    "Mobilisation",
    "CellProduct",
    "Conditioning",
    "ConditioningAgent",
    "Infusion",
    "Engraftment",
    "AdverseEvent",
    "LabResult",
    "FollowUp",
    "OutcomeEvent",
)


@dataclass(slots=True)
class Rec:
    """One record: its model's name, its field values, a local ``key`` and ``refs`` (field -> key).

    ``defect`` is empty for every record the generator makes; a record planted to break a rule (the
    demo's legacy data, :mod:`remission.synth.present`) says here what is wrong with it, and the bulk
    path writes it unchecked.
    """

    model: str
    fields: dict[str, Any]
    key: str = ""
    refs: dict[str, str] = field(default_factory=dict)
    defect: str = ""


@dataclass(slots=True)
class PatientPlan:
    index: int
    registry_id: str
    centre: str
    patient: dict[str, Any]
    records: list[Rec]
    covariates: Covariates
    outcome: Outcome
    death: dt.date | None
    last_contact: dt.date

    @property
    def birth(self) -> dt.date:
        return dt.date(self.patient["birth_year"], self.patient["birth_month"], 1)

    def of(self, model: str) -> list[Rec]:
        return [r for r in self.records if r.model == model]

    def defects(self) -> list[Rec]:
        """The records planted to break a rule (none outside the demo)."""
        return [r for r in self.records if r.defect]

    def count(self) -> int:
        """Rows this patient writes (the patient itself included)."""
        return 1 + len(self.records)
