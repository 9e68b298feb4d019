"""Forest plots: a point and an interval per term, the numbers written out beside them."""

from __future__ import annotations

import numpy as np

from remission.reports.forest import GID_INTERVAL, GID_POINT, ForestRow, forest_rows, plot_forest
from remission.survival import cox

ROWS = [
    ForestRow("Overall survival", is_heading=True),
    ForestRow("Age (per 10 years)", ratio=2.0, lower=1.5, upper=2.67, p_value=0.0004),
    ForestRow("Male sex", ratio=0.8, lower=0.5, upper=1.28, p_value=0.35),
    ForestRow("Unstable term", ratio=1e-9, lower=0.0, upper=np.inf, p_value=0.99),
]


def _gid(fig, gid: str) -> list:  # type: ignore[no-untyped-def]
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


def test_points_intervals_and_text() -> None:
    fig = plot_forest(ROWS, title="Hazard ratios")
    points = _gid(fig, GID_POINT)
    assert [p.get_xdata()[0] for p in points] == [2.0, 0.8]  # the unstable ratio is off the axis
    assert len(_gid(fig, GID_INTERVAL)) == 3
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert {"2.00 (1.50–2.67)", "<0.001", "0.80 (0.50–1.28)", "0.35"} <= texts
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Overall survival", "Age (per 10 years)", "Male sex", "Unstable term"]


def test_rows_from_a_fitted_model_are_its_exponentiated_coefficients() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=80)
    time = rng.exponential(np.exp(-0.5 * x))
    fit = cox(x[:, None], time, np.ones(80, dtype=int))
    (row,) = forest_rows({"OS": fit})
    assert row.ratio == np.exp(fit.coef[0])
    assert (row.lower, row.upper) == tuple(np.exp(fit.conf_int[0]))
