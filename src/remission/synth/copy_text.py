"""A batch of generated patients as PostgreSQL ``COPY`` text, before any database id is known.

This is the CPU-heavy half of the ``COPY`` writer (:mod:`remission.synth.copy_writer`), and it needs no
database, so the bulk loader runs it in worker processes while the main process writes the previous batch
(:mod:`remission.synth.bulk`). For every table it gives, row by row:

- the row's patient and the rows it points at (an infusion's product and conditioning) as *batch-local
  row numbers* — the writer turns them into ids once it has reserved them;
- the text of every other column, tab-separated and escaped as ``COPY … FROM STDIN`` (text format) reads
  it: the record's value if it has one, else the model field's default, exactly what a model instance
  would hold;
- the same values as the body of a JSON object, for the audit snapshot
  (:func:`remission.registry.services.audit.snapshot`: attribute names as keys, dates as ISO strings).

Everything here is plain data (lists of ints and strings), cheap to send between processes.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from json.encoder import encode_basestring_ascii
from typing import Any

from django.db import models

from remission.registry.models import Patient
from remission.registry.services.audit import SKIPPED_FIELDS
from remission.synth.generate import generate_patient
from remission.synth.plan import MODEL_ORDER, REFERENCES
from remission.synth.records import MODELS

NULL = "\\N"
NO_ROW = -1  # a reference left empty (a CAR-T product has no mobilisation)
_KEY_COLUMNS = frozenset({"id", "patient", "created_at", "updated_at"})


@dataclass(frozen=True)
class Layout:
    """How one table's rows are written: key columns first (filled in by the writer), then the values."""

    model: type[models.Model]
    refs: tuple[tuple[str, str], ...]  # (column, model it points at), a patient's own records only
    names: tuple[str, ...]  # the value columns' field names, in the order of ``columns``
    attnames: tuple[str, ...]  # their attribute names (the keys of an audit snapshot)
    defaults: tuple[Any, ...]  # each value column's default, what a model instance would hold
    json: tuple[int, ...]  # positions of the JSON value columns
    has_patient: bool
    timestamps: int  # number of auto_now / auto_now_add columns

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns in the order of a ``COPY`` line."""
        meta = self.model._meta
        key = ["id", *(["patient_id"] if self.has_patient else []), *(column for column, _ in self.refs)]
        stamps = [f.column for f in meta.concrete_fields if _is_timestamp(f)]
        return (*key, *stamps, *(meta.get_field(name).column for name in self.names))


def _is_timestamp(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


@cache
def layout(name: str) -> Layout:
    """The layout of ``name`` ("Patient" or one of :data:`~remission.synth.plan.MODEL_ORDER`)."""
    model = Patient if name == "Patient" else MODELS[name]
    refs = tuple((f"{field}_id", target) for field, target in REFERENCES.get(name, {}).items())
    ref_columns = {column for column, _ in refs}
    fields = tuple(
        f
        for f in model._meta.concrete_fields
        if f.name not in _KEY_COLUMNS and f.attname not in ref_columns and not _is_timestamp(f)
    )
    assert not any(f.name in SKIPPED_FIELDS for f in fields)  # every value column is in a snapshot
    return Layout(
        model=model,
        refs=refs,
        names=tuple(f.name for f in fields),
        attnames=tuple(f.attname for f in fields),
        defaults=tuple(f.get_default() for f in fields),
        json=tuple(i for i, f in enumerate(fields) if isinstance(f, models.JSONField)),
        has_patient=name != "Patient",
        timestamps=sum(1 for f in model._meta.concrete_fields if _is_timestamp(f)),
    )


def copy_escape(text: str) -> str:
    """``text`` as one field of ``COPY`` text format (backslash, tab, newline and return escaped)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _iso(value: Any) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"a generated record holds {value!r}; records hold plain values and dates")


_json = json.JSONEncoder(separators=(", ", ": "), default=_iso).encode


def _json_cell(value: Any) -> str:
    """One value as JSON text, as the audit snapshot stores it (dates as ISO strings)."""
    if value is None:
        return "null"
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return repr(value)
    return _json(value)


def _escaped(texts: list[str], values: list[Any]) -> list[str]:
    """``texts`` with ``COPY`` escapes where needed (checked for the whole column at once)."""
    blob = "".join(texts)
    if blob.count("\\") == values.count(None) and "\t" not in blob and "\n" not in blob and "\r" not in blob:
        return texts  # the only backslashes are the NULLs' own
    return [text if value is None else copy_escape(text) for text, value in zip(texts, values, strict=True)]


def column_text(values: list[Any], is_json: bool) -> list[str]:
    """One column's values as ``COPY`` text, as psycopg would send them: NULL as ``\\N``, numbers as
    ``str`` (a float's repr), booleans as ``True``/``False`` (PostgreSQL reads both), dates in ISO form,
    JSON as compact text."""
    if is_json:
        texts = [NULL if v is None else _json(v) if v else "{}" if type(v) is dict else "[]" for v in values]
    else:
        texts = [NULL if v is None else v if type(v) is str else str(v) for v in values]
    return _escaped(texts, values)


def rows_text(spec: Layout, records: list[dict[str, Any]], snapshots: bool) -> tuple[list[str], list[str]]:
    """Each record's value columns as one ``COPY`` line (tab-separated), and with ``snapshots`` the inside
    of its audit snapshot object; a value the record lacks is the field's default."""
    columns = [
        [r.get(name, default) for r in records]
        for name, default in zip(spec.names, spec.defaults, strict=True)
    ]
    json_columns = set(spec.json)
    texts = [column_text(values, i in json_columns) for i, values in enumerate(columns)]
    lines = ["\t".join(row) for row in zip(*texts, strict=True)]
    if not snapshots:
        return lines, []
    pairs = [
        [f'"{attname}": {_json_cell(v)}' for v in values]
        for attname, values in zip(spec.attnames, columns, strict=True)
    ]
    return lines, [copy_escape(", ".join(row)) for row in zip(*pairs, strict=True)]


@dataclass(frozen=True)
class TableText:
    """One table's rows of a batch. ``patients`` and ``refs`` are batch-local row numbers."""

    name: str
    patients: list[int]  # the row's patient (row number in the batch's Patient table)
    refs: dict[str, list[int]]  # column -> row number in the referenced table of this batch, or NO_ROW
    values: list[str]  # the value columns, COPY text, tab-separated
    snapshots: list[str]  # the value columns as the inside of a JSON object, COPY-escaped


@dataclass(frozen=True)
class BatchText:
    """A batch of patients, ready for the writer to number and ``COPY``."""

    first: int  # index of the batch's first patient
    centres: list[int]  # each patient's centre id
    tables: dict[str, TableText]  # "Patient" first, then MODEL_ORDER; tables without rows left out

    @property
    def patients(self) -> int:
        return len(self.centres)

    def rows(self) -> int:
        return sum(len(table.values) for table in self.tables.values())


class _Collector:
    def __init__(self, name: str) -> None:
        self.name = name
        self.layout = layout(name)
        self.patients: list[int] = []
        self.refs: dict[str, list[int]] = {column: [] for column, _ in self.layout.refs}
        self.records: list[dict[str, Any]] = []
        self.fields = tuple((column, column.removesuffix("_id")) for column, _ in self.layout.refs)

    def table(self, snapshots: bool) -> TableText:
        values, snapshot_texts = rows_text(self.layout, self.records, snapshots)
        return TableText(self.name, self.patients, self.refs, values, snapshot_texts)


def batch_text(
    seed: int,
    first: int,
    count: int,
    *,
    id_prefix: str | None,
    centre_ids: dict[str, int],
    snapshots: bool,
    as_of: dt.date | None = None,
) -> BatchText:
    """Generate patients ``first`` … ``first + count − 1`` and lay them out as ``COPY`` text.

    ``snapshots``: also give every row's audit snapshot (needed for one audit row per record; the
    patient rows always carry theirs). ``as_of``: as :func:`~remission.synth.generate.generate_patient`.
    """
    collectors = {name: _Collector(name) for name in ("Patient", *MODEL_ORDER)}
    patients = collectors["Patient"]
    centres: list[int] = []
    for index in range(first, first + count):
        plan = generate_patient(seed, index, id_prefix=id_prefix, as_of=as_of)
        local = index - first
        centre_id = centre_ids[plan.centre]
        centres.append(centre_id)
        patients.records.append({**plan.patient, "registry_id": plan.registry_id, "centre": centre_id})
        patients.patients.append(local)
        keys: dict[str, int] = {}
        for rec in plan.records:
            collector = collectors[rec.model]
            if rec.key:
                keys[rec.key] = len(collector.records)
            for column, field in collector.fields:
                key = rec.refs.get(field)
                collector.refs[column].append(NO_ROW if key is None else keys[key])
            collector.records.append(rec.fields)
            collector.patients.append(local)
    return BatchText(
        first=first,
        centres=centres,
        tables={name: c.table(snapshots or name == "Patient") for name, c in collectors.items() if c.records},
    )
