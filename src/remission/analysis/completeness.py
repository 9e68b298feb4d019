"""How complete follow-up is: median follow-up by reverse Kaplan-Meier, and Clark's completeness index.

- **Reverse Kaplan-Meier** ([@Schemper1996]): the Kaplan-Meier
  estimate with the censoring indicator reversed (censored = "event", death = "censored"); its median is
  the median potential follow-up.
- **Clark's completeness index** ([@Clark2002]): C = Σ observed person-time / Σ potential person-time, where a
  patient's potential follow-up runs from day 0 to the cut-off date, or to the death if the death is
  known and before the cut-off; observed follow-up runs from day 0 to the last contact (the death for
  those who died). Patients whose day 0 is after the cut-off are left out. 1 = complete follow-up.
  The arithmetic is the registry's own (``registry/quality/completeness.py``), which the centre
  completeness page uses too; this module feeds it the analysis data set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from remission.registry.quality.completeness import ClarkIndex, clark_index
from remission.survival import kaplan_meier

NO_PATIENTS = "no patient has day 0 on or before the cut-off {cutoff}"


def clark_completeness(frame: pd.DataFrame, *, cutoff: dt.date) -> ClarkIndex:
    """Clark's C of ``frame`` (columns ``infusion_date``, ``os_days``, ``os_event``) at ``cutoff``: the
    analysis data set's overall-survival time is the last contact, or the death when ``os_event`` is 1;
    the arithmetic is the registry's one (:func:`remission.registry.quality.completeness.clark_index`)."""
    day0 = pd.to_datetime(frame["infusion_date"]).to_numpy(dtype="datetime64[D]")
    end = day0 + frame["os_days"].to_numpy(dtype=np.int64).astype("timedelta64[D]")
    died = frame["os_event"].to_numpy(dtype=np.int64) == 1
    clark = clark_index(day0, end, np.where(died, end, np.datetime64("NaT", "D")), cutoff)
    if clark.patients == 0:
        raise ValueError(NO_PATIENTS.format(cutoff=cutoff))
    return clark


@dataclass(frozen=True)
class MedianFollowUp:
    """Median follow-up (days) by reverse Kaplan-Meier, with its 95 % limits (NaN when not reached)."""

    estimate: float
    lower: float
    upper: float
    n: int


def median_follow_up(
    frame: pd.DataFrame, *, time: str = "os_days", event: str = "os_event"
) -> MedianFollowUp:
    """Reverse Kaplan-Meier median of ``time`` with the event indicator reversed."""
    reverse = kaplan_meier(frame[time].to_numpy(dtype=np.float64), 1 - frame[event].to_numpy(dtype=np.int64))
    median = reverse.median
    return MedianFollowUp(median.estimate, median.lower, median.upper, len(frame))


def follow_up_summary(frame: pd.DataFrame, *, cutoff: dt.date, strata: str | None = None) -> pd.DataFrame:
    """Median follow-up and Clark's C, overall and by ``strata`` (a column), one row each."""
    parts: list[tuple[str, pd.DataFrame]] = [("all", frame)]
    if strata is not None:
        parts += [(str(k), rows) for k, rows in frame.groupby(strata, observed=True, sort=True)]
    rows = []
    for label, part in parts:
        if part.empty:
            continue
        median = median_follow_up(part)
        clark = clark_completeness(part, cutoff=cutoff)
        rows.append(
            {
                "stratum": label,
                "n": median.n,
                "median_follow_up_days": median.estimate,
                "median_lower": median.lower,
                "median_upper": median.upper,
                "clark_c": clark.index,
                "observed_person_days": clark.observed_days,
                "potential_person_days": clark.potential_days,
            }
        )
    return pd.DataFrame(rows)


def clark_by_centre(frame: pd.DataFrame, *, cutoff: dt.date) -> pd.DataFrame:
    """Clark's C per centre and overall of an analysis frame (columns ``centre``, ``infusion_date``,
    ``os_days``, ``os_event``: one row per analysed patient, the death or the last contact ``os_days``
    after day 0), for the outcomes report: one row per centre in code order, then ``all`` — whose
    ``patients`` is every row of the frame on or before the cut-off, so that the section accounts for
    every analysed patient. The ``all`` row is the report's overall Clark's C (:func:`clark_completeness`)."""
    columns = ("centre", "patients", "deaths", "observed_person_days", "potential_person_days", "clark_c")
    day0 = pd.to_datetime(frame["infusion_date"]).to_numpy(dtype="datetime64[D]")
    days = frame["os_days"].to_numpy(dtype=np.int64).astype("timedelta64[D]")
    died = frame["os_event"].to_numpy(dtype=np.int64) == 1
    last = day0 + days
    death = np.where(died, last, np.datetime64("NaT", "D"))
    centre = frame["centre"].astype(str).to_numpy(dtype=object)
    rows = []
    for code in [*sorted(set(centre.tolist())), None]:
        keep = np.ones(centre.shape, dtype=bool) if code is None else centre == code
        c = clark_index(day0[keep], last[keep], death[keep], cutoff)
        rows.append(
            (
                "all" if code is None else code,
                c.patients,
                c.deaths,
                c.observed_days,
                c.potential_days,
                c.index,
            )
        )
    return pd.DataFrame(rows, columns=columns)
