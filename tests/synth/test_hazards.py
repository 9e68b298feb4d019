"""The outcome model: the sampler agrees with the closed-form survival, the solver meets every target."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from remission.synth import hazards
from remission.synth.cohort import draw_covariates
from remission.synth.targets import STRATA, era_of


def test_trm_shape_reaches_its_day_100_share_and_one_at_a_year() -> None:
    # hand values: 70 % of the first-year TRM hazard by day 100, all of it by day 365.25
    assert hazards.trm_shape(100 / 365.25, 0.7) == pytest.approx(0.7)
    assert hazards.trm_shape(50 / 365.25, 0.7) == pytest.approx(0.35)
    assert hazards.trm_shape(1.0, 0.7) == pytest.approx(1.0)
    assert hazards.trm_shape(3.0, 0.7) == pytest.approx(1.0)


def test_background_mortality_is_about_a_tenth_of_a_percent_a_year_at_forty() -> None:
    # Gompertz at 40: hazard 0.001/y, so the one-year cumulative hazard is (0.001/0.082)(e^0.082 − 1)
    expected = 0.001 / 0.082 * (math.exp(0.082) - 1)
    assert float(hazards.background_cumulative(40.0, 1.0)) == pytest.approx(expected)


def test_sampled_times_match_the_closed_form_survival() -> None:
    """Monte Carlo of ``sample_outcome`` against the analytic curves the solver uses (no censoring)."""
    rng = random.Random(5)
    cov = next(c for c in iter(lambda: draw_covariates(rng), None) if c.stratum == "ssc")
    solved = hazards.calibrated()["ssc"]
    draws = [hazards.sample_outcome(cov, solved, rng) for _ in range(40_000)]
    pfs = np.mean([min(d.trm, d.progression, d.unrelated_death) > 5 for d in draws])
    os_ = np.mean([d.death > 5 for d in draws])
    sample = hazards._sample([cov], hazards._grid(5.0))
    _, pfs_curve, os_curve = hazards._curves(
        sample, hazards._grid(5.0), solved.target, solved.c_trm, solved.c_progression, solved.c_disease_death
    )
    # binomial standard error at n = 40,000 is ≤ 0.0025; allow four of them
    assert pfs == pytest.approx(pfs_curve[0, -1], abs=0.01)
    assert os_ == pytest.approx(os_curve[0, -1], abs=0.01)


def test_the_solver_meets_every_stratum_target() -> None:
    for key, solved in hazards.calibrated().items():
        target = STRATA[key]
        assert solved.achieved_trm_1y == pytest.approx(target.trm_1y, abs=0.002), key
        assert solved.achieved_pfs == pytest.approx(target.pfs, abs=0.002), key
        assert solved.achieved_os == pytest.approx(target.os, abs=0.002), key


def test_targets_are_consistent_and_eras_cover_the_registry_years() -> None:
    for target in STRATA.values():
        assert 0 < target.pfs < target.os <= 1 - target.trm_1y + 1e-9, target.key
    assert [era_of(y).key for y in (1995, 2000, 2001, 2010, 2011, 2025)] == [
        "early", "early", "middle", "middle", "recent", "recent",
    ]  # fmt: skip
