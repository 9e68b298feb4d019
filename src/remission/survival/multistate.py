"""Multi-state Aalen-Johansen state occupation probabilities with infinitesimal-jackknife standard errors.

Counting-process data (one row per interval ``(start, stop]`` of one patient, several rows and
transitions per patient, late entry), as R
``survfit(Surv(tstart, tstop, event) ~ 1, data, id = id, istate = istate, weights = w)``.

References
----------
Aalen OO, Johansen S (1978). An empirical transition matrix for non-homogeneous Markov chains based on
censored observations. Scand J Stat 5:141-150.
Therneau TM, Crowson C, Atkinson E (2024). Multi-state models and competing risks; and the survival
package's methods document, section "Aalen-Johansen: influence" (the infinitesimal-jackknife variance).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from remission.survival._confint import CONF_TYPES, survival_interval
from remission.survival._multistate_influence import Tabulated, influence_variance, occupation
from remission.survival.validation import (
    LENGTH_MISMATCH,
    MISSING_LABEL,
    SurvivalInputError,
    as_float_array,
    check_conf_level,
    check_option,
    check_weights,
)

DEFAULT_CENSORED = "(censored)"

STOP_NOT_AFTER_START = "stop must be after start; row {row} has start {start} >= stop {stop}"
OVERLAP = (
    "id {id!r}: row {row} starts at {start}, before row {previous} ends at {stop} (overlapping intervals)"
)
GAP = "id {id!r}: row {row} starts at {start}, after row {previous} ends at {stop} (a gap: rows must touch)"
SAME_STATE = "row {row} moves to {state!r}, the state it is already in: a transition must change state"
INCONSISTENT_INITIAL = (
    "initial_state of row {row} is {given!r} but id {id!r} is in {implied!r} there (the state its earlier "
    "rows lead to); only the first row of an id sets its state"
)
UNKNOWN_STATE = "states does not list {missing!r}, which occurs in the data"
DUPLICATE_STATE = "states lists {value!r} more than once"
BAD_EVALUATION_TIMES = "times must be finite numbers; got {value}"
MAPPING_MISSING = "initial_state has no entry for id {id!r}"


@dataclass(frozen=True)
class MultistateResult:
    """State occupation probabilities ``P(in state s at t)`` on the grid of observed exit times.

    Attributes
    ----------
    states : tuple
        State labels, in R's order (see :func:`multistate`).
    time : ndarray, shape (m,)
        Exit times of rows that end in a transition or end a patient's follow-up, at or after ``t0``.
    n_risk, n_event : ndarray, shape (m, S)
        Weighted number at risk in each state just before ``time`` and weighted transitions into each
        state at ``time``.
    probability, std_err, lower, upper : ndarray, shape (m, S)
        Aalen-Johansen estimate, its infinitesimal-jackknife standard error (clustered on ``id``) and
        pointwise limits (``conf_type``, R's default "log").
    t0 : float
        Start of the curve; ``p0`` and ``se0`` are the probabilities and standard errors there.
    """

    states: tuple[Hashable, ...]
    time: NDArray[np.float64]
    n_risk: NDArray[np.float64]
    n_event: NDArray[np.float64]
    probability: NDArray[np.float64]
    std_err: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    t0: float
    p0: NDArray[np.float64]
    se0: NDArray[np.float64]
    conf_level: float
    conf_type: str

    def at(self, times: ArrayLike) -> pd.DataFrame:
        """Probabilities at ``times`` (right-continuous; ``p0`` before the first grid time, the last value
        after the last), long format: columns time, state, probability, std_err, lower, upper."""
        query = check_times_any(times)
        idx = np.searchsorted(self.time, query, side="right") - 1
        before = idx < 0
        safe = np.maximum(idx, 0)
        prob = np.where(before[:, None], self.p0[None, :], self.probability[safe])
        se = np.where(before[:, None], self.se0[None, :], self.std_err[safe])
        lower, upper = _interval(prob, se, self.conf_level, self.conf_type)
        return _long(query, self.states, prob, se, lower, upper)

    def to_frame(self) -> pd.DataFrame:
        """Long format on the grid: one row per (time, state), with n_risk and n_event."""
        frame = _long(self.time, self.states, self.probability, self.std_err, self.lower, self.upper)
        frame.insert(2, "n_risk", self.n_risk.reshape(-1))
        frame.insert(3, "n_event", self.n_event.reshape(-1))
        return frame


def check_times_any(values: ArrayLike) -> NDArray[np.float64]:
    """Evaluation times: finite (negative times are allowed, as start/stop may be on any clock)."""
    times = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if times.ndim != 1 or not np.all(np.isfinite(times)):
        raise SurvivalInputError(BAD_EVALUATION_TIMES.format(value=values))
    return times


def _long(
    time: NDArray[np.float64],
    states: tuple[Hashable, ...],
    prob: NDArray[np.float64],
    se: NDArray[np.float64],
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
) -> pd.DataFrame:
    n_states = len(states)
    return pd.DataFrame(
        {
            "time": np.repeat(time, n_states),
            "state": np.tile(np.array(states, dtype=object), time.shape[0]),
            "probability": prob.reshape(-1),
            "std_err": se.reshape(-1),
            "lower": lower.reshape(-1),
            "upper": upper.reshape(-1),
        }
    )


def _interval(
    prob: NDArray[np.float64], se: NDArray[np.float64], conf_level: float, conf_type: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """R ``survfit_confint(p, se, logse = FALSE, ...)``: the SE of log p is ``se / p`` (0 where se is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        se_log = np.where(se == 0, 0.0, se / prob)
    return survival_interval(prob, se_log, conf_level, conf_type)


# -- input handling -------------------------------------------------------------------------------------


def _missing(values: NDArray) -> NDArray[np.bool_]:
    return np.asarray(pd.isna(values), dtype=bool)


def _labels(values: ArrayLike, n: int, name: str) -> NDArray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise SurvivalInputError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.shape[0] != n:
        raise SurvivalInputError(
            LENGTH_MISMATCH.format(name=name, got=array.shape[0], reference="start", expected=n)
        )
    missing = _missing(array)
    if missing.any():
        raise SurvivalInputError(
            MISSING_LABEL.format(name=name, count=int(missing.sum()), row=int(np.flatnonzero(missing)[0]))
        )
    return array


def _plain(value: object) -> object:
    """A NumPy scalar as the Python value it holds, for messages."""
    return value.item() if isinstance(value, np.generic) else value


def _sorted_labels(labels: list[Hashable]) -> list[Hashable]:
    try:
        return sorted(labels)  # type: ignore[type-var]
    except TypeError:
        return sorted(labels, key=str)


def _initial_per_row(initial_state: object, ids: NDArray, n: int) -> tuple[NDArray, bool]:
    """The initial state of every row's id, and whether it was given per row (R's ``istate``)."""
    if isinstance(initial_state, Mapping):
        inverse, uniques = pd.factorize(ids)
        values = []
        for key in uniques:
            if key not in initial_state:
                raise SurvivalInputError(MAPPING_MISSING.format(id=_plain(key)))
            values.append(initial_state[key])
        per_id = np.empty(len(values), dtype=object)
        per_id[:] = values
        return _labels(per_id[inverse], n, "initial_state"), False
    if np.ndim(initial_state) == 0:
        if _missing(np.asarray([initial_state], dtype=object)).any():
            raise SurvivalInputError(MISSING_LABEL.format(name="initial_state", count=1, row=0))
        values = np.empty(n, dtype=object)
        values[:] = [initial_state] * n
        return values, False
    return _labels(initial_state, n, "initial_state"), True  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Prepared:
    """Rows sorted by (id, start) with integer codes; ``order`` maps back to the caller's rows."""

    order: NDArray[np.int64]
    cluster: NDArray[np.int64]
    start: NDArray[np.float64]
    stop: NDArray[np.float64]
    state: NDArray[np.int64]  # state during the interval
    to: NDArray[np.int64]  # state entered at stop, -1 censored
    weight: NDArray[np.float64]
    first: NDArray[np.bool_]
    last: NDArray[np.bool_]
    states: tuple[Hashable, ...]


def _prepare(
    id: ArrayLike,
    start: ArrayLike,
    stop: ArrayLike,
    to_state: ArrayLike,
    initial_state: object,
    weights: ArrayLike | None,
    censored: Hashable,
    states: Sequence[Hashable] | None,
) -> _Prepared:
    start_a = as_float_array(start, "start")
    n = start_a.shape[0]
    stop_a = as_float_array(stop, "stop")
    if stop_a.shape[0] != n:
        raise SurvivalInputError(
            LENGTH_MISMATCH.format(name="stop", got=stop_a.shape[0], reference="start", expected=n)
        )
    bad = stop_a <= start_a
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SurvivalInputError(STOP_NOT_AFTER_START.format(row=row, start=start_a[row], stop=stop_a[row]))
    ids = _labels(id, n, "id")
    to_raw = _labels(to_state, n, "to_state")
    weight = check_weights(weights, n)
    weight = np.ones(n) if weight is None else weight
    initial, per_row = _initial_per_row(initial_state, ids, n)

    cluster, id_uniques = pd.factorize(ids)
    to_codes, to_uniques = pd.factorize(to_raw)
    censor_code = next((i for i, u in enumerate(to_uniques) if u == censored), -1)
    init_codes, init_uniques = pd.factorize(initial)
    to_uniques = [_plain(u) for u in to_uniques]
    init_uniques = [_plain(u) for u in init_uniques]
    destinations = [u for i, u in enumerate(to_uniques) if i != censor_code]
    origin_only = [u for u in init_uniques if u not in set(destinations)]
    if states is None:
        order_states = _sorted_labels(origin_only) + _sorted_labels(destinations)
    else:
        order_states = list(states)
        seen: set[Hashable] = set()
        for value in order_states:
            if value in seen:
                raise SurvivalInputError(DUPLICATE_STATE.format(value=value))
            seen.add(value)
        for value in [*origin_only, *destinations]:
            if value not in seen:
                raise SurvivalInputError(UNKNOWN_STATE.format(missing=value))
    position = {label: k for k, label in enumerate(order_states)}
    to_map = np.array(
        [-1 if i == censor_code else position[u] for i, u in enumerate(to_uniques)], dtype=np.int64
    )
    init_map = np.array([position[u] for u in init_uniques], dtype=np.int64)
    to_all = to_map[to_codes]
    init_all = init_map[init_codes]

    order = np.lexsort((start_a, cluster)).astype(np.int64)
    cl = cluster[order].astype(np.int64)
    st, sp, to, w = start_a[order], stop_a[order], to_all[order], weight[order]
    first = np.ones(n, dtype=bool)
    first[1:] = cl[1:] != cl[:-1]
    last = np.ones(n, dtype=bool)
    last[:-1] = first[1:]
    follow = np.flatnonzero(~first)
    overlap = follow[st[follow] < sp[follow - 1]]
    if overlap.size:
        r = int(overlap[0])
        raise SurvivalInputError(
            OVERLAP.format(
                id=_plain(id_uniques[cl[r]]),
                row=int(order[r]),
                start=st[r],
                previous=int(order[r - 1]),
                stop=sp[r - 1],
            )
        )
    gap = follow[st[follow] > sp[follow - 1]]
    if gap.size:
        r = int(gap[0])
        raise SurvivalInputError(
            GAP.format(
                id=_plain(id_uniques[cl[r]]),
                row=int(order[r]),
                start=st[r],
                previous=int(order[r - 1]),
                stop=sp[r - 1],
            )
        )
    # current state: the last transition of an earlier row of the same id, else the initial state
    index = np.arange(n)
    moved = np.where(to >= 0, index, -1)
    previous_move = np.maximum.accumulate(np.concatenate([[-1], moved[:-1]]))
    first_row = np.maximum.accumulate(np.where(first, index, 0))
    init_sorted = init_all[order]
    state = np.where(previous_move >= first_row, to[np.maximum(previous_move, 0)], init_sorted[first_row])
    if per_row:
        wrong = np.flatnonzero(~first & (init_sorted != state))
        if wrong.size:
            r = int(wrong[0])
            raise SurvivalInputError(
                INCONSISTENT_INITIAL.format(
                    row=int(order[r]),
                    given=order_states[init_sorted[r]],
                    id=_plain(id_uniques[cl[r]]),
                    implied=order_states[state[r]],
                )
            )
    same = np.flatnonzero(to == state)
    if same.size:
        r = int(same[0])
        raise SurvivalInputError(SAME_STATE.format(row=int(order[r]), state=order_states[state[r]]))
    return _Prepared(
        order=order,
        cluster=cl,
        start=st,
        stop=sp,
        state=state.astype(np.int64),
        to=to.astype(np.int64),
        weight=w,
        first=first,
        last=last,
        states=tuple(order_states),
    )


def multistate(
    id: ArrayLike,
    start: ArrayLike,
    stop: ArrayLike,
    to_state: ArrayLike,
    *,
    initial_state: object,
    weights: ArrayLike | None = None,
    censored: Hashable = DEFAULT_CENSORED,
    states: Sequence[Hashable] | None = None,
    conf_level: float = 0.95,
    conf_type: str = "log",
) -> MultistateResult:
    """Aalen-Johansen probabilities of being in each state, with R survfit's robust standard errors.

    Parameters
    ----------
    id : array_like, shape (n,)
        Patient of each row. A patient's rows must be contiguous in time (no gap, no overlap); they
        need not be sorted.
    start, stop : array_like, shape (n,)
        The row covers ``(start, stop]``; ``stop > start``. A patient whose first ``start`` is after
        the others' is left-truncated (enters the risk sets late).
    to_state : array_like, shape (n,)
        The state entered at ``stop``, or ``censored`` when the row ends without a transition (end of
        follow-up, or a split of the interval). No missing values: censoring is explicit.
    initial_state : label, array_like of shape (n,), or mapping id -> label
        The state each patient occupies at their first ``start``. Per row, as R's ``istate``: only the
        first row of each id counts, later rows must agree with the state their id has reached.
    weights : array_like, shape (n,), optional
        Case weights (non-negative); each row's weight applies to its own interval.
    censored : label
        The ``to_state`` value that means "no transition" (default "(censored)", R's name for it).
    states : sequence of labels, optional
        The order of the states in the result. By default R's order for ``factor()`` defaults: states
        that are only initial states, sorted, then the destination states, sorted.
    conf_level : float
    conf_type : {"log", "log-log", "plain"}
        Interval transform, as R ``survfit`` (default "log", R's default for multi-state curves).

    Returns
    -------
    MultistateResult

    Notes
    -----
    ``p(t) = p(t0) prod_{t0 < u <= t} (I + dA(u))`` (Aalen & Johansen 1978), ``dA_jk(u)`` the weighted
    number of j -> k transitions at ``u`` over the weighted number at risk in state j.

    Start of the curve, as R survival (>= 3.6) chooses it: if every patient starts in the same state,
    ``t0`` is the earliest start and ``p0`` puts mass 1 on that state; otherwise ``t0`` is the common
    first start if all patients share one, else the first transition time, and ``p0`` is the weighted
    distribution of states among the rows at risk at ``t0`` (which has an influence of its own).

    Standard errors are R's infinitesimal jackknife clustered on ``id``: the square root of the sum
    over patients of their squared influence ``U_i(t)`` on ``p(t)``, where
    ``U_i(t) = U_i(t-) (I + dA(t)) + w p_j(t-)/n_j(t) (dN_ijk(t) (e_k - e_j) - Y_ij(t) dA_j(t))``. This is
    computed without forming ``U`` for every patient at every time: the second moment
    ``W(t) = sum_i U_i(t)' U_i(t)`` obeys ``W = M' W(t-) M + M' X + X' M + B``, and ``X`` needs only the
    sums of ``U_i(t-)`` over each risk set and each transition, which come from each row's influence at
    its two ends (carried along the row by block products of the transition matrices). Work is
    O(n S² log T + T S³) for n rows, S states and T transition times.

    Differences from R: R survival 3.5 leaves out the influence of an estimated ``p0`` unless
    ``influence = TRUE`` (later versions include it, as here), and reports every observed exit time;
    here, as in later versions, only times of transitions and of patients' last rows, from ``t0`` on
    (the values agree at every time R lists). ``n_risk`` is weighted (survival 3.5 counts rows). With
    weights that change within a patient, survival 3.5 applies the patient's latest weight to the whole
    history; here, as in later versions, each row's weight applies to its own interval. A probability
    that is exactly 0 has standard error exactly 0 (R may show a rounding residue ~1e-16 there, and then
    finite limits where ours are NaN). Before the first grid time ``at`` gives ``p0`` with limits from
    ``se0``; R's ``summary`` shows limits 0 there. A row that "moves" to its own state, a gap and an
    overlap are errors (R stops on gaps and overlaps too, and ignores a move to the same state).

    Accuracy: the variance comes from a recursion with cancellations, so besides a relative error of
    ~1e-13 it carries an absolute rounding error of about sqrt(machine epsilon) times the largest standard
    error, visible only for standard errors below ~1e-8.
    """
    conf_level = check_conf_level(conf_level)
    conf_type = check_option(conf_type, CONF_TYPES, "conf_type")
    rows = _prepare(id, start, stop, to_state, initial_state, weights, censored, states)
    n_states = len(rows.states)
    table = Tabulated.build(
        rows.cluster, rows.start, rows.stop, rows.state, rows.to, rows.weight, rows.first, n_states
    )
    occ = occupation(table)
    variance = influence_variance(table, occ)

    # grid: exit times of rows that end in a transition or end a patient's follow-up, from t0 on
    ends = rows.stop[(rows.to >= 0) | rows.last]
    grid = np.unique(ends[ends >= table.t0])
    done = np.searchsorted(table.event_times, grid, side="right")
    probability = occ.p[done]
    std_err = _std_err(probability, variance[done])
    se0 = _std_err(occ.p[0], variance[0])
    n_risk, n_event = _grid_counts(rows, grid, n_states)
    lower, upper = _interval(probability, std_err, conf_level, conf_type)
    return MultistateResult(
        states=rows.states,
        time=grid,
        n_risk=n_risk,
        n_event=n_event,
        probability=probability,
        std_err=std_err,
        lower=lower,
        upper=upper,
        t0=float(table.t0),
        p0=occ.p[0].copy(),
        se0=se0,
        conf_level=conf_level,
        conf_type=conf_type,
    )


def _std_err(probability: NDArray[np.float64], variance: NDArray[np.float64]) -> NDArray[np.float64]:
    """Square root of the variance; exactly 0 for a probability that is exactly 0, and for the one
    state left when all the others are exactly 0.

    A probability that is exactly 0 (a state not yet reached, or emptied with no one coming back) does
    not move when any weight is perturbed, so its influence is exactly 0; the influences sum to 0 over
    the states, so a lone remaining state has none either. The recursion for ``W`` would leave a rounding
    residue of order sqrt(machine epsilon) times the largest SE there.
    """
    zero = probability == 0.0
    alone = (~zero).sum(axis=-1, keepdims=True) == 1
    return np.where(zero | alone, 0.0, np.sqrt(np.maximum(variance, 0.0)))


def _grid_counts(
    rows: _Prepared, grid: NDArray[np.float64], n_states: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Weighted number at risk (start < t <= stop) per state at each grid time, and transitions into
    each state."""
    m = grid.shape[0]
    enter = np.searchsorted(grid, rows.start, side="right")
    leave = np.searchsorted(grid, rows.stop, side="right")
    size = (m + 1) * n_states
    delta = np.bincount(enter * n_states + rows.state, weights=rows.weight, minlength=size) - np.bincount(
        leave * n_states + rows.state, weights=rows.weight, minlength=size
    )
    n_risk = np.cumsum(delta.reshape(m + 1, n_states), axis=0)[:m]
    moved = rows.to >= 0
    at = np.searchsorted(grid, rows.stop[moved])
    inside = at < m
    n_event = np.bincount(
        at[inside] * n_states + rows.to[moved][inside],
        weights=rows.weight[moved][inside],
        minlength=m * n_states,
    ).reshape(m, n_states)
    return n_risk, n_event
