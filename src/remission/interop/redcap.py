"""REDCap: the registry's data dictionary for a mirror project, its records export, and reading an export.

**The mirror project.** :func:`redcap_fields` lays the registry's tables (:func:`remission.interop.fields
.tables`) out as REDCap instruments: ``patient`` (the record: ``record_id`` is the registry ID, then the
patient's centre and fields) and one repeating instrument per kind of record (``diagnosis``,
``prior_therapy`` … ``outcome_event``). Variable names are the field names with a short prefix per
instrument (``dx_disease``, ``inf_date``), since REDCap variable names are unique across a project.
Dates are text fields validated ``date_ymd``, whole numbers ``integer``, measurements ``number``; coded
fields are drop-downs with the choices ``code, label | code, label`` when every code is a valid REDCap
raw value (letters, digits, underscores), otherwise text fields whose note lists the codes (units such
as ``mg/kg``). Yes/no fields are ``yesno``; JSON documents (an instrument's items) are notes fields.
A link between records (an infusion's cell product) is the *instance number* of the record it points
at, in the same record and event.

**Missing values** are REDCap Missing Data Codes, a project-level setting (Project Setup → Additional
customizations → Missing Data Codes): ``NE, Not evaluated | UNK, Unknown | NA, Not applicable``
(:data:`MISSING_DATA_CODES`). REDCap stores the code as the field's value. Fields that the registry never
marks missing carry the ``@NOMISSING`` action tag in their annotation.

**Records** (:func:`write_records`): REDCap's flat CSV export of a longitudinal project with repeating
instruments, raw codes: ``record_id, redcap_event_name, redcap_repeat_instrument,
redcap_repeat_instance``, then every variable (``registry_id``, the registry's pseudonym, is a variable of
its own: a project numbering its records 1, 2, 3 leaves it empty and gets new pseudonyms), each
instrument closed by ``<instrument>_complete``
(2 = complete). One event, ``registry_arm_1``, holds every instrument.

**Reading** (:func:`read_redcap`): a records export with its project's data dictionary, renamed by the
mapping file (:mod:`remission.interop.mapping`), as :class:`~remission.interop.rows.SourceRow` values.
A record row's key is ``record/event/instrument/instance``; a patient's key is its REDCap record ID.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

import numpy as np
import pandas as pd

from remission.interop.fields import MISSING_TABLE, PATIENT_TABLE, RECORD_ID, REGISTRY_ID, Column, tables
from remission.interop.mapping import ImportMapping
from remission.interop.rows import PATIENT, ReadError, RowProblem, SourceRow
from remission.interop.values import CellError, FieldSpec, field_spec, parse
from remission.registry.codes import MissingReason

RECORD_ID_FIELD = "record_id"
RECORD_ID_LABEL = "Record ID (in a mirror project: the registry ID)"
EVENT = "registry_arm_1"
EVENT_COLUMN = "redcap_event_name"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
REDCAP_COLUMNS = (EVENT_COLUMN, REPEAT_INSTRUMENT, REPEAT_INSTANCE, "redcap_data_access_group")
COMPLETE_SUFFIX = "_complete"
COMPLETE = "2"
_UNREAD = object()  # a cell not parsed before
NOMISSING = "@NOMISSING"

DICTIONARY_HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
# The registry's missing-value reasons as REDCap Missing Data Codes (the project setting's text).
MISSING_DATA_CODES: dict[str, str] = {
    MissingReason.NOT_EVALUATED: "NE",
    MissingReason.UNKNOWN: "UNK",
    MissingReason.NOT_APPLICABLE: "NA",
}
MISSING_DATA_CODES_SETTING = " | ".join(
    f"{code}, {MissingReason(reason).label}" for reason, code in MISSING_DATA_CODES.items()
)
# Variable prefixes per instrument (REDCap variable names are unique across the project).
PREFIXES: dict[str, str] = {
    PATIENT_TABLE: "",
    "diagnosis": "dx_",
    "prior_therapy": "pth_",
    "assessment": "asm_",
    "workup": "wu_",
    "mobilisation": "mob_",
    "cell_product": "cp_",
    "conditioning": "cond_",
    "conditioning_agent": "ca_",
    "infusion": "inf_",
    "engraftment": "eng_",
    "adverse_event": "ae_",
    "lab_result": "lab_",
    "follow_up": "fu_",
    "outcome_event": "oe_",
}
RAW_CODE = re.compile(r"^[A-Za-z0-9_]+$")
VALIDATION = {"date": "date_ymd", "integer": "integer", "number": "number"}

RULE_HEADER = "header"
RULE_ENCODING = "encoding"
RULE_INSTRUMENT = "known_instrument"
RULE_UNMAPPED = "unmapped_variable"
RULE_MISSING = "missing_code"
RULE_INSTANCE = "repeat_instance"
WRONG_DICTIONARY = "not a REDCap data dictionary: the header lacks {columns}"
NO_RECORD_ID = "the records export has no {column!r} column (the first variable of the dictionary)"
UNKNOWN_COLUMN = "column {column!r} is not a variable of the data dictionary"
NOT_UTF8 = "the file is not UTF-8 ({detail}); export it again as UTF-8, or name its encoding in the mapping"
UNKNOWN_INSTRUMENT = "{name!r} is not an instrument of the registry's dictionary; map it in [instruments]"
UNMAPPED = (
    "variable {name!r} of the project is not a variable of the registry's dictionary; map it in "
    "[fields] or list it in ignore"
)
MISSING_NOT_ALLOWED = "{value!r} marks {field} missing, but this field cannot be marked missing"
BAD_INSTANCE = "{value!r} is not a repeat instance number"


@dataclass(frozen=True)
class RedcapField:
    """One variable of the mirror project and the registry field it holds."""

    name: str
    form: str
    kind: str  # registry kind slug ("patient" for the patient instrument)
    field: str  # registry field ("" for record_id; "product" for a link)
    column: Column
    field_type: str  # REDCap field type
    validation: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    note: str = ""
    required: bool = False
    takes_missing: bool = False
    link: str = ""  # the instrument this variable's instance number points at

    def row(self) -> tuple[str, ...]:
        """This variable as a row of the REDCap data dictionary."""
        choices = " | ".join(f"{code}, {label}" for code, label in self.choices)
        annotation = "" if self.takes_missing else NOMISSING
        identifier = "y" if self.name == RECORD_ID_FIELD else ""
        return (
            self.name,
            self.form,
            "",
            self.field_type,
            RECORD_ID_LABEL if self.name == RECORD_ID_FIELD else self.column.label,
            choices,
            self.note,
            self.validation,
            "",
            "",
            identifier,
            "",
            "y" if self.required else "",
            "",
            "",
            "",
            "",
            annotation,
        )


def _kind_of(table: str) -> str:
    return PATIENT if table == PATIENT_TABLE else table.replace("_", "-")


def _required(kind: str, name: str) -> bool:
    from remission.registry.kinds import EDITABLE_KINDS

    if kind == PATIENT and name == "centre":
        return True
    model_field = EDITABLE_KINDS[kind].model._meta.get_field(name)
    return not (model_field.null or model_field.blank or model_field.has_default())


@cache
def redcap_fields() -> tuple[RedcapField, ...]:
    """Every variable of the mirror project, instrument by instrument, ``record_id`` first."""
    found: list[RedcapField] = []
    for table in tables():
        if table.name == MISSING_TABLE:
            continue
        kind = _kind_of(table.name)
        prefix = PREFIXES[table.name]
        for column in table.columns:
            if column.name == REGISTRY_ID and table.name == PATIENT_TABLE:
                found.append(
                    RedcapField(RECORD_ID_FIELD, table.name, kind, "", column, "text", required=True)
                )
                note = "The registry's pseudonym; empty: the registry draws a new one"
                found.append(
                    RedcapField(REGISTRY_ID, table.name, kind, REGISTRY_ID, column, "text", note=note)
                )
                continue
            if not column.source or column.name == RECORD_ID:
                continue
            name = column.name.removesuffix("_id") if column.refers_to else column.name
            variable = f"{prefix}{name}"
            takes_missing = bool(column.missing_reasons)
            if column.refers_to:
                note = f"Instance number of the {column.refers_to} instrument (same record and event)"
                found.append(
                    RedcapField(
                        variable,
                        table.name,
                        kind,
                        name,
                        column,
                        "text",
                        "integer",
                        note=note,
                        required=_required(kind, name),
                        takes_missing=takes_missing,
                        link=column.refers_to,
                    )
                )
                continue
            field_type, validation, choices, note = "text", VALIDATION.get(column.type, ""), (), column.unit
            if column.type == "boolean":
                field_type, validation = "yesno", ""
            elif column.json:
                field_type, validation, note = "notes", "", "A JSON document"
            elif column.codes and all(RAW_CODE.match(code) for code, _label in column.codes):
                field_type, choices = "dropdown", column.codes
            elif column.codes:
                note = "One of: " + ", ".join(code for code, _label in column.codes)
            required = name != "centre" and kind != PATIENT and _required(kind, name)
            required = required or (kind == PATIENT and _required(kind, name))
            found.append(
                RedcapField(
                    variable,
                    table.name,
                    kind,
                    name,
                    column,
                    field_type,
                    validation,
                    choices,
                    note,
                    required,
                    takes_missing,
                )
            )
    return tuple(found)


def instruments() -> tuple[str, ...]:
    """The mirror project's instruments, in order (``patient`` first)."""
    return tuple(dict.fromkeys(f.form for f in redcap_fields()))


def repeating_instruments() -> tuple[str, ...]:
    """The instruments REDCap must repeat (every one but ``patient``)."""
    return tuple(form for form in instruments() if form != PATIENT_TABLE)


def write_dictionary(out: IO[str]) -> int:
    """Write the mirror project's data dictionary as REDCap's CSV; return the number of variables."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DICTIONARY_HEADER)
    count = 0
    for variable in redcap_fields():
        writer.writerow(variable.row())
        count += 1
    return count


# --- the records export ----------------------------------------------------------------------------


def records_header() -> list[str]:
    header = [RECORD_ID_FIELD, EVENT_COLUMN, REPEAT_INSTRUMENT, REPEAT_INSTANCE]
    for form in instruments():
        header.extend(f.name for f in redcap_fields() if f.form == form and f.name != RECORD_ID_FIELD)
        header.append(f"{form}{COMPLETE_SUFFIX}")
    return header


def _text(value: Any, column: Column) -> str:
    """One stored value as REDCap's raw text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    if isinstance(value, np.datetime64):
        return "" if np.isnat(value) else str(value.astype("datetime64[D]"))
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, float | np.floating):
        return repr(float(value)) if column.type == "number" else str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def write_records(out: IO[str], extract: Any) -> int:
    """Write ``extract`` (:func:`remission.interop.extract.registry_extract`, not de-identified) as a
    REDCap records export; return the number of rows written."""
    by_form = {form: [f for f in redcap_fields() if f.form == form] for form in instruments()}
    header = records_header()
    frames = {et.name: et.frame() for et in extract.tables()}
    missing: dict[tuple[str, int], dict[str, str]] = {}
    for row in frames[MISSING_TABLE].itertuples(index=False):
        missing.setdefault((row.table, int(row.record_id)), {})[row.field] = row.reason
    instance: dict[tuple[str, int], int] = {}
    per_patient: dict[str, list[dict[str, str]]] = {}
    for form in repeating_instruments():
        frame = frames[form].sort_values(RECORD_ID, kind="stable")
        counters: dict[str, int] = {}
        for record in frame.to_dict("records"):
            patient = record[REGISTRY_ID]
            counters[patient] = counters.get(patient, 0) + 1
            instance[(form, int(record[RECORD_ID]))] = counters[patient]
        frames[form] = frame
    patients = frames[PATIENT_TABLE]
    for record in patients.to_dict("records"):
        row = {RECORD_ID_FIELD: record[REGISTRY_ID], EVENT_COLUMN: EVENT}
        for variable in by_form[PATIENT_TABLE][1:]:
            row[variable.name] = _text(record[variable.column.name], variable.column)
        row[f"{PATIENT_TABLE}{COMPLETE_SUFFIX}"] = COMPLETE
        per_patient[record[REGISTRY_ID]] = [row]
    for form in repeating_instruments():
        for record in frames[form].to_dict("records"):
            record_id = int(record[RECORD_ID])
            reasons = missing.get((form, record_id), {})
            row = {
                RECORD_ID_FIELD: record[REGISTRY_ID],
                EVENT_COLUMN: EVENT,
                REPEAT_INSTRUMENT: form,
                REPEAT_INSTANCE: str(instance[(form, record_id)]),
            }
            for variable in by_form[form]:
                value = record[variable.column.name]
                if variable.link:
                    text = _text(value, variable.column)
                    row[variable.name] = str(instance[(variable.link, int(text))]) if text else ""
                else:
                    row[variable.name] = _text(value, variable.column)
                if variable.field in reasons and row[variable.name] == "":
                    row[variable.name] = MISSING_DATA_CODES[reasons[variable.field]]
            row[f"{form}{COMPLETE_SUFFIX}"] = COMPLETE
            per_patient.setdefault(record[REGISTRY_ID], []).append(row)
    writer = csv.DictWriter(out, header, restval="", lineterminator="\n")
    writer.writeheader()
    count = 0
    for rows in per_patient.values():
        writer.writerows(rows)
        count += len(rows)
    return count


@dataclass(frozen=True)
class RecordsExport:
    path: Path
    rows: int
    patients: int
    sha256: str


def export_records(*, actor: Any, out: Path, centre: str | None = None, via: str = "") -> RecordsExport:
    """Write the records ``actor`` may read (of one ``centre`` if given) as a REDCap records export to
    ``out``, and audit it as every export is (who, scope, filters, row count, the file's SHA-256)."""
    from remission.interop.export import file_sha256
    from remission.interop.extract import registry_extract
    from remission.registry.services.exports import EXTRACT_ENTITY, export_audit

    extract = registry_extract(actor=actor, centre=centre)
    with out.open("w", encoding="utf-8", newline="") as handle:
        rows = write_records(handle, extract)
    sha256 = file_sha256(out)
    export_audit(
        actor=actor,
        entity=EXTRACT_ENTITY,
        file_format="redcap",
        file_name=out.name,
        sha256=sha256,
        scope=extract.scope,
        filters=extract.filters.as_dict(),
        row_counts={"records": rows},
        reason=via,
    )
    return RecordsExport(out, rows, len(extract.patients), sha256)


# --- reading an export -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectVariable:
    """A variable of the project's own data dictionary."""

    name: str
    form: str
    field_type: str


def open_text(path: Path, encoding: str = "") -> Iterator[str]:
    """The lines of a text file: UTF-8 (with or without a byte-order mark) unless ``encoding`` is named.
    A file that is not UTF-8 is a :class:`ReadError` naming the encoding problem, before any row is read."""
    data = path.read_bytes()
    try:
        text = data.decode(encoding or "utf-8-sig")
    except (UnicodeDecodeError, LookupError) as exc:
        detail = str(exc)[:120]
        raise ReadError(
            [RowProblem(path.name, "file", "", RULE_ENCODING, NOT_UTF8.format(detail=detail))]
        ) from exc
    return iter(io.StringIO(text, newline=""))


def read_project_dictionary(path: Path, mapping: ImportMapping) -> list[ProjectVariable]:
    """The variables of a REDCap data dictionary CSV (REDCap's header; at least name, form and type)."""
    reader = csv.reader(open_text(path, mapping.encoding))
    header = [h.strip() for h in next(reader, [])]
    wanted = DICTIONARY_HEADER[:2] + DICTIONARY_HEADER[3:4]
    lacking = [w for w in wanted if w not in header]
    if lacking:
        message = WRONG_DICTIONARY.format(columns=", ".join(repr(w) for w in lacking))
        raise ReadError([RowProblem(path.name, "line 1", "", RULE_HEADER, message)])
    at = {name: header.index(name) for name in wanted}
    found = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        found.append(
            ProjectVariable(
                cells[at[wanted[0]]].strip(), cells[at[wanted[1]]].strip(), cells[at[wanted[2]]].strip()
            )
        )
    return found


@dataclass
class _Reading:
    source: str
    mapping: ImportMapping
    targets: dict[str, RedcapField]  # project variable -> mirror variable
    problems: list[RowProblem]
    # (column index, cell text) -> its value, for cells read before: a column's codes and dates recur
    # down the file, and parsing text is the same function of it every time (JSON documents, which
    # the rows must not share, are parsed each time)
    parsed: dict[tuple[int, str], Any] = field(default_factory=dict)

    def problem(self, where: str, column: str, rule: str, message: str) -> None:
        self.problems.append(RowProblem(self.source, where, column, rule, message))


def _targets(
    variables: Sequence[ProjectVariable], mapping: ImportMapping, source: str, problems: list[RowProblem]
) -> dict[str, RedcapField]:
    mirror = {f.name: f for f in redcap_fields()}
    targets: dict[str, RedcapField] = {}
    for variable in variables:
        if variable.name in mapping.ignore or variable.field_type == "descriptive":
            continue
        name = mapping.fields.get(variable.name, variable.name)
        target = mirror.get(name)
        if target is None:
            message = UNMAPPED.format(name=variable.name)
            problems.append(RowProblem(source, "dictionary", variable.name, RULE_UNMAPPED, message))
            continue
        targets[variable.name] = target
    return targets


def read_redcap(
    dictionary: Path, records: Path, mapping: ImportMapping
) -> tuple[list[SourceRow], list[RowProblem]]:
    """The rows of a REDCap records export, and every problem found reading them (file/row/column/rule).

    A file that cannot be read at all (encoding, header) raises :class:`ReadError`."""
    variables = read_project_dictionary(dictionary, mapping)
    problems: list[RowProblem] = []
    targets = _targets(variables, mapping, dictionary.name, problems)
    record_column = variables[0].name if variables else RECORD_ID_FIELD
    reader = csv.reader(open_text(records, mapping.encoding))
    header = [h.strip() for h in next(reader, [])]
    if record_column not in header:
        message = NO_RECORD_ID.format(column=record_column)
        raise ReadError([RowProblem(records.name, "line 1", "", RULE_HEADER, message)])
    known = {v.name for v in variables} | set(REDCAP_COLUMNS)
    forms = {v.form for v in variables}
    header_problems = []
    for column in header:
        base = column.split("___")[0]
        if column in known or base in known or column in mapping.ignore:
            continue
        if column.endswith(COMPLETE_SUFFIX) and column.removesuffix(COMPLETE_SUFFIX) in forms:
            continue
        message = UNKNOWN_COLUMN.format(column=column)
        header_problems.append(RowProblem(records.name, "line 1", column, RULE_HEADER, message))
    if header_problems:
        raise ReadError(header_problems)
    reading = _Reading(records.name, mapping, targets, problems)
    rows = list(_rows(reading, header, reader, record_column))
    return rows, problems


@dataclass(frozen=True)
class _FormColumns:
    """The columns of one instrument, prepared once for every line: (index, project column, mirror
    variable, the registry field's type, the mapping's recodes for it), and where each field is read
    from (the same for every row of the instrument)."""

    columns: tuple[tuple[int, str, RedcapField, FieldSpec | None, dict[str, str]], ...]
    sources: Mapping[str, str]


def _form_columns(reading: _Reading, columns: list[tuple[int, str, RedcapField]]) -> _FormColumns:
    prepared = []
    for index, column, target in columns:
        spec = None if target.link else field_spec(_kind_of(target.form), target.field)
        prepared.append((index, column, target, spec, reading.mapping.codes.get(target.name, {})))
    sources = {target.field: column for _index, column, target in columns}
    return _FormColumns(tuple(prepared), MappingProxyType(sources))  # shared by the rows: read-only


def _rows(
    reading: _Reading, header: list[str], lines: Iterable[list[str]], record_column: str
) -> Iterator[SourceRow]:
    found: dict[str, list[tuple[int, str, RedcapField]]] = {}
    for index, column in enumerate(header):
        target = reading.targets.get(column)
        if target is not None and target.name != RECORD_ID_FIELD:
            found.setdefault(target.form, []).append((index, column, target))
    by_form = {form: _form_columns(reading, columns) for form, columns in found.items()}
    no_columns = _FormColumns((), MappingProxyType({}))
    at = {
        name: header.index(name)
        for name in (EVENT_COLUMN, REPEAT_INSTRUMENT, REPEAT_INSTANCE)
        if name in header
    }
    record_at = header.index(record_column)
    mirror_forms = set(instruments())
    for line_number, cells in enumerate(lines, start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        where = f"line {line_number}"
        record = cells[record_at].strip()
        event = cells[at[EVENT_COLUMN]].strip() if EVENT_COLUMN in at else ""
        if reading.mapping.events.get(event) == "skip":
            continue
        repeat = cells[at[REPEAT_INSTRUMENT]].strip() if REPEAT_INSTRUMENT in at else ""
        instance_text = cells[at[REPEAT_INSTANCE]].strip() if REPEAT_INSTANCE in at else ""
        if repeat:
            form = reading.mapping.instruments.get(repeat, repeat)
            if form not in mirror_forms:
                reading.problem(
                    where, REPEAT_INSTRUMENT, RULE_INSTRUMENT, UNKNOWN_INSTRUMENT.format(name=repeat)
                )
                continue
            if not instance_text.isdigit():
                reading.problem(
                    where, REPEAT_INSTANCE, RULE_INSTANCE, BAD_INSTANCE.format(value=instance_text)
                )
                continue
            present = [form]
        else:
            present = [
                form
                for form, columns in by_form.items()
                if form == PATIENT_TABLE or any(cells[c[0]].strip() for c in columns.columns)
            ]
        for form in present:
            row = _row(
                reading,
                where,
                record,
                event,
                form,
                instance_text or "1",
                cells,
                by_form.get(form, no_columns),
            )
            if row is not None:
                yield row


def _parsed(reading: _Reading, index: int, text: str, spec: FieldSpec, recode: dict[str, str]) -> Any:
    """``text`` of column ``index`` parsed as its field's value (remembered unless a JSON document)."""
    value = reading.parsed.get((index, text), _UNREAD)
    if value is _UNREAD:
        value = parse(spec, text, formats=reading.mapping.date_formats, recode=recode)
        if spec.type != "json":
            reading.parsed[(index, text)] = value
    return value


def _key(record: str, event: str, form: str, instance: str) -> str:
    return f"{record}/{event}/{form}/{instance}" if event else f"{record}/{form}/{instance}"


def _row(
    reading: _Reading,
    where: str,
    record: str,
    event: str,
    form: str,
    instance: str,
    cells: list[str],
    form_columns: _FormColumns,
) -> SourceRow:
    """One instrument of one line as a row; a cell that cannot be read is reported and left out (the
    engine then reports only the reader's problem for this line)."""
    kind = _kind_of(form)
    values: dict[str, Any] = {}
    sources = form_columns.sources
    missing: dict[str, str] = {}
    for index, project_column, target, spec, recode in form_columns.columns:
        text = cells[index].strip()
        reason = reading.mapping.missing_reason(text) if text else None
        if reason is not None:
            if not target.takes_missing:
                message = MISSING_NOT_ALLOWED.format(value=text, field=target.field)
                reading.problem(where, project_column, RULE_MISSING, message)
            else:
                missing[target.field] = reason
            continue
        if target.link:
            values[target.field] = _key(record, event, target.link, text) if text else None
            continue
        assert spec is not None  # a column that is not a link has its field's type
        try:
            value = _parsed(reading, index, text, spec, recode)
        except CellError as exc:
            reading.problem(where, project_column, exc.rule, exc.message)
            continue
        if value is None and spec.type in ("json", "boolean") and not spec.nullable:
            continue  # the model's default (an empty document, False)
        values[target.field] = value
    if kind == PATIENT:
        return SourceRow(reading.source, where, PATIENT, record, record, values, sources)
    if missing:
        values["missing"] = missing
    key = _key(record, event, form, instance)
    return SourceRow(reading.source, where, kind, key, record, values, sources)
