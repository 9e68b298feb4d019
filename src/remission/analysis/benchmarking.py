"""Centre benchmarking: observed against case-mix-expected events per centre, and funnel-plot limits.

Method (the one the report's methods paragraph states):

1. **Endpoint, truncated at a horizon.** For 1-year overall mortality a patient's time is
   min(``os_days``, 365.25) and the event is a death on or before day 365.25; for 100-day and 1-year
   non-relapse mortality the time is min(``cr_days``, horizon) and the event an NRM death (``cr_cause``
   2) by the horizon — a relapse or progression first ends the patient's time at risk for NRM
   (cause-specific hazard).
2. **Case-mix model without centre.** A Cox model (:func:`remission.survival.cox`, Efron ties) of the
   truncated endpoint on the patient's case mix — age (per 10 years), sex, disease and era of infusion
   (:data:`CASE_MIX`), complete cases; a disease with fewer than :data:`MIN_LEVEL_EVENTS` events is pooled
   with the others in "other diseases" for the model. Conditioning intensity and centre experience are
   left out on purpose: they are the centre's practice, which benchmarking compares, not case mix.
3. **Expected events.** Patient *i* contributes E_i = Ĥ0(t_i) exp(x_i'β̂), the model's cumulative
   hazard over the patient's own time at risk up to the horizon (R ``predict(coxph, type =
   "expected")``, with Efron's weights for tied deaths); a centre's expected count is E = Σ E_i over
   its patients, its observed count O the events. Over the whole cohort Σ O = Σ E (the martingale
   residuals of the fit sum to 0).
4. **O/E with its 95 % CI.** O is taken as Poisson with mean E·SMR; the exact (Garwood) interval is
   [χ²(0.025; 2O)/2, χ²(0.975; 2O + 2)/2] / E (R ``poisson.test(O, E)``).
5. **Funnel-plot control limits** ([@Spiegelhalter2005, section 5 and appendix], "exact" Poisson limits
   with interpolation): for a centre with E expected events, under O/E = 1, the limit for probability p is
   (r_p − α)/E where r_p is the p-quantile of Poisson(E) and α = (P(O ≤ r_p) − p)/P(O = r_p). The 95 %
   limits use p = 0.025 and 0.975, the 99.8 % limits p = 0.001 and 0.999. A centre above the upper
   99.8 % limit has more events than its case mix predicts beyond what chance would explain in 1 of
   1,000 centres.

Benchmarking is computed only when at least :data:`MIN_CENTRES` centres are in the cohort. Centres are
named by their code. Pure functions on the analysis data set; nothing is read from the database.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from remission.analysis.outcomes import model_frame
from remission.analysis.words import Words, words
from remission.survival import ConvergenceWarning, SurvivalInputError, cox, design_matrix

CASE_MIX: tuple[str, ...] = ("age", "sex", "disease", "era")
MIN_CENTRES = 3
MIN_LEVEL_EVENTS = 5  # a disease with fewer events is pooled into OTHER_DISEASES in the model
OTHER_DISEASES = "other diseases"
LIMITS: tuple[tuple[str, float], ...] = (("95%", 0.95), ("99.8%", 0.998))
FUNNEL_POINTS = 300  # expected counts at which a funnel plot's limit lines are computed
NRM = 2  # cr_cause code of non-relapse mortality (remission.analysis.endpoints)
SKIPPED = gettext_noop("Benchmarking of %(endpoint)s: not computed — %(reason)s")  # Words templates
WARNED = gettext_noop("Benchmarking of %(endpoint)s: %(message)s")
NO_EVENT = gettext_noop("no event in the cohort")
MISSING_COLUMNS = "centre benchmarking needs the columns {needed}; got {got}"


@dataclass(frozen=True)
class BenchmarkEndpoint:
    """An endpoint truncated at ``horizon_days``: an event ``time``/``event`` pair of the analysis set,
    where ``cause`` (if set) is the ``event`` code that counts (a competing-risks cause)."""

    name: str
    label: str
    time: str
    event: str
    horizon_days: float
    cause: int | None = None

    def observed(self, frame: pd.DataFrame) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """(time at risk up to the horizon, event by the horizon) per row."""
        time = frame[self.time].to_numpy(dtype=np.float64)
        code = frame[self.event].to_numpy(dtype=np.int64)
        hit = (code == self.cause) if self.cause is not None else (code == 1)
        within = time <= self.horizon_days
        return np.minimum(time, self.horizon_days), (hit & within).astype(np.int64)


ENDPOINTS: tuple[BenchmarkEndpoint, ...] = (
    BenchmarkEndpoint(
        "nrm_100d", gettext_noop("100-day non-relapse mortality"), "cr_days", "cr_cause", 100.0, NRM
    ),
    BenchmarkEndpoint(
        "nrm_1y", gettext_noop("1-year non-relapse mortality"), "cr_days", "cr_cause", 365.25, NRM
    ),
    BenchmarkEndpoint("os_1y", gettext_noop("1-year overall mortality"), "os_days", "os_event", 365.25),
)


@dataclass(frozen=True)
class Benchmarking:
    """Observed and expected events per centre and endpoint, with O/E, its CI and the funnel verdict.

    ``centres``: endpoint, label, horizon_days, centre, n, observed, expected, ratio, lower, upper,
    outside_95, outside_998 (-1 below that funnel's lower limit, +1 above its upper limit, 0 within).
    ``models``: endpoint, n (patients in the model), n_event, terms (the case-mix terms fitted).
    ``notes``: endpoints not computed and fit warnings, with the reason.
    ``funnels``: the funnel plot's limit lines per endpoint (endpoint and the columns of
    :func:`funnel_limits`, :func:`funnel_curve`).
    """

    centres: pd.DataFrame
    models: pd.DataFrame
    notes: tuple[Words, ...]
    funnels: pd.DataFrame


def poisson_ratio_ci(
    observed: ArrayLike, expected: ArrayLike, level: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Exact (Garwood) confidence interval of O/E with O Poisson and E fixed (R ``poisson.test``)."""
    o = np.asarray(observed, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    tail = (1.0 - level) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(o > 0, stats.chi2.ppf(tail, 2.0 * o) / 2.0, 0.0) / e
        upper = stats.chi2.ppf(1.0 - tail, 2.0 * o + 2.0) / 2.0 / e
    return lower, upper


def funnel_limit(expected: ArrayLike, p: float) -> NDArray[np.float64]:
    """The O/E funnel limit for probability ``p`` at ``expected`` events ([@Spiegelhalter2005], exact
    Poisson with interpolation; see the module notes). Never below 0."""
    e = np.asarray(expected, dtype=np.float64)
    r = stats.poisson.ppf(p, e)
    cdf = stats.poisson.cdf(r, e)
    pmf = stats.poisson.pmf(r, e)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(pmf > 0, (cdf - p) / pmf, 0.0)
        return np.maximum((r - alpha) / e, 0.0)


def funnel_limits(expected: ArrayLike) -> pd.DataFrame:
    """Lower and upper 95 % and 99.8 % limits of O/E at each ``expected``: columns expected,
    lower_95, upper_95, lower_998, upper_998."""
    e = np.asarray(expected, dtype=np.float64)
    columns: dict[str, NDArray[np.float64]] = {"expected": e}
    for name, level in LIMITS:
        key = name.rstrip("%").replace(".", "")
        tail = (1.0 - level) / 2.0
        columns[f"lower_{key}"] = funnel_limit(e, tail)
        columns[f"upper_{key}"] = funnel_limit(e, 1.0 - tail)
    return pd.DataFrame(columns)


def funnel_curve(centres: pd.DataFrame, points: int = FUNNEL_POINTS) -> pd.DataFrame:
    """The limit lines of one endpoint's funnel plot: :func:`funnel_limits` at ``points`` expected counts,
    evenly spaced on a log scale over the expected events of ``centres`` (rows of
    :attr:`Benchmarking.centres`), widened to at least a tenfold range so that the funnel's narrowing
    shows (and from 0.05 up). Empty when no centre has expected events."""
    expected = centres["expected"].to_numpy(dtype=np.float64)
    expected = expected[expected > 0]
    if not len(expected):
        return funnel_limits(np.empty(0))
    low, high = float(expected.min()), float(expected.max())
    middle = np.sqrt(low * high)
    low, high = min(low * 0.8, middle / np.sqrt(10.0)), max(high * 1.15, middle * np.sqrt(10.0))
    return funnel_limits(np.geomspace(max(low, 0.05), high, points))


def case_mix(
    frame: pd.DataFrame, events: NDArray[np.int64], covariates: Sequence[str] = CASE_MIX
) -> pd.DataFrame:
    """The case-mix covariates as the model takes them (complete cases, index kept), rare diseases
    pooled: a disease with fewer than :data:`MIN_LEVEL_EVENTS` events joins :data:`OTHER_DISEASES`."""
    x = model_frame(frame, covariates)
    if "disease" in x.columns:
        disease = x["disease"].astype(str)
        counts = pd.Series(events, index=frame.index).loc[x.index].groupby(disease).sum()
        rare = set(counts.index[counts < MIN_LEVEL_EVENTS])
        if len(rare) > 1 or (rare and len(counts) - len(rare) >= 1):
            x["disease"] = disease.where(~disease.isin(rare), OTHER_DISEASES).astype(object)
        if x["disease"].nunique() < 2:
            x = x.drop(columns="disease")
    return x


def expected_events(
    x: pd.DataFrame, time: NDArray[np.float64], event: NDArray[np.int64]
) -> tuple[NDArray[np.float64], list[str]]:
    """Each row's expected events from a Cox model (Efron ties) of ``time``/``event`` on ``x``, and the
    fit's warnings: R ``predict(coxph(...), type = "expected")``, i.e. event minus martingale residual.

    E_i = exp(x_i'β̂) Σ over event times t ≤ t_i of the hazard increment; with d deaths at t, risk-set sum
    S and dying-set sum D, the increment is Σ_k 1/(S − kD/d) (k = 0 … d−1) for a row still at risk after
    t, and Σ_k (1 − k/d)/(S − kD/d) for a row that dies at t (Efron's weights), so that Σ E_i = Σ O_i.
    """
    with warnings.catch_warnings(record=True) as messages:
        warnings.simplefilter("always", ConvergenceWarning)
        fit = cox(x, time, event, ties="efron")
    caught = [str(m.message) for m in messages if issubclass(m.category, ConvergenceWarning)]
    design, _, _ = design_matrix(x)
    risk = np.exp((design - design.mean(axis=0)) @ fit.coef)  # centred: the same E, no overflow
    died = event == 1
    times, inverse = np.unique(time[died], return_inverse=True)
    deaths = np.bincount(inverse, minlength=times.shape[0])
    dying = np.bincount(inverse, weights=risk[died], minlength=times.shape[0])
    order = np.argsort(time, kind="stable")
    suffix = np.r_[np.cumsum(risk[order][::-1])[::-1], 0.0]
    at_risk = suffix[np.searchsorted(time[order], times, side="left")]
    which = np.repeat(np.arange(times.shape[0]), deaths)
    k = np.arange(which.shape[0]) - np.repeat(np.cumsum(deaths) - deaths, deaths)
    share = k / deaths[which]
    denominator = at_risk[which] - share * dying[which]
    increment = np.bincount(which, weights=1.0 / denominator, minlength=times.shape[0])
    own = np.bincount(which, weights=(1.0 - share) / denominator, minlength=times.shape[0])
    cumulative = np.r_[0.0, np.cumsum(increment)]
    last = np.searchsorted(times, time, side="right")  # event times up to and including t_i
    hazard = cumulative[last]
    mine = died & (last > 0)
    hazard[mine] += own[last[mine] - 1] - increment[last[mine] - 1]
    return hazard * risk, caught


def _centre_table(
    endpoint: BenchmarkEndpoint,
    centres: pd.Series,
    observed: NDArray[np.int64],
    expected: NDArray[np.float64],
) -> pd.DataFrame:
    sums = (
        pd.DataFrame({"centre": centres.astype(str).to_numpy(), "observed": observed, "expected": expected})
        .groupby("centre", sort=True)
        .agg(n=("observed", "size"), observed=("observed", "sum"), expected=("expected", "sum"))
        .reset_index()
    )
    o = sums["observed"].to_numpy(dtype=np.float64)
    e = sums["expected"].to_numpy(dtype=np.float64)
    lower, upper = poisson_ratio_ci(o, e)
    limits = funnel_limits(e)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = o / e
    verdicts = {}
    for name, _ in LIMITS:
        key = name.rstrip("%").replace(".", "")
        verdicts[f"outside_{key}"] = np.where(
            ratio > limits[f"upper_{key}"], 1, np.where(ratio < limits[f"lower_{key}"], -1, 0)
        )
    return pd.DataFrame(
        {
            "endpoint": endpoint.name,
            "label": endpoint.label,
            "horizon_days": endpoint.horizon_days,
            "centre": sums["centre"],
            "n": sums["n"].astype(np.int64),
            "observed": sums["observed"].astype(np.int64),
            "expected": e,
            "ratio": ratio,
            "lower": lower,
            "upper": upper,
            **verdicts,
        }
    )


def centre_benchmarks(
    frame: pd.DataFrame,
    *,
    endpoints: Sequence[BenchmarkEndpoint] = ENDPOINTS,
    covariates: Sequence[str] = CASE_MIX,
    min_centres: int = MIN_CENTRES,
) -> Benchmarking | None:
    """Observed and case-mix-expected events per centre for each endpoint (see the module notes);
    None when the cohort has fewer than ``min_centres`` centres."""
    needed = {"centre", *covariates, *(e.time for e in endpoints), *(e.event for e in endpoints)}
    if not needed <= set(frame.columns):
        raise ValueError(MISSING_COLUMNS.format(needed=sorted(needed), got=list(frame.columns)))
    if frame["centre"].dropna().nunique() < min_centres:
        return None
    tables: list[pd.DataFrame] = []
    models: list[dict[str, object]] = []
    notes: list[Words] = []
    for endpoint in endpoints:
        time, event = endpoint.observed(frame)
        x = case_mix(frame, event, covariates)
        rows = frame.index.get_indexer(x.index)
        keep = frame["centre"].notna().to_numpy()[rows]
        x, rows = x[keep], rows[keep]
        if event[rows].sum() == 0:
            notes.append(words(SKIPPED, endpoint=words(endpoint.label), reason=words(NO_EVENT)))
            continue
        try:
            expected, caught = expected_events(x, time[rows], event[rows])
        except SurvivalInputError as error:
            notes.append(words(SKIPPED, endpoint=words(endpoint.label), reason=str(error)))
            continue
        notes += [words(WARNED, endpoint=words(endpoint.label), message=str(message)) for message in caught]
        tables.append(_centre_table(endpoint, frame["centre"].iloc[rows], event[rows], expected))
        models.append(
            {
                "endpoint": endpoint.name,
                "n": len(rows),
                "n_event": int(event[rows].sum()),
                "terms": ", ".join(design_matrix(x)[1]) if x.shape[1] else "",
            }
        )
    centres = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    funnels = [funnel_curve(table).assign(endpoint=table["endpoint"].iloc[0]) for table in tables]
    return Benchmarking(
        centres=centres,
        models=pd.DataFrame(models),
        notes=tuple(notes),
        funnels=pd.concat(funnels, ignore_index=True) if funnels else pd.DataFrame(),
    )
