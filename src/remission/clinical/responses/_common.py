"""What every response definition shares: dated measurements in, an immutable decision with evidence out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

NOT_COMPUTABLE = "not_computable"
NOT_A_DATE = "{what}: {value!r} is not a date"
DATES_OUT_OF_ORDER = "{what}: the follow-up date {later} is not after the baseline date {earlier}"


@dataclass(frozen=True, slots=True)
class Measurement:
    """One dated value of a score (EDSS, DAS28, mRSS, FVC % predicted, CDAI …)."""

    date: dt.date
    value: float

    def __post_init__(self) -> None:
        if not isinstance(self.date, dt.date):
            raise TypeError(NOT_A_DATE.format(what="measurement date", value=self.date))


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact a decision used: the date, the value and what it is."""

    date: dt.date | None
    value: float | str | None
    what: str


@dataclass(frozen=True, slots=True)
class ResponseResult:
    """A decision, the dated values it rests on and the reason in words.

    ``event_date`` is the date of the event when the decision is one (progression, activity), else None.
    """

    definition: str
    decision: str
    evidence: tuple[Evidence, ...]
    reason: str
    event_date: dt.date | None = None
    source: str = ""

    @property
    def computable(self) -> bool:
        return self.decision != NOT_COMPUTABLE


def by_date(measurements: Iterable[Measurement]) -> tuple[Measurement, ...]:
    """Measurements in date order (stable for equal dates)."""
    return tuple(sorted(measurements, key=lambda m: m.date))


def percent(part: float, whole: float) -> float:
    """100·part/whole rounded to 6 decimals, so that 8/80 compares as exactly 10 %."""
    return round(100 * part / whole, 6)
