"""The one way to read the registry in bulk for exchange: :func:`registry_extract`.

An :class:`Extract` holds the selected patients (a few arrays, one entry per patient) and produces its
tables one after another (:meth:`Extract.tables`), each as DataFrames of at most
:data:`CHUNK_PATIENTS` patients' rows (:meth:`ExtractTable.chunks`), read through the registry's scoped
selectors with the project's column reader (``registry.columns.read_columns``: ``COPY`` on PostgreSQL).
So a writer holds one chunk at a time, and 100,000 patients fit in memory comfortably.

Who sees what: the acting user's scope (``registry.access.scope_for``): a centre's staff their own
centre, the registry statistician and administrator every centre. Patients appear under their registry
ID, which is the registry's pseudonym (hospital numbers are in no extract); ``deidentify=True`` applies
the rules of :mod:`remission.interop.deidentify`.

Filters: ``centre`` (a centre code), ``disease`` (the primary diagnosis), ``date_from``/``date_to`` (day 0,
the first infusion, inclusive; a patient without an infusion is left out when either is given).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Min, TextField
from django.db.models.functions import Cast

from remission.interop import deidentify as deid
from remission.interop.fields import (
    DAY_SUFFIX,
    MISSING_TABLE,
    PATIENT_TABLE,
    PSEUDONYM,
    RECORD_ID,
    REGISTRY_ID,
    Column,
    Table,
    age_band,
    dictionary_rows,
    tables,
)
from remission.registry.access import scope_for
from remission.registry.columns import Kind as ColumnKind
from remission.registry.columns import read_columns
from remission.registry.errors import RegistryError
from remission.registry.kinds import KINDS
from remission.registry.models import Patient
from remission.registry.selectors import centre_get, patient_list
from remission.registry.selectors.scoping import readable_centres, readable_patients, readable_records

CHUNK_PATIENTS = 20_000

BAD_DISEASE = "disease {value!r} is not a disease code of the registry ({known})"
BAD_PERIOD = "--from {start} is after --to {end}"


class ExtractError(RegistryError):
    """An extract asked with filters that cannot hold (the message names the filter)."""


@dataclass(frozen=True)
class ExtractFilters:
    centre: str | None = None
    disease: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "centre": self.centre,
            "disease": self.disease,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }

    def in_words(self) -> str:
        words = [f"{name} {value}" for name, value in self.as_dict().items() if value]
        return ", ".join(words) or "no filter"


@dataclass(frozen=True, eq=False)
class Patients:
    """The selected patients, sorted by database key, one entry per patient in each array."""

    pk: np.ndarray  # int64, sorted
    registry_id: np.ndarray  # object (str)
    key: np.ndarray  # object: registry ID, or the pseudonym in a de-identified extract
    centre: np.ndarray  # object: centre code
    sex: np.ndarray  # object
    primary_disease: np.ndarray  # object ("" without a primary diagnosis)
    day0: np.ndarray  # datetime64[D], NaT without an infusion
    age_at_day0: np.ndarray  # float (NaN without an infusion)
    shift: np.ndarray  # int64 days (0 unless de-identified)

    def __len__(self) -> int:
        return len(self.pk)

    def groups(self) -> Iterator[np.ndarray]:
        """The patients' keys in chunks of :data:`CHUNK_PATIENTS`."""
        for start in range(0, len(self.pk), CHUNK_PATIENTS):
            yield self.pk[start : start + CHUNK_PATIENTS]

    def positions(self, patient_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each id: whether it is a selected patient, and its position in the arrays."""
        pos = np.searchsorted(self.pk, patient_ids)
        pos = np.minimum(pos, max(len(self.pk) - 1, 0))
        selected = self.pk[pos] == patient_ids if len(self.pk) else np.zeros(len(patient_ids), bool)
        return selected, pos


@dataclass(frozen=True, eq=False)
class ExtractTable:
    """One table of an extract; :meth:`chunks` reads it, a chunk of patients at a time."""

    table: Table
    columns: tuple[Column, ...]
    extract: Extract

    @property
    def name(self) -> str:
        return self.table.name

    def chunks(self) -> Iterator[pd.DataFrame]:
        if self.name == PATIENT_TABLE:
            yield from self.extract._patient_chunks(self)
        elif self.name == MISSING_TABLE:
            yield from self.extract._missing_chunks(self)
        else:
            yield from self.extract._record_chunks(self)

    def frame(self) -> pd.DataFrame:
        """The whole table in one DataFrame (for writers that need it whole, and for tests)."""
        parts = list(self.chunks())
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


@dataclass(frozen=True, eq=False)
class Extract:
    """The patients one user may export with the filters asked, and the way to read their tables."""

    actor: Any
    filters: ExtractFilters
    deidentified: bool
    scope: str
    patients: Patients
    key: bytes | None = field(default=None, repr=False)
    centre_id: int | None = None  # the one centre the extract is limited to, if any (for the audit trail)

    def tables(self) -> Iterator[ExtractTable]:
        """Every table, one after another, in the order of the data dictionary."""
        for t in tables():
            yield ExtractTable(t, t.columns_for(deidentify=self.deidentified), self)

    def dictionary_rows(self) -> Iterator[tuple[str, ...]]:
        return dictionary_rows(deidentify=self.deidentified)

    def k_anonymity(self) -> deid.KAnonymity:
        """The k-anonymity summary of the patients over age band, sex, centre and disease."""
        bands = [age_band(None if np.isnan(a) else int(a)) for a in self.patients.age_at_day0]
        rows = zip(bands, self.patients.sex, self.patients.centre, self.patients.primary_disease, strict=True)
        return deid.k_anonymity(rows)

    # --- reading ------------------------------------------------------------------------------------

    def _key_column(self) -> str:
        return PSEUDONYM if self.deidentified else REGISTRY_ID

    def _shifted(self, dates: np.ndarray, pos: np.ndarray) -> np.ndarray:
        if not self.deidentified:
            return dates
        return dates + self.patients.shift[pos].astype("timedelta64[D]")

    def _days(self, dates: np.ndarray, pos: np.ndarray) -> pd.arrays.IntegerArray:
        days = (dates - self.patients.day0[pos]).astype("timedelta64[D]").astype("float64")
        return pd.array(np.where(np.isnat(dates) | np.isnat(self.patients.day0[pos]), np.nan, days), "Int64")

    def _record_id(self, table: str, ids: np.ndarray) -> Any:
        if not self.deidentified:
            return pd.array(np.asarray(ids, dtype=np.float64), "Int64")  # NaN (no reference) → <NA>
        assert self.key is not None
        return pd.array(deid.record_pseudonyms(self.key, table, ids), "Int64")

    def _record_chunks(self, et: ExtractTable) -> Iterator[pd.DataFrame]:
        model = et.table.model
        assert model is not None
        reads: dict[str, ColumnKind] = {"pk": "int", "patient_id": "int"}
        for c in et.columns:
            if c.source:
                reads[_read_name(c)] = _read_kind(model, c)
        rows = _with_json_text(readable_records(model, self.actor), et.columns).order_by("patient_id", "pk")
        emitted = False
        for group in self.patients.groups():
            chunk = rows.filter(patient_id__gte=int(group[0]), patient_id__lte=int(group[-1]))
            values = read_columns(chunk, reads)
            selected, pos = self.patients.positions(values["patient_id"])
            if not selected.all():
                values = {name: v[selected] for name, v in values.items()}
                pos = pos[selected]
            yield self._record_frame(et, values, pos)
            emitted = True
        if not emitted:
            empty = read_columns(rows.none(), reads)
            yield self._record_frame(et, empty, np.empty(0, dtype=np.int64))

    def _record_frame(self, et: ExtractTable, values: dict[str, np.ndarray], pos: np.ndarray) -> pd.DataFrame:
        names = {c.name for c in et.columns}
        known: dict[str, Any] = {n: self.patients.key[pos] for n in (REGISTRY_ID, PSEUDONYM) if n in names}
        if RECORD_ID in names:
            known[RECORD_ID] = self._record_id(et.name, values["pk"])
        for c in et.columns:
            if c.refers_to and c.name not in known:
                known[c.name] = self._record_id(c.refers_to, values[c.source])
        return self._frame(et, values, pos, known, {}, _read_name)

    def _frame(
        self,
        et: ExtractTable,
        values: dict[str, np.ndarray],
        pos: np.ndarray,
        known: dict[str, Any],
        dates: dict[str, np.ndarray],
        read_name: Callable[[Column], str],
    ) -> pd.DataFrame:
        """A table's frame: the columns in ``known`` as given; each column with a source read from
        ``values`` under ``read_name(column)`` (dates shifted for de-identification, and kept in ``dates``);
        each ``…_day`` column from its date, in days from the patient's day 0."""
        out: dict[str, Any] = {}
        for c in et.columns:
            if c.name in known:
                out[c.name] = known[c.name]
            elif c.source:
                raw = values[read_name(c)]
                if c.type == "date":
                    dates[c.name] = raw
                    out[c.name] = self._shifted(raw, pos)
                else:
                    out[c.name] = _convert(c, raw)
            elif c.name.endswith(DAY_SUFFIX) and c.name[: -len(DAY_SUFFIX)] in dates:
                out[c.name] = self._days(dates[c.name[: -len(DAY_SUFFIX)]], pos)
        return pd.DataFrame(out, columns=[c.name for c in et.columns])

    def _patient_chunks(self, et: ExtractTable) -> Iterator[pd.DataFrame]:
        reads: dict[str, ColumnKind] = {"pk": "int"}
        for c in et.columns:
            if c.source and c.source != "centre__code":
                reads[c.source] = _read_kind(Patient, c)
        rows = readable_patients(self.actor).order_by("pk")
        for group in self.patients.groups():
            values = read_columns(rows.filter(pk__gte=int(group[0]), pk__lte=int(group[-1])), reads)
            selected, pos = self.patients.positions(values["pk"])
            values = {name: v[selected] for name, v in values.items()}
            yield self._patient_frame(et, values, pos[selected])
        if not len(self.patients):
            empty = read_columns(rows.none(), reads)
            yield self._patient_frame(et, empty, np.empty(0, dtype=np.int64))

    def _patient_frame(
        self, et: ExtractTable, values: dict[str, np.ndarray], pos: np.ndarray
    ) -> pd.DataFrame:
        p = self.patients
        derived: dict[str, Any] = {
            "centre": p.centre[pos],
            "primary_disease": p.primary_disease[pos],
            "age_at_day0": pd.array(p.age_at_day0[pos], "Int64"),
            "age_band": np.array(
                [age_band(None if np.isnan(a) else int(a)) for a in p.age_at_day0[pos]], dtype=object
            ),
        }
        names = {c.name for c in et.columns}
        known: dict[str, Any] = {n: p.key[pos] for n in (REGISTRY_ID, PSEUDONYM) if n in names}
        if "day0_date" in names:
            known["day0_date"] = self._shifted(p.day0[pos], pos)
        known.update((name, value) for name, value in derived.items() if name not in known)
        return self._frame(et, values, pos, known, {"day0_date": p.day0[pos]}, lambda c: c.source)

    def _missing_chunks(self, et: ExtractTable) -> Iterator[pd.DataFrame]:
        kept = {t.name: {c.source for c in t.columns_for(deidentify=self.deidentified)} for t in tables()}
        names = [c.name for c in et.columns]
        rows: list[tuple[Any, ...]] = []
        for slug, kind in KINDS.items():
            if not kind.takes_missing:
                continue
            name = slug.replace("-", "_")
            records = (
                readable_records(kind.model, self.actor).exclude(missing={}).order_by("patient_id", "pk")
            )
            for group in self.patients.groups():
                chunk = records.filter(patient_id__gte=int(group[0]), patient_id__lte=int(group[-1]))
                found = list(chunk.values_list("pk", "patient_id", "missing"))
                if not found:
                    continue
                selected, pos = self.patients.positions(np.array([f[1] for f in found], dtype=np.int64))
                for (pk, _patient, missing), keep, at in zip(found, selected, pos, strict=True):
                    if not keep or not isinstance(missing, dict):
                        continue
                    record = deid.record_pseudonym(self.key, name, pk) if self.key is not None else pk
                    for field_name, reason in sorted(missing.items()):
                        if field_name in kept[name] or f"{field_name}_id" in kept[name]:
                            rows.append((self.patients.key[at], name, record, field_name, reason))
        frame = pd.DataFrame(rows, columns=[self._key_column(), "table", RECORD_ID, "field", "reason"])
        frame[RECORD_ID] = frame[RECORD_ID].astype("Int64")
        yield frame[names]


JSON_PREFIX = "json_text_"


def _read_name(c: Column) -> str:
    """The name read for a column: JSON documents are read as text (see :func:`_with_json_text`)."""
    return f"{JSON_PREFIX}{c.source}" if c.json else c.source


def _with_json_text(rows: Any, columns: tuple[Column, ...]) -> Any:
    """``rows`` with each JSON column also as text, so the column reader gets one string per row."""
    texts = {_read_name(c): Cast(c.source, TextField()) for c in columns if c.json}
    return rows.annotate(**texts) if texts else rows


def _read_kind(model: Any, c: Column) -> ColumnKind:
    if c.type == "date":
        return "date"
    if c.type == "number":
        return "float"
    if c.type == "integer":
        field_ = model._meta.get_field(c.source.removesuffix("_id") if c.refers_to else c.source)
        return "float" if field_.null else "int"
    return "text"


def _convert(c: Column, raw: np.ndarray) -> Any:
    if c.type == "integer":
        return pd.array(np.asarray(raw, dtype=np.float64), "Int64")
    if c.type == "number":
        return np.asarray(raw, dtype=np.float64)
    if c.type == "boolean":
        return pd.array([_boolean(v) for v in raw], "boolean")
    if c.json:
        return np.array([_json_text(v) for v in raw], dtype=object)
    return np.array(["" if v is None else str(v) for v in raw], dtype=object)


_TRUE = {"t", "true", "1", True}
_FALSE = {"f", "false", "0", False}


def _boolean(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _json_text(value: Any) -> str:
    """A JSON document as the database writes it as text ("" for an empty object or list)."""
    if value is None:
        return ""
    if not isinstance(value, str):  # a driver that decoded it already
        value = json.dumps(value, ensure_ascii=False)
    return "" if value in ("{}", "[]") else value


def scope_words(actor: Any) -> str:
    """The centres ``actor`` reads, in words (for the audit trail)."""
    scope = scope_for(actor)
    if scope.reads_everything:
        return "all centres"
    codes = sorted(readable_centres(actor).values_list("code", flat=True))
    return "centres: " + ", ".join(codes)


def registry_extract(
    *,
    actor: Any,
    centre: str | None = None,
    disease: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    deidentify: bool = False,
    key: bytes | None = None,
) -> Extract:
    """The patients ``actor`` may read, filtered, ready to be written table by table.

    ``key`` is the pseudonym key of a de-identified extract (default: the registry's, from the
    settings); it is asked for in tests only.
    """
    if date_from and date_to and date_from > date_to:
        raise ExtractError(BAD_PERIOD.format(start=date_from, end=date_to))
    if disease:
        from remission.clinical.diseases import DISEASES

        if disease not in DISEASES:
            raise ExtractError(BAD_DISEASE.format(value=disease, known=", ".join(DISEASES)))
    centre_id = centre_get(user=actor, code=centre).pk if centre else None
    if deidentify and key is None:
        key = deid.pseudonym_key()
    filters = ExtractFilters(centre, disease, date_from, date_to)
    patients = _patients(actor, centre_id, disease, date_from, date_to, key if deidentify else None)
    readable = scope_for(actor).readable
    if centre_id is None and readable is not None and len(readable) == 1:
        centre_id = next(iter(readable))
    return Extract(
        actor, filters, deidentify, scope_words(actor), patients, key if deidentify else None, centre_id
    )


def _patients(
    actor: Any,
    centre_id: int | None,
    disease: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    key: bytes | None,
) -> Patients:
    rows = patient_list(user=actor, centre_id=centre_id, disease=disease).order_by("pk")
    values = read_columns(
        rows,
        {"pk": "int", "registry_id": "text", "centre__code": "text", "sex": "text", "birth_year": "int"}
        | {"birth_month": "int"},
    )
    pk = values["pk"]
    day0 = np.full(len(pk), np.datetime64("NaT"), dtype="datetime64[D]")
    first = (
        readable_records(KINDS["infusion"].model, actor)
        .filter(patient_id__in=rows.values("pk"))
        .values("patient_id")
        .annotate(first=Min("date"))
        .order_by()
        .values_list("patient_id", "first")
    )
    for patient_id, date in first:
        day0[np.searchsorted(pk, patient_id)] = np.datetime64(date, "D")
    disease_of = np.full(len(pk), "", dtype=object)
    primary = (
        readable_records(KINDS["diagnosis"].model, actor)
        .filter(is_primary=True, patient_id__in=rows.values("pk"))
        .values_list("patient_id", "disease")
    )
    for patient_id, code in primary:
        disease_of[np.searchsorted(pk, patient_id)] = code
    keep = np.ones(len(pk), dtype=bool)
    if date_from is not None:
        keep &= ~np.isnat(day0) & (day0 >= np.datetime64(date_from, "D"))
    if date_to is not None:
        keep &= ~np.isnat(day0) & (day0 <= np.datetime64(date_to, "D"))
    values = {name: v[keep] for name, v in values.items()}
    day0, disease_of = day0[keep], disease_of[keep]
    age = _age(values["birth_year"], values["birth_month"], day0)
    registry_ids = values["registry_id"]
    if key is not None:
        keys = np.array([deid.patient_pseudonym(key, r) for r in registry_ids], dtype=object)
        shift = np.array([deid.date_shift(key, r) for r in registry_ids], dtype=np.int64)
    else:
        keys, shift = registry_ids, np.zeros(len(registry_ids), dtype=np.int64)
    return Patients(
        pk=values["pk"],
        registry_id=registry_ids,
        key=keys,
        centre=values["centre__code"],
        sex=values["sex"],
        primary_disease=disease_of,
        day0=day0,
        age_at_day0=age,
        shift=shift,
    )


def _age(birth_year: np.ndarray, birth_month: np.ndarray, day0: np.ndarray) -> np.ndarray:
    """Completed years from the 1st of the birth month to day 0 (NaN without day 0)."""
    age = np.full(len(day0), np.nan)
    present = ~np.isnat(day0)
    if present.any():
        d = day0[present].astype("datetime64[D]")
        years = d.astype("datetime64[Y]").astype(int) + 1970
        months = d.astype("datetime64[M]").astype(int) % 12 + 1
        whole = years - birth_year[present] - (months < birth_month[present])
        age[present] = whole
    return age
