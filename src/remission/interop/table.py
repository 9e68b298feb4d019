"""Reading a spreadsheet (``.xlsx``) or a CSV file as source rows, by a mapping file.

Two layouts (``layout`` in :mod:`remission.interop.mapping`):

* ``patient``: one row per patient. ``[columns]`` maps headings to ``patient.key``, ``patient.<field>``
  and ``<kind>.<field>`` for any kind (``"Date of HSCT" = "infusion.date"``); each row gives the patient
  and at most one record of each kind named (a kind whose cells are all empty in a row is left out).
  Links between the records of one row are made by kind: the row's infusion points at the row's cell
  product and conditioning, its engraftment at its infusion. A record's key is ``<patient key>/<kind>``.
* ``record``: one row per record of ``kind``; ``patient.key`` names the patient (imported from the same
  ``system`` earlier, or in the same run), ``record.key`` (or ``key_columns``) the record.

What real sheets hold, and what the reader does with it:

* merged cells: refused, naming every merged range (``A3:A5``): a merged cell keeps its value in its
  first cell only, so the other rows would silently lose it. Unmerge and fill the cells first.
* encodings: UTF-8 with or without a byte-order mark; anything else is refused with the decoding error
  unless the mapping names the encoding (``encoding = "cp1252"``, as Excel on Windows saves CSV).
* blank rows are skipped; text is stripped of surrounding spaces; codes are matched ignoring case, by
  code or by label, after the mapping's recodes; dates are ISO text, the mapping's ``date_formats``,
  Excel date cells or Excel serial day numbers.
* a heading of the mapping missing from the sheet, or a heading of the sheet neither mapped nor in
  ``ignore``, is refused before any row is read.

Rows are numbered as the user sees them: ``row N`` of the sheet (the header is row ``header_row``),
``line N`` of a CSV file.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from remission.interop.importing import LINKS
from remission.interop.mapping import ImportMapping
from remission.interop.redcap import open_text
from remission.interop.rows import PATIENT, ReadError, RowProblem, SourceRow
from remission.interop.values import CellError, field_spec, is_blank, parse
from remission.registry.kinds import EDITABLE_KINDS

RULE_HEADER = "header"
RULE_MERGED = "merged_cells"
RULE_FORMAT = "file_format"
RULE_KEY = "key"
RULE_MISSING = "missing_code"

PATIENT_KEY = "patient.key"
RECORD_KEY = "record.key"
MERGED_CELLS = (
    "merged cells {ranges}: a merged cell keeps its value in its first cell only; unmerge them and fill "
    "every cell"
)
NOT_A_TABLE = "{name} is neither .csv nor .xlsx"
NOT_XLSX = "not an Excel workbook (.xlsx): {detail}"
NO_SHEET = "no sheet {sheet!r}; the workbook has {sheets}"
MAPPED_NOT_FOUND = "the mapping names column {column!r}, which is not in the header"
NOT_MAPPED = "column {column!r} is not in the mapping's [columns]; map it or list it in ignore"
BAD_TARGET = "{target!r} is not patient.key, record.key or kind.field of a registry kind"
NO_PATIENT_KEY = "the mapping has no column for patient.key"
NO_RECORD_KIND = "layout 'record' needs kind = one of: {allowed}"
NO_RECORD_KEY = "layout 'record' needs a record.key column or key_columns"
EMPTY_KEY = "the key is empty"
MISSING_NOT_ALLOWED = "{value!r} marks {field} missing, but this field cannot be marked missing"
NO_HEADER = "the file has no header row {row}"


@dataclass(frozen=True)
class Target:
    kind: str
    field: str


def _target(text: str, source: str) -> Target:
    kind, _, name = text.partition(".")
    if text in (PATIENT_KEY, RECORD_KEY):
        return Target(kind, "key")
    if kind in EDITABLE_KINDS and name:
        try:
            field_spec(kind, name)
        except KeyError:
            pass
        else:
            return Target(kind, name)
    raise ReadError([RowProblem(source, "mapping", text, RULE_HEADER, BAD_TARGET.format(target=text))])


def merged_ranges(path: Path, sheet_xml: str) -> list[str]:
    """The merged ranges of one sheet of an ``.xlsx`` file, read from its XML (openpyxl's read-only mode
    does not report them)."""
    with zipfile.ZipFile(path) as archive, archive.open(sheet_xml) as handle:
        text = handle.read().decode("utf-8", errors="replace")
    return re.findall(r'<mergeCell[^>]*\sref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', text)


def _xlsx_rows(path: Path, mapping: ImportMapping) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError(
            [RowProblem(path.name, "file", "", RULE_FORMAT, NOT_XLSX.format(detail=exc))]
        ) from exc
    try:
        names = workbook.sheetnames
        sheet = mapping.sheet or names[0]
        if sheet not in names:
            message = NO_SHEET.format(sheet=sheet, sheets=", ".join(names))
            raise ReadError([RowProblem(path.name, "file", "", RULE_FORMAT, message)])
        index = names.index(sheet)
        xml = _sheet_xml(path, index)
        merged = merged_ranges(path, xml) if xml else []
        if merged:
            message = MERGED_CELLS.format(ranges=", ".join(merged))
            raise ReadError([RowProblem(path.name, f"sheet {sheet}", "", RULE_MERGED, message)])
        for number, values in enumerate(workbook[sheet].iter_rows(values_only=True), start=1):
            yield number, list(values)
    finally:
        workbook.close()


def _sheet_xml(path: Path, index: int) -> str:
    """The archive path of the ``index``-th sheet (workbook order), from the workbook's relationships."""
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", errors="replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", errors="replace")
    ids = re.findall(r'<(?:\w+:)?sheet\b[^>]*\br:id="([^"]+)"', workbook)
    if index >= len(ids):
        return ""
    for attrs in re.findall(r"<Relationship\b([^>]*)/?>", rels):
        if f'Id="{ids[index]}"' in attrs:
            target = re.search(r'Target="([^"]+)"', attrs)
            if target:
                found = target.group(1).lstrip("/")
                return found if found.startswith("xl/") else f"xl/{found}"
    return ""


def _csv_rows(path: Path, mapping: ImportMapping) -> Iterator[tuple[int, list[Any]]]:
    reader = csv.reader(open_text(path, mapping.encoding))
    for cells in reader:
        yield reader.line_num, list(cells)


def read_table(path: Path, mapping: ImportMapping) -> tuple[list[SourceRow], list[RowProblem]]:
    """The rows of a ``.csv`` or ``.xlsx`` file under ``mapping``, and every problem found reading them.

    A file that cannot be read at all (format, encoding, merged cells, header) raises :class:`ReadError`.
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        lines, where = _csv_rows(path, mapping), "line"
    elif suffix in (".xlsx", ".xlsm"):
        lines, where = _xlsx_rows(path, mapping), "row"
    else:
        raise ReadError([RowProblem(path.name, "file", "", RULE_FORMAT, NOT_A_TABLE.format(name=path.name))])
    header: list[str] | None = None
    for number, cells in lines:
        if number == mapping.header_row:
            header = ["" if c is None else str(c).strip() for c in cells]
            break
    if header is None:
        message = NO_HEADER.format(row=mapping.header_row)
        raise ReadError([RowProblem(path.name, "file", "", RULE_HEADER, message)])
    columns = _columns(path.name, header, mapping)
    reader = _TableReader(path.name, mapping, columns)
    rows: list[SourceRow] = []
    for number, cells in lines:
        if all(is_blank(c) for c in cells):
            continue
        rows.extend(reader.rows(f"{where} {number}", cells))
    return rows, reader.problems


def _columns(source: str, header: list[str], mapping: ImportMapping) -> dict[int, tuple[str, Target]]:
    """Column index -> (heading, target); every problem of the header at once."""
    problems: list[RowProblem] = []
    by_heading = {h.casefold(): i for i, h in enumerate(header) if h}
    columns: dict[int, tuple[str, Target]] = {}
    for heading, text in mapping.columns.items():
        target = _target(text, mapping.source or "mapping")
        index = by_heading.get(heading.strip().casefold())
        if index is None:
            message = MAPPED_NOT_FOUND.format(column=heading)
            problems.append(RowProblem(source, "header", heading, RULE_HEADER, message))
            continue
        columns[index] = (header[index], target)
    ignored = {name.strip().casefold() for name in mapping.ignore}
    for index, heading in enumerate(header):
        if heading and index not in columns and heading.casefold() not in ignored:
            problems.append(
                RowProblem(source, "header", heading, RULE_HEADER, NOT_MAPPED.format(column=heading))
            )
    targets = {t for _h, t in columns.values()}
    if Target("patient", "key") not in targets:
        problems.append(RowProblem(source, "header", "", RULE_HEADER, NO_PATIENT_KEY))
    if mapping.layout == "record":
        if mapping.kind not in EDITABLE_KINDS or mapping.kind == PATIENT:
            allowed = ", ".join(k for k in EDITABLE_KINDS if k != PATIENT)
            problems.append(
                RowProblem(source, "mapping", "kind", RULE_HEADER, NO_RECORD_KIND.format(allowed=allowed))
            )
        if Target("record", "key") not in targets and not mapping.key_columns:
            problems.append(RowProblem(source, "mapping", "key_columns", RULE_HEADER, NO_RECORD_KEY))
        for name in mapping.key_columns:
            if name.strip().casefold() not in by_heading:
                message = MAPPED_NOT_FOUND.format(column=name)
                problems.append(RowProblem(source, "header", name, RULE_HEADER, message))
    if problems:
        raise ReadError(problems)
    return columns


class _TableReader:
    def __init__(self, source: str, mapping: ImportMapping, columns: dict[int, tuple[str, Target]]) -> None:
        self.source = source
        self.mapping = mapping
        self.columns = columns
        self.problems: list[RowProblem] = []

    def _problem(self, where: str, column: str, rule: str, message: str) -> None:
        self.problems.append(RowProblem(self.source, where, column, rule, message))

    def rows(self, where: str, cells: list[Any]) -> list[SourceRow]:
        cells = cells + [None] * (max(self.columns, default=0) + 1 - len(cells))
        patient_key = ""
        record_key = ""
        by_kind: dict[str, dict[str, Any]] = {}
        headings: dict[str, dict[str, str]] = {}
        missing: dict[str, dict[str, str]] = {}
        for index, (heading, target) in self.columns.items():
            cell = cells[index]
            if target.field == "key":
                text = (
                    ""
                    if is_blank(cell)
                    else str(int(cell) if isinstance(cell, float) and cell.is_integer() else cell).strip()
                )
                if target.kind == PATIENT:
                    patient_key = text
                else:
                    record_key = text
                continue
            kind = target.kind if target.kind != "record" else self.mapping.kind
            headings.setdefault(kind, {})[target.field] = heading
            if is_blank(cell):
                continue
            text = str(cell).strip()
            reason = self.mapping.missing_reason(text)
            if reason is not None:
                if kind == PATIENT or not EDITABLE_KINDS[kind].takes_missing:
                    self._problem(
                        where,
                        heading,
                        RULE_MISSING,
                        MISSING_NOT_ALLOWED.format(value=text, field=target.field),
                    )
                else:
                    missing.setdefault(kind, {})[target.field] = reason
                continue
            spec = field_spec(kind, target.field)
            if spec.type == "link":
                by_kind.setdefault(kind, {})[target.field] = text
                continue
            try:
                value = parse(
                    spec,
                    cell,
                    formats=self.mapping.date_formats,
                    recode=self.mapping.codes.get(
                        f"{kind}.{target.field}", self.mapping.codes.get(target.field, {})
                    ),
                )
            except CellError as exc:
                self._problem(where, heading, exc.rule, exc.message)
                continue
            by_kind.setdefault(kind, {})[target.field] = value
        if self.mapping.layout == "record" and not record_key and self.mapping.key_columns:
            record_key = "/".join(self._key_part(cells, name) for name in self.mapping.key_columns)
        if not patient_key:
            self._problem(where, "", RULE_KEY, EMPTY_KEY)
            return []
        if self.mapping.layout == "record":
            kind = self.mapping.kind
            if not record_key.strip("/"):
                self._problem(where, "", RULE_KEY, EMPTY_KEY)
                return []
            values = by_kind.get(kind, {})
            if kind in missing:
                values["missing"] = missing[kind]
            return [
                SourceRow(self.source, where, kind, record_key, patient_key, values, headings.get(kind, {}))
            ]
        return self._patient_layout(where, patient_key, by_kind, missing, headings)

    def _key_part(self, cells: list[Any], name: str) -> str:
        for index, heading in enumerate(self._header_names(len(cells))):
            if heading.casefold() == name.strip().casefold():
                cell = cells[index]
                return "" if is_blank(cell) else str(cell).strip()
        return ""

    def _header_names(self, width: int) -> list[str]:
        names = [""] * width
        for index, (heading, _t) in self.columns.items():
            if index < width:
                names[index] = heading
        return names

    def _patient_layout(
        self,
        where: str,
        patient_key: str,
        by_kind: dict[str, dict[str, Any]],
        missing: dict[str, dict[str, str]],
        headings: dict[str, dict[str, str]],
    ) -> list[SourceRow]:
        present = [k for k in EDITABLE_KINDS if k != PATIENT and (by_kind.get(k) or missing.get(k))]
        result = [
            SourceRow(
                self.source,
                where,
                PATIENT,
                patient_key,
                patient_key,
                by_kind.get(PATIENT, {}),
                headings.get(PATIENT, {}),
            )
        ]
        for kind in present:
            values = dict(by_kind.get(kind, {}))
            for name, target in LINKS.get(kind, {}).items():
                if name in values:
                    values[name] = f"{patient_key}/{target}" if values[name] else None
                elif target in present:
                    values[name] = f"{patient_key}/{target}"
            if kind in missing:
                values["missing"] = missing[kind]
            result.append(
                SourceRow(
                    self.source,
                    where,
                    kind,
                    f"{patient_key}/{kind}",
                    patient_key,
                    values,
                    headings.get(kind, {}),
                )
            )
        return result
