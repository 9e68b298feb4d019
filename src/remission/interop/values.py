"""Reading one source cell as the typed value of one registry field (shared by every tabular reader).

A cell arrives as text (CSV, REDCap) or as what openpyxl read (``str``, ``int``, ``float``,
``datetime``). :func:`field_type` says what the registry field holds; :func:`parse` turns the cell into
that type or raises :class:`CellError` with a rule and a message (module constants), which the reader
reports as ``file / row / column / rule``.

* Text is stripped of leading and trailing spaces; an empty cell is no value.
* Dates: ISO ``YYYY-MM-DD`` always, then the formats the mapping file lists (``%d/%m/%Y`` …), an Excel
  date cell, or an Excel serial day number (days since 1899-12-30, Excel's 1900 date system) when the
  cell is a number in a date column.
* Codes: the registry's code, or (ignoring case and surrounding spaces) a code or its label, after the
  mapping file's recodes.
* Yes/no: ``1``/``0``, ``yes``/``no``, ``true``/``false``, ``y``/``n`` (any case).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from django.db import models

from remission.registry.kinds import EDITABLE_KINDS
from remission.registry.labels import code_choices
from remission.registry.ranges import RULE_DATE_RANGE, date_in_range, date_out_of_range

ValueType = Literal["date", "integer", "number", "boolean", "code", "text", "json", "link"]

RULE_DATE = "date"
RULE_INTEGER = "integer"
RULE_NUMBER = "number"
RULE_BOOLEAN = "yes_no"
RULE_CODE = "known_code"
RULE_JSON = "json"

BAD_DATE = "{value!r} is not a date (use YYYY-MM-DD{formats})"
BAD_INTEGER = "{value!r} is not a whole number"
BAD_NUMBER = "{value!r} is not a number"
BAD_BOOLEAN = "{value!r} is not yes or no (1/0, yes/no, true/false)"
UNKNOWN_CODE = "{value!r} is not a known code for {field}; use one of: {allowed}"
BAD_JSON = "{value!r} is not a JSON document: {detail}"

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 in its 1900 date system (with its 1900 leap-day bug)
TRUE_WORDS = frozenset({"1", "yes", "y", "true", "t"})
FALSE_WORDS = frozenset({"0", "no", "n", "false", "f"})
MAX_LISTED_CODES = 12


class CellError(ValueError):
    """A cell that cannot be read as its field's type: ``rule`` and ``message`` for the row problem."""

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class FieldSpec:
    """What one registry field holds, for a reader."""

    kind: str
    name: str
    type: ValueType
    nullable: bool
    choices: tuple[tuple[str, str], ...] = ()


def _model(kind: str) -> type[models.Model]:
    return EDITABLE_KINDS[kind].model


@cache
def field_spec(kind: str, name: str) -> FieldSpec:
    """The type of field ``name`` of records of ``kind`` (``centre`` and ``registry_id`` of a patient are
    codes and text). Raises ``KeyError`` for a field the kind does not have."""
    if kind == "patient" and name in ("centre", "registry_id"):
        return FieldSpec(kind, name, "text", nullable=False)
    model = _model(kind)
    try:
        field = model._meta.get_field(name)
    except Exception as exc:  # FieldDoesNotExist
        raise KeyError(f"{kind}.{name}") from exc
    nullable = bool(field.null)
    if field.is_relation:
        return FieldSpec(kind, name, "link", nullable)
    if isinstance(field, models.DateField):
        return FieldSpec(kind, name, "date", nullable)
    if isinstance(field, models.BooleanField):
        return FieldSpec(kind, name, "boolean", nullable)
    if isinstance(field, models.IntegerField):
        return FieldSpec(kind, name, "integer", nullable)
    if isinstance(field, models.FloatField | models.DecimalField):
        return FieldSpec(kind, name, "number", nullable)
    if isinstance(field, models.JSONField):
        return FieldSpec(kind, name, "json", nullable)
    choices = tuple(code_choices(model, name))
    return FieldSpec(kind, name, "code" if choices else "text", nullable, choices)


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def is_blank(cell: Any) -> bool:
    return _text(cell) == ""


def parse_date(cell: Any, formats: Sequence[str] = ()) -> dt.date:
    """The date in ``cell``; CellError when it is none, or lies outside the registry's years."""
    day = _parse_date(cell, formats)
    if not date_in_range(day):
        raise CellError(RULE_DATE_RANGE, date_out_of_range("The date", day))
    return day


def _parse_date(cell: Any, formats: Sequence[str]) -> dt.date:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    is_number = isinstance(cell, int | float) and not isinstance(cell, bool)
    if is_number and math.isfinite(cell) and 1 <= cell < 2958466:  # Excel's last day is 9999-12-31
        return EXCEL_EPOCH + dt.timedelta(days=int(cell))
    text = _text(cell)
    for fmt in ("%Y-%m-%d", *formats):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    shown = "".join(f" or {f}" for f in formats)
    raise CellError(RULE_DATE, BAD_DATE.format(value=text, formats=shown))


def parse_code(spec: FieldSpec, text: str, recode: Mapping[str, str]) -> str:
    if text in recode:
        return recode[text]
    if not spec.choices:
        return text
    wanted = text.casefold()
    for code, label in spec.choices:
        if text == code or wanted == code.casefold() or wanted == str(label).casefold():
            return code
    codes = [code for code, _label in spec.choices]
    allowed = ", ".join(codes[:MAX_LISTED_CODES]) + (" …" if len(codes) > MAX_LISTED_CODES else "")
    raise CellError(RULE_CODE, UNKNOWN_CODE.format(value=text, field=spec.name, allowed=allowed))


def parse(
    spec: FieldSpec, cell: Any, *, formats: Sequence[str] = (), recode: Mapping[str, str] | None = None
) -> Any:
    """``cell`` as a value of ``spec``'s type (None for an empty cell; ``""`` for an empty text field
    that cannot be null). Links come back as the text of the key they name."""
    text = _text(cell)
    if text == "":
        return "" if spec.type in ("text", "code") and not spec.nullable else None
    recode = recode or {}
    if text in recode and spec.type != "code":
        text = recode[text]
        cell = text
    if spec.type == "date":
        return parse_date(cell, formats)
    if spec.type == "integer":
        try:
            number = float(text) if not isinstance(cell, int) else cell
        except ValueError as exc:
            raise CellError(RULE_INTEGER, BAD_INTEGER.format(value=text)) from exc
        if not math.isfinite(number) or not float(number).is_integer():
            raise CellError(RULE_INTEGER, BAD_INTEGER.format(value=text))
        return int(number)
    if spec.type == "number":
        try:
            number = float(text) if isinstance(cell, str) else float(cell)
        except ValueError as exc:
            raise CellError(RULE_NUMBER, BAD_NUMBER.format(value=text)) from exc
        if not math.isfinite(number):
            raise CellError(RULE_NUMBER, BAD_NUMBER.format(value=text))
        return number
    if spec.type == "boolean":
        word = text.casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError(RULE_BOOLEAN, BAD_BOOLEAN.format(value=text))
    if spec.type == "json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise CellError(RULE_JSON, BAD_JSON.format(value=text[:60], detail=exc)) from exc
    if spec.type == "code":
        return parse_code(spec, text, recode)
    return text
