"""The audit trail: one row per write (and per view of restricted identifiers or export). Never edited.

The rows form a hash chain (:mod:`remission.registry.audit_chain`); the database refuses UPDATE and
DELETE on them (triggers, migration ``0005_audit_append_only``). :class:`AuditChainHead` is the chain's
one-row head, locked by every writer; :class:`AuditAnchor` keeps the head hashes handed to outsiders.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from remission.registry.codes import AuditAction


class AuditRecord(models.Model):
    """Who did what to which record, when, the values before and after, and why (→ FHIR AuditEvent).

    ``patient`` keeps the patient's id after the patient is deleted: it is a plain column with no
    foreign-key constraint (the row is never changed, so it cannot be set to NULL).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)  # stamped under the chain lock
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="audit_records"
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    entity = models.CharField(max_length=40, help_text="Model label, e.g. 'registry.infusion'")
    record_id = models.BigIntegerField(null=True)
    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, null=True, related_name="+")
    patient = models.ForeignKey(
        "registry.Patient",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    reason = models.TextField(blank=True, default="")
    sequence = models.PositiveBigIntegerField(unique=True, help_text="Place in the audit chain: 1, 2, 3, …")
    prev_hash = models.CharField(
        max_length=64, help_text="row_hash of the row before (64 zeros for the first)"
    )
    row_hash = models.CharField(max_length=64, help_text="SHA-256 of the canonical content (audit_chain)")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["entity", "record_id"]), models.Index(fields=["centre", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.entity}#{self.record_id}"


class AuditChainHead(models.Model):
    """The last row of the audit chain (one row, id 1): writers lock it to take the next place."""

    sequence = models.PositiveBigIntegerField(default=0)
    row_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain head: sequence {self.sequence}, {self.row_hash}"


class AuditAnchor(models.Model):
    """A head hash taken at a time and given to an outside party (``remission audit anchor``)."""

    at = models.DateTimeField(default=timezone.now)
    sequence = models.PositiveBigIntegerField()
    row_hash = models.CharField(max_length=64)
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"anchor {self.pk}: sequence {self.sequence}, {self.row_hash} at {self.at:%Y-%m-%d %H:%M}"
