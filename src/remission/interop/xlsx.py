"""A small Excel (xlsx) writer of our own, in constant memory: :class:`Workbook`.

An xlsx file is a zip of XML parts (ECMA-376, SpreadsheetML). This module writes the few a workbook
needs: ``[Content_Types].xml``, the package and workbook relationships, ``xl/workbook.xml`` (the sheet
names), ``xl/styles.xml`` (three cell styles: plain, a ``yyyy-mm-dd`` date and a bold header) and one
``xl/worksheets/sheetN.xml`` per sheet, with the header row frozen.

Why not XlsxWriter: its per-cell Python (one ``write_*`` call per cell) took 243.8 s for the registry of
100,000 synthetic patients (pandas ``to_excel``, the same library underneath, 216.4 s), twice the
two-minute target. Here rows are written a slice (:data:`SLICE_ROWS`) at a time, column by column: each
column's values become text at once with NumPy and pandas (:func:`number_texts`, :func:`date_texts`…);
each column has a cell template (``<c r="D{0}" s="1"><v>{4}</v></c>``: ``{0}`` the row number, ``{4}``
the column's text); the columns' templates, one after another, are the row's template, and the slice's
XML is ``"".join(map(row_template.format, row_numbers, *column_texts))`` — one ``format`` per row, no
Python call per cell. A column with an empty value in the slice (which must write no cell) puts ``{4}``
alone in the row template and passes whole cells, ``""`` for the empty ones. Measured with the registry
of 100,000 patients on a shared machine: see ``docs/exchange.md`` (Speed).

Cells:

* numbers are written as numbers (whole numbers without a decimal point); NaN and infinities, which a
  cell cannot hold, are left empty;
* dates are day serials of Excel's 1900 date system with the date style (dates before 1 March 1900
  allow for Excel's phantom 29 February 1900; a date before 1900, which Excel cannot show as a date, is
  written as ISO text);
* booleans are ``t="b"`` cells (1 or 0);
* text is written inline (``t="inlineStr"``), XML-escaped, with the characters XML 1.0 forbids (control
  characters but tab, line feed and carriage return; lone surrogates; U+FFFE, U+FFFF) left out. Inline
  rather than shared strings because shared strings need a table of every distinct string held until
  the end of the file — not constant memory with free text and 100,000 registry IDs — and the zip's
  compression already takes out most of what sharing would save;
* an empty value (None, NaN, NaT, ``""``) writes no cell.

Memory: one slice of rows (:data:`SLICE_ROWS`) of text at a time. A sheet's rows go to a temporary file
while it is written, because the sheet's ``<dimension>`` (its used range, which readers such as
openpyxl rely on) comes before the rows in the XML and is known only at the end; then the sheet is
copied into the zip. XlsxWriter in constant-memory mode does the same.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal

import numpy as np
import pandas as pd

CellKind = Literal["number", "date", "boolean", "text"]
KINDS: tuple[CellKind, ...] = ("number", "date", "boolean", "text")

MAX_ROWS = 1_048_576  # rows of an Excel sheet
MAX_COLUMNS = 16_384
SHEET_NAME_LENGTH = 31
SHEET_NAME_FORBIDDEN = set("[]:*?/\\")
SLICE_ROWS = 10_000  # rows turned into XML at a time
COMPRESS_LEVEL = 1  # zlib's fastest: 3.5 times as fast as its default (6), the file about 20 % larger
DATE_COLUMN_WIDTH = 11  # characters; Excel's default (8.43) shows a yyyy-mm-dd date as ####

EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # day 0 of Excel's 1900 date system, for 1 March 1900 on
FIRST_TRUE_SERIAL = 61  # 1900-03-01: serials below it count Excel's phantom 29 February 1900

BAD_SHEET_NAME = (
    "sheet name {name!r}: a sheet name has 1 to 31 characters, none of []:*?/\\, and does not start or end "
    "with an apostrophe"
)
DUPLICATE_SHEET = "sheet name {name!r}: the workbook already has a sheet of that name (Excel ignores case)"
BAD_KIND = "column {column!r}: cell kind {kind!r} is not one of {kinds}"
TOO_MANY_COLUMNS = "sheet {name!r}: {count} columns, more than Excel's {limit}"
SHEET_FULL = "sheet {name!r}: {rows} more rows would pass Excel's {limit:,} rows of a sheet"
CLOSED = "the workbook is closed"

# Characters XML 1.0 does not allow in a document (tab, LF and CR are allowed), and those that need escaping.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

STYLE_DATE = 1  # index into cellXfs of styles.xml
STYLE_HEADER = 2

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

STYLES_XML = f"""{XML_DECLARATION}<styleSheet xmlns="{NS_MAIN}">\
<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""

ROOT_RELS_XML = f"""{XML_DECLARATION}<Relationships xmlns="{NS_PACKAGE_REL}">\
<Relationship Id="rId1" Type="{NS_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""


TemplateKind = CellKind | Literal["preserved text"]


def cell_template(kind: TemplateKind, letters: str, argument: int = 1) -> str:
    """The template of a cell of ``kind`` in column ``letters``, for ``str.format``: ``{0}`` the row number,
    ``{argument}`` the value's text."""
    ref = f'r="{letters}{{0}}"'
    value = f"{{{argument}}}"
    return {
        "number": f"<c {ref}><v>{value}</v></c>",
        "date": f'<c {ref} s="{STYLE_DATE}"><v>{value}</v></c>',
        "boolean": f'<c {ref} t="b"><v>{value}</v></c>',
        "text": f'<c {ref} t="inlineStr"><is><t>{value}</t></is></c>',
        "preserved text": f'<c {ref} t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>',
    }[kind]


ROW_START = '<row r="{0}">'
SHEET_TAIL = (
    '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    "</worksheet>"
)
ROW_END = "</row>"


def xml_text(text: str) -> str:
    """``text`` as XML character data: ``& < >`` escaped, CR kept as a reference, forbidden characters left
    out."""
    text = _FORBIDDEN.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def xml_attribute(text: str) -> str:
    return xml_text(text).replace('"', "&quot;")


def column_letters(index: int) -> str:
    """The letters of the column at 0-based ``index``: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def check_sheet_name(name: str) -> None:
    if (
        not 1 <= len(name) <= SHEET_NAME_LENGTH
        or SHEET_NAME_FORBIDDEN & set(name)
        or name.startswith("'")
        or name.endswith("'")
    ):
        raise ValueError(BAD_SHEET_NAME.format(name=name))


# --- values as cell text, a column at a time --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellTexts:
    """A column's values as the text of their cells: ``texts`` (one per row), ``empty`` (rows without a
    cell) and ``as_text`` (rows whose value goes in a text cell instead, with that text)."""

    texts: list[str]
    empty: np.ndarray
    as_text: dict[int, str] = field(default_factory=dict)
    preserve: bool = False  # whether a text starts or ends with white space, which Excel would drop


def _series(values: Any) -> pd.Series:
    return values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)


def number_texts(values: Any) -> CellTexts:
    numbers = _series(values).to_numpy(dtype="float64", na_value=np.nan)
    empty = ~np.isfinite(numbers)
    present = numbers[~empty]
    if np.all(present == np.trunc(present)) and np.all(np.abs(present) < 2**53):
        whole = np.where(empty, 0, numbers).astype(np.int64)
        return CellTexts(list(map(str, whole.tolist())), empty)
    return CellTexts(list(map(repr, numbers.tolist())), empty)  # repr: the shortest text of the same double


def date_texts(values: Any) -> CellTexts:
    series = _series(values)
    if series.dtype.kind != "M":
        series = pd.to_datetime(series, cache=False)
    days = series.to_numpy().astype("datetime64[D]")
    empty = np.isnat(days)
    serial = (days - EXCEL_EPOCH).astype(np.int64)
    serial -= serial < FIRST_TRUE_SERIAL  # Excel's 1900 leap-day bug: 1900-01-01 is day 1, not 2
    before_1900 = np.flatnonzero(~empty & (serial < 1))
    as_text = {int(i): str(days[i]) for i in before_1900}
    return CellTexts(list(map(str, serial.tolist())), empty, as_text)


def boolean_texts(values: Any) -> CellTexts:
    booleans = _series(values).astype("boolean")
    empty = booleans.isna().to_numpy()
    ones = booleans.to_numpy(dtype=bool, na_value=False)
    return CellTexts(np.where(ones, "1", "0").tolist(), empty)


def text_texts(values: Any) -> CellTexts:
    objects = _series(values).to_numpy(dtype=object)
    empty = np.asarray(pd.isna(objects) | (objects == ""), dtype=bool)
    texts = list(map(str, objects.tolist()))
    preserve = list(map(str.strip, texts)) != texts  # strip returns the very string when it has no edge space
    if _NEEDS_ESCAPE.search("".join(texts)):  # one scan of the slice; most slices need no escaping
        texts = list(map(xml_text, texts))
    return CellTexts(texts, empty, preserve=preserve)


TEXTS = {"number": number_texts, "date": date_texts, "boolean": boolean_texts, "text": text_texts}


# --- sheets ---------------------------------------------------------------------------------------------


class Column:
    """One column of a sheet: its kind and letters."""

    __slots__ = ("kind", "letters")

    def __init__(self, index: int, kind: CellKind) -> None:
        self.kind = kind
        self.letters = column_letters(index)

    def row_part(self, argument: int, rows: list[str], values: Any) -> tuple[str, list[str]]:
        """This column's part of the row template of a slice of ``rows`` (their numbers as text), and the
        list that fills it, argument ``argument`` of the row's ``format``.

        When every row has a value the part is the column's cell template and the list the values' texts.
        Otherwise the part is only ``{argument}`` and the list holds each row's whole cell, ``""`` where the
        value is empty."""
        texts = TEXTS[self.kind](values)
        kind: TemplateKind = "preserved text" if texts.preserve else self.kind
        if not texts.as_text and not texts.empty.any():
            return cell_template(kind, self.letters, argument), texts.texts
        cells = list(map(cell_template(kind, self.letters).format, rows, texts.texts))
        for i in np.flatnonzero(texts.empty).tolist():
            cells[i] = ""
        as_text = cell_template("preserved text", self.letters)
        for i, text in texts.as_text.items():
            cells[i] = as_text.format(rows[i], xml_text(text))
        return f"{{{argument}}}", cells


class Sheet:
    """A worksheet being written: a header row (frozen), then rows a slice of columns at a time."""

    def __init__(
        self,
        name: str,
        number: int,
        header: Sequence[str],
        kinds: Sequence[CellKind],
        title: str | None = None,
        max_rows: int = MAX_ROWS,
    ) -> None:
        if len(header) != len(kinds):
            raise ValueError(f"sheet {name!r}: {len(header)} header names for {len(kinds)} column kinds")
        if len(kinds) > MAX_COLUMNS:
            raise ValueError(TOO_MANY_COLUMNS.format(name=name, count=len(kinds), limit=MAX_COLUMNS))
        for column, kind in zip(header, kinds, strict=True):
            if kind not in KINDS:
                raise ValueError(BAD_KIND.format(column=column, kind=kind, kinds=", ".join(KINDS)))
        self.name = name
        self.number = number
        self.part = f"xl/worksheets/sheet{number}.xml"
        self.max_rows = max_rows
        self.columns = [Column(i, kind) for i, kind in enumerate(kinds)]
        self.rows = 0  # rows written, the title and header included
        self._data: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by copy_to)
        if title is not None:
            self._write_header_row([title], style=None)
        self._write_header_row(header, style=STYLE_HEADER)
        self.frozen_rows = self.rows

    @property
    def room(self) -> int:
        """How many more rows the sheet takes."""
        return self.max_rows - self.rows

    def _write_header_row(self, names: Sequence[str], style: int | None) -> None:
        row = self.rows + 1
        s = f' s="{style}"' if style is not None else ""
        cells = "".join(
            f'<c r="{column_letters(i)}{row}"{s} t="inlineStr">'
            f'<is><t xml:space="preserve">{xml_text(name)}</t></is></c>'
            for i, name in enumerate(names)
        )
        self._data.write(f'<row r="{row}">{cells}</row>'.encode())
        self.rows += 1

    def write_columns(self, columns: Sequence[Any]) -> None:
        """Append rows given column by column: one pandas Series (or list, array) per column, equally long."""
        n = len(columns[0]) if columns else 0
        if n > self.room:
            raise ValueError(SHEET_FULL.format(name=self.name, rows=n, limit=self.max_rows))
        for start in range(0, n, SLICE_ROWS):
            stop = min(start + SLICE_ROWS, n)
            first = self.rows + 1
            rows = list(map(str, range(first, first + stop - start)))
            template = ROW_START
            arguments = []
            for argument, (column, values) in enumerate(zip(self.columns, columns, strict=True), start=1):
                part, texts = column.row_part(argument, rows, _slice(values, start, stop))
                template += part
                arguments.append(texts)
            template += ROW_END
            self._data.write("".join(map(template.format, rows, *arguments)).encode("utf-8"))
            self.rows += len(rows)

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Append rows given row by row (small sheets: the dictionary, the k-anonymity summary)."""
        listed = list(rows)
        if listed:
            self.write_columns([list(column) for column in zip(*listed, strict=True)])

    def _xml_head(self) -> str:
        last_column = column_letters(max(len(self.columns), 1) - 1)
        dimension = f"A1:{last_column}{self.rows}" if self.rows else "A1"
        top = f"A{self.frozen_rows + 1}"
        widths = "".join(
            f'<col min="{i}" max="{i}" width="{DATE_COLUMN_WIDTH}" customWidth="1"/>'
            for i, c in enumerate(self.columns, start=1)
            if c.kind == "date"
        )
        return (
            f'{XML_DECLARATION}<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
            f'<dimension ref="{dimension}"/>'
            f'<sheetViews><sheetView workbookViewId="0">'
            f'<pane ySplit="{self.frozen_rows}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{widths}</cols>" if widths else "")
            + "<sheetData>"
        )

    def copy_to(self, archive: zipfile.ZipFile) -> None:
        """Write the finished sheet into ``archive`` and drop its temporary file."""
        head = self._xml_head().encode("utf-8")
        tail = SHEET_TAIL.encode("utf-8")
        size = len(head) + self._data.tell() + len(tail)
        self._data.seek(0)
        with archive.open(self.part, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as part:
            part.write(head)
            shutil.copyfileobj(self._data, part, 1 << 20)
            part.write(tail)
        self._data.close()

    def discard(self) -> None:
        self._data.close()


def _slice(values: Any, start: int, stop: int) -> Any:
    return values.iloc[start:stop] if isinstance(values, pd.Series) else values[start:stop]


# --- the workbook ---------------------------------------------------------------------------------------


class Workbook:
    """An xlsx workbook written as it goes: one sheet open at a time; :meth:`close` finishes the file.

    ``compresslevel`` is zlib's (1 fastest … 9 smallest)."""

    def __init__(self, out: Path | BinaryIO, compresslevel: int = COMPRESS_LEVEL) -> None:
        self._archive: zipfile.ZipFile | None = zipfile.ZipFile(
            out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
        )
        self._names: list[str] = []
        self._open: Sheet | None = None

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:  # a half-written workbook is not finished into a file that looks whole
            self.abandon()

    def add_sheet(
        self,
        name: str,
        header: Sequence[str],
        kinds: Sequence[CellKind],
        *,
        title: str | None = None,
        max_rows: int = MAX_ROWS,
    ) -> Sheet:
        """Finish the open sheet, if any, and start the next: ``title`` (if given) in A1 above the header."""
        check_sheet_name(name)
        if name.casefold() in (n.casefold() for n in self._names):
            raise ValueError(DUPLICATE_SHEET.format(name=name))
        self._finish_sheet()
        self._names.append(name)
        self._open = Sheet(name, len(self._names), header, kinds, title=title, max_rows=max_rows)
        return self._open

    def write_table(
        self,
        name: str,
        header: Sequence[str],
        kinds: Sequence[CellKind],
        chunks: Iterable[Sequence[Any]],
        *,
        max_rows: int = MAX_ROWS,
    ) -> int:
        """A table of any length, given a chunk of columns at a time, on as many sheets as it needs: ``name``,
        then ``name (2)``, ``name (3)``… each with the header and at most ``max_rows`` rows. Returns the
        number of data rows."""
        part = 1
        sheet = self.add_sheet(name, header, kinds, max_rows=max_rows)
        total = 0
        for columns in chunks:
            n = len(columns[0]) if columns else 0
            start = 0
            while start < n:
                if sheet.room == 0:
                    part += 1
                    sheet = self.add_sheet(f"{name} ({part})", header, kinds, max_rows=max_rows)
                stop = min(n, start + sheet.room)
                sheet.write_columns([_slice(v, start, stop) for v in columns])
                start = stop
            total += n
        return total

    def _finish_sheet(self) -> None:
        if self._archive is None:
            raise ValueError(CLOSED)
        if self._open is not None:
            self._open.copy_to(self._archive)
            self._open = None

    def close(self) -> None:
        """Finish the open sheet and write the parts that list the sheets: the workbook is complete."""
        if self._archive is None:
            return
        self._finish_sheet()
        for part, xml in self._package_parts():
            self._archive.writestr(part, xml)
        self._archive.close()
        self._archive = None

    def abandon(self) -> None:
        """Close the file without finishing the workbook (after an error)."""
        if self._open is not None:
            self._open.discard()
            self._open = None
        if self._archive is not None:
            self._archive.close()
            self._archive = None

    def _package_parts(self) -> Iterator[tuple[str, str]]:
        numbers = range(1, len(self._names) + 1)
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in numbers
        )
        yield (
            "[Content_Types].xml",
            f"{XML_DECLARATION}<Types "
            'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{sheets}</Types>",
        )
        yield "_rels/.rels", ROOT_RELS_XML
        entries = "".join(
            f'<sheet name="{xml_attribute(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in zip(numbers, self._names, strict=True)
        )
        yield (
            "xl/workbook.xml",
            f'{XML_DECLARATION}<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{entries}</sheets></workbook>',
        )
        relations = "".join(
            f'<Relationship Id="rId{i}" Type="{NS_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in numbers
        )
        styles = len(self._names) + 1
        yield (
            "xl/_rels/workbook.xml.rels",
            f'{XML_DECLARATION}<Relationships xmlns="{NS_PACKAGE_REL}">{relations}'
            f'<Relationship Id="rId{styles}" Type="{NS_REL}/styles" Target="styles.xml"/></Relationships>',
        )
        yield "xl/styles.xml", STYLES_XML
