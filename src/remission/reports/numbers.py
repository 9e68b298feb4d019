"""How numbers and dates are written in reports: one place, so that tables, plots and CSVs agree.

Percentages with one decimal, ratios with two, p-values with two significant digits down to
"< 0.001". Intervals use an en dash ("85.2 (80.1–89.3)"). A missing value is written "–".

Numbers follow the active language (the report is rendered under ``translation.override``): each
number is written once in the source form (``1,234.5``) and its separators are then swapped for the
language's (Django's formats: ``1 234,5`` in French); the percent sign is placed as the language writes
it ("85,2 %"). Dates are Django's short date of the language (ISO ``2024-12-31`` in British English).
Without Django set up, numbers stay in the source form.
"""

from __future__ import annotations

import datetime as dt
import math

from django.utils.translation import pgettext

MISSING = "–"
SOURCE_SEPARATORS = (".", ",")  # decimal, thousands: the form every number is first written in


def _missing(*values: float | None) -> bool:
    return any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)


def _separators() -> tuple[str, str]:
    """The active language's (decimal, thousands) separators."""
    try:
        from django.utils.formats import get_format

        return str(get_format("DECIMAL_SEPARATOR")), str(get_format("THOUSAND_SEPARATOR"))
    except Exception:  # Django not configured: the source form
        return SOURCE_SEPARATORS


def localise(text: str) -> str:
    """A number written in the source form (``1,234.5``, ``<0.001``) with the active language's separators."""
    separators = _separators()
    if separators == SOURCE_SEPARATORS:
        return text
    decimal, thousands = separators
    return text.translate(str.maketrans({".": decimal, ",": thousands}))


def percent_sign(number: str) -> str:
    """``number`` (already written) as a percentage: "85.2%", "85,2 %" in French."""
    return pgettext("percentage", "%(number)s%%") % {"number": number}


def format_percent(value: float | None, decimals: int = 1) -> str:
    """0.8523 -> "85.2"."""
    if _missing(value):
        return MISSING
    return localise(f"{100.0 * float(value):.{decimals}f}")  # type: ignore[arg-type]


def format_percent_ci(estimate: float | None, lower: float | None, upper: float | None) -> str:
    """0.85, 0.80, 0.89 -> "85.0% (80.0–89.0)"; limits left out when undefined."""
    if _missing(estimate):
        return MISSING
    if _missing(lower, upper):
        return percent_sign(format_percent(estimate))
    return f"{percent_sign(format_percent(estimate))} ({format_percent(lower)}–{format_percent(upper)})"


def format_ratio(ratio: float, lower: float, upper: float) -> str:
    """1.234, 0.9, 1.7 -> "1.23 (0.90–1.70)"."""
    if _missing(ratio):
        return MISSING
    if _missing(lower, upper):
        return localise(f"{ratio:.2f}")
    return localise(f"{ratio:.2f} ({lower:.2f}–{upper:.2f})")


def format_p(p: float | None) -> str:
    """Two significant digits; "<0.001" below 0.001 (the convention of most clinical journals)."""
    if _missing(p):
        return MISSING
    value = float(p)  # type: ignore[arg-type]
    if value < 0.001:
        return localise("<0.001")
    if value >= 0.1:
        return localise(f"{value:.2f}")
    return localise(f"{value:.2g}" if value >= 0.01 else f"{value:.3f}")


def format_number(value: float | None, decimals: int = 1) -> str:
    if _missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if number.is_integer() and decimals == 0:
        return localise(f"{int(number):,}")
    return localise(f"{number:,.{decimals}f}")


def format_count(value: float | None) -> str:
    if _missing(value):
        return MISSING
    return localise(f"{round(float(value)):,}")  # type: ignore[arg-type]


def format_date(day: dt.date) -> str:
    """A date in the active language's short form (ISO in British English, the source language)."""
    try:
        from django.utils.formats import date_format

        return str(date_format(day, "SHORT_DATE_FORMAT"))
    except Exception:  # Django not configured
        return day.isoformat()
