"""How numbers are written in reports: one place, so that tables, plots and CSVs agree.

Percentages with one decimal, ratios with two, p-values with two significant digits down to
"< 0.001". Intervals use an en dash ("85.2 (80.1–89.3)"). A missing value is written "–".
"""

from __future__ import annotations

import math

MISSING = "–"


def _missing(*values: float | None) -> bool:
    return any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)


def format_percent(value: float | None, decimals: int = 1) -> str:
    """0.8523 -> "85.2"."""
    if _missing(value):
        return MISSING
    return f"{100.0 * float(value):.{decimals}f}"  # type: ignore[arg-type]


def format_percent_ci(estimate: float | None, lower: float | None, upper: float | None) -> str:
    """0.85, 0.80, 0.89 -> "85.0% (80.0–89.0)"; limits left out when undefined."""
    if _missing(estimate):
        return MISSING
    if _missing(lower, upper):
        return f"{format_percent(estimate)}%"
    return f"{format_percent(estimate)}% ({format_percent(lower)}–{format_percent(upper)})"


def format_ratio(ratio: float, lower: float, upper: float) -> str:
    """1.234, 0.9, 1.7 -> "1.23 (0.90–1.70)"."""
    if _missing(ratio):
        return MISSING
    if _missing(lower, upper):
        return f"{ratio:.2f}"
    return f"{ratio:.2f} ({lower:.2f}–{upper:.2f})"


def format_p(p: float | None) -> str:
    """Two significant digits; "<0.001" below 0.001 (the convention of most clinical journals)."""
    if _missing(p):
        return MISSING
    value = float(p)  # type: ignore[arg-type]
    if value < 0.001:
        return "<0.001"
    if value >= 0.1:
        return f"{value:.2f}"
    return f"{value:.2g}" if value >= 0.01 else f"{value:.3f}"


def format_number(value: float | None, decimals: int = 1) -> str:
    if _missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if number.is_integer() and decimals == 0:
        return f"{int(number):,}"
    return f"{number:,.{decimals}f}"


def format_count(value: float | None) -> str:
    if _missing(value):
        return MISSING
    return f"{round(float(value)):,}"  # type: ignore[arg-type]
