"""Completeness arithmetic, pure (NumPy, no Django): Clark's completeness index, forms received in their
window, the age of open queries, per group (a centre and a year of day 0).

**Clark's completeness index** (Clark TG, Altman DG, De Stavola BL. Quantification of the completeness of
follow-up. Lancet 2002;359(9314):1309-10, doi:10.1016/S0140-6736(02)08272-7):

    C = Σ observed person-time / Σ potential person-time

For each patient, day 0 is the first infusion and the cut-off the date the registry is assessed at:

- *potential* follow-up runs from day 0 to the cut-off, or to the death when a death is known on or
  before the cut-off (a patient known to have died cannot be followed further: death is complete
  follow-up);
- *observed* follow-up runs from day 0 to the last contact, or to the death for those who died, and
  never past the cut-off.

A patient whose day 0 is after the cut-off has no potential follow-up and is left out (counted in
``left_out``). A last contact before day 0 (no contact after it) counts as day 0: observed time 0.
C is 1 when every patient alive was seen on the cut-off date; it is undefined (NaN) when the potential
person-time is 0 (every patient infused on the cut-off date, or none at all).

**Forms in window**: of the expected follow-up forms (time points) whose window closed before the cut-off
and that are not *not required*, the share received inside the window. **Open queries**: the queries
not closed, raised on or before the cut-off, and the median of their ages in days at the cut-off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

NOT_SAME_LENGTH = "day 0, last contact and death must have one value per patient ({sizes})"


def _days(values: np.ndarray | list) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]")


@dataclass(frozen=True, slots=True)
class ClarkIndex:
    """Clark's C with its numerator and denominator in person-days."""

    patients: int  # patients counted (day 0 on or before the cut-off)
    left_out: int  # patients with day 0 after the cut-off
    deaths: int  # deaths on or before the cut-off among those counted
    observed_days: int
    potential_days: int

    @property
    def index(self) -> float:
        """C = observed / potential person-time (NaN when there is no potential person-time)."""
        return self.observed_days / self.potential_days if self.potential_days > 0 else float("nan")


def clark_index(
    day0: np.ndarray | list,
    last_contact: np.ndarray | list,
    death: np.ndarray | list,
    cutoff: dt.date,
) -> ClarkIndex:
    """Clark's C of the patients given as three date arrays of equal length (``datetime64[D]`` or
    ``datetime.date``; NaT/None in ``death`` for no known death, in ``last_contact`` for no contact)."""
    start, last, died = _days(day0), _days(last_contact), _days(death)
    if not (start.shape == last.shape == died.shape):
        raise ValueError(NOT_SAME_LENGTH.format(sizes=(start.size, last.size, died.size)))
    end = np.datetime64(cutoff, "D")
    inside = start <= end
    start, last, died = start[inside], last[inside], died[inside]
    dead = ~np.isnat(died) & (died <= end)
    stop = np.where(dead, died, end)  # end of potential follow-up
    seen = np.where(dead, died, np.where(np.isnat(last), start, last))
    seen = np.clip(seen, start, stop)  # never before day 0, never past the death or the cut-off
    potential = (stop - start).astype(np.int64)
    observed = (seen - start).astype(np.int64)
    return ClarkIndex(
        patients=int(inside.sum()),
        left_out=int((~inside).sum()),
        deaths=int(dead.sum()),
        observed_days=int(observed.sum()),
        potential_days=int(potential.sum()),
    )


@dataclass(frozen=True, slots=True)
class FormsInWindow:
    """Expected follow-up forms whose window has closed (not *not required*) and how many came in it."""

    expected: int
    received: int

    @property
    def share(self) -> float:
        return self.received / self.expected if self.expected else float("nan")


def forms_in_window(
    window_end: np.ndarray | list,
    received: np.ndarray | list,
    not_required: np.ndarray | list,
    cutoff: dt.date,
) -> FormsInWindow:
    """Forms whose window ended before ``cutoff`` and are required; ``received`` (date or NaT/None) is the
    contact inside the window, counted when on or before the cut-off."""
    ends, got = _days(window_end), _days(received)
    waived = np.asarray(not_required, dtype=bool)
    end = np.datetime64(cutoff, "D")
    counted = (ends < end) & ~waived
    came = counted & ~np.isnat(got) & (got <= end)
    return FormsInWindow(expected=int(counted.sum()), received=int(came.sum()))


@dataclass(frozen=True, slots=True)
class OpenQueries:
    """Queries not closed at the cut-off, and the median of their ages in days (NaN when none)."""

    count: int
    median_age_days: float


def open_queries(raised: np.ndarray | list, cutoff: dt.date) -> OpenQueries:
    """``raised``: the dates the open (not closed) queries were raised; those after the cut-off are left
    out. Age = cut-off − date raised, in days."""
    days = _days(raised)
    end = np.datetime64(cutoff, "D")
    ages = (end - days[days <= end]).astype(np.int64)
    return OpenQueries(int(ages.size), float(np.median(ages)) if ages.size else float("nan"))


def year_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of each ``datetime64[D]`` (NaT gives -1)."""
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    return np.where(np.isnat(days), -1, years)
