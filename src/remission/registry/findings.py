"""One finding: a rule broken by data a patient already has, wherever it was found.

Three places find them, and all report this one :class:`Finding`:

- the registry's validation rules run over a stored patient (``validation.patient_findings``: ``remission
  check``, the data-quality page) — the record (model name, id, label), the field, the rule, the message;
- the data-quality rules run in bulk (``quality.evaluate``) — the same, with the rule's severity, the day
  the finding concerns and the time point that day falls in;
- endpoint derivation (``analysis.endpoints.derive``) — the patient's registry ID, the rule and a message
  that says how derivation handled it. Where derivation meets a contradiction a validation rule names
  (a record after the death, an alive follow-up after it, engraftment before the infusion), it reports
  that rule's id (``validation.RULE_*``) in its wording.

Each fills what it knows; the rest stays empty ("" or None).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from remission.registry.errors import Problem


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken rule in one patient's data: the rule and a sentence for a person, then where it is —
    the patient (registry ID, id, centre), the record (``entity`` = model name, ``record_id``, ``record``
    = its label), the field — and, from the data-quality rules, the severity, the day the finding
    concerns and the time point it falls in."""

    rule: str
    message: str
    registry_id: str = ""
    patient_id: int | None = None
    centre_id: int | None = None
    entity: str = ""
    record_id: int | None = None
    record: str = ""
    field: str = ""
    severity: str = ""
    day: dt.date | None = None
    time_point_id: int | None = None

    @property
    def key(self) -> tuple[str, str, int | None, str]:
        """What identifies a data-quality query: (rule, entity, record id, field)."""
        return (self.rule, self.entity, self.record_id, self.field)

    @property
    def problem(self) -> Problem:
        """The finding as the services report a refused write: record label, field, rule, message."""
        return Problem(self.record, self.field, self.rule, self.message)
