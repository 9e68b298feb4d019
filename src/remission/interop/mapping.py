"""The mapping file: how a REDCap project's or a spreadsheet's names map onto the registry's (TOML).

Every key is optional; ``docs/exchange.md`` shows a full example. :func:`load_mapping` reads a file and
:func:`mapping_from` a parsed document into an :class:`ImportMapping`; an unknown key or a value of the
wrong type is a :class:`~remission.interop.rows.ReadError` naming the key (a misspelt key would
otherwise be ignored).

``system``
    The source system's name: keys already imported from it are left alone (idempotence). Default:
    ``redcap`` for a REDCap import, ``table:<file name>`` for a spreadsheet.
``centre``
    The centre code of patients whose rows name none.
``encoding``
    A CSV file's encoding when it is not UTF-8 (``cp1252`` for a file saved by Excel on Windows).
``date_formats``
    Date formats tried after ISO ``YYYY-MM-DD`` (``["%d/%m/%Y", "%d.%m.%Y"]``).
``missing_codes``
    Source value → missing-value reason (``not_evaluated``, ``unknown``, ``not_applicable``); REDCap's
    ``NE``, ``UNK`` and ``NA`` are always known.
``ignore``
    Source columns or variables that are not imported.
``[fields]``
    REDCap: project variable → the registry dictionary's variable (``"dob_yr" = "birth_year"``).
``[codes.<variable>]``
    Source code → registry code for one registry variable (``[codes.sex]`` ``"1" = "male"``).
``[instruments]``
    REDCap: project instrument → the registry dictionary's instrument.
``[events]``
    REDCap: event → ``"skip"`` to leave an event's rows out.
``layout``, ``kind``, ``sheet``, ``header_row``, ``key_columns``, ``[columns]``
    Spreadsheets (:mod:`remission.interop.table`): ``layout = "patient"`` (one row per patient, columns
    of several kinds) or ``"record"`` (one row per record of ``kind``); ``[columns]`` maps a column
    heading to ``kind.field`` (``"Date of HSCT" = "infusion.date"``) or ``patient.key`` (the patient's
    key) or ``record.key``; ``key_columns`` lists the columns whose values make a record's key when
    there is no ``record.key`` column.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from remission.interop.rows import ReadError, RowProblem

RULE_MAPPING = "mapping_file"
UNKNOWN_KEY = "unknown key {key!r}; allowed: {allowed}"
WRONG_TYPE = "{key!r} must be {what}"
NOT_TOML = "not a TOML file: {detail}"
LAYOUTS = ("patient", "record")
BAD_LAYOUT = "layout must be one of {allowed}, not {value!r}"

REDCAP_MISSING_CODES: dict[str, str] = {"NE": "not_evaluated", "UNK": "unknown", "NA": "not_applicable"}


@dataclass(frozen=True)
class ImportMapping:
    """A parsed mapping file (see the module docstring)."""

    source: str = ""
    system: str = ""
    centre: str = ""
    encoding: str = ""
    date_formats: tuple[str, ...] = ()
    missing_codes: Mapping[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()
    fields: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    instruments: Mapping[str, str] = field(default_factory=dict)
    events: Mapping[str, str] = field(default_factory=dict)
    layout: str = "patient"
    kind: str = ""
    sheet: str = ""
    header_row: int = 1
    key_columns: tuple[str, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)

    def missing_reason(self, value: str) -> str | None:
        """The missing-value reason a source value stands for, if it stands for one."""
        return self.missing_codes.get(value) or REDCAP_MISSING_CODES.get(value)


_STRINGS = ("system", "centre", "encoding", "layout", "kind", "sheet")
_TABLES = ("missing_codes", "fields", "instruments", "events", "columns")
_LISTS = ("date_formats", "ignore", "key_columns")
ALLOWED_KEYS = (*_STRINGS, *_TABLES, *_LISTS, "codes", "header_row")


def _fail(source: str, key: str, message: str) -> ReadError:
    return ReadError([RowProblem(source, "mapping", key, RULE_MAPPING, message)])


def mapping_from(document: dict[str, Any], source: str = "mapping") -> ImportMapping:
    """An :class:`ImportMapping` from a parsed TOML document."""
    unknown = sorted(set(document) - set(ALLOWED_KEYS))
    if unknown:
        raise _fail(source, unknown[0], UNKNOWN_KEY.format(key=unknown[0], allowed=", ".join(ALLOWED_KEYS)))
    values: dict[str, Any] = {"source": source}
    for key in _STRINGS:
        if key in document:
            if not isinstance(document[key], str):
                raise _fail(source, key, WRONG_TYPE.format(key=key, what="text"))
            values[key] = document[key]
    for key in _TABLES:
        if key in document:
            table = document[key]
            if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
                raise _fail(source, key, WRONG_TYPE.format(key=key, what="a table of texts"))
            values[key] = {str(k): v for k, v in table.items()}
    for key in _LISTS:
        if key in document:
            items = document[key]
            if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
                raise _fail(source, key, WRONG_TYPE.format(key=key, what="a list of texts"))
            values[key] = frozenset(items) if key == "ignore" else tuple(items)
    if "codes" in document:
        codes = document["codes"]
        if not isinstance(codes, dict) or not all(
            isinstance(t, dict) and all(isinstance(v, str) for v in t.values()) for t in codes.values()
        ):
            raise _fail(source, "codes", WRONG_TYPE.format(key="codes", what="tables of texts per field"))
        values["codes"] = {name: {str(k): v for k, v in t.items()} for name, t in codes.items()}
    if "header_row" in document:
        if not isinstance(document["header_row"], int) or document["header_row"] < 1:
            raise _fail(source, "header_row", WRONG_TYPE.format(key="header_row", what="a row number ≥ 1"))
        values["header_row"] = document["header_row"]
    layout = values.get("layout", "patient")
    if layout not in LAYOUTS:
        raise _fail(source, "layout", BAD_LAYOUT.format(allowed=", ".join(LAYOUTS), value=layout))
    return ImportMapping(**values)


def load_mapping(path: str | Path | None) -> ImportMapping:
    """The mapping file at ``path`` (an empty mapping for None)."""
    if path is None:
        return ImportMapping()
    name = Path(path).name
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _fail(name, "", NOT_TOML.format(detail=exc)) from exc
    return mapping_from(document, name)
