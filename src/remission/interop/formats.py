"""The file formats of an export, their file suffixes and media types (no Django here: the command line
reads these before Django starts)."""

from __future__ import annotations

FORMATS: tuple[str, ...] = ("csv", "xlsx", "parquet", "dta", "sav")
SUFFIX = {"csv": ".zip", "xlsx": ".xlsx", "parquet": ".zip", "dta": ".zip", "sav": ".zip"}
MEDIA_TYPE = {
    "csv": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/zip",
    "dta": "application/zip",
    "sav": "application/zip",
}
