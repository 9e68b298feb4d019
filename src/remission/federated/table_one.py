"""Federated Table 1: baseline characteristics over all nodes, overall and by group, from aggregates only.

What each node holds: its analysis set. What travels, in two node parts:

1. :func:`node_summary` (one round): per column (overall, and each level of ``group`` with at least
   ``min_cell`` rows) the number of rows; per categorical variable the count of each level and of missing
   values; per numeric variable the number of values present and missing, their mean and their sum of
   squared deviations about that mean (``m2``). Minimum and maximum are never sent (they are row values).
2. :func:`node_count_at_most` (the median, a few rounds): for thresholds the central chooses, how many of
   the node's values are <= the threshold. A count only, never a value.

What the central does (:func:`federated_table_one`):

- categorical: the pooled count of a level is the sum of the nodes' counts;
- numeric: n and missing are sums; mean and SD exactly, by the parallel (Chan-Golub-LeVeque) formula
  ``mean = sum n_i mean_i / N``, ``M2 = sum m2_i + sum n_i (mean_i - mean)**2``, ``SD = sqrt(M2 / (N - 1))``
  (no sums of squares of raw values, so no cancellation);
- median (as :func:`numpy.median`: the middle value, or the mean of the two middle values when N is
  even): by bisection on the pooled count of values <= m. For each middle rank k the central keeps
  ``lo < x_(k) <= hi`` (pooled count at ``lo`` < k <= pooled count at ``hi``), starting from the pooled
  mean ± SD and widening until that holds, then halving ``(lo, hi]`` until it is at most ``resolution``
  wide (a parameter, 0.01 of the variable's unit by default). The median is then known to lie in
  ``(median_lower, median_upper]``, at most ``resolution`` wide; the reported value is the midpoint, so it
  is within ``resolution / 2`` of the pooled :func:`numpy.median`. ``median_rounds`` says how many rounds
  that took (all medians of a table are searched in the same rounds; ``rounds`` counts them all).

The node's privacy rules (:class:`~remission.federated.privacy.Privacy`, ``min_cell``):

- a group level with 1 .. ``min_cell`` − 1 rows is not reported (its label is listed as suppressed);
- a categorical cell (a level's count, or the missing count) of 1 .. ``min_cell`` − 1 is withheld
  (``None``); when that leaves exactly one cell of a column withheld, the smallest other non-zero cell is
  withheld too, so that the withheld one is not the column's size less the rest (complementary
  suppression). The pooled count of a level is then shown as bounds: ``count`` is the sum of the counts
  the nodes sent, ``lower`` adds 1 for each withheld cell (a withheld cell is never 0), ``upper`` adds what
  the node's column leaves for it; ``exact`` is False and :meth:`LevelCount.display` prints ``>= lower``.
  No percentage is given for a column with a withheld cell;
- a numeric variable's n, mean and m2 are withheld when n is 1 .. ``min_cell`` − 1 (a mean of fewer values
  is too close to a value); the missing count by the same rule. That node's values are then left out of
  the pooled mean, SD and median of that column, and ``withheld_nodes`` counts such nodes. The missing
  count of a numeric variable follows from the column size and n where either is sent: it is not
  protected beyond the rule above;
- a count of values <= m is answered only when at least ``min_cell`` values lie on each side of m
  (otherwise the node says only on which side the few lie: ``"low"`` or ``"high"``), so a node never
  tells whether its smallest or largest value is below a threshold; the central then has bounds instead
  of a count, and a median whose bracket cannot be decided from them is reported as undetermined
  (``median_status``), with the bracket reached.

Suppression is cell by cell within a column. Across columns (the overall column against the group
columns of the same node) a withheld cell can still be recoverable by subtraction; ask for the overall
table and the grouped table in separate analyses only where that is acceptable.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from remission.federated.nonparametric import (
    Label,
    disclosed,
    json_label,
    numeric_values,
    plain,
    small,
    sort_labels,
)
from remission.federated.privacy import Privacy
from remission.federated.protocol import Reply, Send, reply_bytes, require_columns

SUMMARY = "summary"
COUNT_AT_MOST = "count_at_most"
CATEGORICAL = "categorical"
NUMERIC = "numeric"
EMPTY = "empty"
LOW, HIGH = "low", "high"
EXACT_TO_RESOLUTION = "exact to resolution"
UNDETERMINED = "undetermined"
NO_VALUES = "no values"
MAX_WIDENING = 40  # rounds of widening a median's first bracket (each triples it)
MIXED_KINDS = "variable {variable!r} is numeric at some nodes and categorical at others: {kinds}"
BAD_RESOLUTION = "the median's resolution must be a number > 0, not {value!r}"


def variable_kind(column: pd.Series) -> str:
    """``numeric`` for numbers (not booleans), ``categorical`` for anything else, ``empty`` when every
    value is missing (such a column's type says nothing)."""
    if column.notna().sum() == 0:
        return EMPTY
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return NUMERIC
    return CATEGORICAL


def _columns(
    frame: pd.DataFrame, group: str | None, privacy: Privacy
) -> tuple[list[tuple[Label, NDArray[np.bool_]]], list[Label]]:
    """The node's reported columns (overall first, then each group level with >= min_cell rows) as row
    masks, and the labels of the levels it suppresses (``None`` for the overall column of a tiny node)."""
    everyone = np.ones(len(frame), dtype=bool)
    candidates: list[tuple[Label, NDArray[np.bool_]]] = [(None, everyone)]
    if group is not None:
        present = frame[group].notna().to_numpy(dtype=bool)
        labels = np.array([json_label(v) for v in frame[group].to_numpy(dtype=object)], dtype=object)
        for level in sort_labels(labels[present].tolist()):
            candidates.append((level, present & (labels == level)))
    reported = [(level, rows) for level, rows in candidates if not small(int(rows.sum()), privacy)]
    suppressed = [level for level, rows in candidates if small(int(rows.sum()), privacy)]
    return reported, suppressed


def _categorical_cell(column: pd.Series, privacy: Privacy) -> dict[str, Any]:
    """Counts of each level present and of missing values, small cells withheld (see the module notes)."""
    tally = Counter(json_label(v) for v in column.dropna().to_numpy(dtype=object))
    levels = sort_labels(tally)
    raw = [tally[level] for level in levels]
    n_missing = int(column.isna().sum())
    cells = [*raw, n_missing]
    withheld = [small(c, privacy) for c in cells]
    if sum(withheld) == 1:  # complementary: the smallest other non-zero cell goes too
        others = [(c, j) for j, c in enumerate(cells) if c > 0 and not withheld[j]]
        if others:
            withheld[min(others)[1]] = True
    return {
        "counts": [
            [level, None if withheld[j] else c] for j, (level, c) in enumerate(zip(levels, raw, strict=True))
        ],
        "missing": None if withheld[-1] else n_missing,
    }


def _numeric_cell(values: NDArray[np.float64], privacy: Privacy) -> dict[str, Any]:
    """n, missing, mean and sum of squared deviations about the node's mean (m2); withheld when small."""
    present = values[~np.isnan(values)]
    n = int(present.shape[0])
    n_sent = disclosed(n, privacy)
    mean: float | None = None
    m2: float | None = None
    if n_sent:
        centre = float(present.mean())
        centre += float((present - centre).sum()) / n  # one refinement step: the mean to the last bit
        mean = centre
        m2 = float(np.square(present - centre).sum())
    return {"n": n_sent, "missing": disclosed(int(values.shape[0] - n), privacy), "mean": mean, "m2": m2}


def node_summary(
    frame: pd.DataFrame, privacy: Privacy, *, variables: Sequence[str], group: str | None = None
) -> Reply:
    """Table 1 aggregates of ``variables`` per column (overall, each reported level of ``group``).

    Held: the analysis set. Sent (JSON)::

        {"part": "summary", "group": ..., "variables": [...],
         "columns": [{"level": null, "n": ...}, {"level": <label>, "n": ...}, ...],
         "suppressed": [<group levels with 1 .. min_cell-1 rows>],
         "summaries": [{"variable": ..., "kind": "categorical" | "numeric" | "empty",
                        "cells": [<one per column, in the order of "columns">]}, ...],
         "privacy": {...}}

    A categorical cell is ``{"counts": [[level, count or null], ...], "missing": count or null}``; a
    numeric cell ``{"n", "missing", "mean", "m2"}`` (``m2``: sum of squared deviations about ``mean``).
    Rows whose group label is missing count in the overall column only.
    """
    part = SUMMARY
    require_columns(frame, [*variables] + ([group] if group is not None else []), part)
    columns, suppressed = _columns(frame, group, privacy)
    summaries: list[dict[str, Any]] = []
    for variable in variables:
        kind = variable_kind(frame[variable])
        if kind == NUMERIC:
            values = numeric_values(frame, variable, part)
            cells = [_numeric_cell(values[rows], privacy) for _, rows in columns]
        else:
            cells = [_categorical_cell(frame[variable][rows], privacy) for _, rows in columns]
        summaries.append({"variable": variable, "kind": kind, "cells": cells})
    return {
        "part": part,
        "group": group,
        "variables": list(variables),
        "columns": [{"level": level, "n": int(rows.sum())} for level, rows in columns],
        "suppressed": suppressed,
        "summaries": summaries,
        "privacy": privacy.to_dict(),
    }


def node_count_at_most(
    frame: pd.DataFrame, privacy: Privacy, *, queries: Sequence[Sequence[Any]], group: str | None = None
) -> Reply:
    """How many of the node's values are <= a threshold, for each query ``[variable, level, at]``
    (``level`` ``null``: the overall column, else a level of ``group``).

    Held: the analysis set. Sent: ``{"part": "count_at_most", "counts": [...]}``, one entry per query:
    the count; ``"low"`` / ``"high"`` when fewer than ``min_cell`` values lie at or below / above the
    threshold (the count withheld); ``null`` when the column holds fewer than ``min_cell`` values (the
    column is not reported, as in :func:`node_summary`). Never a value.
    """
    part = COUNT_AT_MOST
    variables = sorted({str(q[0]) for q in queries})
    require_columns(frame, variables + ([group] if group is not None else []), part)
    masks = dict(_columns(frame, group, privacy)[0])
    values = {variable: numeric_values(frame, variable, part) for variable in variables}
    counts: list[int | str | None] = []
    for variable, level, at in queries:
        rows = masks.get(json_label(level))
        column = values[str(variable)][rows] if rows is not None else np.empty(0)
        column = column[~np.isnan(column)]
        n = int(column.shape[0])
        if n == 0 or small(n, privacy):
            counts.append(None)
            continue
        below = int(np.count_nonzero(column <= float(at)))
        if privacy.min_cell > 1 and below < privacy.min_cell:
            counts.append(LOW)
        elif privacy.min_cell > 1 and n - below < privacy.min_cell:
            counts.append(HIGH)
        else:
            counts.append(below)
    return {"part": part, "counts": counts}


NODE_PARTS: dict[str, Callable[..., Reply]] = {SUMMARY: node_summary, COUNT_AT_MOST: node_count_at_most}
"""The node parts of this module by the name a :data:`~remission.federated.protocol.Send` uses."""


# ---------------------------------------------------------------------------------------------------------
# central part


@dataclass(frozen=True)
class ColumnCount:
    """A column's pooled size: the sum of the sizes the nodes reported; ``suppressed_nodes`` nodes had
    1 .. min_cell − 1 rows of that group level and are not in it (``level`` ``None``: overall)."""

    level: Label
    n: int
    suppressed_nodes: int

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "n": self.n, "suppressed_nodes": self.suppressed_nodes}


@dataclass(frozen=True)
class LevelCount:
    """The pooled count of one level of a categorical variable in one column (``level`` ``None``: the count
    of missing values). ``count`` sums what the nodes sent; with ``withheld_nodes`` > 0 the true count lies
    in ``[lower, upper]`` (see the module notes). ``percent``: of the non-missing values of the column,
    only when no cell of the column was withheld."""

    variable: str
    column: Label
    level: Label
    count: int
    lower: int
    upper: int
    withheld_nodes: int
    percent: float | None

    @property
    def exact(self) -> bool:
        return self.withheld_nodes == 0

    def display(self) -> str:
        """As a table prints it: ``n (p %)``, or ``>= lower`` when some node withheld its count."""
        if not self.exact:
            return f">= {self.lower}"
        return f"{self.count}" if self.percent is None else f"{self.count} ({self.percent:.1f} %)"

    def to_dict(self) -> dict[str, Any]:
        return {**{k: plain(v) for k, v in vars(self).items()}, "exact": self.exact}


@dataclass(frozen=True)
class NumericSummary:
    """Pooled n, missing, mean, SD (n − 1) and median of a numeric variable in one column.

    ``withheld_nodes``: nodes whose values are left out (their n was below min_cell);
    ``missing_withheld_nodes``: nodes whose missing count was withheld (``missing`` is then a lower bound).
    The median lies in ``(median_lower, median_upper]`` (at most ``resolution`` wide when
    ``median_status`` is "exact to resolution"); ``median`` is its midpoint; ``median_rounds`` rounds
    of counting found it.
    """

    variable: str
    column: Label
    n: int
    missing: int
    withheld_nodes: int
    missing_withheld_nodes: int
    mean: float
    sd: float
    median: float | None
    median_lower: float | None
    median_upper: float | None
    median_rounds: int
    median_status: str

    def display(self) -> str:
        if self.n == 0:
            return ""
        median = "n/a" if self.median is None else f"{self.median:.1f}"
        return f"{self.mean:.1f} ({self.sd:.1f}); median {median}"

    def to_dict(self) -> dict[str, Any]:
        return {k: plain(v) for k, v in vars(self).items()}


@dataclass(frozen=True)
class TableNodeReport:
    """One node (reply order): its column sizes, the group levels it suppressed, the bytes of all its
    replies (summary and counting rounds) and its privacy rules."""

    node: int
    columns: tuple[tuple[Label, int], ...]
    suppressed: tuple[Label, ...]
    reply_bytes: int
    privacy: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "columns": [{"level": level, "n": n} for level, n in self.columns],
            "suppressed": list(self.suppressed),
            "reply_bytes": self.reply_bytes,
            "privacy": dict(self.privacy),
        }


@dataclass(frozen=True)
class FederatedTableOne:
    """Table 1 over all nodes: column sizes, categorical level counts and numeric summaries, with what
    every node reported and the rounds and bytes it took."""

    variables: tuple[str, ...]
    group: str | None
    resolution: float
    kinds: Mapping[str, str]
    columns: tuple[ColumnCount, ...]
    categorical: tuple[LevelCount, ...]
    numeric: tuple[NumericSummary, ...]
    nodes: tuple[TableNodeReport, ...]
    rounds: int

    @property
    def bytes_received(self) -> int:
        return sum(node.reply_bytes for node in self.nodes)

    def count(self, variable: str, level: Label, column: Label = None) -> LevelCount:
        """The pooled count of ``level`` (``None``: missing) of ``variable`` in ``column``
        (``None``: overall)."""
        for row in self.categorical:
            if row.variable == variable and row.level == level and row.column == column:
                return row
        raise KeyError((variable, level, column))

    def summary(self, variable: str, column: Label = None) -> NumericSummary:
        """The pooled summary of numeric ``variable`` in ``column`` (``None``: overall)."""
        for row in self.numeric:
            if row.variable == variable and row.column == column:
                return row
        raise KeyError((variable, column))

    def to_frame(self) -> pd.DataFrame:
        """As printed: one row per (variable, level), one column per table column."""
        names = ["overall" if c.level is None else str(c.level) for c in self.columns]
        rows: list[dict[str, Any]] = [
            {
                "variable": "n",
                "level": "",
                **{name: str(c.n) for name, c in zip(names, self.columns, strict=True)},
            }
        ]
        for variable in self.variables:
            if self.kinds[variable] == NUMERIC:
                cells = {
                    self.columns.index(c): self.summary(variable, c.level).display() for c in self.columns
                }
                rows.append({"variable": variable, "level": "mean (SD); median", **_by_name(names, cells)})
                continue
            levels = sort_labels(
                r.level for r in self.categorical if r.variable == variable and r.level is not None
            )
            for level in [*levels, None]:
                cells = {}
                for j, c in enumerate(self.columns):
                    hit = [
                        r
                        for r in self.categorical
                        if (r.variable, r.level, r.column) == (variable, level, c.level)
                    ]
                    cells[j] = hit[0].display() if hit else "0"
                if level is None and all(cells[j] == "0" for j in cells):
                    continue
                rows.append(
                    {
                        "variable": variable,
                        "level": "missing" if level is None else str(level),
                        **_by_name(names, cells),
                    }
                )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "analysis": "table_one",
            "variables": list(self.variables),
            "group": self.group,
            "resolution": self.resolution,
            "kinds": dict(self.kinds),
            "columns": [c.to_dict() for c in self.columns],
            "categorical": [r.to_dict() for r in self.categorical],
            "numeric": [r.to_dict() for r in self.numeric],
            "nodes": [n.to_dict() for n in self.nodes],
            "rounds": self.rounds,
            "bytes_received": self.bytes_received,
        }


def _by_name(names: list[str], cells: Mapping[int, str]) -> dict[str, str]:
    return {name: cells[j] for j, name in enumerate(names)}


def _kinds(replies: Sequence[Reply], variables: Sequence[str]) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for j, variable in enumerate(variables):
        seen = {reply["summaries"][j]["kind"] for reply in replies} - {EMPTY}
        if len(seen) > 1:
            raise ValueError(MIXED_KINDS.format(variable=variable, kinds=sorted(seen)))
        kinds[variable] = seen.pop() if seen else EMPTY
    return kinds


def _pool_categorical(variable: str, j: int, column: Label, replies: Sequence[Reply]) -> list[LevelCount]:
    """Sum the nodes' cells of one categorical variable in one column, with bounds for withheld cells."""
    count: dict[Label, int] = {}
    lower: dict[Label, int] = {}
    upper: dict[Label, int] = {}
    withheld: dict[Label, int] = {}
    any_withheld = False
    for reply in replies:
        where = [k for k, c in enumerate(reply["columns"]) if c["level"] == column]
        if not where:
            continue
        size = int(reply["columns"][where[0]]["n"])
        cell = reply["summaries"][j]["cells"][where[0]]
        pairs: list[tuple[Label, int | None]] = [(lv, c) for lv, c in cell["counts"]] + [
            (None, cell["missing"])
        ]
        known = sum(c for _, c in pairs if c is not None)
        hidden = sum(1 for _, c in pairs if c is None)
        left = size - known  # what the withheld cells of this node's column hold between them
        for level, c in pairs:
            for table in (count, lower, upper, withheld):
                table.setdefault(level, 0)
            if c is None:
                any_withheld = True
                withheld[level] += 1
                lower[level] += 1
                upper[level] += left - (hidden - 1)
            else:
                count[level] += c
                lower[level] += c
                upper[level] += c
    non_missing = sum(count[level] for level in count if level is not None)
    rows: list[LevelCount] = []
    for level in [*sort_labels(lv for lv in count if lv is not None), None]:
        if level not in count:
            continue
        percent = None
        if not any_withheld and level is not None and non_missing > 0:
            percent = 100.0 * count[level] / non_missing
        rows.append(
            LevelCount(
                variable=variable,
                column=column,
                level=level,
                count=count[level],
                lower=lower[level],
                upper=upper[level],
                withheld_nodes=withheld[level],
                percent=percent,
            )
        )
    return rows


@dataclass
class _MedianSearch:
    """The bisection for one middle rank ``k`` of one (variable, column): ``lo < x_(k) <= hi`` once
    ``bracketed``."""

    variable: str
    column: Label
    k: int
    lo: float
    hi: float
    nodes: tuple[int, ...]  # the nodes whose values are in the column (their n was sent)
    sizes: tuple[int, ...]
    min_cells: tuple[int, ...]
    bracketed: bool = False
    status: str = ""  # "" while searching, then EXACT_TO_RESOLUTION or UNDETERMINED
    rounds: int = 0
    widening: int = 0
    pending: list[float] = field(default_factory=list)

    def queries(self, resolution: float) -> list[float]:
        if self.status:
            return []
        if not self.bracketed:
            return [self.lo, self.hi]
        if self.hi - self.lo <= resolution:
            self.status = EXACT_TO_RESOLUTION
            return []
        return [(self.lo + self.hi) / 2.0]

    def bounds(self, answers: Sequence[int | str | None]) -> tuple[int, int]:
        """The pooled count of values <= the threshold, as bounds from the nodes' answers."""
        low = high = 0
        for size, min_cell, answer in zip(self.sizes, self.min_cells, answers, strict=True):
            if answer == LOW:
                high += min_cell - 1
            elif answer == HIGH:
                low += size - min_cell + 1
                high += size
            elif answer is None:  # the node no longer answers for this column: nothing can be decided
                high += size
            else:
                low += int(answer)
                high += int(answer)
        return low, high

    def update(self, answers: Sequence[Sequence[int | str | None]], resolution: float) -> None:
        """Move the bracket by the pooled counts at the thresholds asked this round."""
        self.rounds += 1
        if not self.bracketed:
            (_, lo_high), (hi_low, _) = (self.bounds(a) for a in answers)
            width = self.hi - self.lo
            low_ok = lo_high < self.k  # surely fewer than k at or below lo
            high_ok = hi_low >= self.k  # surely k or more at or below hi
            if low_ok and high_ok:
                self.bracketed = True
                return
            self.widening += 1
            if self.widening > MAX_WIDENING:
                self.status = UNDETERMINED
                return
            if not low_ok:
                self.lo -= 2.0 * width
            if not high_ok:
                self.hi += 2.0 * width
            return
        (answer,) = answers
        low, high = self.bounds(answer)
        mid = (self.lo + self.hi) / 2.0
        if low >= self.k:
            self.hi = mid
        elif high < self.k:
            self.lo = mid
        else:
            self.status = UNDETERMINED


def _pool_numeric(
    variable: str, j: int, column: Label, replies: Sequence[Reply]
) -> tuple[NumericSummary, list[_MedianSearch]]:
    """Pool n, missing, mean and SD of one numeric variable in one column; set up its median searches."""
    parts: list[tuple[int, int, float, float, int]] = []  # node, n, mean, m2, min_cell
    missing = missing_withheld = withheld = 0
    for node, reply in enumerate(replies):
        where = [k for k, c in enumerate(reply["columns"]) if c["level"] == column]
        if not where:
            continue
        cell = reply["summaries"][j]["cells"][where[0]]
        if reply["summaries"][j]["kind"] == EMPTY:
            cell = {"n": 0, "missing": cell.get("missing"), "mean": None, "m2": None}
        if cell["missing"] is None:
            missing_withheld += 1
        else:
            missing += int(cell["missing"])
        if cell["n"] is None:
            withheld += 1
        elif int(cell["n"]) > 0:
            parts.append(
                (node, int(cell["n"]), float(cell["mean"]), float(cell["m2"]), reply["privacy"]["min_cell"])
            )
    total = sum(p[1] for p in parts)
    mean = sd = float("nan")
    if total > 0:
        mean = sum(n * m for _, n, m, _, _ in parts) / total
        m2 = sum(s for _, _, _, s, _ in parts) + sum(n * (m - mean) ** 2 for _, n, m, _, _ in parts)
        sd = math.sqrt(m2 / (total - 1)) if total > 1 else float("nan")
    searches: list[_MedianSearch] = []
    if total > 0:
        spread = sd if math.isfinite(sd) and sd > 0 else 1.0
        # the nodes' answers can only ever place the rank k when, with every node answering "low", fewer
        # than k values can lie below, and with every node answering "high", at least k surely do
        fewest_low = sum(p[4] - 1 for p in parts)
        surest_high = sum(p[1] - p[4] + 1 for p in parts)
        for k in sorted({(total + 1) // 2, total // 2 + 1}):
            searches.append(
                _MedianSearch(
                    status="" if fewest_low < k <= surest_high else UNDETERMINED,
                    variable=variable,
                    column=column,
                    k=k,
                    lo=mean - spread,
                    hi=mean + spread,
                    nodes=tuple(p[0] for p in parts),
                    sizes=tuple(p[1] for p in parts),
                    min_cells=tuple(int(p[4]) for p in parts),
                )
            )
    summary = NumericSummary(
        variable=variable,
        column=column,
        n=total,
        missing=missing,
        withheld_nodes=withheld,
        missing_withheld_nodes=missing_withheld,
        mean=mean,
        sd=sd,
        median=None,
        median_lower=None,
        median_upper=None,
        median_rounds=0,
        median_status=NO_VALUES if total == 0 else "",
    )
    return summary, searches


def _search_medians(
    send: Send, group: str | None, searches: list[_MedianSearch], resolution: float, received: list[int]
) -> int:
    """Run every median search in shared rounds of :func:`node_count_at_most`; returns the rounds used.
    ``received`` accumulates each node's reply bytes."""
    rounds = 0
    while True:
        asked: list[tuple[_MedianSearch, list[float]]] = []
        for search in searches:
            thresholds = search.queries(resolution)
            if thresholds:
                asked.append((search, thresholds))
        if not asked:
            return rounds
        queries = [[s.variable, s.column, at] for s, thresholds in asked for at in thresholds]
        replies = send(COUNT_AT_MOST, {"queries": queries, "group": group})
        rounds += 1
        for node, reply in enumerate(replies):
            received[node] += reply_bytes(reply)
        position = 0
        for search, thresholds in asked:
            answers = [
                [replies[node]["counts"][position + q] for node in search.nodes]
                for q in range(len(thresholds))
            ]
            position += len(thresholds)
            search.update(answers, resolution)


def _finish_median(summary: NumericSummary, searches: Sequence[_MedianSearch]) -> NumericSummary:
    if not searches:
        return summary
    rounds = max(s.rounds for s in searches)
    if any(s.status != EXACT_TO_RESOLUTION for s in searches):
        return _replace(summary, median_rounds=rounds, median_status=UNDETERMINED)
    lower = sum(s.lo for s in searches) / len(searches)
    upper = sum(s.hi for s in searches) / len(searches)
    return _replace(
        summary,
        median=(lower + upper) / 2.0,
        median_lower=lower,
        median_upper=upper,
        median_rounds=rounds,
        median_status=EXACT_TO_RESOLUTION,
    )


def _replace(summary: NumericSummary, **changes: Any) -> NumericSummary:
    return NumericSummary(**{**vars(summary), **changes})


def federated_table_one(
    send: Send, *, variables: Sequence[str], group: str | None = None, resolution: float = 0.01
) -> FederatedTableOne:
    """Table 1 of ``variables`` over all nodes, overall and per level of ``group``.

    One round of :func:`node_summary`, then rounds of :func:`node_count_at_most` for the medians of the
    numeric variables (bisection to ``resolution``, in the variable's unit). Categorical: pooled counts
    (bounds where a node withheld a cell); numeric: n, missing, mean and SD exactly, median to
    ``resolution``. See the module notes for what travels and the privacy rules.
    """
    if isinstance(resolution, bool) or not math.isfinite(resolution) or resolution <= 0:
        raise ValueError(BAD_RESOLUTION.format(value=resolution))
    variables = list(variables)
    replies = send(SUMMARY, {"variables": variables, "group": group})
    received = [reply_bytes(reply) for reply in replies]
    kinds = _kinds(replies, variables)

    levels = sort_labels(c["level"] for reply in replies for c in reply["columns"] if c["level"] is not None)
    column_levels: list[Label] = [None, *levels]
    columns = tuple(
        ColumnCount(
            level=level,
            n=sum(int(c["n"]) for reply in replies for c in reply["columns"] if c["level"] == level),
            suppressed_nodes=sum(1 for reply in replies if level in reply["suppressed"]),
        )
        for level in column_levels
    )
    categorical: list[LevelCount] = []
    numeric: list[tuple[NumericSummary, list[_MedianSearch]]] = []
    for j, variable in enumerate(variables):
        for level in column_levels:
            if kinds[variable] == NUMERIC:
                numeric.append(_pool_numeric(variable, j, level, replies))
            else:
                categorical.extend(_pool_categorical(variable, j, level, replies))
    all_searches = [s for _, searches in numeric for s in searches]
    rounds = 1 + _search_medians(send, group, all_searches, resolution, received)
    nodes = tuple(
        TableNodeReport(
            node=k,
            columns=tuple((c["level"], int(c["n"])) for c in reply["columns"]),
            suppressed=tuple(reply["suppressed"]),
            reply_bytes=received[k],
            privacy=dict(reply["privacy"]),
        )
        for k, reply in enumerate(replies)
    )
    return FederatedTableOne(
        variables=tuple(variables),
        group=group,
        resolution=float(resolution),
        kinds=kinds,
        columns=columns,
        categorical=tuple(categorical),
        numeric=tuple(_finish_median(summary, searches) for summary, searches in numeric),
        nodes=nodes,
        rounds=rounds,
    )
