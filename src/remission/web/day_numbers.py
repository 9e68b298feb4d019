"""Dates typed as day numbers relative to the patient's day 0 ("D+100"), as well as calendar dates.

Day 0 is the date of the patient's **first** infusion (:meth:`DayZero.from_infusions`); D+1 is the day
after it, D-1 the day before. A second infusion does not move day 0 here: the date shown back after
saving says which calendar day was meant.

Accepted spellings (letters in either case, spaces anywhere between the parts)::

    D+100   d+100   D100   D + 100     -> day 0 + 100 days
    D-7     D−7 (minus sign) D–7 (dash) -> day 0 - 7 days
    D0      D+0     D-0                -> day 0
    J+100   j-7     J0                 -> the same, as French teams write them ("jour")

A text that starts with D or J is read as a day number and nothing else (no calendar date starts with a
letter in any of the registry's languages); one that is not well formed ("D+", "D+1.5", "D+x") is an
error that says how to write it. Anything else is left to the calendar-date parser of the form field.
A day number more than :data:`MAX_DAYS` days from day 0 (a century) is impossible; a patient without
day 0 (no infusion recorded) cannot use day numbers at all. Every error names the field.

The parsing (:func:`parse_day_number`, :func:`date_of_day_number`) touches no database; the form field
(:class:`DayNumberDateField`) is given day 0 by the view that builds the form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import formats
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 36_525  # a day number further than a century from day 0 is no date of this patient's course
PREFIXES = "DdJj"  # D (day), J (jour)
MINUS_SIGNS = "-\u2212\u2013"  # hyphen-minus, minus sign (as the patient page prints "D−7"), en dash
DAY_NUMBER = re.compile(r"^[DdJj]\s*(?P<sign>[+\-\u2212\u2013]?)\s*(?P<days>[0-9]{1,9})$")

DATE_HELP = _("a date or D+n (days from day 0, e.g. D+100 or D-7)")
NO_DAY_ZERO = _(
    "%(field)s: %(text)s counts from day 0, but this patient has no day 0 yet (no infusion recorded); "
    "enter a calendar date"
)
NOT_A_DAY_NUMBER = _(
    "%(field)s: %(text)s is not a day number; write D+100, D-7 or D0 (days from day 0), or a calendar date"
)
IMPOSSIBLE_DAY = _("%(field)s: %(text)s is impossible; a day number is at most %(max)s days from day 0")
RESOLVED = _("%(field)s: %(day)s is %(date)s")

CODE_NO_DAY_ZERO = "no_day_zero"
CODE_SYNTAX = "day_number_syntax"
CODE_RANGE = "day_number_range"


class DayNumberError(ValueError):
    """A day number that cannot become a date: ``code`` says why, ``message`` says it to a person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class DayNumber:
    """A number of days from day 0 (negative before it)."""

    days: int

    def __str__(self) -> str:
        """ "D+100" as said in the active language ("J+100" in French)."""
        letter = pgettext("the letter of a day number, D+100", "D")
        if self.days == 0:
            return f"{letter}0"
        return f"{letter}{'+' if self.days > 0 else '-'}{abs(self.days)}"

    def date_from(self, day0: dt.date) -> dt.date:
        return day0 + dt.timedelta(days=self.days)


@dataclass(frozen=True)
class DayZero:
    """A patient's day 0 as a form knows it: the first infusion's date, or None before any infusion."""

    date: dt.date | None

    @classmethod
    def from_infusions(cls, dates: Iterable[dt.date | None]) -> DayZero:
        return cls(min((d for d in dates if d is not None), default=None))


def is_day_number_text(text: str) -> bool:
    """Whether ``text`` is meant as a day number (it starts with D or J), well formed or not."""
    stripped = text.strip()
    return bool(stripped) and stripped[0] in PREFIXES


def parse_day_number(text: str, *, field: str) -> DayNumber:
    """The day number ``text`` spells; :class:`DayNumberError` naming ``field`` if it spells none."""
    compact = text.strip()
    match = DAY_NUMBER.match(compact)
    if match is None:
        raise DayNumberError(CODE_SYNTAX, gettext(NOT_A_DAY_NUMBER) % {"field": field, "text": compact})
    days = int(match["days"])
    if days > MAX_DAYS:
        message = gettext(IMPOSSIBLE_DAY) % {"field": field, "text": compact, "max": MAX_DAYS}
        raise DayNumberError(CODE_RANGE, message)
    return DayNumber(-days if match["sign"] and match["sign"] in MINUS_SIGNS else days)


def date_of_day_number(text: str, day0: dt.date | None, *, field: str) -> dt.date:
    """The calendar date of the day number ``text`` counted from ``day0``."""
    number = parse_day_number(text, field=field)
    if day0 is None:
        message = gettext(NO_DAY_ZERO) % {"field": field, "text": text.strip()}
        raise DayNumberError(CODE_NO_DAY_ZERO, message)
    try:
        return number.date_from(day0)
    except OverflowError as exc:  # before year 1 or after 9999
        message = gettext(IMPOSSIBLE_DAY) % {"field": field, "text": text.strip(), "max": MAX_DAYS}
        raise DayNumberError(CODE_RANGE, message) from exc


def day_number_of(date: dt.date, day0: dt.date) -> DayNumber:
    return DayNumber((date - day0).days)


# --- the form field ------------------------------------------------------------------------------


class DayDateInput(forms.DateInput):
    """A text input (a browser date picker takes no "D+100"); a stored date is shown as ISO 8601."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.date):
            return value.isoformat()
        return super().format_value(value)


@dataclass(frozen=True)
class Resolved:
    """A day number a form field turned into a date, to be shown back to the user."""

    field: str
    number: DayNumber
    date: dt.date

    def __str__(self) -> str:
        shown = formats.date_format(self.date, "SHORT_DATE_FORMAT")
        return gettext(RESOLVED) % {"field": self.field, "day": str(self.number), "date": shown}


class DayNumberDateField(forms.DateField):
    """A date field that also takes a day number counted from ``day_zero`` (None: the patient has none)."""

    widget = DayDateInput

    def __init__(self, *, day_zero: dt.date | None, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", DATE_HELP)
        super().__init__(**kwargs)
        self.day_zero = day_zero
        self.resolved: Resolved | None = None

    def to_python(self, value: Any) -> dt.date | None:
        self.resolved = None
        if isinstance(value, str) and is_day_number_text(value):
            label = str(self.label or gettext("Date"))
            try:
                date = date_of_day_number(value, self.day_zero, field=label)
            except DayNumberError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from exc
            self.resolved = Resolved(label, parse_day_number(value, field=label), date)
            return date
        return super().to_python(value)


def with_day_numbers(field: forms.DateField, day_zero: DayZero) -> DayNumberDateField:
    """``field`` (a form's date field) made to take day numbers too; its label, validators and help stay,
    the help text saying that a day number may be typed."""
    help_text = format_lazy("{} · {}", field.help_text, DATE_HELP) if field.help_text else DATE_HELP
    return DayNumberDateField(
        day_zero=day_zero.date,
        required=field.required,
        label=field.label,
        initial=field.initial,
        help_text=help_text,
        validators=list(field.validators),
        disabled=field.disabled,
    )


def resolved_day_numbers(form: forms.Form) -> list[Resolved]:
    """The day numbers a validated form turned into dates, in field order."""
    return [
        field.resolved
        for field in form.fields.values()
        if isinstance(field, DayNumberDateField) and field.resolved is not None
    ]
