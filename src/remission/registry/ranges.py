"""Plausible ranges of numeric registry fields, in one table.

The services check them and name the record, field and rule when a value falls outside; the
database holds the same ranges as check constraints (built by :func:`range_constraints`), so a
value cannot get in by another way either. Ranges are wide on purpose: they catch typing and unit
errors (a weight in pounds, a height in metres), not unusual patients.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Every calendar date the registry takes in — a record's date, a birth year and month, a cut-off or a
# filter, an imported cell — lies in these years, the same as the patients' birth years' check constraint.
# Wider dates are typing errors (25531 for 2025), and beyond them Python cannot build the date (year 9999
# is its last) or pandas cannot hold it (2262-04-11 is its last day): refused with the field named.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
EARLIEST_DATE = dt.date(EARLIEST_YEAR, 1, 1)
LATEST_DATE = dt.date(LATEST_YEAR, 12, 31)
RULE_DATE_RANGE = "date_range"
DATE_OUT_OF_RANGE = _("{what} must be between {earliest} and {latest}, not {value}")
THE_DATE = _("The date")  # ``what`` of a date that is no field (a form's or a file's date)
BETWEEN = _("between {low:g} and {high:g}{unit}")
# the words among the units below, for translators (symbols such as mL/min stay as they are)
UNIT_WORDS = (_("% predicted"), _("points"), _("sessions"), _("days"))


def date_in_range(value: dt.date) -> bool:
    day = value.date() if isinstance(value, dt.datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


def year_in_range(year: int) -> bool:
    return EARLIEST_YEAR <= year <= LATEST_YEAR


def date_out_of_range(what: str, value: object) -> str:
    """The message for a date (or year) outside the registry's years, naming ``what`` it is."""
    return DATE_OUT_OF_RANGE.format(what=what, earliest=EARLIEST_DATE, latest=LATEST_DATE, value=value)


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    unit: str

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def describe(self) -> str:
        unit = f" {gettext(self.unit)}" if self.unit else ""
        return BETWEEN.format(low=self.low, high=self.high, unit=unit)


PLAUSIBLE_RANGES: dict[str, dict[str, Range]] = {
    "workup": {
        "height_cm": Range(40, 250, "cm"),
        "weight_kg": Range(2, 350, "kg"),
        "performance_score": Range(0, 100, ""),
        "lvef_pct": Range(5, 90, "%"),
        "pasp_mmhg": Range(5, 150, "mmHg"),
        "mpap_mmhg": Range(5, 100, "mmHg"),
        "fvc_pct": Range(10, 200, "% predicted"),
        "dlco_pct": Range(5, 200, "% predicted"),
        "creatinine_clearance": Range(1, 250, "mL/min"),
        "hct_ci_score": Range(0, 29, "points"),
    },
    "mobilisation": {
        "cd34_yield_per_kg": Range(0, 100, "×10^6 CD34+/kg"),
        "apheresis_count": Range(0, 10, "sessions"),
    },
    "cellproduct": {
        "cd34_dose_per_kg": Range(0, 100, "×10^6 CD34+/kg"),
        "cell_dose_per_kg": Range(0, 1e10, "cells/kg"),
        "viability_pct": Range(0, 100, "%"),
    },
    "conditioningagent": {
        "dose": Range(0, 100000, ""),
        "days": Range(1, 30, "days"),
    },
    "conditioning": {
        "tbi_dose_gy": Range(0, 15, "Gy"),
    },
    "infusion": {
        "sequence": Range(1, 20, ""),
    },
    "adverseevent": {
        "grade": Range(1, 5, ""),
    },
}


def range_constraints(model_key: str) -> list[models.CheckConstraint]:
    """Database check constraints for the ranges of one model (``model_key`` is its lower-case name)."""
    constraints = []
    for field, plausible in PLAUSIBLE_RANGES[model_key].items():
        constraints.append(
            models.CheckConstraint(
                condition=Q(**{f"{field}__isnull": True})
                | Q(**{f"{field}__gte": plausible.low, f"{field}__lte": plausible.high}),
                name=f"{model_key}_{field}_range",
            )
        )
    return constraints
