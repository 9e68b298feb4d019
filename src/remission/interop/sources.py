"""From source files to the import engine: the one entry point of ``remission import``, the web's import
page and ``POST /api/import/...``.

:func:`import_source` loads the mapping file, reads the files with the source's reader (REDCap, a
spreadsheet, a folder of FHIR Bundles), finds the default centre in the acting user's scope (another
centre's code is "not found", as everywhere) and hands the rows to
:func:`remission.interop.importing.import_rows`. A file that cannot be read at all comes back as an
:class:`~remission.interop.importing.ImportResult` with its problems and nothing written, like rows the
registry refuses, so every face reports both the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from remission.interop.importing import ImportResult, import_rows
from remission.interop.mapping import ImportMapping, load_mapping
from remission.interop.rows import ReadError, RowProblem, SourceRow
from remission.registry import selectors

SOURCES = ("redcap", "table", "fhir")
UNKNOWN_SOURCE = "{source!r} is not a source to import from; use one of: {allowed}"


@dataclass(frozen=True)
class SourceFiles:
    """The files of one import: ``redcap`` needs ``dictionary`` and ``records``, ``table`` needs
    ``table`` (and a ``mapping``), ``fhir`` needs ``folder`` (a folder of Bundles, as the command line
    reads) or ``bundles`` (``.json`` Bundles and ``.zip`` archives of them, as uploaded); ``mapping`` is a
    TOML mapping file."""

    source: str
    dictionary: Path | None = None
    records: Path | None = None
    table: Path | None = None
    folder: Path | None = None
    mapping: Path | None = None
    bundles: tuple[Path, ...] = ()


def _read(files: SourceFiles, mapping: ImportMapping) -> tuple[str, list[SourceRow], list[RowProblem]]:
    """(source system, rows, problems of rows the reader could not type) for ``files``."""
    if files.source == "redcap" and files.dictionary and files.records:
        from remission.interop.redcap import read_redcap

        rows, problems = read_redcap(files.dictionary, files.records, mapping)
        return mapping.system or "redcap", rows, problems
    if files.source == "table" and files.table:
        from remission.interop.table import read_table

        rows, problems = read_table(files.table, mapping)
        return mapping.system or "table", rows, problems
    if files.source == "fhir" and files.folder:
        from remission.interop.fhir.read import SYSTEM, read_folder

        return SYSTEM, read_folder(files.folder), []
    if files.source == "fhir" and files.bundles:
        from remission.interop.fhir.archive import read_uploads
        from remission.interop.fhir.read import SYSTEM

        return SYSTEM, read_uploads(files.bundles), []
    raise ValueError(UNKNOWN_SOURCE.format(source=files.source, allowed=", ".join(SOURCES)))


def saved_uploads(folder: Path, uploads: Mapping[str, Any]) -> dict[str, Path]:
    """Uploaded files (Django's ``UploadedFile``; None for one not given) saved in ``folder``, each in a
    folder of its own under its own base name, which messages and audit reasons name."""
    paths = {}
    for key, upload in uploads.items():
        if upload is None:
            continue
        (folder / key).mkdir()
        path = folder / key / Path(upload.name or "upload").name
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        paths[key] = path
    return paths


def saved_upload_list(folder: Path, key: str, uploads: Sequence[Any]) -> tuple[Path, ...]:
    """Several uploaded files of one field (``bundles``) saved in ``folder``, each in a folder of its own
    under its own base name (two uploads of the same name stay two files)."""
    paths = []
    for number, upload in enumerate(uploads, start=1):
        paths.extend(saved_uploads(folder, {f"{key}-{number}": upload}).values())
    return tuple(paths)


def import_source(
    files: SourceFiles,
    *,
    actor: Any,
    commit: bool,
    centre_code: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import ``files`` as ``actor``: a dry run unless ``commit``; ``centre_code`` (else the mapping
    file's ``centre``) is the centre of patients whose rows name none.

    Raises :class:`~remission.registry.errors.NotFound` for a centre the actor cannot see.
    """
    try:
        mapping = load_mapping(files.mapping) if files.mapping else ImportMapping()
        system, rows, problems = _read(files, mapping)
    except ReadError as exc:
        return ImportResult(
            system=files.source,
            committed=False,
            rows=0,
            created={},
            unchanged=0,
            problems=exc.problems,
            audit_rows=0,
            seconds=0.0,
        )
    code = centre_code or mapping.centre
    centre = selectors.centre_get(user=actor, code=code) if code else None
    return import_rows(
        rows,
        system=system,
        actor=actor,
        commit=commit,
        centre=centre,
        progress=progress,
        read_problems=problems,
    )
