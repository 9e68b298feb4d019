"""Auditing what leaves the registry: each extract and each report download leaves one audit row.

The row (action ``export``) names who, the scope they read in, the filters, the row count of each table
and the SHA-256 of the file delivered, so that a file found later can be matched to its export.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord
from remission.registry.services.audit import audit_write

EXTRACT_ENTITY = "interop.extract"
REPORT_ENTITY = "reports.report"


def export_audit(
    *,
    actor: Any,
    entity: str,
    file_format: str,
    file_name: str,
    sha256: str,
    scope: str,
    filters: Mapping[str, Any],
    row_counts: Mapping[str, int],
    deidentified: bool = False,
    centre_id: int | None = None,
    reason: str = "",
) -> AuditRecord:
    """Leave the audit row of one export (an extract or a report) that has been written."""
    after = {
        "format": file_format,
        "file": file_name,
        "sha256": sha256,
        "scope": scope,
        "filters": dict(filters),
        "row_counts": dict(row_counts),
        "deidentified": deidentified,
    }
    with transaction.atomic():
        return audit_write(
            actor=actor,
            action=AuditAction.EXPORT,
            record=None,
            centre_id=centre_id,
            patient_id=None,
            before=None,
            after=after,
            reason=reason,
            entity=entity,
        )
