"""Writing an :class:`~remission.interop.extract.Extract` to a file, one format per function.

========  ===============================================================================================
format    file
========  ===============================================================================================
csv       a zip: ``<table>.csv`` per table (UTF-8, ISO dates, booleans 1/0), ``dictionary.csv``
xlsx      one workbook written in constant memory (XlsxWriter): the ``dictionary`` sheet, then a sheet per
          table with a frozen header, split into ``<table> (2)``… past Excel's 1,048,576 rows
parquet   a zip: ``<table>.parquet`` per table (pyarrow; dates as ``date32``, labels in the field
          metadata), ``dictionary.csv``
dta       a zip: ``<table>.dta`` per table (Stata 15, via pyreadstat), ``dictionary.csv``
sav       a zip: ``<table>.sav`` per table (SPSS, via pyreadstat), ``dictionary.csv``
========  ===============================================================================================

In Stata and SPSS files a coded column holds whole numbers 1, 2 … in the order of its code list, with
the code list's labels as value labels (a value outside the list gets the next number, labelled with
itself); variable labels are the dictionary's labels. A de-identified extract adds ``k_anonymity.csv``
(a ``k_anonymity`` sheet in a workbook). Every writer returns the row count of each table.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from remission.interop.extract import Extract, ExtractTable
from remission.interop.fields import DICTIONARY_HEADER, Column
from remission.interop.formats import FORMATS, MEDIA_TYPE, SUFFIX

EXCEL_MAX_ROWS = 1_048_576  # rows of a sheet, the header included
DICTIONARY_FILE = "dictionary.csv"
K_ANONYMITY_FILE = "k_anonymity.csv"
UNKNOWN_FORMAT = "format {value!r} is not one of {formats}"
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # Excel's day 0 (1900 date system, after its leap-day bug)

RowCounts = dict[str, int]
__all__ = ["FORMATS", "MEDIA_TYPE", "SUFFIX", "write_extract"]


def write_extract(extract: Extract, fmt: str, out: Path | BinaryIO) -> RowCounts:
    """Write ``extract`` as ``fmt`` to ``out`` (a path or a binary file open for writing)."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ValueError(UNKNOWN_FORMAT.format(value=fmt, formats=", ".join(FORMATS)))
    return writer(extract, out)


def dictionary_csv(extract: Extract) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DICTIONARY_HEADER)
    writer.writerows(extract.dictionary_rows())
    return buffer.getvalue().encode("utf-8")


def _extras(extract: Extract) -> Iterator[tuple[str, bytes]]:
    yield DICTIONARY_FILE, dictionary_csv(extract)
    if extract.deidentified:
        yield K_ANONYMITY_FILE, extract.k_anonymity().to_csv().encode("utf-8")


# --- CSV ------------------------------------------------------------------------------------------------


def _for_text(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    out = frame.copy()
    for c in columns:
        if c.type == "boolean":
            out[c.name] = frame[c.name].astype("Int8")
        elif c.type == "date":
            out[c.name] = pd.to_datetime(frame[c.name]).dt.strftime("%Y-%m-%d")
    return out


def write_csv(extract: Extract, out: Path | BinaryIO) -> RowCounts:
    counts: RowCounts = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in extract.tables():
            n = 0
            with (
                archive.open(f"{table.name}.csv", "w") as raw,
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
            ):
                for i, chunk in enumerate(table.chunks()):
                    _for_text(chunk, table.columns).to_csv(text, index=False, header=i == 0, na_rep="")
                    n += len(chunk)
            counts[table.name] = n
        for name, content in _extras(extract):
            archive.writestr(name, content)
    return counts


# --- Excel ----------------------------------------------------------------------------------------------


def _sheet_writer(worksheet: Any, column: Column, formats: dict[str, Any]) -> Callable[[int, int, Any], None]:
    if column.type in ("integer", "number"):
        return worksheet.write_number
    if column.type == "date":
        date_format = formats["date"]
        return lambda row, col, value: worksheet.write_number(row, col, value, date_format)
    if column.type == "boolean":
        return worksheet.write_boolean
    return worksheet.write_string


def _excel_columns(chunk: pd.DataFrame, columns: tuple[Column, ...]) -> list[list[Any]]:
    """Each column as a Python list with None for an empty cell (dates as Excel serial numbers)."""
    lists: list[list[Any]] = []
    for c in columns:
        series = chunk[c.name]
        if c.type == "date":
            days = pd.to_datetime(series).to_numpy().astype("datetime64[D]")
            serial = (days - EXCEL_EPOCH).astype("timedelta64[D]").astype("float64")
            values = np.where(np.isnat(days), np.nan, serial)
            lists.append([None if v != v else v for v in values.tolist()])
        elif c.type in ("integer", "number", "boolean"):
            lists.append([None if v is pd.NA or v != v else v for v in series.astype(object).tolist()])
        else:
            lists.append([v or None for v in series.tolist()])
    return lists


def write_xlsx(extract: Extract, out: Path | BinaryIO) -> RowCounts:
    import xlsxwriter

    target = str(out) if isinstance(out, Path) else out
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False})
    formats = {
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "head": workbook.add_format({"bold": 1}),
    }
    dictionary = workbook.add_worksheet("dictionary")
    _header(dictionary, DICTIONARY_HEADER, formats)
    for r, row in enumerate(extract.dictionary_rows(), start=1):
        for col, value in enumerate(row):
            if value:
                dictionary.write_string(r, col, value)
    counts: RowCounts = {}
    for table in extract.tables():
        counts[table.name] = _write_sheets(workbook, table, formats)
    if extract.deidentified:
        summary = extract.k_anonymity()
        sheet = workbook.add_worksheet("k_anonymity")
        sheet.write_string(0, 0, summary.summary())
        _header(sheet, summary.header(), formats, row=1)
        for r, row in enumerate(summary.rows(), start=2):
            for col, value in enumerate(row):
                sheet.write(r, col, value)
    workbook.close()
    return counts


def _header(sheet: Any, names: tuple[str, ...], formats: dict[str, Any], row: int = 0) -> None:
    for col, name in enumerate(names):
        sheet.write_string(row, col, name, formats["head"])
    sheet.freeze_panes(row + 1, 0)


def _write_sheets(workbook: Any, table: ExtractTable, formats: dict[str, Any]) -> int:
    names = tuple(c.name for c in table.columns)
    part = 1
    sheet = workbook.add_worksheet(table.name)
    _header(sheet, names, formats)
    writers = [_sheet_writer(sheet, c, formats) for c in table.columns]
    row = 1
    total = 0
    for chunk in table.chunks():
        columns = _excel_columns(chunk, table.columns)
        for values in zip(*columns, strict=True):
            if row == EXCEL_MAX_ROWS:
                part += 1
                sheet = workbook.add_worksheet(f"{table.name} ({part})")
                _header(sheet, names, formats)
                writers = [_sheet_writer(sheet, c, formats) for c in table.columns]
                row = 1
            for col, value in enumerate(values):
                if value is not None:
                    writers[col](row, col, value)
            row += 1
        total += len(chunk)
    return total


# --- Parquet --------------------------------------------------------------------------------------------


def _arrow_schema(columns: tuple[Column, ...]) -> Any:
    import pyarrow as pa

    types = {
        "date": pa.date32(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "text": pa.string(),
        "code": pa.string(),
    }
    fields = [
        pa.field(c.name, types[c.type], metadata={"label": c.label, "unit": c.unit, "type": c.type})
        for c in columns
    ]
    return pa.schema(fields)


def _arrow_table(chunk: pd.DataFrame, schema: Any) -> Any:
    """The chunk as an Arrow table of ``schema``, column by column (no Python object per date)."""
    import pyarrow as pa

    arrays = []
    for field in schema:
        values = chunk[field.name]
        if field.type == pa.date32():
            days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
            arrays.append(pa.array(days, type=pa.date32(), mask=np.isnat(days)))
        else:
            arrays.append(pa.array(values, type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_parquet(extract: Extract, out: Path | BinaryIO) -> RowCounts:
    import pyarrow.parquet as pq

    counts: RowCounts = {}
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for table in extract.tables():
            path = Path(tmp) / f"{table.name}.parquet"
            schema = _arrow_schema(table.columns)
            n = 0
            with pq.ParquetWriter(path, schema, compression="zstd") as writer:
                for chunk in table.chunks():
                    writer.write_table(_arrow_table(chunk, schema))
                    n += len(chunk)
            archive.write(path, path.name)
            os.unlink(path)
            counts[table.name] = n
        for name, content in _extras(extract):
            archive.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return counts


# --- Stata and SPSS -------------------------------------------------------------------------------------


def value_labels(column: Column, values: pd.Series) -> dict[str, int]:
    """The whole number of each code of a coded column: the code list's order, then unseen values."""
    numbers = {code: i for i, (code, _label) in enumerate(column.codes, start=1)}
    for value in sorted(set(values.dropna()) - set(numbers) - {""}):
        numbers[value] = len(numbers) + 1
    return numbers


def _statistical_frame(frame: pd.DataFrame, columns: tuple[Column, ...]) -> tuple[pd.DataFrame, dict, dict]:
    """The table as Stata and SPSS take it: codes as labelled numbers, dates as dates, NA as NaN."""
    out: dict[str, Any] = {}
    labels: dict[str, dict[int, str]] = {}
    for c in columns:
        series = frame[c.name]
        if c.type == "code" and c.codes:
            numbers = value_labels(c, series)
            names = dict(c.codes)
            out[c.name] = series.map(lambda v, n=numbers: n.get(v, np.nan) if v else np.nan).astype("float64")
            labels[c.name] = {n: names.get(code, code) for code, n in numbers.items()}
        elif c.type in ("integer", "number", "boolean"):
            out[c.name] = series.astype("Float64").astype("float64")
        elif c.type == "date":
            dates = pd.to_datetime(series)
            out[c.name] = np.array([None if pd.isna(d) else d.date() for d in dates], dtype=object)
        else:
            out[c.name] = series.fillna("").astype(str)
    column_labels = {c.name: c.label[:80] for c in columns}
    return pd.DataFrame(out, columns=[c.name for c in columns]), column_labels, labels


def _write_statistical(extract: Extract, out: Path | BinaryIO, suffix: str) -> RowCounts:
    import pyreadstat

    write = pyreadstat.write_dta if suffix == "dta" else pyreadstat.write_sav
    counts: RowCounts = {}
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for table in extract.tables():
            frame = table.frame()
            data, column_labels, labels = _statistical_frame(frame, table.columns)
            path = Path(tmp) / f"{table.name}.{suffix}"
            write(
                data,
                str(path),
                file_label=table.table.title,
                column_labels=column_labels,
                variable_value_labels=labels,
            )
            archive.write(path, path.name)
            os.unlink(path)
            counts[table.name] = len(frame)
        for name, content in _extras(extract):
            archive.writestr(name, content)
    return counts


def write_dta(extract: Extract, out: Path | BinaryIO) -> RowCounts:
    return _write_statistical(extract, out, "dta")


def write_sav(extract: Extract, out: Path | BinaryIO) -> RowCounts:
    return _write_statistical(extract, out, "sav")


WRITERS: dict[str, Callable[[Extract, Path | BinaryIO], RowCounts]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "parquet": write_parquet,
    "dta": write_dta,
    "sav": write_sav,
}
