"""The registry's records that endpoint derivation reads, as scoped querysets: one definition, two roads.

Two readers turn the same records into derivation's input: :func:`remission.analysis.columns.
read_registry_columns` as columns (the analyses) and :func:`remission.analysis.loader.load_courses` as one
course per patient (the columnar derivation's test oracle, and the few recipients of other cell
therapies). Both take their querysets from :class:`DerivationReads`, so that which records are read, in
which order, up to which date, is written once.

Every queryset starts from the registry's scoping helpers (``readable_patients`` / ``readable_records`` /
``readable_centres``) with the reading user. Dated records after the cut-off stay in the database, except
infusions and engraftments: a patient whose infusion is after the cut-off is counted in the patient flow as
left out for that reason (derivation never looks past the cut-off). Lab results, adverse events and the
assessments that no response definition uses are read as one latest date per patient and kind of contact
(a ``GROUP BY`` in the database): all derivation needs of them is the contact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet

from remission.analysis.endpoints import RESPONSE_INSTRUMENTS
from remission.analysis.endpoints.columnar import CONTACT_KINDS
from remission.registry.models import (
    AdverseEvent,
    Assessment,
    Diagnosis,
    Engraftment,
    FollowUp,
    Infusion,
    LabResult,
    OutcomeEvent,
    WorkUp,
)
from remission.registry.selectors.scoping import readable_centres, readable_patients, readable_records

ITEMS_NEEDED = frozenset({"sledai2k", "mri_brain"})  # instruments whose items (not only score) are read


@dataclass(frozen=True)
class DerivationReads:
    """What ``user`` may read for derivation, dated records up to ``cutoff`` (None: all);
    ``patient_ids`` narrows every queryset to those patients' primary keys."""

    user: Any
    cutoff: dt.date | None = None
    patient_ids: Sequence[int] | None = None

    def patients(self) -> QuerySet:
        """The patients, by registry id."""
        patients = readable_patients(self.user)
        if self.patient_ids is not None:
            patients = patients.filter(pk__in=list(self.patient_ids))
        return patients.order_by("registry_id")

    def records(self, model: type) -> QuerySet:
        """Every readable record of ``model`` (no cut-off)."""
        rows = readable_records(model, self.user)
        if self.patient_ids is not None:
            rows = rows.filter(patient_id__in=list(self.patient_ids))
        return rows

    def dated(self, model: type, field: str = "date") -> QuerySet:
        """The readable records of ``model`` whose ``field`` is on or before the cut-off."""
        return self._upto(self.records(model), field)

    def _upto(self, rows: QuerySet, field: str) -> QuerySet:
        return rows if self.cutoff is None else rows.filter(**{f"{field}__lte": self.cutoff})

    def centres(self) -> QuerySet:
        """The centres (code and country of each patient's centre)."""
        return readable_centres(self.user)

    def diagnoses(self) -> QuerySet:
        return self.records(Diagnosis).filter(is_primary=True)

    def infusions(self) -> QuerySet:
        """Every infusion, after the cut-off too, by patient and sequence."""
        return self.records(Infusion).order_by("patient_id", "sequence")

    def engraftments(self) -> QuerySet:
        return self.records(Engraftment)

    def outcomes(self) -> QuerySet:
        return self.dated(OutcomeEvent)

    def follow_ups(self) -> QuerySet:
        return self.dated(FollowUp)

    def plain_scores(self) -> QuerySet:
        """The assessments of the response instruments whose score alone is read."""
        return self.dated(Assessment).filter(instrument__in=sorted(RESPONSE_INSTRUMENTS - ITEMS_NEEDED))

    def itemised_scores(self) -> QuerySet:
        """The assessments of the instruments whose items are read too (:data:`ITEMS_NEEDED`)."""
        return self.dated(Assessment).filter(instrument__in=sorted(ITEMS_NEEDED))

    def fvc(self) -> QuerySet:
        """Work-ups with FVC % predicted (read as an ``fvc_pct`` score, the ASSIST FVC baseline)."""
        return self.dated(WorkUp).filter(fvc_pct__isnull=False)

    def workups(self) -> QuerySet:
        """Work-ups with an HCT-CI or a performance score."""
        return self.dated(WorkUp).filter(Q(hct_ci_score__isnull=False) | Q(performance_score__isnull=False))

    def adverse_events(self) -> QuerySet:
        """Adverse events with their onset on or before the cut-off."""
        return self.dated(AdverseEvent, "onset_date")

    def latest_contacts(self) -> dict[str, QuerySet]:
        """Per kind of contact (:data:`~remission.analysis.endpoints.columnar.CONTACT_KINDS`, in its order),
        the latest date per patient: rows of ``patient_id`` and ``last``."""
        adverse = self.adverse_events()
        other_assessments = self.dated(Assessment).exclude(instrument__in=sorted(RESPONSE_INSTRUMENTS))
        latest = {  # the records, and the date whose latest is read
            "assessment": (other_assessments, "date"),
            "lab result": (self.dated(LabResult), "date"),
            "adverse event onset": (adverse, "onset_date"),
            "adverse event resolution": (
                self._upto(adverse.filter(resolution_date__isnull=False), "resolution_date"),
                "resolution_date",
            ),
        }
        contacts: dict[str, QuerySet] = {}
        for kind in CONTACT_KINDS:
            rows, field = latest[kind]
            per_patient = rows.values("patient_id").annotate(last=Max(field))
            contacts[kind] = per_patient.values_list("patient_id", "last")
        return contacts
