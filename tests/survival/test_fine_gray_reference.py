"""Fine-Gray against R's cmprsk::crr (2.2-11): reference values in tests/reference/regression/.

Numbers from tests/reference/regression/make_reference.R; the crr call is written at each case.
Tolerances: 1e-6 relative for coefficients, sandwich standard errors (and, with three censoring groups,
the whole sandwich variance matrix and the model-based variances) and pseudo log-likelihoods
(crr stops when max |U_j| max(|b_j|, 1) < 1e-6 max(|loglik|, 1), so two correct fits agree to about
1e-8); 1e-6 relative for predicted cumulative incidence.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.survival.fine_gray import fine_gray

REF = Path(__file__).resolve().parents[1] / "reference" / "regression"
RTOL = 1e-6


def _reference() -> dict[str, dict[str, dict[str, float]]]:
    table = pd.read_csv(REF / "fg_reference.csv", dtype={"key": str}, keep_default_na=False)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for row in table.itertuples(index=False):
        out.setdefault(row.case, {}).setdefault(row.what, {})[row.key] = float(row.value)
    return out


REFERENCE = _reference()


def _cont() -> pd.DataFrame:
    return pd.read_csv(REF / "fg_continuous.csv")


def _tied() -> pd.DataFrame:
    return pd.read_csv(REF / "fg_tied.csv")


def _example() -> pd.DataFrame:
    return pd.read_csv(REF / "data_crr_example.csv").rename(columns={"ftime": "time", "fstatus": "cause"})


XY = ["x1", "x2"]
CASES: dict[str, tuple[Callable[[], pd.DataFrame], list[str], dict]] = {
    # crr(time, cause, cbind(x1, x2))
    "fg_continuous": (_cont, XY, {}),
    # crr(time, cause, cbind(x1, x2)) on whole-1/20 times (ties within and across causes)
    "fg_tied": (_tied, XY, {}),
    # crr(time, cause, cbind(x1, x2), failcode = 2)
    "fg_tied_cause2": (_tied, XY, {"cause_of_interest": 2}),
    # crr(ftime, fstatus, cov) and failcode = 2: the example of ?crr (set.seed(10))
    "crr_example": (_example, ["x1", "x2", "x3"], {}),
    "crr_example_cause2": (_example, ["x1", "x2", "x3"], {"cause_of_interest": 2}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_coefficients_se_and_loglik_match_crr(case: str) -> None:
    load, columns, kwargs = CASES[case]
    data = load()
    fit = fine_gray(data[columns], data.time, data.cause, **kwargs)
    ref = REFERENCE[case]
    # fit$coef, sqrt(diag(fit$var)): 1e-6 relative
    np.testing.assert_allclose(fit.coef, [ref["coef"][c] for c in columns], rtol=RTOL)
    np.testing.assert_allclose(fit.se, [ref["se"][c] for c in columns], rtol=RTOL)
    # fit$loglik.null, fit$loglik: 1e-6 relative
    np.testing.assert_allclose(fit.loglik, [ref["loglik"]["null"], ref["loglik"]["final"]], rtol=RTOL)
    assert fit.converged and ref["converged"]["n"] == 1.0


@pytest.mark.parametrize("case", ["fg_continuous", "fg_tied"])
def test_predicted_cumulative_incidence_matches_predict_crr(case: str) -> None:
    load, columns, kwargs = CASES[case]
    data = load()
    fit = fine_gray(data[columns], data.time, data.cause, **kwargs)
    ref = REFERENCE[case]["predict"]
    rows = sorted({int(k.split("|")[0]) for k in ref})
    times = sorted({float(k.split("|")[1]) for k in ref})
    new = np.array([[0.0, 0.0], [1.0, 1.0], [-0.5, 0.0]])  # rbind(c(0,0), c(1,1), c(-0.5,0))
    # times from R's CSV may be one ulp off Python's parse: evaluate 1e-9 relative later
    got = fit.predict_cumulative_incidence(new, np.array(times) * (1 + 1e-9))
    lookup = {(int(k.split("|")[0]), float(k.split("|")[1])): v for k, v in ref.items()}
    expected = np.array([[lookup[(r, t)] for t in times] for r in rows])
    # predict.crr(fit, cov1): 1e-6 relative
    np.testing.assert_allclose(got, expected, rtol=RTOL)


@pytest.mark.parametrize("case", ["fg_continuous_cengroup", "fg_tied_cengroup"])
def test_censoring_groups_match_crr_cengroup(case: str) -> None:
    data = _cont() if case.startswith("fg_continuous") else _tied()
    fit = fine_gray(data[XY], data.time, data.cause, strata=data.group)
    ref = REFERENCE[case]
    # crr(time, cause, cbind(x1, x2), cengroup = group), two groups: coef, loglik, sandwich SE 1e-6 relative
    np.testing.assert_allclose(fit.coef, [ref["coef"][c] for c in XY], rtol=RTOL)
    np.testing.assert_allclose(fit.loglik, [ref["loglik"]["null"], ref["loglik"]["final"]], rtol=RTOL)
    np.testing.assert_allclose(fit.se, [ref["se"][c] for c in XY], rtol=RTOL)


def _groups() -> pd.DataFrame:
    return pd.read_csv(REF / "fg_groups.csv")


def _matrix(ref: dict[str, float]) -> np.ndarray:
    return np.array([[ref[f"{a}|{b}"] for b in XY] for a in XY])


GROUP_CASES = {
    # crr(time, cause, cbind(x1, x2), cengroup = group): three censoring groups
    "fg_groups_cengroup": {"strata": True},
    # the same with failcode = 2
    "fg_groups_cengroup_cause2": {"strata": True, "cause_of_interest": 2},
    # crr(time, cause, cbind(x1, x2)): the same data, one censoring distribution
    "fg_groups_one_group": {},
}


@pytest.mark.parametrize("case", sorted(GROUP_CASES))
def test_variance_with_three_censoring_groups_matches_crr(case: str) -> None:
    """crr's q(u) pairs each group's competing failures with that group's failures only (crrvv)."""
    data = _groups()
    kwargs = dict(GROUP_CASES[case])
    strata = data.group if kwargs.pop("strata", False) else None
    fit = fine_gray(data[XY], data.time, data.cause, strata=strata, **kwargs)
    ref = REFERENCE[case]
    # fit$coef, fit$loglik: 1e-6 relative
    np.testing.assert_allclose(fit.coef, [ref["coef"][c] for c in XY], rtol=RTOL)
    np.testing.assert_allclose(fit.loglik, [ref["loglik"]["null"], ref["loglik"]["final"]], rtol=RTOL)
    # fit$var, the whole sandwich (off-diagonal too): 1e-6 relative to the largest element, since an
    # off-diagonal covariance may be near 0; sqrt(diag(fit$var)) 1e-6 relative
    var = _matrix(ref["var"])
    np.testing.assert_allclose(fit.var, var, rtol=RTOL, atol=RTOL * np.abs(var).max())
    np.testing.assert_allclose(fit.se, [ref["se"][c] for c in XY], rtol=RTOL)
    # diag(fit$invinf), the model-based variances: 1e-6 relative
    np.testing.assert_allclose(fit.model_se**2, np.diag(_matrix(ref["invinf"])), rtol=RTOL)
    assert fit.converged and ref["converged"]["n"] == 1.0


def test_integer_weights_equal_replicated_rows_in_crr() -> None:
    data = _tied()
    fit = fine_gray(data[XY], data.time, data.cause, weights=data.w)
    ref = REFERENCE["fg_tied_replicated"]
    # crr on rep(rows, w): coefficients and pseudo log-likelihood, 1e-6 relative
    np.testing.assert_allclose(fit.coef, [ref["coef"][c] for c in XY], rtol=RTOL)
    np.testing.assert_allclose(fit.loglik, [ref["loglik"]["null"], ref["loglik"]["final"]], rtol=RTOL)
