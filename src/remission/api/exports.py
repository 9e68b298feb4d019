"""``GET /api/export``: the registry's records as analysis tables, streamed as one file.

The same export as ``remission export`` and the web page *Export* (``remission.interop.export``): the
token's user's scope, the same filters, every call audited (who, scope, filters, rows per table, the
file's SHA-256). The file is written to a temporary file, hashed and audited, then streamed.
"""

# No ``from __future__ import annotations``: django-ninja reads the route signatures.

import datetime as dt
import tempfile
from pathlib import Path
from typing import Literal

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router, Schema

from remission.api.schemas import Errors
from remission.interop.export import export_write
from remission.interop.extract import ExtractError
from remission.interop.formats import MEDIA_TYPE, SUFFIX

router = Router(tags=["export"])


class ExportQuery(Schema):
    format: Literal["csv", "xlsx", "parquet", "dta", "sav"] = "csv"
    centre: str | None = None
    disease: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    deidentify: bool = False


@router.get(
    "/export",
    response={200: bytes, 401: Errors, 403: Errors, 404: Errors, 422: Errors},
    operation_id="registry_export",
    summary="The records you may read as tables (CSV, Parquet, Stata or SPSS in a zip; or an Excel workbook)",
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
