"""What every registry record has: a version for optimistic locking, timestamps, missing-value reasons."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class Record(models.Model):
    """Base of every audited table.

    ``version`` starts at 1 and goes up by one with each edit; an edit must name the version it read
    (see ``services/records.py``), so two people editing the same record cannot overwrite each other.
    """

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Fields a service may set; everything else is managed by the registry.
    EDITABLE_FIELDS: ClassVar[tuple[str, ...]] = ()
    # Date fields that lie on the patient's timeline (checked against birth, death and today).
    TIMELINE_DATES: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True


class PatientRecord(Record):
    """A record that belongs to one patient, and so to that patient's centre.

    ``missing`` maps an empty field to the reason it is empty (``codes.MissingReason``):
    EBMT asks centres to tell "not evaluated" from "unknown".
    """

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="+")
    missing = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True
