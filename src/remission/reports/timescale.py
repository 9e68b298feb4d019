"""Time since infusion in the unit a plot shows it: days are stored, years or months are read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _
from numpy.typing import ArrayLike, NDArray

DAYS_PER_YEAR = 365.25  # Julian year, as R's survival and most registries convert days to years
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0

UNKNOWN_UNIT = "time unit must be 'auto' or one of {choices}, not {value!r}"


@dataclass(frozen=True)
class TimeScale:
    """A unit of time since infusion: how many days it holds and what the axis says."""

    name: str
    days: float
    axis_label: str  # a lazy translation: worded in the report's language when drawn
    tick_step: float  # a pleasant step between ticks, in this unit, for short follow-up

    def from_days(self, days: ArrayLike) -> NDArray[np.float64]:
        return np.asarray(days, dtype=np.float64) / self.days

    def to_days(self, values: ArrayLike) -> NDArray[np.float64]:
        return np.asarray(values, dtype=np.float64) * self.days

    def ticks(self, horizon: float) -> NDArray[np.float64]:
        """Ticks from 0 to ``horizon`` (in this unit): at most ~10, on a round step."""
        step = self.tick_step
        for multiple in (1, 2, 3, 5, 10, 20, 50):
            if horizon / (step * multiple) <= 10:
                step *= multiple
                break
        return np.arange(0.0, horizon + step * 1e-9, step)


YEARS = TimeScale("years", DAYS_PER_YEAR, _("Years since infusion"), 1.0)
MONTHS = TimeScale("months", DAYS_PER_MONTH, _("Months since infusion"), 3.0)
DAYS = TimeScale("days", 1.0, _("Days since infusion"), 30.0)
SCALES: dict[str, TimeScale] = {scale.name: scale for scale in (YEARS, MONTHS, DAYS)}


AUTO = "auto"
# with "auto", follow-up shorter than this is shown in months
MONTHS_BELOW_DAYS = 2 * DAYS_PER_YEAR


def time_scale(name: str | TimeScale, horizon_days: float | None = None) -> TimeScale:
    """The scale called ``name``; ``"auto"`` is years, or months when ``horizon_days`` is under 2 years."""
    if isinstance(name, TimeScale):
        return name
    if name == AUTO:
        return MONTHS if horizon_days is not None and horizon_days < MONTHS_BELOW_DAYS else YEARS
    if name not in SCALES:
        raise ValueError(UNKNOWN_UNIT.format(choices=sorted(SCALES), value=name))
    return SCALES[name]
