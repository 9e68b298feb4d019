"""``POST /api/import/redcap``, ``/api/import/table`` and ``/api/import/fhir``: ``remission import``
over HTTP.

The same engine as ``remission import`` (``remission.interop.importing``): the token's user's centres and
role, every record through the registry's services and audited, a dry run unless ``commit=true``, all or
nothing, idempotent by source key. The files are uploaded as ``multipart/form-data``; messages name each
file by its uploaded name (a Bundle in a zip as ``<zip>/<file>``). A refused row is a 422 with the usual
error shape, one error per problem: ``record`` is ``file / row``, ``field`` the source column.
"""

# No ``from __future__ import annotations``: django-ninja reads the route signatures.

import tempfile
from pathlib import Path
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import File, Router, Schema, Status, UploadedFile
from ninja.files import UploadedFile as NinjaUploadedFile

from remission.api.schemas import Errors
from remission.interop.importing import ImportResult
from remission.interop.rows import RowProblem
from remission.interop.sources import SourceFiles, import_source, saved_upload_list, saved_uploads
from remission.registry.errors import RegistryError

router = Router(tags=["import"])
REQUIRED_FILE = File(...)
OPTIONAL_FILE = File(None)


class ImportSummary(Schema):
    committed: bool
    rows: int
    created: dict[str, int]
    unchanged: int
    audit_rows: int


def _errors(problems: list[RowProblem] | tuple[RowProblem, ...]) -> JsonResponse:
    errors = [
        {"record": f"{p.source} / {p.row}", "field": p.column, "rule": p.rule, "message": p.message}
        for p in problems
    ]
    return JsonResponse({"errors": errors}, status=422)


def _run(
    request: HttpRequest,
    source: str,
    commit: bool,
    bundles: list[NinjaUploadedFile] | None = None,
    **uploads: NinjaUploadedFile | None,
) -> Any:
    """Save the uploads under their own names (messages and audit reasons name them) and import them."""
    with tempfile.TemporaryDirectory(prefix="remission-import-") as name:
        folder = Path(name)
        if bundles is not None:
            files = SourceFiles(source, bundles=saved_upload_list(folder, "bundles", bundles))
        else:
            files = SourceFiles(source, **saved_uploads(folder, uploads))
        try:
            result: ImportResult = import_source(files, actor=request.user, commit=commit)
        except RegistryError as exc:  # a centre the user cannot see, named in the mapping file
            mapping = files.mapping.name if files.mapping else ""
            return _errors([RowProblem(mapping, "", "centre", "centre_scope", str(exc))])
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
    return _run(request, "redcap", commit, dictionary=dictionary, records=records, mapping=mapping)


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
    return _run(request, "table", commit, table=file, mapping=mapping)


@router.post(
    "/import/fhir",
    response={200: ImportSummary, 401: Errors, 422: Errors},
    operation_id="import_fhir",
    summary="Import FHIR R4 Bundles: .json files and/or zips of them (dry run unless commit=true)",
)
def import_fhir(
    request: HttpRequest,
    bundles: list[UploadedFile] = REQUIRED_FILE,
    commit: bool = False,
) -> Any:
    return _run(request, "fhir", commit, bundles=bundles)
