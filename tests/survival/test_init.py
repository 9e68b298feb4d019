"""Starting coefficients (``init``) of Cox and Fine-Gray, as R's ``coxph(init =)`` and ``crr(init =)``:
the answer does not move, the iterations fall, and the initial log-likelihood is read at the start."""

from __future__ import annotations

import numpy as np
import pytest

from remission.survival import SurvivalInputError, cox, fine_gray


def _data(seed: int = 5, n: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n)])
    time = np.ceil(rng.exponential(300 * np.exp(-0.5 * X[:, 0] + 0.3 * X[:, 1])))  # ties on whole days
    cause = rng.choice([0, 1, 2], size=n, p=[0.3, 0.45, 0.25])
    return X, time, cause


def test_cox_started_at_its_answer_stays_there() -> None:
    X, time, cause = _data()
    event = (cause > 0).astype(np.int64)
    cold = cox(X, time, event)
    warm = cox(X, time, event, init=cold.coef)
    # the same maximum: within coxph's convergence (|1 - L_old/L_new| <= 1e-9): 1e-6 absolute
    assert warm.coef == pytest.approx(cold.coef, abs=1e-6)
    assert warm.iterations < cold.iterations
    # the initial log-likelihood is at the start, the final maximum's: 1e-9 relative
    assert warm.loglik[0] == pytest.approx(cold.loglik[1], rel=1e-9)
    assert warm.score_test.statistic == pytest.approx(0.0, abs=1e-6)  # the score vanishes there
    # from an arbitrary start: the same answer (1e-6 absolute), the tests read at that start
    away = cox(X, time, event, init=[1.0, -1.0])
    assert away.coef == pytest.approx(cold.coef, abs=1e-6)
    assert away.loglik[0] < cold.loglik[0]  # a worse start than 0 for these data


def test_fine_gray_started_at_its_answer_stays_there() -> None:
    X, time, cause = _data(seed=9)
    cold = fine_gray(X, time, cause, cause_of_interest=1)
    warm = fine_gray(X, time, cause, cause_of_interest=1, init=cold.coef)
    # crr's rule stops when max |U_j| max(|b_j|, 1) < 1e-6 max(|loglik|, 1): 1e-5 absolute
    assert warm.coef == pytest.approx(cold.coef, abs=1e-5)
    assert warm.iterations <= 1 < cold.iterations
    assert warm.loglik[0] == pytest.approx(cold.loglik[1], rel=1e-9)


@pytest.mark.parametrize("bad", [[0.0], [0.0, np.nan], "zero", [0.0, 0.0, 0.0]])
def test_a_bad_start_is_refused(bad: object) -> None:
    X, time, cause = _data()
    with pytest.raises(SurvivalInputError, match="init must be 2 finite starting coefficient"):
        cox(X, time, (cause > 0).astype(np.int64), init=bad)  # type: ignore[arg-type]
    with pytest.raises(SurvivalInputError, match="init must be 2 finite starting coefficient"):
        fine_gray(X, time, cause, init=bad)  # type: ignore[arg-type]
