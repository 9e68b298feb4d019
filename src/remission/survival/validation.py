"""Input checks shared by every estimator in :mod:`remission.survival`.

Each check turns array-likes into NumPy arrays and raises :class:`SurvivalInputError` with one of the
message constants below, so that callers and tests can match on the rule that failed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

NOT_ONE_DIMENSIONAL = "{name} must be one-dimensional, got shape {shape}"
EMPTY = "{name} is empty: at least one observation is needed"
NOT_FINITE = "{name} has {count} missing or infinite value(s), first at row {row}"
NEGATIVE_TIME = "{name} has {count} negative value(s), first at row {row}: times are measured from time zero"
LENGTH_MISMATCH = "{name} has {got} rows but {reference} has {expected}"
NOT_BINARY = "{name} must be 0 (censored) or 1 (event); row {row} is {value}"
NOT_CAUSE = "{name} must be 0 (censored) or a positive whole number (the cause); row {row} is {value}"
ENTRY_NOT_BEFORE_EXIT = "entry must be before exit time; row {row} has entry {entry} >= time {time}"
NEGATIVE_WEIGHT = "weights must be non-negative; row {row} is {value}"
BAD_CONF_LEVEL = "conf_level must be strictly between 0 and 1, got {value}"
BAD_OPTION = "{name} must be one of {allowed}, got {value!r}"
MISSING_LABEL = "{name} has {count} missing value(s), first at row {row}"
TOO_FEW_GROUPS = "{name} has {count} distinct value(s): at least two groups are needed for a comparison"
BAD_TAU = "tau must be a positive finite number, got {value}"
BAD_RHO = "rho must be a finite non-negative number, got {value}"
UNKNOWN_CAUSE = "cause {value!r} does not occur among the events; causes present: {present}"
BAD_TIMES = "times must be finite and non-negative; got {value}"
BAD_INIT = "init must be {p} finite starting coefficient(s), one per design column; got {value!r}"


class SurvivalInputError(ValueError):
    """Raised when the data given to an estimator break one of the rules above."""


def as_float_array(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``values`` as a finite, non-empty, one-dimensional float array."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise SurvivalInputError(NOT_ONE_DIMENSIONAL.format(name=name, shape=array.shape))
    if array.size == 0:
        raise SurvivalInputError(EMPTY.format(name=name))
    bad = ~np.isfinite(array)
    if bad.any():
        raise SurvivalInputError(
            NOT_FINITE.format(name=name, count=int(bad.sum()), row=int(np.flatnonzero(bad)[0]))
        )
    return array


def check_time(values: ArrayLike, name: str = "time") -> NDArray[np.float64]:
    """Finite, non-negative times."""
    time = as_float_array(values, name)
    negative = time < 0
    if negative.any():
        raise SurvivalInputError(
            NEGATIVE_TIME.format(name=name, count=int(negative.sum()), row=int(np.flatnonzero(negative)[0]))
        )
    return time


def check_length(array: NDArray, n: int, name: str, reference: str = "time") -> None:
    if array.shape[0] != n:
        raise SurvivalInputError(
            LENGTH_MISMATCH.format(name=name, got=array.shape[0], reference=reference, expected=n)
        )


def check_event(values: ArrayLike, n: int, name: str = "event") -> NDArray[np.int64]:
    """A 0/1 event indicator of length ``n`` (booleans are accepted)."""
    event = as_float_array(values, name)
    check_length(event, n, name)
    bad = (event != 0) & (event != 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SurvivalInputError(NOT_BINARY.format(name=name, row=row, value=event[row]))
    return event.astype(np.int64)


def check_cause(values: ArrayLike, n: int, name: str = "cause") -> NDArray[np.int64]:
    """A competing-risks status: 0 = censored, 1..k = the cause of the event."""
    cause = as_float_array(values, name)
    check_length(cause, n, name)
    bad = (cause < 0) | (cause != np.round(cause))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SurvivalInputError(NOT_CAUSE.format(name=name, row=row, value=cause[row]))
    return cause.astype(np.int64)


def check_entry(values: ArrayLike | None, time: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """Left-truncation / counting-process start times: finite, non-negative and before ``time``."""
    if values is None:
        return None
    entry = check_time(values, "entry")
    check_length(entry, time.shape[0], "entry")
    bad = entry >= time
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SurvivalInputError(ENTRY_NOT_BEFORE_EXIT.format(row=row, entry=entry[row], time=time[row]))
    return entry


def check_weights(values: ArrayLike | None, n: int) -> NDArray[np.float64] | None:
    """Case weights: finite and non-negative."""
    if values is None:
        return None
    weights = as_float_array(values, "weights")
    check_length(weights, n, "weights")
    bad = weights < 0
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SurvivalInputError(NEGATIVE_WEIGHT.format(row=row, value=weights[row]))
    return weights


def check_conf_level(value: float) -> float:
    if not 0.0 < float(value) < 1.0:
        raise SurvivalInputError(BAD_CONF_LEVEL.format(value=value))
    return float(value)


def check_init(values: ArrayLike, p: int) -> NDArray[np.float64]:
    """Starting coefficients (R's ``init =``): ``p`` finite numbers."""
    try:
        start = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise SurvivalInputError(BAD_INIT.format(p=p, value=values)) from None
    if start.shape[0] != p or not np.isfinite(start).all():
        raise SurvivalInputError(BAD_INIT.format(p=p, value=values))
    return start


def check_option(value: str, allowed: Sequence[str], name: str) -> str:
    if value not in allowed:
        raise SurvivalInputError(BAD_OPTION.format(name=name, allowed=tuple(allowed), value=value))
    return value


def check_labels(values: ArrayLike, n: int, name: str) -> tuple[NDArray, NDArray[np.int64]]:
    """Group or stratum labels of length ``n`` without missing values.

    Returns the sorted distinct labels (as ``numpy.unique`` orders them, like R's factor levels for
    numbers) and, for every row, the position of its label among them.
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise SurvivalInputError(NOT_ONE_DIMENSIONAL.format(name=name, shape=array.shape))
    check_length(array, n, name)
    if array.dtype.kind == "f":
        missing = np.isnan(array)
    elif array.dtype.kind == "O":
        missing = np.array([v is None or (isinstance(v, float) and v != v) for v in array], dtype=bool)
    else:
        missing = np.zeros(n, dtype=bool)
    if missing.any():
        raise SurvivalInputError(
            MISSING_LABEL.format(name=name, count=int(missing.sum()), row=int(np.flatnonzero(missing)[0]))
        )
    if array.dtype.kind == "O":
        array = array.astype(str)
    labels, codes = np.unique(array, return_inverse=True)
    return labels, codes.astype(np.int64).reshape(-1)


def check_tau(value: float) -> float:
    """A positive, finite horizon for restricted means."""
    tau = float(value)
    if not (np.isfinite(tau) and tau > 0):
        raise SurvivalInputError(BAD_TAU.format(value=value))
    return tau


def check_rho(value: float) -> float:
    """The Fleming-Harrington / Gray exponent: finite and non-negative."""
    rho = float(value)
    if not (np.isfinite(rho) and rho >= 0):
        raise SurvivalInputError(BAD_RHO.format(value=value))
    return rho


def check_times(values: ArrayLike) -> NDArray[np.float64]:
    """Evaluation times: a finite, non-negative, one-dimensional array (a scalar is accepted)."""
    times = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if times.ndim != 1 or not np.all(np.isfinite(times)) or np.any(times < 0):
        raise SurvivalInputError(BAD_TIMES.format(value=values))
    return times
