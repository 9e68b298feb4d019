"""The typed source row: what every reader (REDCap, spreadsheet, FHIR) hands to the import engine.

A reader turns its file into :class:`SourceRow` values and nothing else: it parses text into Python types
and names where each value came from, but it never looks at the database. The engine
(``remission.interop.importing``) then writes each row through the registry's services, so validation,
centre scoping and audit are those of a typed-in record.

The contract, for a reader's author:

``source``
    The file as the user named it (``records.csv``, ``bundles/p1.json``): it goes into every message and
    into the audit reason of every record written from it.
``row``
    Where in that file, as the user sees it: ``"row 12"`` (spreadsheet row, header is row 1),
    ``"line 5"`` (CSV line), ``"Bundle/abc Procedure/def"`` (FHIR). Free text, shown as is.
``kind``
    A slug of :data:`remission.registry.kinds.EDITABLE_KINDS`: ``"patient"``, ``"diagnosis"``,
    ``"prior-therapy"``, ``"assessment"``, ``"workup"``, ``"mobilisation"``, ``"cell-product"``,
    ``"conditioning"``, ``"conditioning-agent"``, ``"infusion"``, ``"engraftment"``, ``"adverse-event"``,
    ``"lab-result"``, ``"follow-up"``, ``"outcome-event"``.
``key``
    The row's stable key in its source system (a REDCap record id + event + instrument + instance, a FHIR
    resource id, a spreadsheet's record-id column). Re-importing a row with a key already imported from
    the same source system changes nothing (idempotence), so it must not depend on row order when the
    source has a better identity. Unique among the rows of one kind in one run.
``patient_key``
    The key of the patient row this record belongs to (for a patient row: its own ``key``).
``values``
    Field name → typed value, field names as in the Kind's ``fields`` (the model's ``EDITABLE_FIELDS``):
    dates as :class:`datetime.date`, numbers as ``int``/``float``, booleans as ``bool``, codes as the
    registry's code (``"female"``, ``"auto_hsc"``), JSON fields as ``dict``/``list``. A field left out is
    not set (the service's default); ``None`` means empty. Fields that point at another record of the
    same patient (``Kind.refs``: a cell product's ``mobilisation``, an infusion's ``product`` and
    ``conditioning``, an engraftment's or adverse event's ``infusion``, and a conditioning agent's
    ``conditioning``) hold the *source key* of that row, never a database id.
    A patient row may also carry ``centre`` (the centre's code) and ``registry_id`` (keep the source's
    pseudonym; left out, the registry draws a new one). A record row may carry ``missing``:
    field name → :class:`remission.registry.codes.MissingReason` code.
``columns``
    Field name → the source column (or FHIR element path) it was read from, so that a refused value is
    reported as ``file / row / column / rule``. A field without an entry is reported under its own name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PATIENT = "patient"


@dataclass(frozen=True)
class SourceRow:
    """One record as read from a source file, typed, with where each value came from."""

    source: str
    row: str
    kind: str
    key: str
    patient_key: str
    values: Mapping[str, Any]
    columns: Mapping[str, str] = field(default_factory=dict)

    def column(self, name: str) -> str:
        """The source column of field ``name`` (the field's own name when the reader did not say)."""
        return self.columns.get(name, name)

    @property
    def is_patient(self) -> bool:
        return self.kind == PATIENT


@dataclass(frozen=True)
class RowProblem:
    """Why a row (or one value of it) was refused, as ``file / row / column / rule: message``."""

    source: str
    row: str
    column: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.source} / {self.row} / {self.column} / {self.rule}: {self.message}"


class ReadError(Exception):
    """A source file cannot be read at all, or some of its rows cannot be typed: every problem found.

    Readers raise this (never anything else) for bad input; the engine reports the problems like the
    rows it refuses, and writes nothing.
    """

    def __init__(self, problems: list[RowProblem] | tuple[RowProblem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))
