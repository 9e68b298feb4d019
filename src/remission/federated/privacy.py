"""The node's privacy rules: what a Remission node lets leave the registry in a federated analysis.

Every node part of a federated algorithm returns aggregates only (counts and sums over groups of patients,
never a value of one row); these rules decide how small a group may be. They are settings of the node, not
of the request: the node reads them from its environment (:meth:`Privacy.from_environment`), so a
researcher cannot ask a node to relax them.

- ``min_cell`` (default 5): every group of rows a node reports on holds at least this many rows (a count
  of zero is allowed: it reports on no one). 1 switches the rule off (exact federated results).
- ``time_grid_days`` (default none): times to event are first coarsened to the end of their interval on
  this grid (a time t becomes ceil(t / grid) × grid; day 0 stays 0).

Times to event are grouped by :func:`coarsen_times`: after the grid, consecutive distinct times are merged
forward until each group holds at least ``min_cell`` rows (the last group, if short, joins the one before
it); every row of a group takes the group's last time. With the defaults (``min_cell`` 5, no grid) a day
with fewer than five patients' events or censorings is merged with the following days. With
``min_cell`` 1 and no grid the times are unchanged and the federated estimates equal the pooled ones.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

MIN_CELL_VARIABLE = "REMISSION_FEDERATED_MIN_CELL"
GRID_VARIABLE = "REMISSION_FEDERATED_TIME_GRID_DAYS"
DEFAULT_MIN_CELL = 5
BAD_MIN_CELL = "{source}: the minimum cell count must be a whole number >= 1, not {value!r}"
BAD_GRID = "{source}: the time grid must be a number of days > 0, not {value!r}"


@dataclass(frozen=True)
class Privacy:
    """A node's disclosure rules (see the module notes)."""

    min_cell: int = DEFAULT_MIN_CELL
    time_grid_days: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.min_cell, bool) or not isinstance(self.min_cell, int) or self.min_cell < 1:
            raise ValueError(BAD_MIN_CELL.format(source="min_cell", value=self.min_cell))
        grid = self.time_grid_days
        if grid is not None and (isinstance(grid, bool) or not math.isfinite(grid) or grid <= 0):
            raise ValueError(BAD_GRID.format(source="time_grid_days", value=grid))

    @property
    def exact(self) -> bool:
        """True when the rules change nothing (``min_cell`` 1, no grid): federated equals pooled."""
        return self.min_cell == 1 and self.time_grid_days is None

    def describe(self) -> str:
        grid = "none" if self.time_grid_days is None else f"{self.time_grid_days:g} days"
        return f"minimum cell count {self.min_cell}; time grid {grid}"

    def to_dict(self) -> dict[str, float | int | None]:
        return {"min_cell": self.min_cell, "time_grid_days": self.time_grid_days}

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Privacy:
        """The rules from the node's environment (:data:`MIN_CELL_VARIABLE`, :data:`GRID_VARIABLE`);
        the defaults where a variable is not set."""
        environ = os.environ if environ is None else environ
        min_cell = DEFAULT_MIN_CELL
        grid: float | None = None
        raw = environ.get(MIN_CELL_VARIABLE, "").strip()
        if raw:
            try:
                min_cell = int(raw)
            except ValueError:
                raise ValueError(BAD_MIN_CELL.format(source=MIN_CELL_VARIABLE, value=raw)) from None
            if min_cell < 1:
                raise ValueError(BAD_MIN_CELL.format(source=MIN_CELL_VARIABLE, value=raw))
        raw = environ.get(GRID_VARIABLE, "").strip()
        if raw:
            try:
                grid = float(raw)
            except ValueError:
                raise ValueError(BAD_GRID.format(source=GRID_VARIABLE, value=raw)) from None
            if not math.isfinite(grid) or grid <= 0:
                raise ValueError(BAD_GRID.format(source=GRID_VARIABLE, value=raw))
        return cls(min_cell=min_cell, time_grid_days=grid)


EXACT = Privacy(min_cell=1)


def coarsen_times(time: ArrayLike, privacy: Privacy) -> NDArray[np.float64]:
    """Each row's time after the node's rules (see the module notes): on the grid, then merged forward
    until each group of equal times holds at least ``privacy.min_cell`` rows. Unchanged when the rules are
    exact. Fewer rows than ``min_cell`` in all: every row takes the last time (one group)."""
    t = np.asarray(time, dtype=np.float64)
    if t.size == 0 or privacy.exact:
        return t.copy()
    if privacy.time_grid_days is not None:
        grid = privacy.time_grid_days
        t = np.ceil(t / grid) * grid
    unique, inverse, counts = np.unique(t, return_inverse=True, return_counts=True)
    if privacy.min_cell == 1:
        return unique[inverse]
    # walk the distinct times in order, closing a group once it holds min_cell rows
    group_end = np.empty(unique.shape[0], dtype=np.int64)  # each distinct time -> its group's last index
    start, held = 0, 0
    closed: list[tuple[int, int]] = []
    for k, c in enumerate(counts):
        held += int(c)
        if held >= privacy.min_cell:
            closed.append((start, k))
            start, held = k + 1, 0
    if start < unique.shape[0]:  # a short tail joins the group before it (or is the only group)
        if closed:
            first, _ = closed.pop()
            closed.append((first, unique.shape[0] - 1))
        else:
            closed.append((start, unique.shape[0] - 1))
    for first, last in closed:
        group_end[first : last + 1] = last
    return unique[group_end][inverse]
