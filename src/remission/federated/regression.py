"""Federated Cox and Fine-Gray regression: the pooled model's answer without pooling the rows.

Each registry (node) keeps its analysis set; the central part (:func:`federated_cox`,
:func:`federated_fine_gray`) runs Newton-Raphson on sums the nodes return, and reaches the coefficients,
variance and log-likelihood that :func:`remission.survival.cox.cox` and
:func:`remission.survival.fine_gray.fine_gray` give on the concatenated analysis sets (to rounding, when
the nodes' privacy rules are exact; otherwise on the nodes' coarsened times).

Rounds and what travels (node -> central; every node part drops its rows with a missing time, status or
covariate first, and coarsens its own times with :func:`~remission.federated.privacy.coarsen_times`):

1. ``regression_setup``: the node's row counts (used, dropped, events); per categorical covariate its
   levels with their counts, a level with fewer than ``min_cell`` rows at the node reported only as
   present (``small``); per numeric covariate its sum and whether every value is 0 or 1; its distinct
   (coarsened) times with the number of events there (Fine-Gray: also exits and censorings). The central
   fixes the pooled level order (reference first: the most frequent pooled level unless one is given, then
   the others sorted) and the centring, which every node then uses to code its design matrix identically.
2. Cox, one round per Newton step (``cox_step``): at the central's coefficients, per distinct event time t
   of the union of the nodes' event times, the node's risk-set sums S0, S1, S2 of exp(x'b) (S2 packed,
   upper triangle) over its rows with time >= t, and its sum of x over its events (one vector). With Efron
   ties, also the sums over its events at each time where the pooled number of events is 2 or more (the
   only times Efron needs them) and every node has none there or at least its ``min_cell``; at the other
   tied times (none with exact rules) Breslow's denominator is used (``breslow_times``). The central sums
   them and forms the Efron / Breslow log partial likelihood, score and information exactly as
   :mod:`remission.survival._cox_risk_sets` does.
   ``strata_by_node=True`` (``cox_stratum_step``): each node returns its own log-likelihood, score and
   information (the model stratified by registry; p + p^2 + 1 numbers a round).
3. Fine-Gray: the central computes the pooled censoring Kaplan-Meier G from the setup tables exactly as
   ``fine_gray`` does and sends it with every request; one round per trial point of ``crr``'s line search
   (``fine_gray_step``: per failure time of the union, the weighted risk-set sums S0, S1, S2, where a row
   with a competing event stays in with weight G(t-)/G(T_i-), and the sum of x over the node's failures).
   The sandwich variance takes two more rounds: ``fine_gray_competing`` (at each pooled censoring time u,
   the node's sums of exp(x'b)/G(T_j-) [1, x] over its competing events before u) and
   ``fine_gray_influence`` (given the central's pooled per-time terms, the node's sum over its own rows of
   the outer products of the Fine-Gray influence terms eta_i + psi_i, one p x p matrix).

Arrays travel by default as base64 of their little-endian float64 bytes (``encoding="binary"``,
``{"shape": [...], "f8": "..."}``: the same numbers bit for bit, about half the bytes of decimal text, and
no decimal formatting, which dominates the time of a large fit; ``numpy.frombuffer(base64.b64decode(f8))``
reads them), or as JSON number lists (``encoding="json"``, readable as they are, for a node's auditor). Each
request carries a fresh token of the fit (``fit``); a node part that runs in a long-lived process (the
in-process :func:`~remission.federated.protocol.local_send`) prepares its rows and design once per fit.

Disclosure notes: the risk-set sums at consecutive union times differ by whole groups of the node's equal
(coarsened) times, so with ``min_cell`` k each difference concerns 0 or at least k rows. A node refuses
Efron event-only sums over 1..k-1 events (the central does not ask for them), and its Fine-Gray
competing-event sums move only in steps of at least k events (an approximation when k > 1, as the
coarsened times are). Not covered by the rule: in the Fine-Gray risk-set sums, a competing event's
weighted contribution is added to a sum that also holds the rows still at risk, not reported alone.
"""

from __future__ import annotations

import base64
import json
import time as clock
import uuid
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from remission.federated.privacy import Privacy, coarsen_times
from remission.federated.protocol import Reply, Send, reply_bytes, require_columns
from remission.survival._cox_risk_sets import RiskSets, _SegmentSums
from remission.survival.cox import EPS as COX_EPS
from remission.survival.cox import ITER_MAX as COX_ITER_MAX
from remission.survival.cox import TIES, check_estimable, newton_raphson
from remission.survival.fine_gray import GTOL as FG_GTOL
from remission.survival.fine_gray import MAXITER as FG_MAXITER
from remission.survival.fine_gray import weighted_suffix_sums
from remission.survival.regression_checks import ConvergenceWarning
from remission.survival.regression_results import invert_information, solve_information

Coding = list[dict[str, Any]]  # one term per covariate: {"column": name, "levels": [keys] | None}

NOT_NUMERIC = "covariate {column!r} (node part {part!r}) has dtype {dtype}: neither numeric nor categorical"
BAD_TIME = "node part {part!r}: column {column!r} has a negative or infinite time"
BAD_EVENT = "node part {part!r}: event column {column!r} holds {value!r}; 0/1 expected"
BAD_CAUSE = "node part {part!r}: cause column {column!r} holds {value!r}; 0 or a whole number > 0 expected"
UNKNOWN_LEVEL = "node part {part!r}: covariate {column!r} has level {level!r}, which the central did not send"
KIND_DIFFERS = "covariate {column!r} is numeric at some nodes and categorical at others"
BAD_REFERENCE = "reference level {level!r} of {column!r} does not occur at any node (levels: {levels})"
NO_COVARIATES = "the covariates give no design column (a categorical covariate with one level gives none)"
NO_EVENTS = "no node has an event with complete data: nothing to fit"
CAUSE_MISSING = "cause_of_interest {cause} occurs at no node (complete rows)"
NOT_CONVERGED = "federated {model}: no convergence after {iterations} iterations"
SMALL_TIED = (
    "node part 'cox_step': asked for sums over fewer than {min_cell} events at a tied time, which this "
    "node's privacy rules do not allow"
)
VARIANCES = ("sandwich", "model")
ENCODINGS = ("json", "binary")
MOMENT_BLOCK = 2048  # rows per block when the per-row products x_j x_k are formed


# --- shared node-side helpers ----------------------------------------------------------------------------


def _level_key(value: object) -> str:
    """The text a categorical value travels as (booleans as R names them)."""
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    return str(value)


def _is_categorical(series: pd.Series) -> bool:
    """Categorical, boolean, object or string columns become dummies (as :mod:`remission.survival.design`)."""
    dtype = series.dtype
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


@dataclass(frozen=True)
class _NodeRows:
    """A node's complete rows, sorted by (coarsened) time: the times, status and covariate frame.

    ``status``: Cox 0/1; Fine-Gray 0 censored, 1 the cause of interest, 2 a competing cause."""

    time: NDArray[np.float64]
    status: NDArray[np.int64]
    covariates: pd.DataFrame
    dropped: int


def _node_rows(
    frame: pd.DataFrame,
    privacy: Privacy,
    part: str,
    time: str,
    status: str,
    covariates: Sequence[str],
    cause_of_interest: int | None,
) -> _NodeRows:
    """Drop rows missing the time, status or a covariate; check them; coarsen the times; sort by time."""
    require_columns(frame, [time, status, *covariates], part)
    complete = frame[time].notna().to_numpy() & frame[status].notna().to_numpy()
    for column in covariates:
        complete &= frame[column].notna().to_numpy()
    t = np.asarray(frame[time].to_numpy()[complete], dtype=np.float64)
    s = np.asarray(frame[status].to_numpy()[complete], dtype=np.float64)
    if not (np.isfinite(t).all() and (t >= 0).all()):
        raise ValueError(BAD_TIME.format(part=part, column=time))
    if cause_of_interest is None:
        bad = (s != 0) & (s != 1)
        if bad.any():
            raise ValueError(BAD_EVENT.format(part=part, column=status, value=s[bad][0]))
        code = s.astype(np.int64)
    else:
        bad = (s < 0) | (s != np.round(s))
        if bad.any():
            raise ValueError(BAD_CAUSE.format(part=part, column=status, value=s[bad][0]))
        code = np.where(s == cause_of_interest, 1, np.where(s > 0, 2, 0)).astype(np.int64)
    t = coarsen_times(t, privacy)
    order = np.argsort(t, kind="stable")
    cov = frame.loc[complete, list(covariates)].iloc[order].reset_index(drop=True)
    return _NodeRows(time=t[order], status=code[order], covariates=cov, dropped=int((~complete).sum()))


def _design(rows: _NodeRows, coding: Coding, center: Sequence[float], part: str) -> NDArray[np.float64]:
    """The node's centred design matrix, coded with the central's levels (treatment dummies, reference
    first)."""
    columns: list[NDArray[np.float64]] = []
    for term in coding:
        series = rows.covariates[term["column"]]
        levels = term["levels"]
        if levels is None:
            columns.append(np.asarray(series.to_numpy(), dtype=np.float64)[:, None])
            continue
        codes, uniques = pd.factorize(series, sort=False)
        position = {key: k for k, key in enumerate(levels)}
        lookup = np.empty(len(uniques), dtype=np.int64)
        for u, value in enumerate(uniques):
            key = _level_key(value)
            if key not in position:
                raise ValueError(UNKNOWN_LEVEL.format(part=part, column=term["column"], level=key))
            lookup[u] = position[key]
        level = lookup[codes]
        columns.append((level[:, None] == np.arange(1, len(levels))[None, :]).astype(np.float64))
    X = np.hstack(columns) if columns else np.zeros((rows.time.shape[0], 0))
    return np.ascontiguousarray(X - np.asarray(center, dtype=np.float64))


def _encode(array: NDArray[np.float64], encoding: str) -> Any:
    """An array as it travels: nested JSON lists (``"json"``), or ``{"shape": [...], "f8": base64}`` of its
    little-endian float64 bytes (``"binary"``: the same numbers bit for bit, no decimal formatting)."""
    if encoding == "binary":
        data = np.ascontiguousarray(array, dtype="<f8")
        return {"shape": list(data.shape), "f8": base64.b64encode(data.tobytes()).decode("ascii")}
    return array.tolist()


def _decode(value: Any) -> NDArray[np.float64]:
    """The array of :func:`_encode` (either form)."""
    if isinstance(value, Mapping) and "f8" in value:
        data = np.frombuffer(base64.b64decode(value["f8"]), dtype="<f8")
        return data.reshape([int(k) for k in value["shape"]]).astype(np.float64)
    return np.asarray(value, dtype=np.float64)


@dataclass
class _Prepared:
    """A node's rows and centred design for one fit, with what later rounds of the fit reuse (``extra``:
    the packed products x_j x_k, per-row G(T_i-), the engine's risk sets)."""

    rows: _NodeRows
    X: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    extra: dict[str, Any] = field(default_factory=dict)

    def moments(self) -> NDArray[np.float64]:
        """Per row [x, x_j x_k (j <= k)]: what S1 and the packed S2 sum (times exp(x'b))."""
        if "moments" not in self.extra:
            X = self.X
            n, p = X.shape
            iu, ju = np.triu_indices(p)
            W = np.empty((n, p + iu.shape[0]))
            W[:, :p] = X
            for start in range(0, n, MOMENT_BLOCK):  # blocks of rows: the temporaries stay in the cache
                block = X[start : start + MOMENT_BLOCK]
                np.multiply(block[:, iu], block[:, ju], out=W[start : start + MOMENT_BLOCK, p:])
            self.extra["moments"] = W
        return self.extra["moments"]


@dataclass(frozen=True)
class _Buckets:
    """Sums of r [1, x, x_j x_k] over fixed groups of rows (``rows``, in order, with a non-decreasing
    bucket each; buckets outside 0..size-1 left out), as the engine's one sparse product per step."""

    ids: NDArray[np.int64]  # the bucket of each group
    sums: _SegmentSums
    size: int

    @classmethod
    def of(cls, bucket: NDArray[np.int64], rows: NDArray[np.int64], size: int, n: int) -> _Buckets:
        keep = (bucket >= 0) & (bucket < size)
        rows, bucket = rows[keep], bucket[keep]
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]]) if bucket.size else bucket
        return cls(ids=bucket[starts], sums=_SegmentSums(np.r_[starts, bucket.shape[0]], rows, n), size=size)

    def __call__(self, r: NDArray[np.float64], W: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per bucket: sum r, sum r W (``r`` and ``W`` over all n rows)."""
        out = np.zeros((self.size, 1 + W.shape[1]))
        if self.ids.size:
            out[self.ids] = self.sums(r, W)
        return out


# One fit's prepared rows per node frame, reused by the fit's later rounds when the node parts run in one
# long-lived process (local_send, a notebook; a vantage6 node runs each round afresh). Keyed by the fit's
# token (fresh per fit, so a frame edited between fits is read again) and the frame's identity, checked
# through a weak reference; the last CACHE_ENTRIES (node, fit) pairs are kept.
_CACHE: OrderedDict[tuple[Any, ...], tuple[weakref.ref[pd.DataFrame], _Prepared]] = OrderedDict()
CACHE_ENTRIES = 6


def _prepare(
    frame: pd.DataFrame,
    privacy: Privacy,
    part: str,
    *,
    time: str,
    status: str,
    covariates: Sequence[str],
    cause_of_interest: int | None,
    coding: Coding | None,
    center: Sequence[float] | None,
    fit: str | None,
) -> _Prepared:
    """The node's complete rows and (``coding`` given) design for the fit ``fit``, computed once per fit
    and frame."""
    key = (fit, id(frame), privacy, time, status, tuple(covariates), cause_of_interest)
    prepared: _Prepared | None = None
    if fit is not None and key in _CACHE:
        ref, cached = _CACHE[key]
        if ref() is frame:
            _CACHE.move_to_end(key)
            prepared = cached
    if prepared is None:
        prepared = _Prepared(
            rows=_node_rows(frame, privacy, part, time, status, covariates, cause_of_interest)
        )
        if fit is not None:
            _CACHE[key] = (weakref.ref(frame), prepared)
            while len(_CACHE) > CACHE_ENTRIES:
                _CACHE.popitem(last=False)
    if coding is not None and "design" not in prepared.extra:
        prepared.X = _design(prepared.rows, coding, center if center is not None else [], part)
        prepared.extra["design"] = True
    return prepared


def _reverse_cumsum(M: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.cumsum(M[::-1], axis=0)[::-1]


def _trimmed(S: NDArray[np.float64], encoding: str) -> Any:
    """The rows of S up to the last with a non-zero S0 (the central pads the rest with zeros)."""
    nonzero = np.flatnonzero(S[:, 0] != 0.0)
    return _encode(S[: nonzero[-1] + 1 if nonzero.size else 0], encoding)


def _g_before(g_times: NDArray[np.float64], g: NDArray[np.float64], at: NDArray[np.float64]) -> NDArray:
    """G(t-), the pooled censoring Kaplan-Meier just before ``at``, read as ``fine_gray`` reads it (1 before
    the first time; 0 after the last, as crr's ``approx``)."""
    index = np.searchsorted(g_times, at, side="left") - 1
    before = np.where(index >= 0, g[np.maximum(index, 0)], 1.0)
    return np.where(at > g_times[-1], 0.0, before)


# --- node parts ------------------------------------------------------------------------------------------


def node_regression_setup(
    frame: pd.DataFrame,
    privacy: Privacy,
    *,
    time: str,
    status: str,
    covariates: Sequence[str],
    cause_of_interest: int | None = None,
    fit: str | None = None,
) -> Reply:
    """Round 1. Sends: the numbers of rows used and dropped, of events (and competing events); per
    categorical covariate the level counts (levels under ``min_cell`` rows as ``small``, without count),
    per numeric covariate its sum and whether it is 0/1 throughout; the node's distinct coarsened times
    with their events (Cox: event times only) or, for Fine-Gray (``cause_of_interest`` given), all times
    with exits, failures of the cause of interest and censorings; the node's privacy settings. ``fit``: the
    fit's token (the rows are prepared once per fit, :func:`_prepare`)."""
    part = "regression_setup"
    rows = _prepare(
        frame,
        privacy,
        part,
        time=time,
        status=status,
        covariates=covariates,
        cause_of_interest=cause_of_interest,
        coding=None,
        center=None,
        fit=fit,
    ).rows
    terms: list[dict[str, Any]] = []
    for column in covariates:
        series = rows.covariates[column]
        if _is_categorical(series):
            codes, uniques = pd.factorize(series, sort=False)
            counts: dict[str, int] = {}
            for value, count in zip(uniques, np.bincount(codes, minlength=len(uniques)), strict=True):
                key = _level_key(value)
                counts[key] = counts.get(key, 0) + int(count)
            exact = {key: c for key, c in counts.items() if c >= privacy.min_cell}
            small = sorted(key for key, c in counts.items() if c < privacy.min_cell)
            terms.append({"column": column, "kind": "categorical", "counts": exact, "small": small})
        elif pd.api.types.is_numeric_dtype(series.dtype):
            values = np.asarray(series.to_numpy(), dtype=np.float64)
            binary = bool(np.all((values == 0.0) | (values == 1.0)))
            terms.append({"column": column, "kind": "numeric", "sum": float(values.sum()), "binary": binary})
        else:
            raise ValueError(NOT_NUMERIC.format(column=column, part=part, dtype=series.dtype))
    t, s = rows.time, rows.status
    reply: Reply = {
        "n": int(t.shape[0]),
        "dropped": rows.dropped,
        "events": int((s == 1).sum()),
        "competing": int((s == 2).sum()),
        "privacy": privacy.to_dict(),
        "covariates": terms,
    }
    if cause_of_interest is None:
        times, counts_at = np.unique(t[s == 1], return_counts=True)
        reply["table"] = {"times": times.tolist(), "events": counts_at.tolist()}
    else:
        times, index = np.unique(t, return_inverse=True)
        k = times.shape[0]
        reply["table"] = {
            "times": times.tolist(),
            "exits": np.bincount(index, minlength=k).tolist(),
            "events": np.bincount(index, weights=s == 1, minlength=k).astype(np.int64).tolist(),
            "censored": np.bincount(index, weights=s == 0, minlength=k).astype(np.int64).tolist(),
        }
    return reply


def node_cox_step(
    frame: pd.DataFrame,
    privacy: Privacy,
    *,
    time: str,
    event: str,
    covariates: Sequence[str],
    coding: Coding,
    center: Sequence[float],
    beta: Sequence[float],
    times: Any,
    tied: Sequence[int] = (),
    ties: str = "efron",
    fit: str | None = None,
    encoding: str = "json",
) -> Reply:
    """One Newton step of the pooled (unstratified) Cox model. Sends, at ``beta``: ``risk``, per event time
    of the union ``times`` (up to the last one with a row of the node at risk) S0, S1 and the packed S2 of
    exp(x'b) over the node's rows with time >= t; ``deaths_x``, the sum of x over the node's events; with
    Efron, ``tied``: the same sums over the node's events at each time of ``tied`` (indices into ``times``
    where the pooled number of events is >= 2) where the node has an event. ``fit``: the fit's token
    (rows prepared once per fit); ``encoding``: how the arrays travel (:func:`_encode`)."""
    part = "cox_step"
    prepared = _prepare(
        frame,
        privacy,
        part,
        time=time,
        status=event,
        covariates=covariates,
        cause_of_interest=None,
        coding=coding,
        center=center,
        fit=fit,
    )
    rows, X, extra = prepared.rows, prepared.X, prepared.extra
    if "risk" not in extra:
        union = _decode(times)
        n, size = X.shape[0], union.shape[0]
        bucket = np.searchsorted(union, rows.time, side="right") - 1  # the last union time <= the row's
        dead = rows.status == 1
        is_tied = np.zeros(size, dtype=bool)
        is_tied[np.asarray(tied, dtype=np.int64)] = True
        chosen = np.flatnonzero(dead & (bucket >= 0) & is_tied[np.maximum(bucket, 0)])
        counts = np.bincount(bucket[chosen], minlength=size)
        if ((counts > 0) & (counts < privacy.min_cell)).any():  # the node's rule, whatever the central asks
            raise ValueError(SMALL_TIED.format(min_cell=privacy.min_cell))
        extra.update(
            risk=_Buckets.of(bucket, np.arange(n), size, n),
            tied=_Buckets.of(bucket[chosen], chosen, size, n),
            deaths_x=X[dead].sum(axis=0).tolist(),
        )
    r = np.exp(X @ np.asarray(beta, dtype=np.float64))
    W = prepared.moments()
    S = _reverse_cumsum(extra["risk"](r, W))
    reply: Reply = {"risk": _trimmed(S, encoding), "deaths_x": extra["deaths_x"]}
    if ties == "efron" and len(tied):
        present = extra["tied"].ids
        reply["tied"] = {"index": present.tolist(), "sums": _encode(extra["tied"](r, W)[present], encoding)}
    return reply


def node_cox_stratum_step(
    frame: pd.DataFrame,
    privacy: Privacy,
    *,
    time: str,
    event: str,
    covariates: Sequence[str],
    coding: Coding,
    center: Sequence[float],
    beta: Sequence[float],
    ties: str = "efron",
    fit: str | None = None,
) -> Reply:
    """One Newton step of the Cox model stratified by node. Sends, at ``beta``, the node's own log partial
    likelihood, score (p) and information (p x p), computed by the engine's risk-set code on its rows."""
    part = "cox_stratum_step"
    p = len(center)
    prepared = _prepare(
        frame,
        privacy,
        part,
        time=time,
        status=event,
        covariates=covariates,
        cause_of_interest=None,
        coding=coding,
        center=np.zeros(p),  # the engine's risk sets centre the rows themselves
        fit=fit,
    )
    rows, X = prepared.rows, prepared.X
    b = np.asarray(beta, dtype=np.float64)
    if not (rows.status == 1).any():
        return {"loglik": 0.0, "score": [0.0] * p, "info": np.zeros((p, p)).tolist()}
    if "risk_sets" not in prepared.extra:
        n = X.shape[0]
        prepared.extra["risk_sets"] = RiskSets(
            X,
            rows.time,
            rows.status,
            None,
            np.zeros(n, dtype=np.int64),
            np.ones(n),
            efron=(ties == "efron"),
            center=np.asarray(center, dtype=np.float64),
        )
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        step = prepared.extra["risk_sets"].evaluate(b)
    return {"loglik": step.loglik, "score": step.score.tolist(), "info": step.info.tolist()}


def _fine_gray_node(
    frame: pd.DataFrame,
    privacy: Privacy,
    part: str,
    parameters: Mapping[str, Any],
) -> tuple[_Prepared, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The node's prepared rows, exp(x'b), G(T_i-) per row and the failure times' G(t-)."""
    prepared = _prepare(
        frame,
        privacy,
        part,
        time=parameters["time"],
        status=parameters["cause"],
        covariates=parameters["covariates"],
        cause_of_interest=int(parameters["cause_of_interest"]),
        coding=parameters["coding"],
        center=parameters["center"],
        fit=parameters.get("fit"),
    )
    if "g_own" not in prepared.extra:
        gt, gv = _decode(parameters["g_times"]), _decode(parameters["g"])
        prepared.extra["g_own"] = _g_before(gt, gv, prepared.rows.time) if prepared.rows.time.size else gt[:0]
        prepared.extra["g_ft"] = _g_before(gt, gv, _decode(parameters["failure_times"]))
    er = np.exp(prepared.X @ np.asarray(parameters["beta"], dtype=np.float64))
    return prepared, er, prepared.extra["g_own"], prepared.extra["g_ft"]


def node_fine_gray_step(
    frame: pd.DataFrame,
    privacy: Privacy,
    *,
    time: str,
    cause: str,
    covariates: Sequence[str],
    cause_of_interest: int,
    coding: Coding,
    center: Sequence[float],
    beta: Sequence[float],
    failure_times: Any,
    g_times: Any,
    g: Any,
    fit: str | None = None,
    encoding: str = "json",
) -> Reply:
    """One trial point of the Fine-Gray fit. Sends, at ``beta``: ``risk``, per failure time t of the union
    ``failure_times``, S0, S1 and the packed S2 of exp(x'b) over the node's rows weighted as Fine & Gray
    (1 while time >= t; G(t-)/G(T_i-) after a competing event at T_i < t; 0 otherwise), with the pooled
    censoring Kaplan-Meier G (``g_times``, ``g``) from the central; ``fail_x``, the sum of x over the
    node's failures from the cause of interest."""
    parameters = dict(locals())  # the keyword parameters above, by name
    prepared, er, g_own, g_ft = _fine_gray_node(frame, privacy, "fine_gray_step", parameters)
    rows, extra = prepared.rows, prepared.extra
    m, n = g_ft.shape[0], rows.time.shape[0]
    if "risk" not in extra:
        ft = _decode(failure_times)
        comp = np.flatnonzero(rows.status == 2)
        extra.update(
            risk=_Buckets.of(np.searchsorted(ft, rows.time, side="right") - 1, np.arange(n), m, n),
            comp=comp,  # each competing event counts from the first failure time after it
            after=_Buckets.of(np.searchsorted(ft, rows.time[comp], side="right"), comp, m, n),
            fail_x=prepared.X[rows.status == 1].sum(axis=0).tolist(),
        )
    W = prepared.moments()
    S = _reverse_cumsum(extra["risk"](er, W))  # time >= t
    comp = extra["comp"]
    if comp.size:
        weighted = np.zeros(n)
        weighted[comp] = er[comp] / g_own[comp]
        S += g_ft[:, None] * np.cumsum(extra["after"](weighted, W), axis=0)  # G(t-) / G(T_j-)
    return {"risk": _trimmed(S, encoding), "fail_x": extra["fail_x"]}


def node_fine_gray_competing(
    frame: pd.DataFrame,
    privacy: Privacy,
    *,
    time: str,
    cause: str,
    covariates: Sequence[str],
    cause_of_interest: int,
    coding: Coding,
    center: Sequence[float],
    beta: Sequence[float],
    failure_times: Any,
    g_times: Any,
    g: Any,
    censoring_times: Any,
    fit: str | None = None,
    encoding: str = "json",
) -> Reply:
    """Fine-Gray variance, first round. Sends ``sums``: at each pooled censoring time u, the sums of
    exp(x'b)/G(T_j-) and of that times x over the node's competing events with T_j < u (leading rows
    that are all zero left out: ``start`` is the first row sent). With ``min_cell`` k > 1 the sums move
    only in steps of at least k competing events (:func:`_released`), so that no difference of two of
    them concerns fewer than k events; exact rules give the sums themselves."""
    parameters = dict(locals())  # the keyword parameters above, by name
    prepared, er, g_own, _ = _fine_gray_node(frame, privacy, "fine_gray_competing", parameters)
    rows, X = prepared.rows, prepared.X
    u = _decode(censoring_times)
    n = X.shape[0]
    comp = np.flatnonzero(rows.status == 2)
    a = np.zeros(n)
    a[comp] = er[comp] / g_own[comp]
    first_after = np.searchsorted(u, rows.time[comp], side="right")  # the first u with u > T_j
    cumulative = np.cumsum(_Buckets.of(first_after, comp, u.shape[0], n)(a, X), axis=0)
    release = _released(np.bincount(first_after, minlength=u.shape[0] + 1)[: u.shape[0]], privacy.min_cell)
    sums = np.zeros_like(cumulative)
    sums[release >= 0] = cumulative[release[release >= 0]]
    nonzero = np.flatnonzero(sums[:, 0] != 0.0)
    start = int(nonzero[0]) if nonzero.size else sums.shape[0]
    return {"sums": {"start": start, "rows": _encode(sums[start:], encoding)}}


def node_fine_gray_influence(
    frame: pd.DataFrame,
    privacy: Privacy,
    *,
    time: str,
    cause: str,
    covariates: Sequence[str],
    cause_of_interest: int,
    coding: Coding,
    center: Sequence[float],
    beta: Sequence[float],
    failure_times: Any,
    g_times: Any,
    g: Any,
    hazard: Any,
    xbar: Any,
    censoring_times: Any,
    q_over_pi: Any,
    compensator: Any,
    fit: str | None = None,
    encoding: str = "json",
) -> Reply:
    """Fine-Gray variance, second round. Given the pooled per-failure-time ``hazard`` W/S0 and ``xbar``
    S1/S0 and, per pooled censoring time, q(u)/pi(u) and the cumulative compensator sum q dNc/pi^2, sends
    ``meat``: the sum over the node's rows of (eta_i + psi_i)(eta_i + psi_i)' (p x p), with eta_i + psi_i
    the influence terms of ``fine_gray``'s sandwich."""
    parameters = dict(locals())  # the keyword parameters above, by name
    prepared, er, g_own, g_ft = _fine_gray_node(frame, privacy, "fine_gray_influence", parameters)
    rows, X = prepared.rows, prepared.X
    p = X.shape[1]
    ft = _decode(failure_times)
    h = _decode(hazard)
    xb = _decode(xbar).reshape(ft.shape[0], p)
    t, status = rows.time, rows.status
    H = np.r_[0.0, np.cumsum(h)]
    HX = np.vstack([np.zeros((1, p)), np.cumsum(h[:, None] * xb, axis=0)])
    n_le = np.searchsorted(ft, t, side="right")  # failure times <= T_i
    infl = -er[:, None] * (X * H[n_le][:, None] - HX[n_le])  # while at risk
    fail = np.flatnonzero(status == 1)
    infl[fail] += X[fail] - xb[np.searchsorted(ft, t[fail])]
    comp = np.flatnonzero(status == 2)
    if comp.size:
        B0, B1 = weighted_suffix_sums(h, xb, g_ft)
        scale = er[comp] / g_own[comp]
        infl[comp] -= scale[:, None] * (X[comp] * B0[n_le[comp]][:, None] - B1[n_le[comp]])
    u = _decode(censoring_times)
    if u.size:
        comp_cum = _decode(compensator).reshape(u.shape[0] + 1, p)
        infl -= comp_cum[np.searchsorted(u, t, side="right")]
        cens = np.flatnonzero(status == 0)
        qpi = _decode(q_over_pi).reshape(u.shape[0], p)
        infl[cens] += qpi[np.searchsorted(u, t[cens])]
    return {"meat": (infl.T @ infl).tolist()}


def _released(counts: NDArray[np.int64], min_cell: int) -> NDArray[np.int64]:
    """For each bucket k, the bucket whose cumulative sum the node may report at k (-1: none yet).

    The buckets' events are grouped forward as :func:`~remission.federated.privacy.coarsen_times` groups
    times: a group closes once it holds ``min_cell`` events, a short last group joins the one before it
    (or, if it is the only one, is never reported). From a group's last bucket on, the cumulative sum
    through it is reported. With ``min_cell`` 1 every bucket reports its own cumulative sum."""
    closes: list[int] = []
    held = 0
    for k, count in enumerate(counts):
        held += int(count)
        if held >= min_cell and count > 0:
            closes.append(k)
            held = 0
    if held > 0 and closes:
        closes[-1] = int(np.flatnonzero(counts)[-1])
    release = np.full(counts.shape[0], -1, dtype=np.int64)
    for k in closes:
        release[k:] = k
    return release


NODE_PARTS: dict[str, Callable[..., Reply]] = {
    "regression_setup": node_regression_setup,
    "cox_step": node_cox_step,
    "cox_stratum_step": node_cox_stratum_step,
    "fine_gray_step": node_fine_gray_step,
    "fine_gray_competing": node_fine_gray_competing,
    "fine_gray_influence": node_fine_gray_influence,
}


# --- central part ----------------------------------------------------------------------------------------


@dataclass
class _Exchange:
    """A :data:`Send` that records, per round, the node part, the request's size and each node's reply
    size (JSON bytes)."""

    send: Send
    rounds: list[dict[str, Any]] = field(default_factory=list)
    counting_seconds: float = 0.0  # the time spent measuring the sizes (serialising once more)

    def __call__(self, name: str, parameters: Mapping[str, Any]) -> list[Reply]:
        replies = self.send(name, parameters)
        started = clock.perf_counter()
        request = len(json.dumps(dict(parameters), separators=(",", ":")).encode("utf-8"))
        sizes = [reply_bytes(reply) for reply in replies]
        self.counting_seconds += clock.perf_counter() - started
        self.rounds.append({"part": name, "request_bytes": request, "reply_bytes": sizes})
        return replies

    def bytes_per_node(self) -> list[int]:
        if not self.rounds:
            return []
        return [int(v) for v in np.sum([r["reply_bytes"] for r in self.rounds], axis=0)]


@dataclass(frozen=True)
class _Setup:
    """What the central fixed after round 1: the coding, design names, centres, pooled time table."""

    coding: Coding
    names: list[str]
    levels: dict[str, list[str]]
    center_cox: NDArray[np.float64]
    center_mean: NDArray[np.float64]
    n: list[int]
    dropped: list[int]
    events: list[int]
    competing: list[int]
    privacy: list[dict[str, Any]]
    table: dict[str, NDArray[np.float64]]
    node_tables: list[dict[str, Any]]


def _pooled_table(replies: Sequence[Reply]) -> dict[str, NDArray[np.float64]]:
    """The union of the nodes' times with every count summed."""
    times = np.unique(np.concatenate([np.asarray(r["table"]["times"], dtype=np.float64) for r in replies]))
    table: dict[str, NDArray[np.float64]] = {"times": times}
    for key in replies[0]["table"]:
        if key == "times":
            continue
        total = np.zeros(times.shape[0])
        for reply in replies:
            at = np.searchsorted(times, np.asarray(reply["table"]["times"], dtype=np.float64))
            np.add.at(total, at, np.asarray(reply["table"][key], dtype=np.float64))
        table[key] = total
    return table


def _setup(
    exchange: _Exchange,
    parameters: dict[str, Any],
    covariates: Sequence[str],
    reference: Mapping[str, str] | None,
) -> _Setup:
    replies = exchange("regression_setup", parameters)
    n = [int(r["n"]) for r in replies]
    total = sum(n)
    coding: Coding = []
    names: list[str] = []
    levels_of: dict[str, list[str]] = {}
    center_cox: list[float] = []
    center_mean: list[float] = []
    for j, column in enumerate(covariates):
        terms = [r["covariates"][j] for r in replies]
        kinds = {term["kind"] for term in terms}
        if len(kinds) > 1:
            raise ValueError(KIND_DIFFERS.format(column=column))
        if kinds == {"numeric"}:
            mean = sum(float(term["sum"]) for term in terms) / total if total else 0.0
            binary = all(bool(term["binary"]) for term in terms)
            coding.append({"column": column, "levels": None})
            names.append(column)
            center_cox.append(0.0 if binary else mean)
            center_mean.append(mean)
            continue
        counts: dict[str, int] = {}
        for term in terms:
            for key, count in term["counts"].items():
                counts[key] = counts.get(key, 0) + int(count)
            for key in term["small"]:
                counts.setdefault(key, 0)  # present, count withheld
        present = sorted(counts)
        wanted = None if reference is None else reference.get(column)
        if wanted is not None:
            if wanted not in counts:
                raise ValueError(BAD_REFERENCE.format(level=wanted, column=column, levels=present))
            first = wanted
        else:
            first = sorted(present, key=lambda key: (-counts[key], key))[0] if present else ""  # ties: sorted
        levels = [first, *(key for key in present if key != first)] if present else []
        coding.append({"column": column, "levels": levels})
        levels_of[column] = levels
        for key in levels[1:]:
            names.append(f"{column}{key}")
            center_cox.append(0.0)  # a 0/1 column: coxph centres it at 0
            center_mean.append(counts[key] / total if total else 0.0)
    if not names:
        raise ValueError(NO_COVARIATES)
    return _Setup(
        coding=coding,
        names=names,
        levels=levels_of,
        center_cox=np.asarray(center_cox),
        center_mean=np.asarray(center_mean),
        n=n,
        dropped=[int(r["dropped"]) for r in replies],
        events=[int(r["events"]) for r in replies],
        competing=[int(r["competing"]) for r in replies],
        privacy=[dict(r["privacy"]) for r in replies],
        table=_pooled_table(replies),
        node_tables=[dict(r["table"]) for r in replies],
    )


def _efron_times(setup: _Setup) -> NDArray[np.bool_]:
    """The union event times where Efron's tie correction is applied: two or more pooled events, and at
    every node either none or at least its ``min_cell`` (elsewhere the node could not send sums over its
    events there; Breslow's denominator is used at those times, which needs none)."""
    times, d = setup.table["times"], setup.table["events"]
    efron = d >= 2
    for table, privacy in zip(setup.node_tables, setup.privacy, strict=True):
        counts = np.zeros(times.shape[0])
        counts[np.searchsorted(times, np.asarray(table["times"], dtype=np.float64))] = table["events"]
        efron &= (counts == 0) | (counts >= int(privacy["min_cell"]))
    return efron


def _unpack(packed: NDArray[np.float64], p: int) -> NDArray[np.float64]:
    """The symmetric p x p matrix from its packed upper triangle (row-major, j <= k)."""
    iu, ju = np.triu_indices(p)
    out = np.zeros((p, p))
    out[iu, ju] = packed
    out[ju, iu] = packed
    return out


def _summed_risk(replies: Sequence[Reply], size: int, width: int) -> NDArray[np.float64]:
    S = np.zeros((size, width))
    for reply in replies:
        R = _decode(reply["risk"])
        if R.size:
            S[: R.shape[0]] += R
    return S


@dataclass(frozen=True)
class _Step:
    """The pooled log-likelihood, score and information at one coefficient vector (and, for Fine-Gray,
    the pooled S0 and S1 at the failure times)."""

    loglik: float
    score: NDArray[np.float64]
    info: NDArray[np.float64]
    S0: NDArray[np.float64] | None = None
    S1: NDArray[np.float64] | None = None


def _efron_terms(
    S: NDArray[np.float64], E: NDArray[np.float64], d: NDArray[np.float64], efron: NDArray[np.bool_] | None
) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray, NDArray, NDArray]:
    """Per event time: m sum_k log d2_k and m times A, B, C, D, E of :mod:`._cox_risk_sets` (unit
    weights: m = 1 for Efron, m = d for Breslow). ``efron``: the times with Efron's correction (at the
    others every k has f_k = 0, which is Breslow's denominator); ``None``: Breslow throughout."""
    S0, E0 = S[:, 0], E[:, 0]
    if efron is None:
        with np.errstate(divide="ignore"):
            logsum = np.log(S0)  # one denominator per tied group
        A = 1.0 / S0
        zero = np.zeros_like(S0)
        return logsum, A, zero, A * A, zero, zero, d
    di = d.astype(np.int64)
    gstart = np.r_[0, np.cumsum(di)[:-1]]
    gidx = np.repeat(np.arange(d.shape[0]), di)
    f = np.where(efron[gidx], (np.arange(gidx.shape[0]) - gstart[gidx]) / d[gidx], 0.0)
    d2 = S0[gidx] - f * E0[gidx]
    inv = 1.0 / d2
    inv2 = inv * inv
    with np.errstate(divide="ignore", invalid="ignore"):
        logsum = np.add.reduceat(np.log(d2), gstart)
    A = np.add.reduceat(inv, gstart)
    B = np.add.reduceat(f * inv, gstart)
    C = np.add.reduceat(inv2, gstart)
    D = np.add.reduceat(f * inv2, gstart)
    Ee = np.add.reduceat(f * f * inv2, gstart)
    return logsum, A, B, C, D, Ee, np.ones_like(d)


def _cox_pooled_step(
    replies: Sequence[Reply],
    beta: NDArray[np.float64],
    d: NDArray[np.float64],
    efron: NDArray[np.bool_] | None,
) -> _Step:
    """The Efron / Breslow log partial likelihood, score and information from the summed node sums
    (the formulas of :mod:`remission.survival._cox_risk_sets`)."""
    p = beta.shape[0]
    width = 1 + p + p * (p + 1) // 2
    S = _summed_risk(replies, d.shape[0], width)
    E = np.zeros_like(S)
    for reply in replies:
        tied = reply.get("tied")
        if tied and tied["index"]:
            E[np.asarray(tied["index"], dtype=np.int64)] += _decode(tied["sums"]).reshape(-1, S.shape[1])
    wx = np.sum([np.asarray(r["deaths_x"], dtype=np.float64) for r in replies], axis=0)
    logsum, A, B, C, D, Ee, m = _efron_terms(S, E, d, efron)
    S1, E1 = S[:, 1 : 1 + p], E[:, 1 : 1 + p]
    loglik = float(wx @ beta - m @ logsum)
    score = wx - (m * A) @ S1 + (m * B) @ E1
    info = _unpack((m * A) @ S[:, 1 + p :] - (m * B) @ E[:, 1 + p :], p)
    info -= S1.T @ (S1 * (m * C)[:, None])
    cross = S1.T @ (E1 * (m * D)[:, None])
    info += cross + cross.T
    info -= E1.T @ (E1 * (m * Ee)[:, None])
    return _Step(loglik=loglik, score=score, info=info)


def _stratum_pooled_step(replies: Sequence[Reply], p: int) -> _Step:
    return _Step(
        loglik=float(sum(float(r["loglik"]) for r in replies)),
        score=np.sum([np.asarray(r["score"], dtype=np.float64) for r in replies], axis=0).reshape(p),
        info=np.sum([np.asarray(r["info"], dtype=np.float64) for r in replies], axis=0).reshape(p, p),
    )


def _round_summary(exchange: _Exchange) -> dict[str, Any]:
    per_node = exchange.bytes_per_node()
    return {
        "rounds": exchange.rounds,
        "bytes_per_node": per_node,
        "bytes_total": int(sum(per_node)),
        "request_bytes_total": int(sum(r["request_bytes"] for r in exchange.rounds)),
        "counting_seconds": exchange.counting_seconds,
    }


@dataclass(frozen=True)
class FederatedCoxResult:
    """A federated Cox fit: what the pooled ``cox`` reports for the same model (``coef``, ``var`` = the
    inverse information, ``se``, ``loglik`` = (initial, final), ``iterations``, ``converged``), and
    per node the rows used (``n``), dropped and events, with the bytes each round moved (``traffic``:
    ``rounds`` with each node's reply bytes, ``bytes_per_node``, ``bytes_total``, ``request_bytes_total``).
    ``levels``: the coding of each categorical covariate (reference first). ``breslow_times``: with Efron
    ties, the number of tied event times where some node had fewer events than its ``min_cell`` and
    Breslow's denominator was used (0 with exact privacy rules)."""

    names: list[str]
    coef: NDArray[np.float64]
    var: NDArray[np.float64]
    se: NDArray[np.float64]
    loglik: tuple[float, float]
    iterations: int
    converged: bool
    ties: str
    strata_by_node: bool
    breslow_times: int
    n: list[int]
    dropped: list[int]
    events: list[int]
    levels: dict[str, list[str]]
    privacy: list[dict[str, Any]]
    traffic: dict[str, Any]
    seconds: float

    @property
    def hazard_ratio(self) -> NDArray[np.float64]:
        return np.exp(self.coef)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready values."""
        return {
            "model": "cox",
            "names": self.names,
            "coef": self.coef.tolist(),
            "hazard_ratio": self.hazard_ratio.tolist(),
            "se": self.se.tolist(),
            "var": self.var.tolist(),
            "loglik": list(self.loglik),
            "iterations": self.iterations,
            "converged": self.converged,
            "ties": self.ties,
            "strata_by_node": self.strata_by_node,
            "breslow_times": self.breslow_times,
            "n": self.n,
            "dropped": self.dropped,
            "events": self.events,
            "levels": self.levels,
            "privacy": self.privacy,
            "traffic": self.traffic,
            "seconds": self.seconds,
        }


def federated_cox(
    send: Send,
    *,
    time: str,
    event: str,
    covariates: Sequence[str],
    ties: str = "efron",
    strata_by_node: bool = False,
    reference: Mapping[str, str] | None = None,
    max_iter: int = COX_ITER_MAX,
    tol: float = COX_EPS,
    encoding: str = "binary",
) -> FederatedCoxResult:
    """Fit the pooled Cox model (``strata_by_node``: stratified by registry) on the nodes' analysis sets.

    ``time``/``event``: the columns of the endpoint (``os_days``/``os_event``); ``covariates``: analysis-set
    columns, categorical ones coded with the pooled levels (``reference``: column -> reference level;
    default the most frequent pooled level). Newton-Raphson as the engine's ``cox`` (start at 0, step
    halving, stop when |1 - L_old/L_new| <= ``tol`` after a full step, at most ``max_iter`` steps), one
    round per step; see the module notes for what each round sends. ``encoding``: how the per-time arrays
    travel, ``"binary"`` (base64 float64, the default) or ``"json"`` (number lists; :func:`_encode`)."""
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, not {ties!r}")
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {ENCODINGS}, not {encoding!r}")
    started = clock.perf_counter()
    exchange = _Exchange(send)
    covariates = list(covariates)
    base = {"time": time, "event": event, "covariates": covariates}
    fit = uuid.uuid4().hex  # the nodes prepare their rows once per fit (see _prepare)
    setup = _setup(
        exchange, {"time": time, "status": event, "covariates": covariates, "fit": fit}, covariates, reference
    )
    if sum(setup.events) == 0:
        raise ValueError(NO_EVENTS)
    p = len(setup.names)
    center = setup.center_cox
    common = {**base, "coding": setup.coding, "center": center.tolist(), "ties": ties, "fit": fit}
    breslow_times = 0
    if strata_by_node:

        def evaluate(beta: NDArray[np.float64]) -> _Step:
            return _stratum_pooled_step(exchange("cox_stratum_step", {**common, "beta": beta.tolist()}), p)

    else:
        union = setup.table["times"]
        d = setup.table["events"]
        efron = _efron_times(setup) if ties == "efron" else None
        breslow_times = int(((d >= 2) & ~efron).sum()) if efron is not None else 0
        tied = np.flatnonzero(efron).tolist() if efron is not None else []
        step_parameters = {**common, "times": _encode(union, encoding), "tied": tied, "encoding": encoding}

        def evaluate(beta: NDArray[np.float64]) -> _Step:
            replies = exchange("cox_step", {**step_parameters, "beta": beta.tolist()})
            return _cox_pooled_step(replies, beta, d, efron)

    beta, state, state0, iterations, converged, _ = newton_raphson(
        evaluate, np.zeros(p), eps=tol, max_iter=max_iter
    )
    info = state.info
    check_estimable(info, setup.names)
    var = invert_information(info)
    if not converged:
        warnings.warn(
            NOT_CONVERGED.format(model="Cox", iterations=iterations), ConvergenceWarning, stacklevel=2
        )
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(var))
    return FederatedCoxResult(
        names=setup.names,
        coef=beta,
        var=var,
        se=se,
        loglik=(state0.loglik, state.loglik),
        iterations=iterations,
        converged=converged,
        ties=ties,
        strata_by_node=strata_by_node,
        breslow_times=breslow_times,
        n=setup.n,
        dropped=setup.dropped,
        events=setup.events,
        levels=setup.levels,
        privacy=setup.privacy,
        traffic=_round_summary(exchange),
        seconds=clock.perf_counter() - started,
    )


@dataclass(frozen=True)
class FederatedFineGrayResult:
    """A federated Fine-Gray fit, as the pooled ``fine_gray``: ``coef``; ``var`` the sandwich variance
    (``variance="sandwich"``) or the model-based inverse information (``variance="model"``; ``variance``
    says which); ``model_var`` always the inverse information; ``se`` from ``var``; ``loglik`` = (null,
    final) pseudo log-likelihood; per node the rows used, dropped, failures of the cause of interest and
    competing events; ``traffic`` as :class:`FederatedCoxResult`."""

    names: list[str]
    coef: NDArray[np.float64]
    var: NDArray[np.float64]
    model_var: NDArray[np.float64]
    se: NDArray[np.float64]
    variance: str
    loglik: tuple[float, float]
    iterations: int
    converged: bool
    cause_of_interest: int
    n: list[int]
    dropped: list[int]
    events: list[int]
    competing: list[int]
    levels: dict[str, list[str]]
    privacy: list[dict[str, Any]]
    traffic: dict[str, Any]
    seconds: float

    @property
    def hazard_ratio(self) -> NDArray[np.float64]:
        """Subdistribution hazard ratios exp(coef)."""
        return np.exp(self.coef)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready values."""
        return {
            "model": "fine_gray",
            "names": self.names,
            "coef": self.coef.tolist(),
            "hazard_ratio": self.hazard_ratio.tolist(),
            "se": self.se.tolist(),
            "var": self.var.tolist(),
            "model_var": self.model_var.tolist(),
            "variance": self.variance,
            "loglik": list(self.loglik),
            "iterations": self.iterations,
            "converged": self.converged,
            "cause_of_interest": self.cause_of_interest,
            "n": self.n,
            "dropped": self.dropped,
            "events": self.events,
            "competing": self.competing,
            "levels": self.levels,
            "privacy": self.privacy,
            "traffic": self.traffic,
            "seconds": self.seconds,
        }


def _censoring_km(table: Mapping[str, NDArray[np.float64]]) -> NDArray[np.float64]:
    """The pooled Kaplan-Meier of the censoring distribution at the union of times, as ``fine_gray``
    computes it (censorings are the events; the number at risk is the number with time >= t)."""
    at_risk = _reverse_cumsum(table["exits"][:, None])[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - table["censored"] / at_risk, 1.0)
    return np.cumprod(factor)


def federated_fine_gray(
    send: Send,
    *,
    time: str,
    cause: str,
    cause_of_interest: int,
    covariates: Sequence[str],
    reference: Mapping[str, str] | None = None,
    variance: str = "sandwich",
    max_iter: int = FG_MAXITER,
    gtol: float = FG_GTOL,
    encoding: str = "binary",
) -> FederatedFineGrayResult:
    """Fit the pooled Fine-Gray model (``cause`` 0 = censored, 1..k the cause) on the nodes' analysis sets.

    Round 1 also brings the nodes' exits and censorings per time, from which the central forms the pooled
    censoring Kaplan-Meier G, sent with every later request. Newton-Raphson with ``crr``'s line search and
    stopping rule as the engine's ``fine_gray`` (stop when max_j |U_j| max(|b_j|, 1) < max(|loglik|, 1)
    ``gtol``; a step is halved until the pseudo log-likelihood rises by 1e-4 (step . score)), one round
    per trial point. ``variance="sandwich"`` adds two rounds for ``crr``'s sandwich (exact, from
    aggregates); ``"model"`` stops at the inverse information. ``encoding`` as :func:`federated_cox`."""
    if variance not in VARIANCES:
        raise ValueError(f"variance must be one of {VARIANCES}, not {variance!r}")
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {ENCODINGS}, not {encoding!r}")
    started = clock.perf_counter()
    exchange = _Exchange(send)
    covariates = list(covariates)
    coi = int(cause_of_interest)
    fit = uuid.uuid4().hex  # the nodes prepare their rows once per fit (see _prepare)
    setup = _setup(
        exchange,
        {"time": time, "status": cause, "covariates": covariates, "cause_of_interest": coi, "fit": fit},
        covariates,
        reference,
    )
    if sum(setup.events) == 0:
        raise ValueError(CAUSE_MISSING.format(cause=coi))
    p = len(setup.names)
    table = setup.table
    g_times = table["times"]
    G = _censoring_km(table)
    has_failure = table["events"] > 0
    ft = g_times[has_failure]
    W = table["events"][has_failure]
    g_ft = _g_before(g_times, G, ft)
    center = setup.center_mean
    common = {
        "time": time,
        "cause": cause,
        "covariates": covariates,
        "cause_of_interest": coi,
        "coding": setup.coding,
        "center": center.tolist(),
        "g_times": _encode(g_times, encoding),
        "g": _encode(G, encoding),
        "failure_times": _encode(ft, encoding),
        "fit": fit,
        "encoding": encoding,
    }
    width = 1 + p + p * (p + 1) // 2

    def evaluate(beta: NDArray[np.float64]) -> _Step:
        replies = exchange("fine_gray_step", {**common, "beta": beta.tolist()})
        S = _summed_risk(replies, ft.shape[0], width)
        wx = np.sum([np.asarray(r["fail_x"], dtype=np.float64) for r in replies], axis=0)
        S0, S1 = S[:, 0], S[:, 1 : 1 + p]
        with np.errstate(divide="ignore", invalid="ignore"):
            loglik = float(wx @ beta - W @ np.log(S0))
            c = W / S0
            score = wx - c @ S1
            info = _unpack(c @ S[:, 1 + p :], p) - S1.T @ (S1 * (c / S0)[:, None])
        return _Step(loglik=loglik, score=score, info=info, S0=S0, S1=S1)

    beta = np.zeros(p)
    state = state0 = evaluate(beta)
    converged = False
    iteration = 0
    for iteration in range(max_iter + 1):
        f, st = -state.loglik, -state.score
        if np.max(np.abs(st) * np.maximum(np.abs(beta), 1.0)) < max(abs(f), 1.0) * gtol:
            converged = True
            break
        if iteration == max_iter:
            break
        step = solve_information(state.info, state.score)
        slope = float(step @ st)
        halvings = 0
        with np.errstate(over="ignore", invalid="ignore"):
            trial = evaluate(beta + step)  # the full sums at the trial point: the next state if accepted
            while not np.isfinite(trial.loglik) or -trial.loglik > f + 1e-4 * slope:
                halvings += 1
                step = step * 0.5
                trial = evaluate(beta + step)
                if halvings > 20:
                    break
        if halvings > 20:
            break
        beta = beta + step
        state = trial
    if not converged:
        warnings.warn(
            NOT_CONVERGED.format(model="Fine-Gray", iterations=iteration), ConvergenceWarning, stacklevel=2
        )
    info = state.info
    model_var = invert_information(info)
    var = model_var
    if variance == "sandwich":
        assert state.S0 is not None and state.S1 is not None
        h = W / state.S0
        xbar = state.S1 / state.S0[:, None]
        censored = table["censored"] > 0
        u = g_times[censored]
        dnc = table["censored"][censored]
        pi = _reverse_cumsum(table["exits"][:, None])[:, 0][censored]  # number at risk at u
        at_beta = {**common, "beta": beta.tolist()}
        replies = exchange("fine_gray_competing", {**at_beta, "censoring_times": _encode(u, encoding)})
        a = np.zeros((u.shape[0], p + 1))
        for reply in replies:
            rows = _decode(reply["sums"]["rows"])
            if rows.size:
                a[int(reply["sums"]["start"]) :] += rows
        C0, C1 = weighted_suffix_sums(h, xbar, g_ft)  # one censoring group: h_k = W / S0
        n_ge = np.searchsorted(ft, u, side="left")
        q = a[:, 1:] * C0[n_ge][:, None] - a[:, :1] * C1[n_ge]
        compensator = np.vstack([np.zeros((1, p)), np.cumsum(q * (dnc / pi**2)[:, None], axis=0)])
        replies = exchange(
            "fine_gray_influence",
            {
                **at_beta,
                "hazard": _encode(h, encoding),
                "xbar": _encode(xbar, encoding),
                "censoring_times": _encode(u, encoding),
                "q_over_pi": _encode(q / pi[:, None], encoding),
                "compensator": _encode(compensator, encoding),
            },
        )
        meat = np.sum([np.asarray(r["meat"], dtype=np.float64) for r in replies], axis=0).reshape(p, p)
        var = model_var @ meat @ model_var
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(var))
    return FederatedFineGrayResult(
        names=setup.names,
        coef=beta,
        var=var,
        model_var=model_var,
        se=se,
        variance=variance,
        loglik=(state0.loglik, state.loglik),
        iterations=iteration,
        converged=converged,
        cause_of_interest=coi,
        n=setup.n,
        dropped=setup.dropped,
        events=setup.events,
        competing=setup.competing,
        levels=setup.levels,
        privacy=setup.privacy,
        traffic=_round_summary(exchange),
        seconds=clock.perf_counter() - started,
    )


__all__ = [
    "NODE_PARTS",
    "FederatedCoxResult",
    "FederatedFineGrayResult",
    "federated_cox",
    "federated_fine_gray",
    "node_cox_step",
    "node_cox_stratum_step",
    "node_fine_gray_competing",
    "node_fine_gray_influence",
    "node_fine_gray_step",
    "node_regression_setup",
]
