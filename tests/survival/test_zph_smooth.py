"""The smooth R's plot.cox.zph draws through scaled Schoenfeld residuals (df = 4, 40 points, ±2 SE band):
:func:`remission.survival.zph_smooth.ph_smooth` on R's residuals equals what R draws
(tests/reference/ph_report/make_reference.R writes both)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from remission.survival.zph_smooth import ph_smooth

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "ph_report"


def test_the_smooth_is_plot_cox_zph_s() -> None:
    terms = pd.read_csv(REFERENCE / "zph_terms.csv")
    smooth = pd.read_csv(REFERENCE / "zph_smooth.csv")
    key = ["stratum", "endpoint", "term"]
    assert smooth.groupby(key).ngroups == 10
    for name, expected in smooth.groupby(key):
        rows = terms[(terms[key] == pd.Series(name, index=key)).all(axis=1)]
        got = ph_smooth(rows["x"], rows["y"], float(rows["var"].iloc[0]))
        assert got is not None
        # tolerance 1e-6 absolute at each of the 40 points (a least-squares fit; measured 2e-14)
        np.testing.assert_allclose(got.x, expected["x"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(got.fit, expected["yhat"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(got.lower, expected["lower"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(got.upper, expected["upper"], rtol=0, atol=1e-6)


def test_no_smooth_through_too_few_distinct_times() -> None:
    assert ph_smooth([0.1, 0.1, 0.5, 0.5, 0.9], [1.0, 2.0, 0.0, 1.0, 3.0], 1.0) is None
