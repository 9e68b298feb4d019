"""An export from start to end: read the extract, write the file, hash it, audit it.

:func:`export_write` is what the command line, the web page and the API call. The file is written in
full first (to ``out``; the web and the API write to a temporary file and then stream it), then its
SHA-256 is taken and one audit row is left (``registry.services.exports.export_audit``) before anyone
receives it. A de-identified export also writes its k-anonymity summary beside the file
(``<file>.k-anonymity.csv``) when ``beside`` is set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from remission.interop.deidentify import KAnonymity
from remission.interop.extract import registry_extract
from remission.interop.writers import write_extract
from remission.registry.services.exports import EXTRACT_ENTITY, export_audit

K_ANONYMITY_SUFFIX = ".k-anonymity.csv"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    file_format: str
    row_counts: dict[str, int]
    sha256: str
    patients: int
    deidentified: bool
    k_anonymity: KAnonymity | None
    k_anonymity_path: Path | None
    audit_id: int


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_write(
    *,
    actor: Any,
    file_format: str,
    out: Path,
    centre: str | None = None,
    disease: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    deidentify: bool = False,
    beside: bool = True,
    file_name: str | None = None,
    via: str = "",
) -> ExportResult:
    """Write the extract ``actor`` may read to ``out`` as ``file_format`` and audit it."""
    extract = registry_extract(
        actor=actor,
        centre=centre,
        disease=disease,
        date_from=date_from,
        date_to=date_to,
        deidentify=deidentify,
    )
    counts = write_extract(extract, file_format, out)
    sha256 = file_sha256(out)
    summary = extract.k_anonymity() if deidentify else None
    summary_path = None
    if summary is not None and beside:
        summary_path = out.with_name(out.name + K_ANONYMITY_SUFFIX)
        summary_path.write_text(summary.to_csv(), encoding="utf-8")
    record = export_audit(
        actor=actor,
        entity=EXTRACT_ENTITY,
        file_format=file_format,
        file_name=file_name or out.name,
        sha256=sha256,
        scope=extract.scope,
        filters=extract.filters.as_dict(),
        row_counts=counts,
        deidentified=deidentify,
        centre_id=extract.centre_id,
        reason=via,
    )
    return ExportResult(
        path=out,
        file_format=file_format,
        row_counts=counts,
        sha256=sha256,
        patients=len(extract.patients),
        deidentified=deidentify,
        k_anonymity=summary,
        k_anonymity_path=summary_path,
        audit_id=record.pk,
    )
