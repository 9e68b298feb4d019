"""The import engine: typed source rows (:mod:`remission.interop.rows`) into the registry, by its services.

Every reader (REDCap, spreadsheet, FHIR) produces :class:`~remission.interop.rows.SourceRow` values;
:func:`import_rows` writes them:

* **Through the services.** New patients with their records go through the registry's batch service
  (:func:`remission.registry.services.batch.patients_create`: the services' rules, centre scoping and
  audit rows, written a batch at a time); new records of a patient imported earlier go through the
  record's own service (the :data:`~remission.registry.kinds.KINDS` table names it). Each audit reason
  names the source file, the row and its key.
* **Dry run by default.** Everything runs inside one transaction that is rolled back at the end, so
  the rules that compare a record with others see the rows before it, and nothing is written. Every
  refused row comes back as ``file / row / column / rule: message``.
* **All or nothing.** With ``commit=True`` the transaction commits only if no row was refused; a
  process stopped half-way leaves nothing (the transaction never committed).
* **Idempotent by source key.** Each written row is remembered in
  :class:`~remission.interop.models.ImportedRecord` by (source system, kind, key); a row already
  remembered is left alone, so importing the same file again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import models, transaction

from remission.interop.models import ImportedRecord
from remission.interop.rows import PATIENT, RowProblem, SourceRow
from remission.registry.errors import NotFound, PermissionDenied, ValidationFailed
from remission.registry.kinds import EDITABLE_KINDS, KINDS, PATIENT_KIND, Kind
from remission.registry.models import Centre, ConditioningAgent, Patient
from remission.registry.services.batch import (
    NewPatient,
    NewRecord,
    insert_values,
    patients_create,
)
from remission.registry.services.records import record_create

DEFAULT_BATCH = 500
KEY_LOOKUP = 5000  # source keys looked up per query (SQLite allows 32,766 parameters)

RULE_KIND = "known_kind"
RULE_DUPLICATE = "duplicate_key"
RULE_NO_PATIENT = "patient_row"
RULE_REFERENCE = "reference"
RULE_CENTRE = "known_centre"
RULE_FIELD = "editable_field"
RULE_KEY_ELSEWHERE = "key_of_another_patient"
RULE_SERVICE = "service"

UNKNOWN_KIND = "{kind!r} is not a kind of record; use one of: {allowed}"
DUPLICATE_KEY = "key {key!r} of a {kind} row is used again (first at {first})"
NO_PATIENT_ROW = "no patient row with key {key!r} in this import, and none imported before"
BAD_REFERENCE = "no {kind} row with key {key!r} for this patient before this row"
UNKNOWN_CENTRE = "{code!r} is not a centre of this registry"
NO_CENTRE = "the patient's centre is not given (a centre column, or --centre)"
NOT_A_FIELD = "{field!r} cannot be set on a {kind} record; allowed: {allowed}"
KEY_ELSEWHERE = "key {key!r} was imported before for another patient"

# Fields a patient row may carry beside the patient's own (PATIENT_KIND.fields).
PATIENT_EXTRA = ("centre", "registry_id")
# Links between a patient's records, by kind: field -> kind of the record it points at.
LINKS: dict[str, dict[str, str]] = {slug: dict(k.refs) for slug, k in KINDS.items()}
LINKS["conditioning-agent"] = {"conditioning": "conditioning"}
# The order records are created in: every kind after the kinds it points at.
KIND_ORDER: tuple[str, ...] = tuple(KINDS)


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, in a dry run, would have done)."""

    system: str
    committed: bool
    rows: int
    created: dict[str, int]  # kind -> records written (rolled back again in a dry run)
    unchanged: int  # rows imported before, left alone
    problems: tuple[RowProblem, ...]
    audit_rows: int
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Patient:
    row: SourceRow | None
    records: list[SourceRow] = field(default_factory=list)


def audit_reason(system: str, row: SourceRow) -> str:
    """The reason written in the audit row of each imported record: the source file, row and key."""
    return f"import ({system}) from {row.source}, {row.row}, key {row.key}"


def _problem(row: SourceRow, column: str, rule: str, message: str) -> RowProblem:
    return RowProblem(row.source, row.row, column, rule, message)


def _from_registry(row: SourceRow, problem: Any) -> RowProblem:
    """A registry Problem (record, field, rule, message) as a row problem at the field's source column."""
    column = row.column(problem.field) if problem.field not in ("record", "") else ""
    return RowProblem(row.source, row.row, column, problem.rule, problem.message)


@cache
def _allowed_fields(kind: str) -> frozenset[str]:
    if kind == PATIENT:
        return frozenset(PATIENT_KIND.fields) | set(PATIENT_EXTRA)
    found = EDITABLE_KINDS[kind]
    extra = {"missing"} if found.takes_missing else set()
    return frozenset(found.fields) | set(LINKS.get(kind, {})) | extra


def _structure(rows: Sequence[SourceRow]) -> tuple[dict[str, _Patient], list[RowProblem]]:
    """Group the rows by patient (in order) and find what is wrong without the database: kinds, keys,
    fields; records are sorted so that each comes after the records it points at."""
    problems: list[RowProblem] = []
    first: dict[tuple[str, str], SourceRow] = {}
    patients: dict[str, _Patient] = {}
    for row in rows:
        if row.kind not in EDITABLE_KINDS:
            allowed = ", ".join(EDITABLE_KINDS)
            problems.append(_problem(row, "", RULE_KIND, UNKNOWN_KIND.format(kind=row.kind, allowed=allowed)))
            continue
        earlier = first.get((row.kind, row.key))
        if earlier is not None:
            message = DUPLICATE_KEY.format(
                key=row.key, kind=row.kind, first=f"{earlier.source} {earlier.row}"
            )
            problems.append(_problem(row, "", RULE_DUPLICATE, message))
            continue
        first[(row.kind, row.key)] = row
        allowed = _allowed_fields(row.kind)
        for name in row.values:
            if name not in allowed:
                message = NOT_A_FIELD.format(field=name, kind=row.kind, allowed=", ".join(sorted(allowed)))
                problems.append(_problem(row, row.column(name), RULE_FIELD, message))
        group = patients.setdefault(row.patient_key, _Patient(None))
        if row.kind == PATIENT:
            group.row = row
        else:
            group.records.append(row)
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    for group in patients.values():
        group.records.sort(key=lambda r: rank[r.kind])
    return patients, problems


def import_rows(
    rows: Iterable[SourceRow],
    *,
    system: str,
    actor: Any,
    commit: bool = False,
    centre: Centre | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], None] | None = None,
    today: dt.date | None = None,
    read_problems: Sequence[RowProblem] = (),
) -> ImportResult:
    """Import ``rows`` from source ``system`` as ``actor`` (see the module docstring).

    ``centre``: the centre of patient rows that name none. ``progress(n)`` is called after each batch
    with the number of patients it held. ``read_problems``: what the reader could not read; they are
    reported with the rest, and a run with any problem writes nothing.
    """
    began = time.perf_counter()
    rows = list(rows)
    patients, problems = _structure(rows)
    centres = dict(Centre.objects.values_list("code", "pk"))
    run = _Run(system=system, actor=actor, centres=centres, default_centre=centre, today=today)
    run.problems.extend(read_problems)
    run.problems.extend(problems)
    groups = list(patients.items())
    with transaction.atomic():
        # the run's own rows have keys of their own (_structure): a first import has none to look up
        run.imported_before = ImportedRecord.objects.filter(system=system).exists()
        for start in range(0, len(groups), batch_size):
            chunk = groups[start : start + batch_size]
            run.batch(chunk)
            if progress is not None:
                progress(len(chunk))
        # a line the reader could not read whole is reported by the reader's problem alone
        unread, reported = {(p.source, p.row) for p in read_problems}, set(read_problems)
        run.problems = [p for p in run.problems if p in reported or (p.source, p.row) not in unread]
        committed = commit and not run.problems
        if not committed:
            transaction.set_rollback(True)
    return ImportResult(
        system=system,
        committed=committed,
        rows=len(rows),
        created=dict(run.created),
        unchanged=run.unchanged,
        problems=tuple(run.problems),
        audit_rows=run.audit_rows,
        seconds=time.perf_counter() - began,
    )


@dataclass
class _Run:
    system: str
    actor: Any
    centres: dict[str, int]
    default_centre: Centre | None
    today: dt.date | None
    imported_before: bool = True  # rows of this system were stored before the run (else none to find)
    problems: list[RowProblem] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    audit_rows: int = 0

    def _count(self, kind: str, n: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + n

    def _known(self, chunk: list[tuple[str, _Patient]]) -> dict[tuple[str, str], ImportedRecord]:
        """The rows of ``chunk`` imported before from this system, by (kind, key): one query per
        :data:`KEY_LOOKUP` keys, none when nothing had been imported from it when the run began."""
        known: dict[tuple[str, str], ImportedRecord] = {}
        if not self.imported_before:
            return known
        wanted = {r.key for _pk, g in chunk for r in ([g.row] if g.row else []) + g.records}
        keys = sorted(wanted | {patient_key for patient_key, _g in chunk})
        for start in range(0, len(keys), KEY_LOOKUP):
            found = ImportedRecord.objects.filter(
                system=self.system, key__in=keys[start : start + KEY_LOOKUP]
            )
            known.update(((m.kind, m.key), m) for m in found)
        return known

    def batch(self, chunk: list[tuple[str, _Patient]]) -> None:
        known = self._known(chunk)
        fresh: list[NewPatient] = []
        for patient_key, group in chunk:
            stored = known.get((PATIENT, patient_key))
            if stored is not None:
                self.unchanged += 1 if group.row is not None else 0
                self._add_to_stored(stored, group, known)
                continue
            if group.row is None:
                for row in group.records:
                    self.problems.append(
                        _problem(row, "", RULE_NO_PATIENT, NO_PATIENT_ROW.format(key=patient_key))
                    )
                continue
            new = self._new_patient(group, known)
            if new is not None:
                fresh.append(new)
        if not fresh:
            return
        outcome = patients_create(actor=self.actor, patients=fresh, today=self.today)
        for tag, problem in outcome.refused:
            self.problems.append(_from_registry(tag, problem))
        self.audit_rows += outcome.audit_rows
        remembered: list[dict[str, Any]] = []
        for new in outcome.written:
            self._count(PATIENT)
            remembered.append(self._memory(new.tag, new.instance, new.instance))
            for rec in new.records:
                self._count(rec.tag.kind)
                remembered.append(self._memory(rec.tag, rec.instance, new.instance))
        insert_values(ImportedRecord, remembered)

    def _memory(self, row: SourceRow, record: models.Model, patient: Patient) -> dict[str, Any]:
        """The fields of the :class:`ImportedRecord` that remembers ``row`` became ``record``."""
        return {
            "system": self.system,
            "kind": row.kind,
            "key": row.key,
            "entity": record._meta.label_lower,
            "record_id": record.pk,
            "patient_id": patient.pk,
            "source": row.source[:255],
        }

    def _centre_id(self, row: SourceRow) -> int | None:
        code = row.values.get("centre")
        if code in (None, ""):
            if self.default_centre is None:
                self.problems.append(_problem(row, row.column("centre"), RULE_CENTRE, NO_CENTRE))
                return None
            return self.default_centre.pk
        if code not in self.centres:
            message = UNKNOWN_CENTRE.format(code=code)
            self.problems.append(_problem(row, row.column("centre"), RULE_CENTRE, message))
            return None
        return self.centres[code]

    def _new_patient(
        self, group: _Patient, known: dict[tuple[str, str], ImportedRecord]
    ) -> NewPatient | None:
        row = group.row
        assert row is not None
        centre_id = self._centre_id(row)
        values = {k: v for k, v in row.values.items() if k not in PATIENT_EXTRA}
        new = NewPatient(
            centre_id=centre_id or 0,
            values=values,
            registry_id=row.values.get("registry_id") or None,
            tag=row,
            reason=audit_reason(self.system, row),
        )
        by_key: dict[tuple[str, str], NewRecord] = {}
        ok = centre_id is not None
        for rec_row in group.records:
            if (rec_row.kind, rec_row.key) in known:
                message = KEY_ELSEWHERE.format(key=rec_row.key)
                self.problems.append(_problem(rec_row, "", RULE_KEY_ELSEWHERE, message))
                ok = False
                continue
            values = dict(rec_row.values)
            for name, kind in LINKS.get(rec_row.kind, {}).items():
                ref = values.get(name)
                if ref in (None, ""):
                    values.pop(name, None)
                    continue
                target = by_key.get((kind, str(ref)))
                if target is None:
                    message = BAD_REFERENCE.format(kind=kind, key=ref)
                    self.problems.append(_problem(rec_row, rec_row.column(name), RULE_REFERENCE, message))
                    ok = False
                    continue
                values[name] = target
            kind = EDITABLE_KINDS[rec_row.kind]
            rec = NewRecord(kind.model, values, tag=rec_row, reason=audit_reason(self.system, rec_row))
            by_key[(rec_row.kind, rec_row.key)] = rec
            new.records.append(rec)
        return new if ok else None

    def _add_to_stored(
        self, stored: ImportedRecord, group: _Patient, known: dict[tuple[str, str], ImportedRecord]
    ) -> None:
        """New records of a patient imported before: one at a time through the record's own service."""
        new_rows = [r for r in group.records if (r.kind, r.key) not in known]
        self.unchanged += len(group.records) - len(new_rows)
        if not new_rows:
            return
        patient = Patient.objects.get(pk=stored.patient_id)
        created: dict[tuple[str, str], models.Model] = {}
        for rec_row in new_rows:
            try:
                with transaction.atomic():
                    record = self._create_one(patient, rec_row, created, known)
                    created[(rec_row.kind, rec_row.key)] = record
                    ImportedRecord.objects.create(**self._memory(rec_row, record, patient))
            except ValidationFailed as exc:
                self.problems.extend(_from_registry(rec_row, p) for p in exc.problems)
            except (NotFound, PermissionDenied) as exc:
                self.problems.append(_problem(rec_row, "", RULE_SERVICE, str(exc)))
            except LookupError as exc:
                self.problems.append(
                    _problem(rec_row, rec_row.column(str(exc.args[0])), RULE_REFERENCE, str(exc.args[1]))
                )

    def _create_one(
        self,
        patient: Patient,
        row: SourceRow,
        created: dict[tuple[str, str], models.Model],
        known: dict[tuple[str, str], ImportedRecord],
    ) -> models.Model:
        values = dict(row.values)
        for name, kind in LINKS.get(row.kind, {}).items():
            ref = values.get(name)
            if ref in (None, ""):
                values.pop(name, None)
                continue
            target = created.get((kind, str(ref)))
            if target is None:
                mapped = known.get((kind, str(ref))) or (
                    ImportedRecord.objects.filter(system=self.system, kind=kind, key=str(ref)).first()
                )
                if mapped is None or mapped.patient_id != patient.pk:
                    raise LookupError(name, BAD_REFERENCE.format(kind=kind, key=ref))
                target = EDITABLE_KINDS[kind].model.objects.get(pk=mapped.record_id)
            values[name] = target
        reason = audit_reason(self.system, row)
        kind: Kind = EDITABLE_KINDS[row.kind]
        if kind.create is None:  # a conditioning agent added to a stored conditioning
            conditioning = values.pop("conditioning")
            record = record_create(
                ConditioningAgent,
                actor=self.actor,
                values=values,
                reason=reason,
                patient=patient,
                conditioning=conditioning,
            )
        else:
            record = kind.create(actor=self.actor, patient=patient, values=values, reason=reason)
        self.audit_rows += 1
        self._count(row.kind)
        return record
