"""Validation of the prediction models: discrimination and calibration at each horizon, corrected for
optimism by the bootstrap, and internal-external validation leaving each centre out.

For each model and horizon t (OS and PFS at the settings' horizons, NRM at 100 days and 1 year), on the
rows the models were fitted on (the same selection: diseases, eras, complete cases, diseases in the model):

- ``auc`` — the time-dependent AUC, cumulative/dynamic with inverse probability of censoring weights, as
  R's ``riskRegression::Score`` (``cens.model = "km"``): cases are the events of the endpoint by t (weight
  1/G(T_i-)), controls the rows still event-free after t (weight 1/G(t)) and, for NRM, the rows with a
  relapse/progression by t (weight 1/G(T_i-)); AUC = the weighted proportion of case-control pairs in
  which the case has the higher predicted risk, ties counting one half. G is the Kaplan-Meier estimate of
  the censoring distribution on the rows evaluated, as ``prodlim(..., reverse = TRUE)`` computes it: any
  event is "not censored", and an event tied with a censoring leaves the censoring's risk set first.
- ``brier`` — the IPCW Brier score at t, as ``Score``: the mean over all n rows of (1 - r_i)^2/G(T_i-)
  for a case, r_i^2/G(T_i-) for a competing event by t, r_i^2/G(t) for a row event-free after t and 0 for
  a row censored by t; r_i the predicted risk (1 - S(t|x) for OS and PFS, the cumulative incidence for
  NRM). ``brier_null`` is the Brier score of the null model (Kaplan-Meier, for NRM Aalen-Johansen, risk at
  t on the rows evaluated, the same for everyone) and ``scaled_brier`` = 1 - brier/brier_null
  (``Score``'s IPA).
- ``harrell_c`` — Harrell's C of the linear predictor truncated at t (events after t censored at t),
  counted as R's ``concordance`` (:func:`remission.survival.concordance_index`). For NRM the rows with a
  relapse/progression are kept comparable to the end (censored at t; Wolbers' C for competing risks).
- ``uno_c`` — Uno's C truncated at t: Harrell's pairs weighted by 1/G(T_i-)^2 of the earlier event (for
  OS and PFS R's ``concordance(..., timewt = "n/G2")``).
- ``calibration_slope`` — the coefficient of a Cox model (NRM: Fine-Gray) of the outcome, censored at t,
  on the model's linear predictor as the only covariate; 1 is ideal, below 1 predictions too extreme.
  The models are fitted on the whole follow-up, so even the apparent slope at a horizon is not 1 where
  the predictors act more strongly (or weakly) before the horizon than after it.
- ``mean_risk`` and ``observed_risk`` — the mean predicted risk and the Kaplan-Meier (Aalen-Johansen)
  risk at t: calibration in the large; the calibration plot (:func:`calibration_groups`, apparent) gives
  both for groups of rows in order of predicted risk (tenths by default).

Bootstrap optimism (Harrell): ``bootstrap`` resamples of the fitted rows with replacement (NumPy's
``default_rng(seed)``: the same seed, the same numbers); on each the models are refitted with
:func:`~.fit.fit_prediction_models` and the optimism of each metric is its value on the resample minus its
value on the original rows for the refitted model (each refit starts its Newton-Raphson from the
models fitted on all rows: the same answer in half the iterations); ``optimism`` is the mean over the
resamples (NaN values, e.g. no case in a resample, left out) and ``corrected`` = apparent - optimism.
A resample whose fit fails (too few events for the parameters, tied knots) is counted and its reason
kept; original rows whose disease the refit left out (under ``min_patients_per_disease`` in the
resample) are not in its test scores.

Internal-external validation: for each centre (``centre_column``) the models are refitted on every other
centre's rows and scored on that centre's rows. A model and horizon is scored at a centre only when the
centre has at least ``min_centre_events`` events of the endpoint by the horizon among its rows; the
skipped ones are listed with the reason. ``pooled`` scores the stacked left-out predictions of the
centres scored. A left-out row whose disease or level is not in the refitted model is not scored (counted).
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from remission.analysis.dataset import AnalysisSet
from remission.analysis.outcomes import NRM
from remission.analysis.prediction.design import FACTORS, as_categories, as_levels, predictor_frame
from remission.analysis.prediction.fit import fit_prediction_models
from remission.analysis.prediction.model import ModelSet
from remission.analysis.prediction.predict import horizon_label
from remission.analysis.prediction.settings import PredictionSettings
from remission.survival import cox, fine_gray
from remission.survival.concordance import later_and_lower

FloatArray = NDArray[np.float64]

# endpoint -> (time column, event/cause column, cause of interest)
OUTCOMES: dict[str, tuple[str, str, int]] = {
    "OS": ("os_days", "os_event", 1),
    "PFS": ("pfs_days", "pfs_event", 1),
    "NRM": ("cr_days", "cr_cause", NRM),
}
METRICS: tuple[str, ...] = (
    "auc",
    "brier",
    "brier_null",
    "scaled_brier",
    "harrell_c",
    "uno_c",
    "calibration_slope",
    "mean_risk",
    "observed_risk",
)
CORRECTED: tuple[str, ...] = ("auc", "brier", "scaled_brier", "harrell_c", "uno_c", "calibration_slope")
DEFAULT_SEED = 20261204
BAD_BOOTSTRAP = "bootstrap must be a whole number >= 0, not {value!r}"
NO_CENTRE_COLUMN = "the frame has no column {column!r}"
CENTRE_TOO_FEW = "{events} {endpoint} events by {horizon} at the centre, fewer than {minimum}"
CENTRE_FIT_FAILED = "the models could not be refitted without the centre: {error}"
CENTRE_NO_ROWS = "no row of the centre can be predicted by the models refitted without it"
METHODS = (
    "AUC: cumulative/dynamic, IPCW with the Kaplan-Meier censoring distribution (riskRegression::Score); "
    "Brier: IPCW (riskRegression::Score), scaled Brier = 1 - Brier/Brier of the Kaplan-Meier "
    "(Aalen-Johansen) null model (IPA); Harrell's and Uno's C of the linear predictor truncated at the "
    "horizon (NRM: relapse/progression kept comparable, Wolbers); calibration slope: Cox (NRM: Fine-Gray) "
    "coefficient of the linear predictor, outcome censored at the horizon; optimism: Harrell's bootstrap "
    "(refit on each resample, apparent on the resample minus test on the original rows, mean over the "
    "resamples); internal-external: refit without each centre, scored on that centre."
)


# ---------------------------------------------------------------------------------------------------------
# scores of one set of predictions


def _censoring(
    time: FloatArray, cause: NDArray[np.int64], distinct: tuple[FloatArray, NDArray[np.int64]] | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The Kaplan-Meier of the censoring distribution at the distinct times: (times, G(t), G(t-)), as
    ``prodlim(..., reverse = TRUE)``: the rows at risk of censoring at t are those with time > t and those
    censored at t (the events at t come before). ``distinct``: ``np.unique(time, return_inverse=True)``
    when the caller has it."""
    unique, inverse = np.unique(time, return_inverse=True) if distinct is None else distinct
    counts = np.bincount(inverse, minlength=unique.shape[0])
    at_risk = time.shape[0] - np.cumsum(counts) + counts
    censored = np.bincount(inverse, weights=(cause == 0).astype(np.float64), minlength=unique.shape[0])
    # an event tied with a censoring comes first: it leaves the censoring's risk set (prodlim's reverse)
    uncensored = counts - censored
    g = np.cumprod(
        1.0 - np.divide(censored, at_risk - uncensored, out=np.zeros_like(censored), where=censored > 0)
    )
    return unique, g, np.r_[1.0, g[:-1]]


def _step_at(times: FloatArray, values: FloatArray, t: float, start: float) -> float:
    """A right-continuous step function (``values`` from each of ``times``) at t; ``start`` before."""
    k = int(np.searchsorted(times, t, side="right"))
    return float(values[k - 1]) if k > 0 else start


def _null_curve(
    time: FloatArray,
    cause: NDArray[np.int64],
    interest: int,
    distinct: tuple[FloatArray, NDArray[np.int64]] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """(distinct times, risk from each): 1 - Kaplan-Meier (one cause), else Aalen-Johansen; ``distinct``
    as :func:`_censoring`'s."""
    unique, inverse = np.unique(time, return_inverse=True) if distinct is None else distinct
    counts = np.bincount(inverse, minlength=unique.shape[0])
    at_risk = (time.shape[0] - np.cumsum(counts) + counts).astype(np.float64)
    any_event = np.bincount(inverse, weights=(cause > 0).astype(np.float64), minlength=unique.shape[0])
    events = np.bincount(inverse, weights=(cause == interest).astype(np.float64), minlength=unique.shape[0])
    surv = np.cumprod(1.0 - any_event / at_risk)
    before = np.r_[1.0, surv[:-1]]
    return unique, np.cumsum(before * events / at_risk)


def null_risk(time: FloatArray, cause: NDArray[np.int64], horizon: float, interest: int = 1) -> float:
    """The risk at ``horizon`` with no predictor: 1 - Kaplan-Meier (one cause), else Aalen-Johansen."""
    return _step_at(*_null_curve(time, cause, interest), horizon, 0.0)


@dataclass(frozen=True)
class Outcome:
    """What the scores of one endpoint on one set of rows need from the outcome alone, computed once for
    every horizon and every set of predictions on those rows (the original rows are scored once per
    bootstrap resample, with new predictions each time).

    ``g_before``: G(T_i-) of each row, G the censoring Kaplan-Meier (:func:`_censoring`);
    ``censoring_times``/``g``: G's steps; ``null_times``/``null_risk``: the risk with no predictor
    (:func:`null_risk`). For the concordance, the events of interest up to ``up_to`` (``events``, row
    positions), the rows' sort key (2 × rank of the time, competing events after every time, + 1 when
    censored), each event's lowest key of the rows later than it (``lo``; the comparable rows are those
    with key >= lo), their number (``pairs``) and Uno's weight 1/G(T_i-)^2 (``uno_weight``). An event's
    comparable rows and counts do not depend on the horizon (a row later than an event by the horizon is
    later whether or not it is censored at the horizon), so one count per event serves every horizon."""

    time: FloatArray
    cause: NDArray[np.int64]
    interest: int
    censoring_times: FloatArray
    g: FloatArray
    g_before: FloatArray
    null_times: FloatArray
    null_risk: FloatArray
    events: NDArray[np.int64]
    key: NDArray[np.int64]
    lo: NDArray[np.int64]
    pairs: FloatArray
    uno_weight: FloatArray

    @classmethod
    def of(cls, time: ArrayLike, cause: ArrayLike, interest: int = 1, up_to: float = math.inf) -> Outcome:
        time = np.asarray(time, dtype=np.float64)
        cause = np.asarray(cause, dtype=np.int64)
        distinct_times = np.unique(time, return_inverse=True)
        unique, g, g_minus = _censoring(time, cause, distinct_times)
        g_before = g_minus[distinct_times[1]]
        events = np.flatnonzero((cause == interest) & (time <= up_to))
        later = np.where((cause > 0) & (cause != interest), np.inf, time)
        distinct = np.unique(later)
        key = (2 * np.searchsorted(distinct, later) + (cause == 0)).astype(np.int64)
        lo = (2 * np.searchsorted(distinct, later[events]) + 1).astype(np.int64)
        pairs = (time.shape[0] - np.searchsorted(np.sort(key), lo)).astype(np.float64)
        null_times, null_values = _null_curve(time, cause, interest, distinct_times)
        return cls(
            time=time,
            cause=cause,
            interest=interest,
            censoring_times=unique,
            g=g,
            g_before=g_before,
            null_times=null_times,
            null_risk=null_values,
            events=events,
            key=key,
            lo=lo,
            pairs=pairs,
            uno_weight=1.0 / g_before[events] ** 2,
        )

    def observed(self, horizon: float) -> float:
        """The risk at ``horizon`` with no predictor (:func:`null_risk`)."""
        return _step_at(self.null_times, self.null_risk, horizon, 0.0)

    def groups(
        self, horizon: float
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_], FloatArray, float]:
        """Cases, competing events by t, event-free after t; G(T_i-) per row and G(t)."""
        by = self.time <= horizon
        case = by & (self.cause == self.interest)
        competing = by & (self.cause > 0) & (self.cause != self.interest)
        g_t = _step_at(self.censoring_times, self.g, horizon, 1.0)
        return case, competing, ~by, self.g_before, g_t

    def concordant(self, lp: FloatArray, lp_order: NDArray[np.intp] | None = None) -> FloatArray:
        """Per event of :attr:`events`: its comparable rows with a lower ``lp`` plus half those with an
        equal one (:func:`remission.survival.concordance.later_and_lower`: an event's key is 2 × rank of its
        time, so the rows with a higher key are those with key >= lo). ``lp_order``: ``lp``'s
        argsort when the caller has it."""
        if self.events.size == 0:
            return np.zeros(0)
        order = np.argsort(lp) if lp_order is None else lp_order
        ordered = lp[order]
        lp_rank = np.empty(lp.shape[0], dtype=np.int64)  # dense ranks: equal values, equal ranks
        lp_rank[order] = np.cumsum(np.r_[False, ordered[1:] != ordered[:-1]])
        lower, equal = later_and_lower(self.key, lp_rank, self.events)
        return lower + 0.5 * equal

    def concordances(self, concordant: FloatArray, horizon: float) -> tuple[float, float]:
        """(Harrell's C, Uno's C) at ``horizon`` from :meth:`concordant` (events up to the horizon)."""
        mine = self.time[self.events] <= horizon
        if not mine.any():
            return math.nan, math.nan
        total, counted, weight = self.pairs[mine], concordant[mine], self.uno_weight[mine]
        pairs = float(total.sum())
        harrell = float(counted.sum() / pairs) if pairs > 0 else math.nan
        weighted = float(weight @ total)
        uno = float(weight @ counted / weighted) if weighted > 0 else math.nan
        return harrell, uno


def _brier(outcome: Outcome, risk: FloatArray, horizon: float) -> float:
    case, competing, after, g_before, g_t = outcome.groups(horizon)
    residual = np.zeros(outcome.time.shape[0])
    residual[case] = (1.0 - risk[case]) ** 2 / g_before[case]
    residual[competing] = risk[competing] ** 2 / g_before[competing]
    residual[after] = risk[after] ** 2 / g_t
    return float(residual.sum() / outcome.time.shape[0])


def brier_score(
    time: FloatArray, cause: NDArray[np.int64], risk: FloatArray, horizon: float, interest: int = 1
) -> float:
    """The IPCW Brier score at ``horizon`` of the predicted risks, as ``riskRegression::Score``."""
    return _brier(Outcome.of(time, cause, interest, up_to=-math.inf), np.asarray(risk, float), horizon)


def _weighted_mann_whitney(
    case_score: FloatArray,
    case_weight: FloatArray,
    control_score: FloatArray,
    control_weight: FloatArray,
    control_order: NDArray[np.intp] | None = None,
) -> float:
    """Weighted share of (case, control) pairs with the case's score higher, ties one half.
    ``control_order``: an order of the controls that may sort their scores (checked; else sorted here)."""
    if case_score.size == 0 or control_score.size == 0:
        return math.nan
    order = control_order
    if order is None or (np.diff(control_score[order]) < 0).any():
        order = np.argsort(control_score, kind="stable")
    scores = control_score[order]
    cum = np.r_[0.0, np.cumsum(control_weight[order])]
    below = cum[np.searchsorted(scores, case_score, side="left")]
    up_to = cum[np.searchsorted(scores, case_score, side="right")]
    pairs = case_weight @ (below + 0.5 * (up_to - below))
    return float(pairs / (case_weight.sum() * cum[-1]))


def _auc(
    outcome: Outcome, risk: FloatArray, horizon: float, lp_order: NDArray[np.intp] | None = None
) -> float:
    """:func:`time_auc`; ``lp_order``: the argsort of the linear predictor, whose order is the risk's at
    every horizon (the risk rises with it), so that the controls need no sort of their own."""
    case, competing, after, g_before, g_t = outcome.groups(horizon)
    control = competing | after
    control_weight = np.where(after, 1.0 / g_t, 1.0 / g_before)[control]
    control_order = None
    if lp_order is not None:
        position = np.cumsum(control) - 1  # each control row's place among the controls
        control_order = position[lp_order[control[lp_order]]]
    return _weighted_mann_whitney(
        risk[case], 1.0 / g_before[case], risk[control], control_weight, control_order
    )


def time_auc(
    time: FloatArray, cause: NDArray[np.int64], risk: FloatArray, horizon: float, interest: int = 1
) -> float:
    """The cumulative/dynamic IPCW AUC at ``horizon``, as ``riskRegression::Score``."""
    return _auc(Outcome.of(time, cause, interest, up_to=-math.inf), np.asarray(risk, float), horizon)


def harrell_c(
    time: FloatArray, cause: NDArray[np.int64], lp: FloatArray, horizon: float, interest: int = 1
) -> float:
    """Harrell's C of the linear predictor truncated at ``horizon``, counted as R's ``concordance`` (and
    :func:`remission.survival.concordance_index`) on the data censored at the horizon: the pairs (i, j)
    with i an event at T_i <= horizon and j later (T_j > T_i, or T_j = T_i and j censored; for NRM a
    relapse/progression is later than every time), concordant when lp_i > lp_j, ties in lp one half."""
    return _concordances(time, cause, lp, horizon, interest)[0]


def uno_c(
    time: FloatArray, cause: NDArray[np.int64], lp: FloatArray, horizon: float, interest: int = 1
) -> float:
    """Uno's C truncated at ``horizon``: Harrell's pairs (:func:`harrell_c`) weighted by 1/G(T_i-)^2 of
    the event, G the censoring Kaplan-Meier of the rows (:func:`_censoring`). For OS and PFS this is R's
    ``concordance(..., timewt = "n/G2")`` on the data censored at the horizon."""
    return _concordances(time, cause, lp, horizon, interest)[1]


def _concordances(
    time: FloatArray, cause: NDArray[np.int64], lp: FloatArray, horizon: float, interest: int
) -> tuple[float, float]:
    """(Harrell's C, Uno's C): the comparable pairs counted once for both (:class:`Outcome`)."""
    outcome = Outcome.of(time, cause, interest, up_to=horizon)
    lp = np.asarray(lp, dtype=np.float64)
    return outcome.concordances(outcome.concordant(lp), horizon)


def calibration_slope(
    time: FloatArray,
    cause: NDArray[np.int64],
    lp: FloatArray,
    horizon: float,
    interest: int = 1,
) -> float:
    """The coefficient of the linear predictor in a Cox (competing causes: Fine-Gray) model of the
    outcome censored at ``horizon``; NaN when there is no event or the model cannot be fitted."""
    by = time <= horizon
    t = np.minimum(time, horizon)
    c = np.where(by, cause, 0).astype(np.int64)
    if not (c == interest).any():
        return math.nan
    x = (lp - lp.mean())[:, None]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # started at 1, the slope of a well-calibrated model: fewer iterations, the same answer
            if ((c > 0) & (c != interest)).any():
                fit = fine_gray(x, t, c, cause_of_interest=interest, variance=False, init=[1.0])
                return float(fit.coef[0])
            return float(cox(x, t, (c == interest).astype(np.int64), ties="efron", init=[1.0]).coef[0])
    except (ValueError, np.linalg.LinAlgError):  # e.g. a constant linear predictor
        return math.nan


@dataclass(frozen=True)
class Metrics:
    """The scores of one model at one horizon on one set of rows (see the module notes).

    ``events``: events of the endpoint by the horizon; ``competing``: competing events by the horizon
    (NRM; None otherwise); ``censored``: rows censored by the horizon.
    """

    n: int
    events: int
    competing: int | None
    censored: int
    auc: float
    brier: float
    brier_null: float
    scaled_brier: float
    harrell_c: float
    uno_c: float
    calibration_slope: float
    mean_risk: float
    observed_risk: float

    def value(self, name: str) -> float:
        return float(getattr(self, name))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Metrics:
        counts = {"n", "events", "censored"}
        return cls(
            **{
                f.name: (int(data[f.name]) if f.name in counts else _float(data[f.name]))
                for f in fields(cls)
                if f.name != "competing"
            },
            competing=None if data["competing"] is None else int(data["competing"]),
        )


def score(
    time: FloatArray,
    cause: NDArray[np.int64],
    lp: FloatArray,
    risk: FloatArray,
    horizon: float,
    interest: int = 1,
    *,
    competing: bool = False,
) -> Metrics:
    """Every metric of the predictions ``risk`` (at ``horizon``) and linear predictor ``lp``; ``cause``
    0 = censored, ``interest`` the event of the endpoint, any other positive cause competing."""
    outcome = Outcome.of(time, cause, interest, up_to=horizon)
    lp = np.asarray(lp, dtype=np.float64)
    order = np.argsort(lp)
    risk = np.asarray(risk, dtype=np.float64)
    return _score(outcome, lp, risk, horizon, outcome.concordant(lp, order), competing, order)


def _score(
    outcome: Outcome,
    lp: FloatArray,
    risk: FloatArray,
    horizon: float,
    concordant: FloatArray,
    competing: bool,
    lp_order: NDArray[np.intp] | None = None,
) -> Metrics:
    """:func:`score` with the outcome's parts and the per-event concordance counts already computed;
    ``lp_order``: an argsort of ``lp``."""
    time, cause, interest = outcome.time, outcome.cause, outcome.interest
    by = time <= horizon
    brier = _brier(outcome, risk, horizon)
    harrell, uno = outcome.concordances(concordant, horizon)
    observed = outcome.observed(horizon)
    brier_null = _brier(outcome, np.full(time.shape[0], observed), horizon)
    return Metrics(
        n=int(time.shape[0]),
        events=int((by & (cause == interest)).sum()),
        competing=int((by & (cause > 0) & (cause != interest)).sum()) if competing else None,
        censored=int((by & (cause == 0)).sum()),
        auc=_auc(outcome, risk, horizon, lp_order),
        brier=brier,
        brier_null=brier_null,
        scaled_brier=1.0 - brier / brier_null if brier_null > 0 else math.nan,
        harrell_c=harrell,
        uno_c=uno,
        calibration_slope=calibration_slope(time, cause, lp, horizon, interest),
        mean_risk=float(risk.mean()),
        observed_risk=observed,
    )


@dataclass(frozen=True)
class CalibrationGroup:
    """One group of the calibration plot: ``n`` rows, their mean predicted risk and the observed risk
    (Kaplan-Meier, for NRM Aalen-Johansen, at the horizon within the group), ``events`` by the horizon."""

    n: int
    events: int
    mean_risk: float
    observed_risk: float

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CalibrationGroup:
        return cls(
            int(data["n"]), int(data["events"]), _float(data["mean_risk"]), _float(data["observed_risk"])
        )


def calibration_groups(
    time: FloatArray,
    cause: NDArray[np.int64],
    risk: FloatArray,
    horizon: float,
    interest: int = 1,
    groups: int = 10,
) -> tuple[CalibrationGroup, ...]:
    """The points of the calibration plot: the rows in order of predicted risk cut into ``groups``
    groups of (nearly) equal size (``numpy.array_split``; tied risks may fall into two groups)."""
    order = np.argsort(risk, kind="stable")
    out = []
    for part in np.array_split(order, min(groups, order.shape[0])):
        t, c = time[part], cause[part]
        out.append(
            CalibrationGroup(
                n=int(part.shape[0]),
                events=int(((t <= horizon) & (c == interest)).sum()),
                mean_risk=float(risk[part].mean()),
                observed_risk=null_risk(t, c, horizon, interest),
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------
# predictions of a model set on the rows of a frame


@dataclass(frozen=True)
class _Predicted:
    """The rows of a frame a model set can predict, with each endpoint's outcome and predictions."""

    index: pd.Index
    unpredictable: int
    outcome: dict[str, tuple[FloatArray, NDArray[np.int64]]]
    lp: dict[str, FloatArray]
    risk: dict[tuple[str, float], FloatArray]


def _selected(frame: pd.DataFrame, settings: PredictionSettings) -> pd.DataFrame:
    """The complete-case coded predictors of the rows the settings select (factors as level strings)."""
    predictors = predictor_frame(frame, settings)
    keep = np.ones(len(predictors), dtype=bool)
    if settings.diseases is not None:
        keep &= predictors["disease"].isin(list(settings.diseases)).to_numpy()
    if settings.eras is not None:
        keep &= predictors["era"].astype("object").isin(list(settings.eras)).to_numpy()
    return as_levels(predictors[keep].dropna())


def horizons(model_set: ModelSet) -> tuple[tuple[str, float], ...]:
    """(endpoint, horizon in days) of every model, in the model set's order."""
    s = model_set.settings
    by = {"OS": s.os_horizons, "PFS": s.pfs_horizons, "NRM": s.nrm_horizons}
    return tuple((m.endpoint, float(h)) for m in model_set.models for h in by[m.endpoint])


def _predict_rows(model_set: ModelSet, frame: pd.DataFrame, coded: pd.DataFrame | None = None) -> _Predicted:
    """The predictions of ``model_set`` for the rows of ``frame`` it can predict; ``coded``: the rows'
    :func:`_selected` predictors under the model set's settings when already known (same index)."""
    coded = _selected(frame, model_set.settings) if coded is None else coded
    known = np.ones(len(coded), dtype=bool)
    for name in FACTORS:
        known &= coded[name].isin(list(model_set.design.factor(name).levels)).to_numpy()
    every = bool(known.all())  # then the rows are the frame's own (no copies)
    rows = coded if every else coded[known]
    X = model_set.design.encode(rows) if len(rows) else np.empty((0, len(model_set.design.columns)))
    data = frame if every and coded.index.equals(frame.index) else frame.loc[rows.index]
    outcome: dict[str, tuple[FloatArray, NDArray[np.int64]]] = {}
    lp: dict[str, FloatArray] = {}
    risk: dict[tuple[str, float], FloatArray] = {}
    for endpoint, horizon in horizons(model_set):
        model = model_set.model(endpoint)
        if endpoint not in lp:
            time_column, cause_column, _ = OUTCOMES[endpoint]
            outcome[endpoint] = (
                data[time_column].to_numpy(dtype=np.float64),
                data[cause_column].to_numpy(dtype=np.int64),
            )
            lp[endpoint] = X @ np.asarray(model.coef)
        times = np.asarray(model.baseline_times)
        cumhaz = np.r_[0.0, np.asarray(model.baseline_cumhaz)]
        base = float(cumhaz[np.searchsorted(times, horizon, side="right")])
        risk[(endpoint, horizon)] = -np.expm1(-base * np.exp(lp[endpoint]))
    return _Predicted(rows.index, int((~known).sum()), outcome, lp, risk)


def predicted_risks(model_set: ModelSet, frame: pd.DataFrame | AnalysisSet) -> pd.DataFrame:
    """Each predictable row's linear predictor per endpoint (``lp_OS`` …) and predicted risk per model and
    horizon (``risk_OS_365.25`` …: 1 - survival for OS and PFS, cumulative incidence for NRM)."""
    frame = frame.frame if isinstance(frame, AnalysisSet) else frame
    p = _predict_rows(model_set, frame)
    out = pd.DataFrame(index=p.index)
    for endpoint, values in p.lp.items():
        out[f"lp_{endpoint}"] = values
    for (endpoint, horizon), values in p.risk.items():
        out[f"risk_{endpoint}_{horizon:g}"] = values
    return out


def _outcomes(p: _Predicted, keys: tuple[tuple[str, float], ...]) -> dict[str, Outcome]:
    """The :class:`Outcome` of each endpoint of ``keys`` on the rows of ``p``."""
    out = {}
    for endpoint in dict.fromkeys(e for e, _ in keys):
        up_to = max(h for e, h in keys if e == endpoint)
        out[endpoint] = Outcome.of(*p.outcome[endpoint], OUTCOMES[endpoint][2], up_to=up_to)
    return out


def _score_all(
    p: _Predicted, keys: tuple[tuple[str, float], ...], outcomes: Mapping[str, Outcome] | None = None
) -> dict[tuple[str, float], Metrics]:
    """:func:`score` of every model and horizon of ``keys``; ``outcomes``: the rows' :func:`_outcomes`
    when already known."""
    outcomes = _outcomes(p, keys) if outcomes is None else outcomes
    orders = {endpoint: np.argsort(p.lp[endpoint]) for endpoint in outcomes}
    concordant = {e: outcomes[e].concordant(p.lp[e], orders[e]) for e in outcomes}
    return {
        (endpoint, horizon): _score(
            outcomes[endpoint],
            p.lp[endpoint],
            p.risk[(endpoint, horizon)],
            horizon,
            concordant[endpoint],
            competing=endpoint == "NRM",
            lp_order=orders[endpoint],
        )
        for endpoint, horizon in keys
    }


# ---------------------------------------------------------------------------------------------------------
# the validation


@dataclass(frozen=True)
class CentreResult:
    """One left-out centre for one model and horizon: its rows scored (``metrics``) or the reason it was
    skipped. ``n``/``events``: the centre's rows and events by the horizon; ``unpredictable``: its rows
    the models refitted without it cannot predict (a disease or level only it had)."""

    centre: str
    n: int
    events: int
    unpredictable: int
    metrics: Metrics | None
    skipped: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "centre": self.centre,
            "n": self.n,
            "events": self.events,
            "unpredictable": self.unpredictable,
            "metrics": None if self.metrics is None else self.metrics.to_dict(),
            "skipped": self.skipped,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CentreResult:
        return cls(
            centre=str(data["centre"]),
            n=int(data["n"]),
            events=int(data["events"]),
            unpredictable=int(data["unpredictable"]),
            metrics=None if data["metrics"] is None else Metrics.from_dict(data["metrics"]),
            skipped=None if data["skipped"] is None else str(data["skipped"]),
        )


@dataclass(frozen=True)
class HorizonValidation:
    """One model at one horizon: apparent scores, bootstrap optimism and corrected scores (the metrics of
    :data:`CORRECTED`), the resamples that entered (``bootstrap_used``), the left-out centres (each, and
    ``pooled``) and the apparent calibration plot's groups (``calibration``)."""

    endpoint: str
    horizon_days: float
    horizon: str
    apparent: Metrics
    optimism: tuple[tuple[str, float], ...]
    corrected: tuple[tuple[str, float], ...]
    bootstrap_used: tuple[tuple[str, int], ...]
    centres: tuple[CentreResult, ...]
    pooled: Metrics | None
    calibration: tuple[CalibrationGroup, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "horizon_days": self.horizon_days,
            "horizon": self.horizon,
            "apparent": self.apparent.to_dict(),
            "optimism": {k: _json(v) for k, v in self.optimism},
            "corrected": {k: _json(v) for k, v in self.corrected},
            "bootstrap_used": dict(self.bootstrap_used),
            "centres": [c.to_dict() for c in self.centres],
            "centres_scored": sum(c.metrics is not None for c in self.centres),
            "pooled": None if self.pooled is None else self.pooled.to_dict(),
            "calibration": [g.to_dict() for g in self.calibration],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HorizonValidation:
        return cls(
            endpoint=str(data["endpoint"]),
            horizon_days=float(data["horizon_days"]),
            horizon=str(data["horizon"]),
            apparent=Metrics.from_dict(data["apparent"]),
            optimism=tuple((str(k), _float(v)) for k, v in data["optimism"].items()),
            corrected=tuple((str(k), _float(v)) for k, v in data["corrected"].items()),
            bootstrap_used=tuple((str(k), int(v)) for k, v in data["bootstrap_used"].items()),
            centres=tuple(CentreResult.from_dict(c) for c in data["centres"]),
            pooled=None if data["pooled"] is None else Metrics.from_dict(data["pooled"]),
            calibration=tuple(CalibrationGroup.from_dict(g) for g in data["calibration"]),
        )


@dataclass(frozen=True)
class Validation:
    """The validation of one model set (see the module notes). ``bootstrap_failures``: (reason, count)
    of the resamples whose refit failed; ``centre_note``: why there is no internal-external validation,
    if there is none; ``centres_skipped``: (centre, reason) of the centres not scored at all."""

    model_version: str
    n: int
    bootstrap: int
    seed: int
    bootstrap_fitted: int
    bootstrap_failures: tuple[tuple[str, int], ...]
    centre_column: str
    min_centre_events: int
    centre_note: str | None
    centres_skipped: tuple[tuple[str, str], ...]
    results: tuple[HorizonValidation, ...]
    methods: str = METHODS

    def result(self, endpoint: str, horizon_days: float) -> HorizonValidation:
        return next(r for r in self.results if r.endpoint == endpoint and r.horizon_days == horizon_days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "n": self.n,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "bootstrap_fitted": self.bootstrap_fitted,
            "bootstrap_failures": [{"reason": r, "count": c} for r, c in self.bootstrap_failures],
            "centre_column": self.centre_column,
            "min_centre_events": self.min_centre_events,
            "centre_note": self.centre_note,
            "centres_skipped": [{"centre": c, "reason": r} for c, r in self.centres_skipped],
            "results": [r.to_dict() for r in self.results],
            "summary": self.summary(),
            "methods": self.methods,
        }

    def summary(self) -> dict[str, dict[str, dict[str, Any]]]:
        """ "<endpoint> at <horizon>" → metric (:data:`CORRECTED`) → apparent, optimism, corrected and the
        pooled left-out centres' value (JSON-safe; the same numbers as ``results``, keyed for reading)."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for r in self.results:
            optimism, corrected = dict(r.optimism), dict(r.corrected)
            out[f"{r.endpoint} at {r.horizon}"] = {
                metric: {
                    "apparent": _json(r.apparent.value(metric)),
                    "optimism": _json(optimism[metric]),
                    "corrected": _json(corrected[metric]),
                    "centres_pooled": None if r.pooled is None else _json(r.pooled.value(metric)),
                }
                for metric in CORRECTED
            }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Validation:
        """The inverse of :meth:`to_dict` (after a JSON round trip too: null numbers come back as NaN)."""
        return cls(
            model_version=str(data["model_version"]),
            n=int(data["n"]),
            bootstrap=int(data["bootstrap"]),
            seed=int(data["seed"]),
            bootstrap_fitted=int(data["bootstrap_fitted"]),
            bootstrap_failures=tuple((str(f["reason"]), int(f["count"])) for f in data["bootstrap_failures"]),
            centre_column=str(data["centre_column"]),
            min_centre_events=int(data["min_centre_events"]),
            centre_note=None if data["centre_note"] is None else str(data["centre_note"]),
            centres_skipped=tuple((str(c["centre"]), str(c["reason"])) for c in data["centres_skipped"]),
            results=tuple(HorizonValidation.from_dict(r) for r in data["results"]),
            methods=str(data["methods"]),
        )


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _json(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _bootstrap(
    rows: pd.DataFrame,
    keys: tuple[tuple[str, float], ...],
    settings: PredictionSettings,
    model_set: ModelSet,
    resamples: int,
    seed: int,
) -> tuple[dict[tuple[str, float], dict[str, list[float]]], int, Counter[str]]:
    rng = np.random.default_rng(seed)
    differences: dict[tuple[str, float], dict[str, list[float]]] = {
        k: {m: [] for m in CORRECTED} for k in keys
    }
    fitted = 0
    failures: Counter[str] = Counter()
    n = len(rows)
    # coded once, factors as Categoricals; each resample draws its rows
    predictors = as_categories(predictor_frame(rows, settings))
    coded = as_categories(_selected(rows, settings))  # every row: the rows are complete cases
    original: dict[str, Outcome] | None = None
    # what a refit reads from the rows besides the predictors: the outcomes
    outcome_rows = rows[list(dict.fromkeys(c for time, cause, _ in OUTCOMES.values() for c in (time, cause)))]
    for _ in range(resamples):
        draw = rng.integers(0, n, n)
        sample = outcome_rows.iloc[draw].reset_index(drop=True)
        sample_coded = coded.iloc[draw].reset_index(drop=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                refit = fit_prediction_models(
                    sample,
                    settings,
                    cutoff=model_set.cutoff,
                    variance=False,
                    predictors=predictors.iloc[draw].reset_index(drop=True),
                    start=model_set,
                )
        except (ValueError, np.linalg.LinAlgError) as error:
            failures[str(error)] += 1
            continue
        fitted += 1
        on_sample = _score_all(_predict_rows(refit, sample, sample_coded), keys)
        test = _predict_rows(refit, rows, coded)
        if len(test.index) < n:  # a disease the refit left out: the outcome of fewer rows
            on_original = _score_all(test, keys)
        else:
            original = _outcomes(test, keys) if original is None else original
            on_original = _score_all(test, keys, original)
        for key in keys:
            for metric in CORRECTED:
                differences[key][metric].append(on_sample[key].value(metric) - on_original[key].value(metric))
    return differences, fitted, failures


def _too_few(events: int, key: tuple[str, float], minimum: int) -> str:
    return CENTRE_TOO_FEW.format(
        events=events, endpoint=key[0], horizon=horizon_label(key[1]), minimum=minimum
    )


def _centres(
    frame: pd.DataFrame,
    rows: pd.DataFrame,
    keys: tuple[tuple[str, float], ...],
    settings: PredictionSettings,
    model_set: ModelSet,
    column: str,
    min_events: int,
) -> tuple[
    dict[tuple[str, float], list[CentreResult]],
    dict[tuple[str, float], Metrics | None],
    list[tuple[str, str]],
]:
    results: dict[tuple[str, float], list[CentreResult]] = {k: [] for k in keys}
    stacked: dict[tuple[str, float], list[tuple[FloatArray, ...]]] = {k: [] for k in keys}
    skipped: list[tuple[str, str]] = []
    row_labels = rows[column].astype("object").where(rows[column].notna()).map(_label)
    frame_labels = frame[column].astype("object").where(frame[column].notna()).map(_label)
    for centre in sorted(set(row_labels.dropna())):
        test = rows[row_labels.eq(centre).to_numpy()]
        n = len(test)
        counts: dict[tuple[str, float], int] = {}
        for endpoint, horizon in keys:
            time_column, cause_column, interest = OUTCOMES[endpoint]
            counts[(endpoint, horizon)] = int(
                ((test[time_column] <= horizon) & (test[cause_column] == interest)).sum()
            )
        enough = [k for k in keys if counts[k] >= min_events]
        reason: str | None = None
        unpredictable = 0
        predicted: _Predicted | None = None
        if not enough:
            reason = f"fewer than {min_events} events by the horizon for every model"
        else:
            train = frame[~frame_labels.eq(centre).to_numpy()].reset_index(drop=True)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    refit = fit_prediction_models(train, settings, cutoff=model_set.cutoff)
            except (ValueError, np.linalg.LinAlgError) as error:
                reason = CENTRE_FIT_FAILED.format(error=error)
            else:
                predicted = _predict_rows(refit, test)
                unpredictable = predicted.unpredictable
                if len(predicted.index) == 0:
                    reason = CENTRE_NO_ROWS
        if reason is not None:
            skipped.append((centre, reason))
        for key in keys:
            if predicted is None or reason is not None or key not in enough:
                why = _too_few(counts[key], key, min_events) if key not in enough else reason
                results[key].append(CentreResult(centre, n, counts[key], unpredictable, None, why))
                continue
            endpoint = key[0]
            metrics = _score_all(predicted, (key,))[key]
            results[key].append(CentreResult(centre, n, counts[key], unpredictable, metrics, None))
            stacked[key].append((*predicted.outcome[endpoint], predicted.lp[endpoint], predicted.risk[key]))
    pooled: dict[tuple[str, float], Metrics | None] = {}
    for key in keys:
        if not stacked[key]:
            pooled[key] = None
            continue
        endpoint, horizon = key
        time, cause, lp, risk = (np.concatenate(parts) for parts in zip(*stacked[key], strict=True))
        pooled[key] = score(
            time, cause, lp, risk, horizon, OUTCOMES[endpoint][2], competing=endpoint == "NRM"
        )
    return results, pooled, skipped


def _label(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def validate_model_set(
    frame: pd.DataFrame | AnalysisSet,
    model_set: ModelSet,
    settings: PredictionSettings | None = None,
    *,
    bootstrap: int = 200,
    seed: int = DEFAULT_SEED,
    centre_column: str = "centre",
    min_centre_events: int = 10,
    calibration_groups_count: int = 10,
) -> Validation:
    """Validate ``model_set`` on ``frame`` (the analysis set it was fitted on): apparent scores, Harrell's
    bootstrap optimism correction (``bootstrap`` resamples, 0 for none; ``seed`` fixes them) and
    internal-external validation by centre. ``settings``: the settings to refit with (default: the model
    set's). ``calibration_groups_count``: the groups of the apparent calibration plot."""
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise ValueError(BAD_BOOTSTRAP.format(value=bootstrap))
    frame = frame.frame if isinstance(frame, AnalysisSet) else frame
    settings = model_set.settings if settings is None else settings
    keys = horizons(model_set)
    original = _predict_rows(model_set, frame)
    rows = frame.loc[original.index]
    apparent = _score_all(original, keys)
    differences, fitted, failures = _bootstrap(rows, keys, settings, model_set, bootstrap, seed)
    if centre_column in frame.columns:
        centres, pooled, centres_skipped = _centres(
            frame, rows, keys, settings, model_set, centre_column, min_centre_events
        )
        note = None
    else:
        centres = {k: [] for k in keys}
        pooled = {k: None for k in keys}
        centres_skipped = []
        note = NO_CENTRE_COLUMN.format(column=centre_column)
    results = []
    for key in keys:
        endpoint, horizon = key
        optimism, corrected, used = [], [], []
        for metric in CORRECTED:
            values = np.asarray(differences[key][metric], dtype=np.float64)
            finite = values[np.isfinite(values)]
            mean = float(finite.mean()) if finite.size else math.nan
            optimism.append((metric, mean))
            corrected.append((metric, apparent[key].value(metric) - mean))
            used.append((metric, int(finite.size)))
        results.append(
            HorizonValidation(
                endpoint=endpoint,
                horizon_days=horizon,
                horizon=horizon_label(horizon),
                apparent=apparent[key],
                optimism=tuple(optimism),
                corrected=tuple(corrected),
                bootstrap_used=tuple(used),
                centres=tuple(centres[key]),
                pooled=pooled[key],
                calibration=calibration_groups(
                    *original.outcome[endpoint],
                    original.risk[key],
                    horizon,
                    OUTCOMES[endpoint][2],
                    calibration_groups_count,
                ),
            )
        )
    return Validation(
        model_version=model_set.version,
        n=len(original.index),
        bootstrap=bootstrap,
        seed=seed,
        bootstrap_fitted=fitted,
        bootstrap_failures=tuple(sorted(failures.items())),
        centre_column=centre_column,
        min_centre_events=min_centre_events,
        centre_note=note,
        centres_skipped=tuple(centres_skipped),
        results=tuple(results),
    )
