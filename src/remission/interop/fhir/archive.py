"""FHIR Bundles as one file: a zip of the Bundles of a user's scope, and uploaded Bundles read back.

The web page and the API hand out one file, where ``remission fhir export`` writes a folder.
:func:`fhir_export_zip` runs that same export (:func:`remission.interop.fhir.export.fhir_export`: the same
files, and the same audit row per Bundle with its scope, resource counts and SHA-256) into a temporary
folder and zips it, one ``<registry id>.json`` per patient, byte for byte the command's files. The zip's
entries carry a fixed timestamp, so the same registry gives the same zip; one more audit row (entity
:data:`ARCHIVE_ENTITY`) holds the zip's own SHA-256, so the file delivered can be matched to its export.

:func:`read_uploads` reads what the web page's and ``POST /api/import/fhir``'s uploads hold: ``.json``
Bundle files and ``.zip`` archives of them (as :func:`fhir_export_zip` writes). A zipped Bundle is named
``<archive>/<file>`` in every problem and audit reason. Bad input raises
:class:`~remission.interop.rows.ReadError` only, with every problem of every file.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.db import transaction

from remission.interop.export import file_sha256
from remission.interop.extract import scope_words
from remission.interop.fhir.export import FORMAT, fhir_export
from remission.interop.fhir.read import BUNDLE_ROW, read_bundle
from remission.interop.rows import ReadError, RowProblem, SourceRow
from remission.registry.services.exports import export_audit

ARCHIVE_ENTITY = "interop.fhir_archive"
ARCHIVE_FORMAT = f"zip of {FORMAT}"
ZIP_MEDIA_TYPE = "application/zip"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: no clock in the file
MAX_UNPACKED = 1 << 30  # 1 GiB unpacked per upload: a guard against zip bombs

RULE_ZIP = "zip"
RULE_FILE = "bundle_file"
RULE_DUPLICATE = "duplicate_file"
RULE_SIZE = "size"
RULE_NO_FILES = "no_files"
NOT_A_ZIP = "not a zip archive: {error}"
NOT_A_BUNDLE_FILE = "{name!r} is neither a .json Bundle nor a .zip of them"
DUPLICATE_FILE = "{name!r} is given twice"
TOO_LARGE = "unpacks to more than {limit:,} bytes"
NO_BUNDLES = "no .json Bundle among the files given"


@dataclass(frozen=True)
class FhirArchive:
    """What one zip of Bundles holds."""

    path: Path
    patients: int
    resources: int
    sha256: str
    audit_id: int


def fhir_export_zip(*, actor: Any, out: Path, reason: str) -> FhirArchive:
    """Write the Bundles of every patient ``actor`` may read into the zip ``out``; audit each Bundle
    (as ``remission fhir export`` does) and the zip."""
    with transaction.atomic(), tempfile.TemporaryDirectory(prefix="remission-fhir-") as name:
        export = fhir_export(actor=actor, folder=Path(name), reason=reason)
        with zipfile.ZipFile(out, "w") as archive:
            for path in sorted(export.files):
                entry = zipfile.ZipInfo(path.name, date_time=FIXED_TIME)
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, path.read_bytes())
        sha256 = file_sha256(out)
        record = export_audit(
            actor=actor,
            entity=ARCHIVE_ENTITY,
            file_format=ARCHIVE_FORMAT,
            file_name=out.name,
            sha256=sha256,
            scope=scope_words(actor),
            filters={"patient": None},
            row_counts={"bundles": export.patients, "resources": export.resources},
            reason=reason,
        )
    return FhirArchive(out, export.patients, export.resources, sha256, record.pk)


def _unzipped(path: Path, problems: list[RowProblem]) -> Iterator[tuple[str, bytes]]:
    """(``<archive>/<file>``, content) of each Bundle in the zip ``path``; its problems into ``problems``."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                m
                for m in archive.infolist()
                if not m.is_dir()
                and not PurePosixPath(m.filename).name.startswith(".")
                and not m.filename.startswith("__MACOSX/")
            ]
            if sum(m.file_size for m in members) > MAX_UNPACKED:
                problems.append(
                    RowProblem(path.name, BUNDLE_ROW, "", RULE_SIZE, TOO_LARGE.format(limit=MAX_UNPACKED))
                )
                return
            for member in members:
                name = f"{path.name}/{PurePosixPath(member.filename).name}"
                if not member.filename.lower().endswith(".json"):
                    message = NOT_A_BUNDLE_FILE.format(name=member.filename)
                    problems.append(RowProblem(name, BUNDLE_ROW, "", RULE_FILE, message))
                    continue
                yield name, archive.read(member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        problems.append(RowProblem(path.name, BUNDLE_ROW, "", RULE_ZIP, NOT_A_ZIP.format(error=exc)))


def _files(paths: Sequence[Path], problems: list[RowProblem]) -> Iterator[tuple[str, bytes]]:
    for path in paths:
        suffix = path.suffix.lower()
        if suffix == ".zip":
            yield from _unzipped(path, problems)
        elif suffix == ".json":
            yield path.name, path.read_bytes()
        else:
            message = NOT_A_BUNDLE_FILE.format(name=path.name)
            problems.append(RowProblem(path.name, BUNDLE_ROW, "", RULE_FILE, message))


def read_uploads(paths: Sequence[Path]) -> list[SourceRow]:
    """The rows of every Bundle in ``paths`` (``.json`` files and ``.zip`` archives of them)."""
    rows: list[SourceRow] = []
    problems: list[RowProblem] = []
    seen: set[str] = set()
    bundles = 0
    for name, content in _files(paths, problems):
        if name in seen:
            problems.append(
                RowProblem(name, BUNDLE_ROW, "", RULE_DUPLICATE, DUPLICATE_FILE.format(name=name))
            )
            continue
        seen.add(name)
        bundles += 1
        try:
            rows.extend(read_bundle(name, content))
        except ReadError as exc:
            problems.extend(exc.problems)
    if not bundles and not problems:
        problems.append(RowProblem("", BUNDLE_ROW, "", RULE_NO_FILES, NO_BUNDLES))
    if problems:
        raise ReadError(problems)
    return rows
