"""The data dictionary of every table an extract holds: one :class:`Column` per exported column.

Tables are the patient table, one table per kind of record (``registry.kinds.KINDS``, in that order, so
that a table's references point to a table written before it) and ``missing_values``, the long table of
missing-value reasons. Table names are the kinds' slugs with ``_`` for ``-`` (``prior_therapy``), as
Stata, SPSS and Excel accept them.

Every record table starts with the patient key (``registry_id``; ``pseudonym`` in a de-identified
extract) and ``record_id``; a reference to another record is ``<field>_id`` holding that record's
``record_id``. Each date column ``<date>`` is followed by ``<date>_day``: the days from the patient's
day 0, the date of the patient's first infusion (day 0 itself is 0, the day before −1; empty when the
date or the infusion is missing). The model's fields are those a service may set (``EDITABLE_FIELDS``);
code lists come from :mod:`remission.registry.labels`, units from :mod:`remission.registry.ranges`.

Free-text fields (``Column.free_text``) and direct identifiers never enter a de-identified extract;
hospital numbers enter no extract at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Literal

from django.db import models

from remission.registry.codes import MissingReason
from remission.registry.kinds import KINDS
from remission.registry.labels import code_choices
from remission.registry.models import Patient
from remission.registry.ranges import PLAUSIBLE_RANGES

FieldType = Literal["date", "integer", "number", "text", "code", "boolean"]
FIELD_TYPES: tuple[FieldType, ...] = ("date", "integer", "number", "text", "code", "boolean")
Choices = tuple[tuple[str, str], ...]

PATIENT_TABLE = "patient"
MISSING_TABLE = "missing_values"
REGISTRY_ID = "registry_id"
PSEUDONYM = "pseudonym"
RECORD_ID = "record_id"
DAY_SUFFIX = "_day"
DAY_ZERO = "day 0 is the date of the patient's first infusion"

# Fields a person types freely (names of drugs, terms, notes): dropped from de-identified extracts.
FREE_TEXT: frozenset[tuple[str, str]] = frozenset(
    {
        ("patient", "consent_version"),
        ("prior_therapy", "agent"),
        ("prior_therapy", "agent_class"),
        ("adverse_event", "term"),
        ("adverse_event", "organism"),
        ("follow_up", "current_therapy"),
        ("outcome_event", "detail"),
        ("conditioning_agent", "drug"),
    }
)
# Fields that would identify a patient in a de-identified extract, and what replaces them there.
DEIDENTIFIED_DROPS: frozenset[tuple[str, str]] = frozenset({("patient", "birth_month")})

MISSING_REASONS: Choices = tuple((str(c.value), str(c.label)) for c in MissingReason)
AGE_BANDS: tuple[tuple[int, int | None], ...] = ((0, 17), (18, 29), (30, 39), (40, 49), (50, 59), (60, None))


@dataclass(frozen=True)
class Column:
    """One column of one exported table, as the dictionary describes it."""

    table: str
    name: str
    label: str
    type: FieldType
    unit: str = ""
    codes: Choices = ()
    missing_reasons: Choices = ()
    description: str = ""
    free_text: bool = False
    refers_to: str = ""  # the table whose record_id this column holds
    source: str = ""  # the model field read ("" for columns the extract derives)
    json: bool = False  # a JSON document (items of an instrument, serology…) written as text
    deidentified: bool = True  # whether the column is kept in a de-identified extract

    @property
    def code_list(self) -> str:
        """The code list as one line: ``code = label | code = label``."""
        return " | ".join(f"{code} = {label}" for code, label in self.codes)


@dataclass(frozen=True)
class Table:
    """One exported table: its name, title, the model it reads (None for ``missing_values``), columns."""

    name: str
    title: str
    model: type[models.Model] | None
    columns: tuple[Column, ...]
    description: str = ""

    def columns_for(self, *, deidentify: bool) -> tuple[Column, ...]:
        """The columns of this table in an identified or a de-identified extract."""
        if not deidentify:
            return tuple(c for c in self.columns if c.name != PSEUDONYM)
        return tuple(c for c in self.columns if c.deidentified and c.name != REGISTRY_ID)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name}.{name}")


def table_name(slug: str) -> str:
    """The table name of a kind slug (``prior-therapy`` → ``prior_therapy``)."""
    return slug.replace("-", "_")


def _key_columns(table: str, *, record: bool) -> list[Column]:
    columns = [
        Column(table, REGISTRY_ID, "Registry ID", "text", description="The patient's registry ID"),
        Column(
            table,
            PSEUDONYM,
            "Patient pseudonym",
            "text",
            description="Keyed HMAC-SHA-256 of the registry ID, stable across extracts made with one key",
        ),
    ]
    if record:
        columns.append(
            Column(
                table,
                RECORD_ID,
                "Record ID",
                "integer",
                description="The record's key (in a de-identified extract a keyed pseudonym of it)",
            )
        )
    return columns


def _type(field: models.Field, codes: Choices) -> FieldType:
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, models.ForeignKey):
        return "integer"
    if isinstance(field, models.IntegerField):
        return "integer"
    if isinstance(field, models.FloatField | models.DecimalField):
        return "number"
    if codes:
        return "code"
    return "text"


def _can_be_empty(field: models.Field) -> bool:
    return bool(field.null or field.blank)


def _model_columns(
    table: str, model: type[models.Model], names: tuple[str, ...], *, takes_missing: bool
) -> Iterator[Column]:
    ranges = PLAUSIBLE_RANGES.get(model._meta.model_name, {})
    for name in names:
        field = model._meta.get_field(name)
        codes = code_choices(model, name)
        kind = _type(field, codes)
        label = str(field.verbose_name)
        label = label[0].upper() + label[1:]
        plausible = ranges.get(name)
        unit = plausible.unit if plausible is not None else ""
        missing = MISSING_REASONS if takes_missing and _can_be_empty(field) else ()
        free = (table, name) in FREE_TEXT
        is_json = isinstance(field, models.JSONField)
        description = str(field.help_text or "")
        if is_json:
            description = (description + "; " if description else "") + "a JSON document"
        if isinstance(field, models.ForeignKey):
            target = _TABLE_OF_MODEL.get(field.related_model._meta.model_name, "")
            yield Column(
                table,
                f"{name}_id",
                label,
                "integer",
                description=f"record_id of the {target} record",
                refers_to=target,
                source=f"{name}_id",
                missing_reasons=missing,
            )
            continue
        yield Column(
            table,
            name,
            label,
            kind,
            unit=unit,
            codes=codes,
            missing_reasons=missing,
            description=description,
            free_text=free,
            source=name,
            json=is_json,
            deidentified=not free and (table, name) not in DEIDENTIFIED_DROPS,
        )
        if kind == "date":
            yield Column(
                table,
                f"{name}{DAY_SUFFIX}",
                f"{label}: days from day 0",
                "integer",
                unit="days",
                description=f"{name} minus day 0; {DAY_ZERO}",
            )


_TABLE_OF_MODEL = {k.model._meta.model_name: table_name(slug) for slug, k in KINDS.items()}


def _patient_table() -> Table:
    columns = _key_columns(PATIENT_TABLE, record=False)
    columns.append(
        Column(
            PATIENT_TABLE, "centre", "Centre", "code", description="The centre's code", source="centre__code"
        )
    )
    columns.extend(_model_columns(PATIENT_TABLE, Patient, Patient.EDITABLE_FIELDS, takes_missing=False))
    disease_codes = code_choices(KINDS["diagnosis"].model, "disease")
    columns.extend(
        [
            Column(
                PATIENT_TABLE,
                "primary_disease",
                "Primary disease",
                "code",
                codes=disease_codes,
                description="The disease of the primary diagnosis (the indication for cell therapy)",
            ),
            Column(
                PATIENT_TABLE, "day0_date", "Day 0", "date", description=DAY_ZERO[0].upper() + DAY_ZERO[1:]
            ),
            Column(
                PATIENT_TABLE,
                "age_at_day0",
                "Age at day 0",
                "integer",
                unit="years",
                description="Completed years from the birth month (its 1st day) to day 0",
                deidentified=False,
            ),
            Column(
                PATIENT_TABLE,
                "age_band",
                "Age band at day 0",
                "code",
                unit="years",
                codes=tuple((band, band) for band in age_band_codes()),
                description="Age at day 0 in bands; 'unknown' without an infusion",
            ),
        ]
    )
    return Table(PATIENT_TABLE, "Patients", Patient, tuple(columns), "One row per patient")


def _missing_table() -> Table:
    columns = [
        *_key_columns(MISSING_TABLE, record=False),
        Column(MISSING_TABLE, "table", "Table", "code", description="The table of the record"),
        Column(MISSING_TABLE, RECORD_ID, "Record ID", "integer", description="record_id in that table"),
        Column(MISSING_TABLE, "field", "Field", "code", description="The column left empty"),
        Column(MISSING_TABLE, "reason", "Why the field is empty", "code", codes=MISSING_REASONS),
    ]
    return Table(MISSING_TABLE, "Missing values", None, tuple(columns), "One row per field marked missing")


def age_band_codes() -> tuple[str, ...]:
    """The age bands' codes: ``0-17``, ``18-29`` … ``60+``, and ``unknown``."""
    codes = [f"{low}-{high}" if high is not None else f"{low}+" for low, high in AGE_BANDS]
    return (*codes, "unknown")


def age_band(age: int | None) -> str:
    """The band of an age in completed years (``unknown`` for None)."""
    if age is None:
        return "unknown"
    for low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return f"{low}-{high}" if high is not None else f"{low}+"
    return "unknown"  # a negative age cannot be stored (birth before day 0 is validated)


@cache
def tables() -> tuple[Table, ...]:
    """Every exported table, in the order an extract writes them."""
    result = [_patient_table()]
    for slug, kind in KINDS.items():
        name = table_name(slug)
        names = tuple(f for f in kind.editable)
        if slug == "conditioning-agent":
            names = ("conditioning", *names)
        if slug == "engraftment":
            names = ("infusion", *names)
        columns = _key_columns(name, record=True)
        columns.extend(_model_columns(name, kind.model, names, takes_missing=kind.takes_missing))
        result.append(Table(name, kind.plural, kind.model, tuple(columns), kind.model.__doc__ or ""))
    result.append(_missing_table())
    return tuple(result)


def table(name: str) -> Table:
    for t in tables():
        if t.name == name:
            return t
    raise KeyError(name)


def dictionary(*, deidentify: bool = False) -> Iterator[Column]:
    """Every column of every table of an extract, in order (the data dictionary)."""
    for t in tables():
        yield from t.columns_for(deidentify=deidentify)


DICTIONARY_HEADER = (
    "table",
    "field",
    "label",
    "type",
    "unit",
    "codes",
    "missing_reasons",
    "refers_to",
    "description",
)


def dictionary_rows(*, deidentify: bool = False) -> Iterator[tuple[str, ...]]:
    """The data dictionary as rows of text under :data:`DICTIONARY_HEADER`."""
    for c in dictionary(deidentify=deidentify):
        reasons = " | ".join(f"{code} = {label}" for code, label in c.missing_reasons)
        yield (c.table, c.name, c.label, c.type, c.unit, c.code_list, reasons, c.refers_to, c.description)


__all__ = [
    "DAY_SUFFIX",
    "DICTIONARY_HEADER",
    "FIELD_TYPES",
    "MISSING_TABLE",
    "PATIENT_TABLE",
    "PSEUDONYM",
    "RECORD_ID",
    "REGISTRY_ID",
    "Column",
    "Table",
    "age_band",
    "dictionary",
    "dictionary_rows",
    "table",
    "table_name",
    "tables",
]
