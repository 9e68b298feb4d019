"""The standard error of a Cox model's predicted cumulative hazard against R's survfit(fit, newdata)$std.err
(survival 3.5.3): tests/reference/regression/make_survfit_se_reference.R wrote cox_survfit_se.csv, with
the call of each case beside it there and in CASES. Ties (Efron and Breslow), case weights, the robust
variance and counting-process data each change the terms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.survival import SurvivalInputError
from remission.survival.cox import cox, cumhaz_variance

REF = Path(__file__).resolve().parents[1] / "reference" / "regression"
EXPECTED = REF / "cox_survfit_se.csv"
LUNG = ("age", "sex", "ph.ecog")
OVARIAN = ("age", "ecog.ps", "rx")
TIED = ("x1", "x2", "disease", "sex")
COUNTING = ("treated", "age")


def _read(name: str) -> Callable[[], pd.DataFrame]:
    return lambda: pd.read_csv(REF / name)


# case -> (data, columns, fit keywords from the data, rows of newdata)
CASES: dict[str, tuple[Callable[[], pd.DataFrame], tuple[str, ...], Callable[[pd.DataFrame], dict], int]] = {
    # coxph(Surv(time, status) ~ age + sex + ph.ecog, lung2)
    "lung_efron": (_read("data_lung.csv"), LUNG, lambda d: {"time": d.time, "event": d.status}, 3),
    # coxph(..., lung2, ties = "breslow", robust = TRUE)
    "lung_breslow_robust": (
        _read("data_lung.csv"),
        LUNG,
        lambda d: {"time": d.time, "event": d.status, "ties": "breslow", "robust": True},
        3,
    ),
    # coxph(Surv(futime, fustat) ~ age + ecog.ps + rx, ovarian2)
    "ovarian_efron": (_read("data_ovarian.csv"), OVARIAN, lambda d: {"time": d.futime, "event": d.fustat}, 2),
    # coxph(Surv(time, event) ~ x1 + x2 + disease + sex, tied)
    "tied_efron": (_read("cox_tied.csv"), TIED, lambda d: {"time": d.time, "event": d.event}, 3),
    # coxph(..., tied, ties = "breslow")
    "tied_breslow": (
        _read("cox_tied.csv"),
        TIED,
        lambda d: {"time": d.time, "event": d.event, "ties": "breslow"},
        3,
    ),
    # coxph(..., tied, weights = w): non-integer weights, so R's fit$var is the robust one
    "tied_weights_efron": (
        _read("cox_tied.csv"),
        TIED,
        lambda d: {"time": d.time, "event": d.event, "weights": d.w, "robust": True},
        3,
    ),
    # coxph(Surv(start, stop, event) ~ treated + age, cnt)
    "counting_efron": (
        _read("cox_counting.csv"),
        COUNTING,
        lambda d: {"time": d.stop, "event": d.event, "entry": d.start},
        2,
    ),
}


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(EXPECTED, dtype={"std_err": float, "cumhaz": float})


@pytest.mark.parametrize("case", sorted(CASES))
def test_cumhaz_std_err_matches_survfit(expected: pd.DataFrame, case: str) -> None:
    load, columns, kwargs, rows = CASES[case]
    data = load()
    fit = cox(data[list(columns)], **kwargs(data))
    want = expected[expected["case"] == case]
    times = sorted(want["time"].unique())
    got = fit.cumhaz_std_err(data[list(columns)].iloc[:rows], times)
    table = want.pivot(index="row", columns="time", values="std_err").loc[:, times].to_numpy()
    # survfit(fit, newdata)$std.err at each time: 1e-6 relative (the coefficients agree to ~1e-7)
    np.testing.assert_allclose(got, table, rtol=1e-6)


def test_the_terms_do_not_depend_on_the_reference() -> None:
    load, columns, kwargs, _ = CASES["tied_efron"]
    data = load()
    fit = cox(data[list(columns)], **kwargs(data))
    times = [5.0, 20.0, 50.0]
    at_means = fit.cumhaz_terms(times)
    elsewhere = fit.cumhaz_terms(times, reference=np.array([1.0, 0.5, 1.0, 0.0, 1.0]))
    x = np.array([0.3, 1.0, 0.0, 1.0, 0.0])
    # the same variance from two reference points: 1e-12 relative (rounding only)
    np.testing.assert_allclose(
        at_means.variance_of(x, fit.coef, fit.var), elsewhere.variance_of(x, fit.coef, fit.var), rtol=1e-12
    )
    # at x = reference the variance is the baseline's own plus the shift's quadratic form
    u = np.zeros(5)
    direct = at_means.variance + np.einsum("ti,ij,tj->t", at_means.shift, fit.var, at_means.shift)
    np.testing.assert_allclose(
        cumhaz_variance(u, fit.coef, fit.var, at_means.cumhaz, at_means.variance, at_means.shift),
        direct,
        rtol=1e-14,
    )


def test_a_stratified_fit_is_refused() -> None:
    data = pd.read_csv(REF / "cox_tied.csv")
    fit = cox(data[list(TIED)], data.time, data.event, strata=data.centre)
    with pytest.raises(SurvivalInputError, match="stratified"):
        fit.cumhaz_terms([10.0])
