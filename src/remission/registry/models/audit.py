"""The audit trail: one row per write (and per view of restricted identifiers or export). Never edited."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from remission.registry.codes import AuditAction


class AuditRecord(models.Model):
    """Who did what to which record, when, the values before and after, and why (→ FHIR AuditEvent)."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="audit_records"
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    entity = models.CharField(max_length=40, help_text="Model label, e.g. 'registry.infusion'")
    record_id = models.BigIntegerField(null=True)
    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, null=True, related_name="+")
    patient = models.ForeignKey("registry.Patient", on_delete=models.SET_NULL, null=True, related_name="+")
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["entity", "record_id"]), models.Index(fields=["centre", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.entity}#{self.record_id}"
