"""``GET /api/export``: the registry's records as analysis tables, streamed as one file; and the same
records as a REDCap records export (``GET /api/export/redcap/records``, with the mirror project's data
dictionary at ``GET /api/export/redcap/dictionary``) and as FHIR R4 Bundles (``GET /api/export/fhir``).

The same exports as ``remission export``, ``remission redcap dictionary|records``, ``remission fhir
export`` and the web page *Export* (``remission.interop``): the token's user's scope, the same filters,
every call audited (who, scope, filters, rows per table, the file's SHA-256). The file is written to a
temporary file, hashed and audited, then streamed. The data dictionary holds no patient data and, as on
the command line, is not audited.
"""

# No ``from __future__ import annotations``: django-ninja reads the route signatures.

import io
import tempfile
from pathlib import Path
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router, Schema

from remission.api.schemas import Day, Errors
from remission.interop import redcap
from remission.interop.export import export_write
from remission.interop.extract import ExtractError
from remission.interop.fhir.archive import ZIP_MEDIA_TYPE, fhir_export_zip
from remission.interop.formats import MEDIA_TYPE, SUFFIX

router = Router(tags=["export"])
CSV = "text/csv; charset=utf-8"


def _file_response(description: str, *media_types: str) -> dict[str, Any]:
    """The OpenAPI ``responses`` entry of an operation that answers with a file, not JSON (its 200 is left
    out of ``response=``, which would also document it as JSON)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    content = {media_type.split(";")[0]: binary for media_type in media_types}
    return {"responses": {"200": {"description": description, "content": content}}}


def _stream(out: Path, content_type: str) -> FileResponse:
    """Stream the written file ``out`` (alone in its temporary folder) and leave nothing behind."""
    handle = out.open("rb")
    out.unlink()  # the open handle keeps the file until the response has streamed it
    out.parent.rmdir()
    return FileResponse(handle, as_attachment=True, filename=out.name, content_type=content_type)


def _cleaned(out: Path) -> None:
    out.unlink(missing_ok=True)
    out.parent.rmdir()


class ExportQuery(Schema):
    format: Literal["csv", "xlsx", "parquet", "dta", "sav"] = "csv"
    centre: str | None = None
    disease: str | None = None
    date_from: Day | None = None
    date_to: Day | None = None
    deidentify: bool = False


@router.get(
    "/export",
    response={401: Errors, 403: Errors, 404: Errors, 422: Errors},
    operation_id="registry_export",
    summary="The records you may read as tables (CSV, Parquet, Stata or SPSS in a zip; or an Excel workbook)",
    openapi_extra=_file_response("the extract; audited", *sorted(set(MEDIA_TYPE.values()))),
)
def registry_export(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponse:
    name = f"remission-extract.{query.format}" + (".zip" if SUFFIX[query.format] == ".zip" else "")
    folder = Path(tempfile.mkdtemp(prefix="remission-export-"))
    out = folder / name
    try:
        export_write(
            actor=request.user,
            file_format=query.format,
            out=out,
            centre=query.centre,
            disease=query.disease,
            date_from=query.date_from,
            date_to=query.date_to,
            deidentify=query.deidentify,
            beside=False,
            via="API GET /export",
        )
    except ExtractError as exc:
        folder.rmdir()
        error = {"record": "export", "field": "query", "rule": "filter", "message": str(exc)}
        return JsonResponse({"errors": [error]}, status=422)
    except Exception:
        out.unlink(missing_ok=True)
        folder.rmdir()
        raise
    handle = out.open("rb")
    out.unlink()  # the open handle keeps the file until the response has streamed it
    folder.rmdir()
    return FileResponse(handle, as_attachment=True, filename=name, content_type=MEDIA_TYPE[query.format])


class RedcapRecordsQuery(Schema):
    centre: str | None = None


@router.get(
    "/export/redcap/dictionary",
    response={401: Errors},
    operation_id="redcap_dictionary_export",
    summary="The data dictionary of a REDCap mirror project of the registry (CSV, REDCap's columns)",
    openapi_extra=_file_response("REDCap data dictionary (CSV)", CSV),
)
def redcap_dictionary_export(request: HttpRequest) -> HttpResponse:
    text = io.StringIO()
    redcap.write_dictionary(text)
    response = HttpResponse(text.getvalue(), content_type=CSV)
    response["Content-Disposition"] = 'attachment; filename="remission-redcap-dictionary.csv"'
    return response


@router.get(
    "/export/redcap/records",
    response={401: Errors, 404: Errors},
    operation_id="redcap_records_export",
    summary="The records you may read (of one centre) as a REDCap records export (flat CSV, raw codes)",
    openapi_extra=_file_response("REDCap records export (CSV); audited", CSV),
)
def redcap_records_export(request: HttpRequest, query: Query[RedcapRecordsQuery]) -> HttpResponse:
    out = Path(tempfile.mkdtemp(prefix="remission-export-")) / "remission-redcap-records.csv"
    try:
        redcap.export_records(
            actor=request.user, out=out, centre=query.centre, via="API GET /export/redcap/records"
        )
    except Exception:
        _cleaned(out)
        raise
    return _stream(out, CSV)


@router.get(
    "/export/fhir",
    response={401: Errors},
    operation_id="fhir_bundles_export",
    summary="A zip of the FHIR R4 Bundles of every patient you may read, one <registry id>.json each",
    openapi_extra=_file_response("zip of FHIR R4 Bundles; each Bundle and the zip audited", ZIP_MEDIA_TYPE),
)
def fhir_bundles_export(request: HttpRequest) -> HttpResponse:
    out = Path(tempfile.mkdtemp(prefix="remission-export-")) / "remission-fhir.zip"
    try:
        fhir_export_zip(actor=request.user, out=out, reason="API GET /export/fhir")
    except Exception:
        _cleaned(out)
        raise
    return _stream(out, ZIP_MEDIA_TYPE)
