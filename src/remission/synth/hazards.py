"""The outcome model: competing hazards after day 0, solved from the calibration targets.

The model (times in years from day 0)
-------------------------------------
Each patient has four latent times; what is observed is decided by which comes first.

* **Treatment-related death** (TRM): cumulative hazard ``A_i · F(t)`` where ``F`` rises linearly to
  ``trm_by_day100`` at day 100 and to 1 at one year (no TRM after a year). ``A_i = c_trm · m_i`` with
  ``m_i`` the product of the era multiplier, the inexperienced-centre multiplier, the JACIE multiplier and
  ``OLDER_TRM_PER_DECADE ** ((age − 40) / 10)`` (all in :mod:`remission.synth.targets`).
* **Progression or relapse**: exponential with rate ``λp_i = c_p · h_i``, ``h_i`` the product of the era,
  centre-experience, JACIE and age (≥ 35) hazard ratios.
* **Death of the disease** after progression: exponential with rate ``c_d`` from the progression date.
* **Unrelated death**: Gompertz background mortality, ``a · exp(b · (age + t − 40))``.

PFS ends at the first of TRM, progression, unrelated death (death of the disease needs a progression
first); OS at the first death of any kind. Censoring: administrative (day 0 to the patient's data lock,
which is the data cut minus a reporting lag) and loss to follow-up at the centre's yearly rate.

Derivation of the constants
---------------------------
For each stratum the three scale constants ``c_trm``, ``c_p`` and ``c_d`` are solved (Brent's method)
so that the *estimands* the registry reports equal the targets:

1. ``c_trm``: the Aalen-Johansen estimand of TRM (competing with progression) at one year =
   ``trm_1y``;
2. ``c_p``: the Kaplan-Meier estimand of PFS at ``horizon_years`` = ``pfs``;
3. ``c_d``: the Kaplan-Meier estimand of OS at ``horizon_years`` = ``os``.

Each patient's survival functions are analytic — ``S_PFS,i(t) = exp(−A_i F(t) − λp_i t − Λo_i(t))``;
``S_OS,i(t) = exp(−A_i F(t) − Λo_i(t)) · H_i(t)`` with ``H_i(t) = P(T_prog + T_dd > t) =
e^{−λp t} + λp (e^{−λp t} − e^{−λd t}) / (λd − λp)`` (hypoexponential) — and the estimand over a sample
of covariates drawn by :func:`remission.synth.cohort.draw_covariates` (the generator's own first step)
is the product-limit of the pooled hazard among those still at risk and uncensored:
``ΔΛ_k = Σ_i G_i(t_k) (S_i(t_k) − S_i(t_k+1)) / Σ_i G_i(t_k) S_i(t_k)``, ``G_i`` the censoring
survival. Weighting by ``G_i`` is what makes the target the value a Kaplan-Meier curve of the synthetic
registry recovers, even though recent (better) eras have shorter follow-up. Steps 1–3 are iterated twice
(the TRM estimand depends weakly on ``c_p``).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, partial

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from remission.synth.cohort import Covariates, draw_covariates
from remission.synth.targets import (
    AGE_CUTOFF,
    BACKGROUND_DEATH_AT_40,
    BACKGROUND_DEATH_GROWTH,
    INEXPERIENCED_PROGRESSION_HR,
    INEXPERIENCED_TRM_MULTIPLIER,
    JACIE_PROGRESSION_HR,
    JACIE_TRM_MULTIPLIER,
    OLDER_PROGRESSION_HR,
    OLDER_TRM_PER_DECADE,
    STRATA,
    StratumTarget,
)

DAY100 = 100 / 365.25
CALIBRATION_SEED = "remission-synth-calibration-v1"
CALIBRATION_SAMPLE = 40_000  # covariate draws; the smallest stratum (CAR-T) still gets ~200
STRATUM_SAMPLE_CAP = 2_000  # the first draws of a stratum that enter its solve (covariate mix, not noise)
GRID_PER_YEAR = 12  # monthly grid for the estimands
UPPER = {"trm": 5.0, "progression": 20.0, "disease_death": 50.0}


@dataclass(frozen=True)
class StratumHazards:
    """The solved constants of one stratum and the estimands they give (for the documentation)."""

    target: StratumTarget
    c_trm: float
    c_progression: float
    c_disease_death: float
    achieved_trm_1y: float
    achieved_pfs: float
    achieved_os: float
    sample_size: int


@dataclass(frozen=True)
class Outcome:
    """Latent event times of one patient, in years from day 0 (``math.inf`` = never)."""

    trm: float
    progression: float
    unrelated_death: float
    disease_death: float
    loss_to_follow_up: float

    @property
    def death(self) -> float:
        return min(self.trm, self.unrelated_death, self.disease_death)

    @property
    def death_kind(self) -> str | None:
        death = self.death
        if math.isinf(death):
            return None
        if death == self.trm:
            return "trm"
        return "disease" if death == self.disease_death else "unrelated"


def trm_multiplier(cov: Covariates) -> float:
    m = cov.era.trm_multiplier * OLDER_TRM_PER_DECADE ** ((cov.age - 40) / 10)
    if cov.inexperienced:
        m *= INEXPERIENCED_TRM_MULTIPLIER
    if cov.centre.jacie:
        m *= JACIE_TRM_MULTIPLIER
    return m


def progression_ratio(cov: Covariates) -> float:
    h = cov.era.progression_hr
    if cov.inexperienced:
        h *= INEXPERIENCED_PROGRESSION_HR
    if cov.centre.jacie:
        h *= JACIE_PROGRESSION_HR
    if cov.age >= AGE_CUTOFF:
        h *= OLDER_PROGRESSION_HR
    return h


def trm_shape(t: NDArray[np.float64] | float, by_day100: float) -> NDArray[np.float64]:
    """F(t): the share of the first-year TRM hazard accumulated by ``t`` (piecewise linear)."""
    t = np.asarray(t, dtype=float)
    early = by_day100 * t / DAY100
    late = by_day100 + (1 - by_day100) * (t - DAY100) / (1 - DAY100)
    return np.where(t <= DAY100, early, np.minimum(late, 1.0))


def _trm_time(u: float, by_day100: float) -> float:
    """Inverse of :func:`trm_shape`."""
    if u <= by_day100:
        return u / by_day100 * DAY100
    return DAY100 + (u - by_day100) / (1 - by_day100) * (1 - DAY100)


def background_cumulative(age: NDArray[np.float64] | float, t: NDArray[np.float64] | float) -> NDArray:
    """Gompertz cumulative hazard of unrelated death from ``age`` over ``t`` years."""
    b = BACKGROUND_DEATH_GROWTH
    return BACKGROUND_DEATH_AT_40 / b * np.exp(b * (np.asarray(age) - 40)) * np.expm1(b * np.asarray(t))


def sample_outcome(cov: Covariates, hazards: StratumHazards, rng: random.Random) -> Outcome:
    """Draw the latent times of one patient (always four draws from ``rng``, so streams stay aligned)."""
    e_trm, e_prog, e_other, e_dd, e_loss = (rng.expovariate(1.0) for _ in range(5))
    total = hazards.c_trm * trm_multiplier(cov)
    trm = _trm_time(e_trm / total, hazards.target.trm_by_day100) if e_trm < total else math.inf
    rate = hazards.c_progression * progression_ratio(cov)
    progression = e_prog / rate if rate > 0 else math.inf
    b = BACKGROUND_DEATH_GROWTH
    k = BACKGROUND_DEATH_AT_40 / b * math.exp(b * (cov.age - 40))
    unrelated = math.log1p(e_other / k) / b
    disease_death = progression + e_dd / hazards.c_disease_death if hazards.c_disease_death > 0 else math.inf
    loss = e_loss / cov.loss_rate if cov.loss_rate > 0 else math.inf
    return Outcome(trm, progression, unrelated, disease_death, loss)


# --- calibration ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sample:
    """Covariate arrays of one stratum on the grid: what does not change while the constants are solved."""

    trm_mult: NDArray[np.float64]  # (n, 1)
    prog_ratio: NDArray[np.float64]  # (n, 1)
    background: NDArray[np.float64]  # (n, K+1): survival from unrelated death
    censoring: NDArray[np.float64]  # (n, K): G_i at each interval's midpoint


def _grid(horizon: float) -> NDArray[np.float64]:
    return np.linspace(0.0, horizon, round(horizon * GRID_PER_YEAR) + 1)


def _sample(covariates: list[Covariates], grid: NDArray[np.float64]) -> _Sample:
    mid = (grid[:-1] + grid[1:]) / 2
    follow = np.array([c.follow_up_years for c in covariates])[:, None]
    loss = np.array([c.loss_rate for c in covariates])[:, None]
    age = np.array([c.age for c in covariates])[:, None]
    return _Sample(
        trm_mult=np.array([trm_multiplier(c) for c in covariates])[:, None],
        prog_ratio=np.array([progression_ratio(c) for c in covariates])[:, None],
        background=np.exp(-background_cumulative(age, grid[None, :])),
        censoring=(mid[None, :] < follow) * np.exp(-loss * mid[None, :]),
    )


def _product_limit(survival: NDArray[np.float64], censoring: NDArray[np.float64]) -> NDArray[np.float64]:
    """The Kaplan-Meier estimand on the grid from individual survival curves and censoring weights."""
    at_risk = (censoring * survival[:, :-1]).sum(axis=0)
    events = (censoring * (survival[:, :-1] - survival[:, 1:])).sum(axis=0)
    hazard = np.divide(events, at_risk, out=np.zeros_like(events), where=at_risk > 0)
    return np.concatenate([[1.0], np.cumprod(1 - hazard)])


def _curves(
    s: _Sample, grid: NDArray[np.float64], target: StratumTarget, c_trm: float, c_p: float, c_d: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Individual TRM cumulative hazard, PFS and OS survival on the grid."""
    t = grid[None, :]
    trm_cum = c_trm * s.trm_mult * trm_shape(t, target.trm_by_day100)
    lp = np.maximum(c_p * s.prog_ratio, 1e-12)
    ld = max(c_d, 1e-12)
    ld = ld + 1e-9 if np.any(np.abs(lp - ld) < 1e-9) else ld
    no_progression = np.exp(-lp * t)
    no_trm_other = np.exp(-trm_cum) * s.background
    pfs = no_trm_other * no_progression
    alive_disease = no_progression + lp * (no_progression - np.exp(-ld * t)) / (ld - lp)
    return trm_cum, pfs, no_trm_other * alive_disease


def _estimands(
    s: _Sample, target: StratumTarget, c_trm: float, c_p: float, c_d: float
) -> tuple[float, float, float]:
    """(TRM at 1 y, PFS at horizon, OS at horizon) as the registry would estimate them."""
    grid = _grid(target.horizon_years)
    trm_cum, pfs, os_ = _curves(s, grid, target, c_trm, c_p, c_d)
    pfs_pop = _product_limit(pfs, s.censoring)
    at_risk = (s.censoring * pfs[:, :-1]).sum(axis=0)
    trm_step = (s.censoring * pfs[:, :-1] * -np.expm1(-(trm_cum[:, 1:] - trm_cum[:, :-1]))).sum(axis=0)
    trm_hazard = np.divide(trm_step, at_risk, out=np.zeros_like(trm_step), where=at_risk > 0)
    one_year = grid[1:] <= 1.0 + 1e-9
    trm_1y = float((pfs_pop[:-1] * trm_hazard)[one_year].sum())
    return trm_1y, float(pfs_pop[-1]), float(_product_limit(os_, s.censoring)[-1])


def _solve(f: object, low: float, high: float) -> float:
    """The root of ``f`` in [low, high], or the bound closest to it when the target is out of reach."""
    f_low, f_high = f(low), f(high)  # type: ignore[operator]
    if f_low * f_high > 0:
        return low if abs(f_low) < abs(f_high) else high
    return float(brentq(f, low, high, xtol=1e-6))  # type: ignore[arg-type]


def _gap(
    s: _Sample, target: StratumTarget, which: int, fixed: tuple[float | None, ...], value: float
) -> float:
    """Estimand ``which`` (0 TRM, 1 PFS, 2 OS) minus its target, with the unknown constant = ``value``."""
    c_trm, c_p, c_d = (value if c is None else c for c in fixed)
    return _estimands(s, target, c_trm, c_p, c_d)[which] - (target.trm_1y, target.pfs, target.os)[which]


def solve_stratum(covariates: list[Covariates], target: StratumTarget) -> StratumHazards:
    """Solve ``c_trm``, ``c_p`` and ``c_d`` for one stratum (see the module docstring)."""
    s = _sample(covariates, _grid(target.horizon_years))
    c_trm, c_p, c_d = target.trm_1y, 0.1, 0.1
    for _ in range(2):
        c_trm = _solve(partial(_gap, s, target, 0, (None, c_p, c_d)), 0.0, UPPER["trm"])
        c_p = _solve(partial(_gap, s, target, 1, (c_trm, None, c_d)), 0.0, UPPER["progression"])
        c_d = _solve(partial(_gap, s, target, 2, (c_trm, c_p, None)), 1e-6, UPPER["disease_death"])
    trm_1y, pfs, os_ = _estimands(s, target, c_trm, c_p, c_d)
    return StratumHazards(target, c_trm, c_p, c_d, trm_1y, pfs, os_, len(covariates))


@cache
def calibrated() -> dict[str, StratumHazards]:
    """The solved hazards of every stratum (computed once per process, from a fixed covariate sample)."""
    rng = random.Random(CALIBRATION_SEED)
    by_stratum: dict[str, list[Covariates]] = defaultdict(list)
    for _ in range(CALIBRATION_SAMPLE):
        cov = draw_covariates(rng)
        by_stratum[cov.stratum].append(cov)
    return {
        key: solve_stratum(by_stratum[key][:STRATUM_SAMPLE_CAP], target)
        for key, target in STRATA.items()
        if by_stratum[key]
    }
