"""``POST /api/import/redcap`` and ``POST /api/import/table``: the CLI's ``remission import``, over HTTP.

The same engine as ``remission import`` (``remission.interop.importing``): the token's user's centres and
role, every record through the registry's services and audited, a dry run unless ``commit=true``, all or
nothing, idempotent by source key. The files are uploaded as ``multipart/form-data``; messages name each
file by its uploaded name. A refused row is a 422 with the usual error shape, one error per problem:
``record`` is ``file / row``, ``field`` the source column.
"""

# No ``from __future__ import annotations``: django-ninja reads the route signatures.

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import File, Router, Schema, Status, UploadedFile
from ninja.files import UploadedFile as NinjaUploadedFile

from remission.api.schemas import Errors
from remission.interop.importing import ImportResult, import_rows
from remission.interop.mapping import ImportMapping, load_mapping
from remission.interop.redcap import read_redcap
from remission.interop.rows import ReadError, RowProblem, SourceRow
from remission.interop.table import read_table

router = Router(tags=["import"])
REQUIRED_FILE = File(...)
OPTIONAL_FILE = File(None)


class ImportSummary(Schema):
    committed: bool
    rows: int
    created: dict[str, int]
    unchanged: int
    audit_rows: int


def _save(folder: Path, upload: NinjaUploadedFile) -> Path:
    path = folder / Path(upload.name or "upload").name
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def _errors(problems: list[RowProblem] | tuple[RowProblem, ...]) -> JsonResponse:
    errors = [
        {"record": f"{p.source} / {p.row}", "field": p.column, "rule": p.rule, "message": p.message}
        for p in problems
    ]
    return JsonResponse({"errors": errors}, status=422)


def _run(
    request: HttpRequest,
    read: Callable[[Path, ImportMapping], tuple[list[SourceRow], list[RowProblem]]],
    mapping_file: NinjaUploadedFile | None,
    default_system: str,
    commit: bool,
) -> Any:
    with tempfile.TemporaryDirectory(prefix="remission-import-") as name:
        folder = Path(name)
        files = folder / "files"
        files.mkdir()
        try:
            mapping = load_mapping(_save(folder, mapping_file)) if mapping_file else ImportMapping()
            rows, problems = read(files, mapping)
        except ReadError as exc:
            return _errors(exc.problems)
        centre = None
        if mapping.centre:
            from remission.registry.models import Centre

            centre = Centre.objects.filter(code=mapping.centre).first()
        result: ImportResult = import_rows(
            rows,
            system=mapping.system or default_system,
            actor=request.user,
            commit=commit,
            centre=centre,
            read_problems=problems,
        )
    if result.problems:
        return _errors(result.problems)
    return Status(
        200,
        ImportSummary(
            committed=result.committed,
            rows=result.rows,
            created=result.created,
            unchanged=result.unchanged,
            audit_rows=result.audit_rows,
        ),
    )


@router.post(
    "/import/redcap",
    response={200: ImportSummary, 401: Errors, 422: Errors},
    operation_id="import_redcap",
    summary="Import a REDCap records export (dry run unless commit=true)",
)
def import_redcap(
    request: HttpRequest,
    dictionary: UploadedFile = REQUIRED_FILE,
    records: UploadedFile = REQUIRED_FILE,
    mapping: UploadedFile | None = OPTIONAL_FILE,
    commit: bool = False,
) -> Any:
    def read(files: Path, loaded: ImportMapping) -> tuple[list[SourceRow], list[RowProblem]]:
        return read_redcap(_save(files, dictionary), _save(files, records), loaded)

    return _run(request, read, mapping, "redcap", commit)


@router.post(
    "/import/table",
    response={200: ImportSummary, 401: Errors, 422: Errors},
    operation_id="import_table",
    summary="Import a spreadsheet (.xlsx) or CSV file by a mapping file (dry run unless commit=true)",
)
def import_table(
    request: HttpRequest,
    file: UploadedFile = REQUIRED_FILE,
    mapping: UploadedFile = REQUIRED_FILE,
    commit: bool = False,
) -> Any:
    def read(files: Path, loaded: ImportMapping) -> tuple[list[SourceRow], list[RowProblem]]:
        return read_table(_save(files, file), loaded)

    return _run(request, read, mapping, "table", commit)
