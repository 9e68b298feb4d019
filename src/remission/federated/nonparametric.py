"""Federated Kaplan-Meier, Aalen-Johansen, log-rank and Gray tests: one round, one frequency table per node.

What each node holds: its registry's analysis set (one row per analysed infusion). What travels: for
every reported group level, the node's frequency table of (coarsened time, status) — the distinct times
after :func:`~remission.federated.privacy.coarsen_times` and, at each, how many rows have each status code
(:func:`node_event_table`). No row, identifier or covariate leaves the node; the reply's size grows with
the number of distinct (coarsened) times × status codes × group levels, not with the number of patients
(a count is a number however large it is).

What the central does: it rebuilds the pooled list of (time, status, group) tuples from the counts
(``np.repeat``) and runs :mod:`remission.survival`'s own estimator or test on it. The engine only ever
looks at the distinct times and the counts at them, so with :data:`~remission.federated.privacy.EXACT`
rules at every node the federated answer is the pooled single-database answer, number for number
(tested to 1e-9; in practice identical). With coarser rules (a time grid, ``min_cell`` > 1) it is the
pooled answer on the coarsened times, without the suppressed group levels.

Privacy (the node's own :class:`~remission.federated.privacy.Privacy`):

- times are coarsened within each group level, so every (group level, reported time) holds at least
  ``min_cell`` rows; the split of those rows by status is sent as counts (it is what the estimators need);
- a group level with fewer than ``min_cell`` usable rows is not reported: its label is listed as
  suppressed, its count withheld;
- the rows left out for a missing time, status or group label are counted in ``n_missing``, and the rows
  of suppressed levels in ``n_suppressed``; each of these two counts is withheld (``None``) when it is
  between 1 and ``min_cell`` − 1. The node's total row count is not sent (it would give them away).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from remission.federated.privacy import Privacy, coarsen_times
from remission.federated.protocol import Reply, Send, reply_bytes, require_columns
from remission.survival import (
    AalenJohansenResult,
    GrayTestResult,
    KaplanMeierResult,
    LogrankResult,
    aalen_johansen,
    gray_test,
    kaplan_meier,
    logrank_test,
)

Label = str | int | float | bool | None
"""A group level as it travels in JSON (``None``: no grouping, the whole analysis set)."""

EVENT_TABLE = "event_table"
NOT_NUMERIC = "column {column!r} (node part {part!r}) is not numeric: {error}"
BAD_TIME = "column {column!r} (node part {part!r}) has {count} negative or infinite time(s)"
BAD_STATUS = (
    "column {column!r} (node part {part!r}) must hold status codes 0, 1, 2, ... (0 = censored); "
    "{count} value(s) are not, e.g. {example!r}"
)
NO_GROUPS = "the nodes reported no rows for {what}: every group level was suppressed or missing"


# ---------------------------------------------------------------------------------------------------------
# helpers shared with table_one


def numeric_values(frame: pd.DataFrame, column: str, part: str) -> NDArray[np.float64]:
    """The column as float64 with NaN for missing (booleans become 0/1); a clear error if not numeric."""
    try:
        numbers = pd.to_numeric(frame[column])
    except (ValueError, TypeError) as error:
        raise ValueError(NOT_NUMERIC.format(column=column, part=part, error=error)) from None
    return np.asarray(numbers.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan))


def json_label(value: Any) -> Label:
    """A group or category level as a JSON value: numbers and strings as they are, anything else as text."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


def sort_labels(labels: Iterable[Label]) -> list[Label]:
    """Levels in the engine's order (:func:`remission.survival.validation.check_labels`): numerically when
    all are numbers, else as text."""
    distinct = list(dict.fromkeys(labels))
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in distinct):
        return sorted(distinct)  # type: ignore[type-var]
    return sorted(distinct, key=str)


def label_array(labels: Sequence[Label]) -> NDArray[Any]:
    """Labels as an array the engine orders as :func:`sort_labels` does (numbers stay numbers)."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in labels):
        return np.asarray(labels)
    return np.asarray([str(v) for v in labels], dtype=object)


def small(count: int, privacy: Privacy) -> bool:
    """True when a count of rows may not be sent: 1 .. ``min_cell`` − 1 (zero reports on no one)."""
    return 0 < count < privacy.min_cell


def disclosed(count: int, privacy: Privacy) -> int | None:
    """The count, or ``None`` (withheld) when it is small by the node's rules."""
    return None if small(count, privacy) else int(count)


def plain(values: Any) -> Any:
    """Arrays and numbers as JSON-safe lists and numbers (NaN and infinities become ``None``)."""
    if isinstance(values, np.ndarray):
        return [plain(v) for v in values.tolist()]
    if isinstance(values, list | tuple):
        return [plain(v) for v in values]
    if isinstance(values, np.generic):
        values = values.item()
    if isinstance(values, float) and not math.isfinite(values):
        return None
    return values


# ---------------------------------------------------------------------------------------------------------
# node part


def node_event_table(
    frame: pd.DataFrame, privacy: Privacy, *, time: str, status: str, group: str | None = None
) -> Reply:
    """The node's frequency table of (coarsened ``time``, ``status``) per level of ``group``.

    Held: the analysis set ``frame``. Sent (JSON)::

        {"part": "event_table", "time": ..., "status": ..., "group": ...,
         "statuses": [0, 1, ...],                        # status codes present in the reported rows
         "levels": [{"level": <label or null>, "n": <rows>,
                     "time": [t1, t2, ...],               # distinct coarsened times of this level
                     "counts": [[c(t1, s0), c(t1, s1), ...], ...]}, ...],
         "suppressed": [<labels of levels with 1 .. min_cell-1 rows>],
         "n_reported": ..., "n_missing": <int or null>, "n_suppressed": <int or null>,
         "privacy": {"min_cell": ..., "time_grid_days": ...}}

    Every reported (level, time) holds at least ``privacy.min_cell`` rows (the times are coarsened within
    the level). Rows with a missing time, status or group label are left out and counted. ``status``
    holds codes 0 (censored), 1, 2, ... (an event indicator or a competing-risks cause).
    """
    part = EVENT_TABLE
    require_columns(frame, [time, status] + ([group] if group is not None else []), part)
    t = numeric_values(frame, time, part)
    s = numeric_values(frame, status, part)
    missing = np.isnan(t) | np.isnan(s)
    if group is not None:
        missing |= frame[group].isna().to_numpy(dtype=bool)
    bad_time = ~missing & (~np.isfinite(t) | (t < 0))
    if bad_time.any():
        raise ValueError(BAD_TIME.format(column=time, part=part, count=int(bad_time.sum())))
    bad_status = ~missing & ((s < 0) | (s != np.round(s)))
    if bad_status.any():
        example = float(s[np.flatnonzero(bad_status)[0]])
        raise ValueError(
            BAD_STATUS.format(column=status, part=part, count=int(bad_status.sum()), example=example)
        )

    keep = ~missing
    if group is None:
        levels: list[tuple[Label, NDArray[np.bool_]]] = [(None, keep)]
    else:
        labels = np.array([json_label(v) for v in frame[group].to_numpy(dtype=object)], dtype=object)
        levels = [(level, keep & (labels == level)) for level in sort_labels(labels[keep].tolist())]

    reported: list[tuple[Label, NDArray[np.float64], NDArray[np.int64]]] = []
    suppressed: list[Label] = []
    n_suppressed = 0
    for level, rows in levels:
        n_rows = int(rows.sum())
        if n_rows == 0:
            continue
        if n_rows < privacy.min_cell:
            suppressed.append(level)
            n_suppressed += n_rows
            continue
        reported.append((level, coarsen_times(t[rows], privacy), s[rows].astype(np.int64)))

    statuses = sorted({int(code) for _, _, codes in reported for code in np.unique(codes)})
    column = {code: j for j, code in enumerate(statuses)}
    tables: list[dict[str, Any]] = []
    for level, times, codes in reported:
        distinct, index = np.unique(times, return_inverse=True)
        width = len(statuses)
        cells = index.reshape(-1) * width + np.array([column[int(c)] for c in codes], dtype=np.int64)
        counts = np.bincount(cells, minlength=distinct.shape[0] * width).reshape(distinct.shape[0], width)
        tables.append(
            {
                "level": level,
                "n": int(times.shape[0]),
                "time": [float(x) for x in distinct],
                "counts": counts.astype(int).tolist(),
            }
        )
    return {
        "part": part,
        "time": time,
        "status": status,
        "group": group,
        "statuses": statuses,
        "levels": tables,
        "suppressed": suppressed,
        "n_reported": int(sum(table["n"] for table in tables)),
        "n_missing": disclosed(int(missing.sum()), privacy),
        "n_suppressed": disclosed(n_suppressed, privacy),
        "privacy": privacy.to_dict(),
    }


NODE_PARTS: dict[str, Callable[..., Reply]] = {EVENT_TABLE: node_event_table}
"""The node parts of this module by the name a :data:`~remission.federated.protocol.Send` uses."""


# ---------------------------------------------------------------------------------------------------------
# central parts


@dataclass(frozen=True)
class NodeReport:
    """What one node said about its rows (in reply order): how many it reported, how many it left out for
    missing values and for suppressed group levels (``None``: withheld, between 1 and its ``min_cell`` − 1),
    which levels it suppressed, the size of its replies and its privacy rules."""

    node: int
    n_reported: int
    n_missing: int | None
    n_suppressed: int | None
    suppressed: tuple[Label, ...]
    reply_bytes: int
    privacy: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "n_reported": self.n_reported,
            "n_missing": self.n_missing,
            "n_suppressed": self.n_suppressed,
            "suppressed": list(self.suppressed),
            "reply_bytes": self.reply_bytes,
            "privacy": dict(self.privacy),
        }


@dataclass(frozen=True)
class PooledTable:
    """The pooled (time, status) rows of every reported level, rebuilt from the nodes' counts."""

    levels: tuple[Label, ...]
    time: Mapping[Label, NDArray[np.float64]]
    status: Mapping[Label, NDArray[np.int64]]
    nodes: tuple[NodeReport, ...]

    def stacked(self) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[Any]]:
        """All levels one after another: times, statuses and each row's level (as the engine wants it)."""
        time = np.concatenate([self.time[level] for level in self.levels])
        status = np.concatenate([self.status[level] for level in self.levels])
        sizes = [self.time[level].shape[0] for level in self.levels]
        labels = label_array(list(self.levels))
        return time, status, np.repeat(labels, sizes)


def pool_event_tables(replies: Sequence[Reply]) -> PooledTable:
    """Rebuild the pooled rows from the nodes' :func:`node_event_table` replies (``np.repeat`` of each
    distinct time by its count, for each status code), level by level."""
    times: dict[Label, list[NDArray[np.float64]]] = {}
    statuses: dict[Label, list[NDArray[np.int64]]] = {}
    nodes: list[NodeReport] = []
    for k, reply in enumerate(replies):
        codes = [int(c) for c in reply["statuses"]]
        for table in reply["levels"]:
            level = table["level"]
            distinct = np.asarray(table["time"], dtype=np.float64)
            counts = np.asarray(table["counts"], dtype=np.int64).reshape(distinct.shape[0], len(codes))
            for j, code in enumerate(codes):
                times.setdefault(level, []).append(np.repeat(distinct, counts[:, j]))
                statuses.setdefault(level, []).append(np.full(int(counts[:, j].sum()), code, dtype=np.int64))
        nodes.append(
            NodeReport(
                node=k,
                n_reported=int(reply["n_reported"]),
                n_missing=reply["n_missing"],
                n_suppressed=reply["n_suppressed"],
                suppressed=tuple(reply["suppressed"]),
                reply_bytes=reply_bytes(reply),
                privacy=dict(reply["privacy"]),
            )
        )
    levels = tuple(level for level in sort_labels(times) if sum(a.shape[0] for a in times[level]) > 0)
    return PooledTable(
        levels=levels,
        time={level: np.concatenate(times[level]) for level in levels},
        status={level: np.concatenate(statuses[level]) for level in levels},
        nodes=tuple(nodes),
    )


def _ask(send: Send, *, time: str, status: str, group: str | None, what: str) -> PooledTable:
    pooled = pool_event_tables(send(EVENT_TABLE, {"time": time, "status": status, "group": group}))
    if not pooled.levels:
        raise ValueError(NO_GROUPS.format(what=what))
    return pooled


@dataclass(frozen=True)
class _Federated:
    """What every federated result holds besides the engine's answer: the nodes' reports."""

    nodes: tuple[NodeReport, ...]

    @property
    def bytes_received(self) -> int:
        """Total size of the nodes' replies (JSON text, UTF-8)."""
        return sum(node.reply_bytes for node in self.nodes)

    @property
    def exact(self) -> bool:
        """True when every node ran with exact rules and suppressed nothing: the answer is the pooled one."""
        return all(
            node.privacy.get("min_cell") == 1
            and node.privacy.get("time_grid_days") is None
            and not node.suppressed
            for node in self.nodes
        )

    def _common(self) -> dict[str, Any]:
        return {
            "nodes": [node.to_dict() for node in self.nodes],
            "bytes_received": self.bytes_received,
            "exact": self.exact,
        }


def _curve_dict(result: KaplanMeierResult | AalenJohansenResult) -> dict[str, Any]:
    fields = {name: getattr(result, name) for name in result.__dataclass_fields__}
    return {name: plain(value) for name, value in fields.items()}


@dataclass(frozen=True)
class FederatedKaplanMeier(_Federated):
    """Kaplan-Meier curves of the pooled data, one per level of ``group`` (key ``None`` without a group):
    the engine's :class:`~remission.survival.KaplanMeierResult` on the rows the nodes' tables describe."""

    time_column: str
    event_column: str
    group: str | None
    curves: Mapping[Label, KaplanMeierResult]

    @property
    def curve(self) -> KaplanMeierResult:
        """The only curve (no group)."""
        (only,) = self.curves.values()
        return only

    def to_dict(self) -> dict[str, Any]:
        return {
            "analysis": "kaplan_meier",
            "time": self.time_column,
            "event": self.event_column,
            "group": self.group,
            "curves": [{"level": level, **_curve_dict(fit)} for level, fit in self.curves.items()],
            **self._common(),
        }


@dataclass(frozen=True)
class FederatedAalenJohansen(_Federated):
    """Cumulative incidence curves of the pooled data, one per level of ``group`` (key ``None`` without
    a group): the engine's :class:`~remission.survival.AalenJohansenResult`."""

    time_column: str
    cause_column: str
    group: str | None
    curves: Mapping[Label, AalenJohansenResult]

    @property
    def curve(self) -> AalenJohansenResult:
        """The only curve set (no group)."""
        (only,) = self.curves.values()
        return only

    def to_dict(self) -> dict[str, Any]:
        return {
            "analysis": "aalen_johansen",
            "time": self.time_column,
            "cause": self.cause_column,
            "group": self.group,
            "curves": [{"level": level, **_curve_dict(fit)} for level, fit in self.curves.items()],
            **self._common(),
        }


@dataclass(frozen=True)
class FederatedLogrank(_Federated):
    """The log-rank test between the levels of ``group`` on the pooled data (the engine's
    :class:`~remission.survival.LogrankResult`)."""

    time_column: str
    event_column: str
    group: str
    result: LogrankResult

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "analysis": "logrank",
            "time": self.time_column,
            "event": self.event_column,
            "group": self.group,
            "groups": plain(r.groups),
            "n": plain(r.n),
            "observed": plain(r.observed),
            "expected": plain(r.expected),
            "variance": plain(r.variance),
            "statistic": plain(r.statistic),
            "df": r.df,
            "p_value": plain(r.p_value),
            "rho": r.rho,
            **self._common(),
        }


@dataclass(frozen=True)
class FederatedGrayTest(_Federated):
    """Gray's test for each cause between the levels of ``group`` on the pooled data (the engine's
    :class:`~remission.survival.GrayTestResult`)."""

    time_column: str
    cause_column: str
    group: str
    result: GrayTestResult

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "analysis": "gray_test",
            "time": self.time_column,
            "cause": self.cause_column,
            "group": self.group,
            "causes": plain(r.causes),
            "groups": plain(r.groups),
            "statistic": plain(r.statistic),
            "df": r.df,
            "p_value": plain(r.p_value),
            "score": plain(r.score),
            "variance": plain(r.variance),
            "rho": r.rho,
            **self._common(),
        }


def federated_kaplan_meier(
    send: Send, *, time: str, event: str, group: str | None = None
) -> FederatedKaplanMeier:
    """Kaplan-Meier of ``time``/``event`` (0/1) over all nodes, per level of ``group``: one round
    (:func:`node_event_table`), then :func:`remission.survival.kaplan_meier` on the pooled rows."""
    pooled = _ask(send, time=time, status=event, group=group, what=f"{time}/{event}")
    curves = {level: kaplan_meier(pooled.time[level], pooled.status[level]) for level in pooled.levels}
    return FederatedKaplanMeier(
        nodes=pooled.nodes, time_column=time, event_column=event, group=group, curves=curves
    )


def federated_aalen_johansen(
    send: Send, *, time: str, cause: str, group: str | None = None
) -> FederatedAalenJohansen:
    """Cumulative incidence of each cause of ``cause`` (0 censored, 1, 2, ...) over all nodes, per level of
    ``group``: one round, then :func:`remission.survival.aalen_johansen` on the pooled rows."""
    pooled = _ask(send, time=time, status=cause, group=group, what=f"{time}/{cause}")
    curves = {level: aalen_johansen(pooled.time[level], pooled.status[level]) for level in pooled.levels}
    return FederatedAalenJohansen(
        nodes=pooled.nodes, time_column=time, cause_column=cause, group=group, curves=curves
    )


def federated_logrank(send: Send, *, time: str, event: str, group: str) -> FederatedLogrank:
    """Log-rank test of ``time``/``event`` between the levels of ``group`` over all nodes: one round, then
    :func:`remission.survival.logrank_test` on the pooled rows."""
    pooled = _ask(send, time=time, status=event, group=group, what=f"{time}/{event} by {group}")
    t, s, labels = pooled.stacked()
    return FederatedLogrank(
        nodes=pooled.nodes,
        time_column=time,
        event_column=event,
        group=group,
        result=logrank_test(t, s, labels),
    )


def federated_gray_test(send: Send, *, time: str, cause: str, group: str) -> FederatedGrayTest:
    """Gray's test of each cause of ``cause`` between the levels of ``group`` over all nodes: one round,
    then :func:`remission.survival.gray_test` on the pooled rows."""
    pooled = _ask(send, time=time, status=cause, group=group, what=f"{time}/{cause} by {group}")
    t, s, labels = pooled.stacked()
    return FederatedGrayTest(
        nodes=pooled.nodes,
        time_column=time,
        cause_column=cause,
        group=group,
        result=gray_test(t, s, labels),
    )
