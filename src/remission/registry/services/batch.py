"""Creating many new patients with all their records at once: the services' rules, written in batches.

:func:`patients_create` is the batch form of :func:`~remission.registry.services.patient_register`
followed by the ``*_record`` services, for importers: per record it applies the same checks the
services apply, in the same order, and writes the same audit row, but it validates each patient from
what it already holds in memory (:meth:`~remission.registry.validation.PatientContext.known`, as the
synthetic bulk path does) and writes every table of a batch in one ``INSERT`` instead of one per record.

1. **Scope**: the actor must be able to write at each patient's centre (a centre they cannot see is
   "not found", as for one record; :func:`~remission.registry.services.records.require_write`).
2. **Rules**: every record passes :func:`~remission.registry.validation.record_problems` with the
   patient's known anchor dates (birth, death, primary diagnosis, infusions); what the services read
   from the stored records, which a new patient's records are not yet, is checked here among the
   patient's new records: the unique constraints within the patient (one primary diagnosis, one death,
   one engraftment per infusion, infusion numbers) and no record dated after the death.
3. **Defaults** as the services set them: a conditioning's intensity from the clinical catalogue, an
   infusion's sequence by order.
4. **Write**: patients with no problem are inserted, table by table in the order records point at each
   other, and one audit row per record with the same snapshot and the caller's reason. All of it happens
   in the caller's transaction (it opens a savepoint): it lands whole or not at all.

Patients with a problem are not written; their problems come back, each with the caller's ``tag`` of the
record that broke the rule.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection, models, transaction
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from remission.registry import catalogue
from remission.registry.access import SYSTEM, scope_for
from remission.registry.codes import AuditAction, Intensity, OutcomeType, VitalStatus
from remission.registry.errors import Problem
from remission.registry.models import PATIENT_RECORD_MODELS, AuditRecord, Infusion, Patient
from remission.registry.services.audit import audit_append, snapshot
from remission.registry.services.patients import REGISTRY_ID_ALPHABET, REGISTRY_ID_LENGTH
from remission.registry.services.records import NOT_FOUND, READ_ONLY
from remission.registry.validation import (
    DEATH_BEFORE_RECORDS,
    DUPLICATE_IN_PATIENT,
    RULE_DEATH_BEFORE_RECORDS,
    RULE_FIELD,
    PatientContext,
    birth_month_start,
    label,
    record_problems,
    unique_problems_among,
)

RULE_SCOPE = "centre_scope"
REQUIRED_LINK = "This field cannot be null."  # Django's own wording for a required field
ID_LOOKUP = 5000  # registry IDs looked up per query (SQLite allows 32,766 parameters)
COPY_NULL = "\\N"


@dataclass
class NewRecord:
    """One record to create: its model, its editable values, and the caller's ``tag`` for problems.

    Values that point at another record (``Kind.refs``) hold that record's :class:`NewRecord` (created in
    the same batch) or a stored model instance. ``instance`` is set once the record is built.
    """

    model: type[models.Model]
    values: dict[str, Any]
    tag: Any = None
    reason: str = ""
    instance: models.Model | None = None


@dataclass
class NewPatient:
    """A patient to register at ``centre_id`` (under ``registry_id`` if given) with its ``records``."""

    centre_id: int
    values: dict[str, Any]
    records: list[NewRecord] = field(default_factory=list)
    registry_id: str | None = None
    tag: Any = None
    reason: str = ""
    instance: Patient | None = None


@dataclass(frozen=True)
class BatchOutcome:
    """What :func:`patients_create` wrote and what it refused: ``(tag, problem)`` pairs."""

    written: tuple[NewPatient, ...]
    refused: tuple[tuple[Any, Problem], ...]
    audit_rows: int


def _stored_registry_ids(registry_ids: Sequence[str]) -> set[str]:
    """Which of ``registry_ids`` stored patients already hold, in one query per :data:`ID_LOOKUP`."""
    taken: set[str] = set()
    for start in range(0, len(registry_ids), ID_LOOKUP):
        chunk = registry_ids[start : start + ID_LOOKUP]
        taken.update(Patient.objects.filter(registry_id__in=chunk).values_list("registry_id", flat=True))
    return taken


def _fresh_registry_ids(count: int) -> list[str]:
    """``count`` new pseudonyms, checked against the registry in one query (as ``registry_id_new``)."""
    chosen: list[str] = []
    while len(chosen) < count:
        wanted = count - len(chosen)
        candidates = {
            "R" + "".join(secrets.choice(REGISTRY_ID_ALPHABET) for _ in range(REGISTRY_ID_LENGTH))
            for _ in range(wanted)
        } - set(chosen)
        taken = set(Patient.objects.filter(registry_id__in=candidates).values_list("registry_id", flat=True))
        chosen.extend(sorted(candidates - taken)[:wanted])
    return chosen


# --- building one patient --------------------------------------------------------------------------


def _apply_defaults(model: type[models.Model], values: dict[str, Any], infusions_before: int) -> None:
    """The defaults the services compute (not the model's own defaults, which the model applies)."""
    if model._meta.model_name == "conditioning" and not values.get("intensity"):
        values["intensity"] = catalogue.regimen_intensity(values.get("regimen") or "") or Intensity.UNKNOWN
    if model is Infusion and values.get("sequence") is None:
        values["sequence"] = infusions_before + 1


@cache
def _blank(
    model: type[models.Model],
) -> tuple[dict[str, Any], dict[str, models.Field], dict[str, models.ForeignKey]] | None:
    """What :func:`_new_instance` needs of ``model``: each field's default by attribute name (computed
    once: a constant is one object for every instance in ``Model.__init__`` too), the fields whose
    default is made anew for each instance (a callable such as ``dict``), the links by field name.
    None for a model it cannot build so (a field that is not a plain column)."""
    meta = model._meta
    if meta.fields != meta.concrete_fields or any(f.generated for f in meta.concrete_fields):
        return None
    made = {f.attname: f for f in meta.concrete_fields if f.has_default() and callable(f.default)}
    defaults = {
        f.attname: None if f.primary_key or f.attname in made else f.get_default()
        for f in meta.concrete_fields
    }
    links = {f.name: f for f in meta.concrete_fields if f.is_relation}
    return defaults, made, links


def _new_instance(model: type[models.Model], values: Mapping[str, Any]) -> models.Model:
    """``model(**values)`` (a link given as the object it points at), without the per-field work of
    ``Model.__init__``: the defaults are set at once and each value where ``__init__`` puts it (a
    link's id, and the object in the instance's cache as its descriptor keeps it). A model with init
    signals, or a value that is not a field, goes through ``model(**values)`` itself."""
    blank = _blank(model)
    if blank is None or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model(**values)
    defaults, made, links = blank
    state = defaults.copy()
    for name, field_ in made.items():
        state[name] = field_.get_default()
    related: dict[str, Any] = {}
    for name, value in values.items():
        link = links.get(name)
        if link is not None:
            target = link.remote_field.model._meta.concrete_model
            if value is not None and not isinstance(value, target):
                raise ValueError(f"{model.__name__}.{name} must be a {target.__name__}, not {value!r}")
            state[link.attname] = None if value is None else getattr(value, link.target_field.attname)
            related[name] = value
        elif name in state:
            state[name] = value
        else:
            return model(**values)
    instance = model.__new__(model)
    instance._state = ModelState()
    instance.__dict__.update(state)
    for name, value in related.items():
        links[name].set_cached_value(instance, value)
        if value is not None and not links[name].remote_field.multiple:  # one-to-one: the other way too
            links[name].remote_field.set_cached_value(value, instance)
    return instance


def _build(
    new: NewPatient, registry_id: str, today: dt.date | None, *, id_taken: bool
) -> list[tuple[Any, Problem]]:
    """Build ``new``'s unsaved rows and return every rule they break (empty: ready to write).

    ``id_taken``: a stored patient holds ``registry_id`` (the caller looked the batch's IDs up at once;
    the patient's own unique check then reads it again and names it as for one patient)."""
    patient = _new_instance(Patient, {"centre_id": new.centre_id, "registry_id": registry_id, **new.values})
    new.instance = patient
    problems: list[tuple[Any, Problem]] = [
        (new.tag, p) for p in record_problems(patient, None, unique_fields=id_taken)
    ]
    built: list[models.Model] = []
    infusions = 0
    for rec in new.records:
        values = dict(rec.values)
        _apply_defaults(rec.model, values, infusions)
        for name, value in values.items():
            if isinstance(value, NewRecord):
                values[name] = value.instance
        values["patient"] = patient
        record = _new_instance(rec.model, values)
        rec.instance = record
        built.append(record)
        if rec.model is Infusion:
            infusions += 1
    if problems:
        return problems
    context = _context(patient, built, today)
    for rec, record in zip(new.records, built, strict=True):
        found = _required_links(record) + record_problems(record, context)
        if context.death is not None and getattr(record, "event_type", None) == OutcomeType.DEATH:
            found += _death_before_records(record, built)
        problems += [(rec.tag, p) for p in found]
    tags = {id(record): rec.tag for rec, record in zip(new.records, built, strict=True)}
    for problem in unique_problems_among(built):
        owner = next(r for r in built if label(r) == problem.record)
        problems.append((tags.get(id(owner)), problem))
    return problems


def _required_links(record: models.Model) -> list[Problem]:
    """A link the record cannot be without (an infusion's product): the database's NOT NULL, named."""
    return [
        Problem(label(record), f.name, RULE_FIELD, REQUIRED_LINK)
        for f in record._meta.concrete_fields
        if f.is_relation
        and not f.null
        and f.name != "patient"
        and getattr(record, f.attname) is None
        and getattr(record, f.name, None) is None
    ]


def _context(patient: Patient, records: Sequence[models.Model], today: dt.date | None) -> PatientContext:
    death = next(
        (r.date for r in records if getattr(r, "event_type", None) == OutcomeType.DEATH and r.date), None
    )
    diagnosis = next(
        (
            r.diagnosis_date
            for r in records
            if r._meta.model_name == "diagnosis" and r.is_primary and r.diagnosis_date
        ),
        None,
    )
    dead_by = min(
        (r.date for r in records if getattr(r, "vital_status", None) == VitalStatus.DEAD and r.date),
        default=None,
    )
    infusions = {i: r.date for i, r in enumerate(r for r in records if isinstance(r, Infusion) and r.date)}
    birth = birth_month_start(patient.birth_year, patient.birth_month)
    return PatientContext.known(
        birth=birth, death=death, diagnosis=diagnosis, infusions=infusions, dead_by=dead_by, today=today
    )


def _death_before_records(death: Any, records: Sequence[models.Model]) -> list[Problem]:
    """The services' death rule (no record of the patient dated after the death), over the new records."""
    latest: tuple[dt.date, str] | None = None
    for record in records:
        if record is death:
            continue
        for name in getattr(record, "TIMELINE_DATES", ()):
            value = getattr(record, name)
            if isinstance(value, dt.date) and (latest is None or value > latest[0]):
                latest = (value, f"{record._meta.verbose_name} {name.replace('_', ' ')}")
    if latest is None or latest[0] <= death.date:
        return []
    message = DEATH_BEFORE_RECORDS.format(value=death.date, other=latest[1], other_date=latest[0])
    return [Problem(label(death), "date", RULE_DEATH_BEFORE_RECORDS, message)]


# --- the service -----------------------------------------------------------------------------------


def patients_create(
    *, actor: Any, patients: Sequence[NewPatient], today: dt.date | None = None, write: bool = True
) -> BatchOutcome:
    """Check every patient of ``patients`` with its records; write those that pass (unless ``write`` is
    False) with their audit rows, in one savepoint. Return what was written and every problem found."""
    scope = scope_for(actor)
    refused: list[tuple[Any, Problem]] = []
    ready: list[NewPatient] = []
    fresh = iter(_fresh_registry_ids(sum(1 for p in patients if not p.registry_id)))
    taken = _stored_registry_ids([p.registry_id for p in patients if p.registry_id])
    batch_ids: set[str] = set()
    for new in patients:
        registry_id = new.registry_id or next(fresh)
        what = f"Patient {registry_id}"
        if not scope.can_read(new.centre_id):
            refused.append((new.tag, Problem(what, "centre", RULE_SCOPE, NOT_FOUND.format(record=what))))
            continue
        if not scope.can_write(new.centre_id):
            refused.append((new.tag, Problem(what, "centre", RULE_SCOPE, READ_ONLY.format(record=what))))
            continue
        problems = _build(new, registry_id, today, id_taken=registry_id in taken)
        if registry_id in batch_ids:
            message = DUPLICATE_IN_PATIENT.format(fields="registry_id", values=(registry_id,))
            problems.append((new.tag, Problem(what, "registry_id", "unique", message)))
        batch_ids.add(registry_id)
        if problems:
            refused.extend(problems)
        else:
            ready.append(new)
    audit_rows = 0
    if write and ready:
        with transaction.atomic():
            audit_rows = _write(actor, ready)
    return BatchOutcome(tuple(ready if write else ()), tuple(refused), audit_rows)


def _copy_text(value: Any) -> str:
    """One value as PostgreSQL's ``COPY`` text format reads it."""
    if value is None:
        return COPY_NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, float):
        return repr(value)
    elif not isinstance(value, str):
        return str(value)
    return _copy_escape(value)


def _copy_escape(text: str) -> str:
    """``text`` as one field of ``COPY`` text format (backslash, tab, newline and return escaped)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _text_cell(value: Any) -> str:
    return _copy_escape(value) if type(value) is str else _copy_text(value)


def _number_cell(value: Any) -> str:
    return str(value) if type(value) is int else _copy_text(value)


def _json_cell(value: Any) -> str:
    if value is None:
        return COPY_NULL
    if not value and type(value) in (dict, list):  # a JSON field's usual default
        return "{}" if type(value) is dict else "[]"
    return _copy_escape(json.dumps(value))


def _date_cell(value: Any) -> str:
    return value.isoformat() if type(value) is dt.date else _copy_text(value)


def _float_cell(value: Any) -> str:
    return repr(value) if type(value) is float else _copy_text(value)


def _bool_cell(value: Any) -> str:
    if value is True:
        return "t"
    return "f" if value is False else _copy_text(value)


@cache
def _copy_columns(
    model: type[models.Model],
) -> tuple[tuple[models.Field, ...], tuple[Callable[[Any], str], ...]]:
    """The fields of ``model`` a ``COPY`` line holds after the id, and how each value becomes text:
    :func:`_copy_text`, with the type test done once per column where the field says what it holds."""
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    cells: list[Callable[[Any], str]] = []
    for model_field in fields:
        if isinstance(model_field, models.JSONField):
            cells.append(_json_cell)
        elif isinstance(model_field, models.CharField | models.TextField):
            cells.append(_text_cell)
        elif isinstance(model_field, models.IntegerField | models.ForeignKey):
            cells.append(_number_cell)
        elif isinstance(model_field, models.DateField) and not isinstance(model_field, models.DateTimeField):
            cells.append(_date_cell)
        elif isinstance(model_field, models.FloatField):
            cells.append(_float_cell)
        elif isinstance(model_field, models.BooleanField):
            cells.append(_bool_cell)
        else:
            cells.append(_copy_text)
    return fields, tuple(cells)


def new_rows(model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> list[models.Model]:
    """Unsaved ``model(**row)`` for each of ``rows`` (field attribute names as keys), without the
    per-field work of ``Model.__init__``: each instance gets its values set directly, as Django itself
    restores a pickled instance (several times faster for many rows). A field a row leaves out takes
    the field's default, computed once for all the rows (a dict or list copied for each row)."""
    defaults = _defaults(model)
    mutable = [name for name, value in defaults.items() if isinstance(value, dict | list)]
    built = []
    for row in rows:
        values = defaults | row
        if len(values) != len(defaults):
            unknown = ", ".join(sorted(set(row) - set(defaults)))
            raise TypeError(f"{model.__name__} has no field {unknown}")
        for name in mutable:
            if name not in row:
                values[name] = copy.copy(defaults[name])
        instance = model.__new__(model)
        instance._state = ModelState()
        instance.__dict__.update(values)
        built.append(instance)
    return built


def _defaults(model: type[models.Model]) -> dict[str, Any]:
    """Each field's default by attribute name (the id: None), computed now."""
    return {f.attname: None if f.primary_key else f.get_default() for f in model._meta.concrete_fields}


def _stamped(model: type[models.Model]) -> list[str]:
    """The attribute names of the fields the database write stamps with its time (``auto_now``)."""
    return [
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


def insert_values(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert new rows of ``model`` given as values (field attribute names as keys, a field left out
    takes its default), for rows nobody reads back as instances (audit rows, an importer's memory):
    what ``insert_rows(model, new_rows(model, rows))`` writes, the same columns and values, but on
    PostgreSQL without building the instances (``COPY`` lines made from the values; ids from the
    table's own default)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        insert_rows(model, new_rows(model, rows))
        return
    defaults = _defaults(model)
    fields, columns = _line_columns(model, timezone.now())
    lines = []
    for row in rows:
        values = defaults | row
        if len(values) != len(defaults):
            unknown = ", ".join(sorted(set(row) - set(defaults)))
            raise TypeError(f"{model.__name__} has no field {unknown}")
        lines.append("\t".join([cell(values[name]) for name, cell in columns]) + "\n")
    _copy(model, fields, lines, with_id=False)


def _line_columns(
    model: type[models.Model], now: dt.datetime
) -> tuple[tuple[models.Field, ...], list[tuple[str, Callable[[Any], str]]]]:
    """The fields of ``model``'s ``COPY`` lines after the id, and each one's attribute name with how
    its value becomes text (:func:`_copy_columns`); a field stamped with the write's time is ``now``,
    its text made once."""
    fields, cells = _copy_columns(model)
    stamped = set(_stamped(model))
    now_text = _copy_text(now)

    def stamp(_value: Any) -> str:
        return now_text

    return fields, [
        (f.attname, stamp if f.attname in stamped else cell) for f, cell in zip(fields, cells, strict=True)
    ]


def _copy(
    model: type[models.Model], fields: Sequence[models.Field], lines: list[str], *, with_id: bool
) -> None:
    """Stream ``lines`` (``COPY`` text: the id if ``with_id``, then ``fields``) into ``model``'s table."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in [*(["id"] if with_id else []), *(f.column for f in fields)])
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy,
    ):
        copy.write("".join(lines))


def insert_rows(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Insert new ``rows`` of ``model`` in one statement and give each its id.

    ``bulk_create`` everywhere; on PostgreSQL the rows are streamed with ``COPY`` instead (ids taken
    from the table's sequence first), which spares Django's per-value SQL compilation: the same columns,
    the same values, the database's constraints apply alike.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=1000)
        return
    meta = model._meta
    table = meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    now = timezone.now()
    fields, columns = _line_columns(model, now)
    stamped = _stamped(model)
    pk_name, alias = meta.pk.attname, connection.alias
    lines = []
    for pk, row in zip(ids, rows, strict=True):
        values = row.__dict__
        values[pk_name] = pk
        for name in stamped:
            values[name] = now
        row._state.adding = False
        row._state.db = alias
        lines.append(f"{pk}\t" + "\t".join([cell(values[name]) for name, cell in columns]) + "\n")
    _copy(model, fields, lines, with_id=True)


@cache
def _links(model: type[models.Model]) -> tuple[models.ForeignKey, ...]:
    """The foreign keys of ``model`` (its patient and the records it points at)."""
    return tuple(f for f in model._meta.concrete_fields if f.is_relation)


def _write(actor: Any, ready: Sequence[NewPatient]) -> int:
    stored = [new.instance for new in ready]
    insert_rows(Patient, stored)
    # parents before children: PATIENT_RECORD_MODELS lists every model after the ones it points at
    by_model: dict[type[models.Model], list[tuple[NewPatient, NewRecord]]] = {
        model: [] for model in PATIENT_RECORD_MODELS
    }
    for new in ready:
        for rec in new.records:
            by_model[rec.model].append((new, rec))
    for model, pairs in by_model.items():
        if not pairs:
            continue
        links = _links(model)
        rows = []
        for _new, rec in pairs:
            record = rec.instance
            for link in links:  # the patient and the parents were written: take their ids
                parent = link.get_cached_value(record, None)
                if parent is not None:
                    setattr(record, link.name, parent)
            rows.append(record)
        insert_rows(model, rows)
    created = itertools.chain(
        ((new, new.instance, new.reason) for new in ready),
        ((new, rec.instance, rec.reason or new.reason) for pairs in by_model.values() for new, rec in pairs),
    )
    return audit_rows_create(actor, created)


def audit_rows_create(actor: Any, created: Iterable[tuple[NewPatient, models.Model, str]]) -> int:
    """One audit row per record just written, ``(patient, record, reason)``: the rows
    :func:`~remission.registry.services.audit.audit_write` would add one at a time, built here and
    appended to the audit chain at once (:func:`~remission.registry.services.audit.audit_append`,
    inserted as values by :func:`insert_values`). Every audit row of a batch is written here."""
    actor_id = None if actor is SYSTEM else actor.pk
    default_reason = "command line" if actor is SYSTEM else ""
    rows = [
        {
            "actor_id": actor_id,
            "action": AuditAction.CREATE,
            "entity": record._meta.label_lower,
            "record_id": record.pk,
            "centre_id": new.centre_id,
            "patient_id": new.instance.pk,
            "before": None,
            "after": snapshot(record),
            "reason": reason or default_reason,
        }
        for new, record, reason in created
    ]
    return audit_append(rows, lambda: insert_values(AuditRecord, rows))
