"""What the importer remembers: which registry record each imported source row became.

A row is known by its source system (``redcap``, ``table:<mapping name>``, ``fhir``), its record kind and
its key in that system. Importing a row whose (system, kind, key) is already here writes nothing: this is
what makes re-importing the same file change nothing. The rows are written in the same transaction as
the records they point at, so they land with them or not at all.
"""

from __future__ import annotations

from django.db import models


class ImportedRecord(models.Model):
    """One source row and the registry record it was imported as."""

    system = models.CharField(max_length=100, help_text="Source system, e.g. 'redcap' or 'fhir'")
    kind = models.CharField(max_length=32, help_text="Record kind (registry.kinds slug)")
    key = models.CharField(max_length=200, help_text="The row's stable key in the source system")
    entity = models.CharField(max_length=40, help_text="Model label, e.g. 'registry.infusion'")
    record_id = models.BigIntegerField()
    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=255, help_text="The file it was first imported from")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [  # noqa: RUF012 (Django reads Meta as a plain list)
            models.UniqueConstraint(fields=["system", "kind", "key"], name="imported_record_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.kind}:{self.key} -> {self.entity}#{self.record_id}"
