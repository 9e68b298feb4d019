"""Follow-up schedules as pure functions: which forms an infusion is due, with their windows.

A schedule (settings ``REMISSION_FOLLOW_UP_SCHEDULES``) is a few fixed points — code, label, day from day 0,
window days before and after — then one point a year from ``yearly_from`` to ``yearly_to`` (day
``round(365.25 × year)``, window ± ``yearly_window`` days). :func:`expected_points` dates them from one
infusion's day 0 and cuts the list where the registry stops expecting forms:

- points whose window has opened (``window_start <= today``) are expected, and so is the *next* one (its
  window still ahead: "upcoming"), so that each infusion shows what comes next and no more;
- a *stop* (death, consent withdrawal, the patient's next infusion) makes every point due after its date
  not required; the first such point is kept, with the stop's reason, and the list ends there (a patient
  who died at year 3 has one "not required: died on …" point, not twelve).

Nothing here touches Django: ``registry/quality/timepoints.py`` reads the records and the settings.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class SchedulePoint:
    """One expected form: ``day`` days after day 0, in a window ``before`` days earlier to ``after`` later."""

    code: str
    label: str
    day: int
    before: int
    after: int


@dataclass(frozen=True)
class DatedPoint:
    """A schedule point dated from one day 0; ``reason`` is set when the form is not required."""

    code: str
    label: str
    day: int
    due_date: dt.date
    window_start: dt.date
    window_end: dt.date
    not_required_reason: str = ""


@dataclass(frozen=True)
class Stop:
    """From ``date`` on, no more forms are expected, for ``reason`` (e.g. "died on 2024-03-01")."""

    date: dt.date
    reason: str


def schedule_points(spec: Mapping[str, Any]) -> tuple[SchedulePoint, ...]:
    """The points of one schedule from its settings entry, in order of day."""
    points = [SchedulePoint(str(c), str(lbl), int(d), int(b), int(a)) for c, lbl, d, b, a in spec["points"]]
    window = int(spec.get("yearly_window", 0))
    for year in range(int(spec.get("yearly_from", 0)), int(spec.get("yearly_to", -1)) + 1):
        day = round(DAYS_PER_YEAR * year)
        points.append(SchedulePoint(f"y{year}", f"{year} years", day, window, window))
    points.sort(key=lambda p: p.day)
    codes = [p.code for p in points]
    if len(set(codes)) != len(codes):
        raise ValueError(f"a follow-up schedule repeats a point code: {codes}")
    return tuple(points)


def schedule_name(
    product_type: str | None,
    *,
    manipulation: str | None,
    of_product: Mapping[str, str],
    gene_modified_products: Iterable[str],
    gene_modification: str = "gene_modification",
    default: str = "hsct",
) -> str:
    """The schedule an infusion follows: ``gene_modified`` for a genetically modified product (by type or
    by manipulation), else the settings' schedule of its product type (``default`` if none)."""
    if product_type in set(gene_modified_products) or manipulation == gene_modification:
        return "gene_modified"
    return of_product.get(product_type or "", default)


def dated(point: SchedulePoint, day0: dt.date) -> DatedPoint:
    due = day0 + dt.timedelta(days=point.day)
    return DatedPoint(
        code=point.code,
        label=point.label,
        day=point.day,
        due_date=due,
        window_start=due - dt.timedelta(days=point.before),
        window_end=due + dt.timedelta(days=point.after),
    )


def expected_points(
    points: Sequence[SchedulePoint], day0: dt.date, *, today: dt.date, stops: Iterable[Stop] = ()
) -> list[DatedPoint]:
    """The points of one infusion the registry expects today (see the module's note).

    A point is not required when its due date is after a stop's date; of several stops that apply, the
    earliest gives the reason.
    """
    stops = sorted(stops, key=lambda s: s.date)
    out: list[DatedPoint] = []
    for point in points:
        row = dated(point, day0)
        stop = next((s for s in stops if row.due_date > s.date), None)
        if stop is not None:
            out.append(dataclasses.replace(row, not_required_reason=stop.reason))
            break
        out.append(row)
        if row.window_start > today:  # the next form, still ahead: show it, and no more
            break
    return out


def received_date(contacts: Sequence[dt.date], start: dt.date, end: dt.date) -> dt.date | None:
    """The first of the sorted ``contacts`` inside ``start``..``end`` (both included), if any."""
    i = bisect.bisect_left(contacts, start)
    if i < len(contacts) and contacts[i] <= end:
        return contacts[i]
    return None
