"""Every table of a report as CSV, in one zip archive written next to the report.

``report.pdf`` gets ``report-tables.zip`` beside it, holding one CSV per table (the unrounded numbers
of the analysis, UTF-8, comma-separated, header row) and ``notes.txt`` with the analysis notes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

from remission.reports.document import Document

SUFFIX = "-tables.zip"


def tables_path(report_path: str | Path) -> Path:
    path = Path(report_path)
    return path.with_name(path.stem + SUFFIX)


def write_tables(document: Document, path: str | Path, *, notes: Sequence[object] = ()) -> Path:
    """Write the CSVs of ``document``'s tables (those with a ``csv_name`` and data) into ``path``."""
    target = Path(path)
    written: set[str] = set()
    # fixed timestamps: the same report gives the same archive
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in document.tables():
            if not table.csv_name or table.data is None or table.csv_name in written:
                continue
            info = zipfile.ZipInfo(table.csv_name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, table.data.to_csv(index=False))
            written.add(table.csv_name)
        info = zipfile.ZipInfo("notes.txt", date_time=(2000, 1, 1, 0, 0, 0))
        lines = [str(note) for note in notes]  # the analysis's Words, in the report's language
        archive.writestr(info, "\n".join(lines) + ("\n" if lines else ""))
    return target
