"""The funnel plot: a point per centre, four control limits, names on the centres outside the 95% limits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from remission.analysis.benchmarking import funnel_curve
from remission.reports.funnel import GID_CENTRE, GID_LIMIT, NAME_ALL_BELOW, plot_funnel


def _centres(n: int) -> pd.DataFrame:
    expected = np.linspace(1.0, 30.0, n)
    outside = np.zeros(n, dtype=int)
    outside[0], outside[-1] = 1, -1
    return pd.DataFrame(
        {
            "centre": [f"c{i:02d}" for i in range(n)],
            "expected": expected,
            "ratio": np.where(outside > 0, 4.0, np.where(outside < 0, 0.2, 1.0)),
            "outside_95": outside,
            "outside_998": 0,
        }
    )


def _funnel(centres: pd.DataFrame, *, title: str) -> Figure:
    """The plot of ``centres`` with the limit lines the analysis computes for them."""
    return plot_funnel(centres, funnel_curve(centres), title=title)


def test_points_limits_and_names() -> None:
    fig = _funnel(_centres(NAME_ALL_BELOW + 5), title="NRM")
    ax = fig.axes[0]
    (points,) = [c for c in ax.collections if c.get_gid() == GID_CENTRE]
    assert len(points.get_offsets()) == NAME_ALL_BELOW + 5
    assert len([line for line in ax.lines if line.get_gid() == GID_LIMIT]) == 4
    assert sorted(t.get_text() for t in ax.texts) == ["c00", f"c{NAME_ALL_BELOW + 4:02d}"]


def test_few_centres_are_all_named() -> None:
    ax = _funnel(_centres(4), title="NRM").axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["c00", "c01", "c02", "c03"]


def test_nothing_to_plot() -> None:
    with pytest.raises(ValueError, match="no centre"):
        _funnel(_centres(3).assign(expected=0.0), title="NRM")


def test_names_of_crowded_centres_do_not_overlap_or_leave_the_plot() -> None:
    # five centres above the limits within a narrow band of expected events (as in a real registry),
    # and one far right whose name would run past the plot's right edge
    crowded = pd.DataFrame(
        {
            "centre": ["syn-prague", "syn-barcelona", "syn-hamburg", "syn-moscow", "syn-x", "syn-chicago"],
            "expected": [31.0, 36.0, 44.0, 46.0, 75.0, 450.0],
            "ratio": [1.51, 1.67, 1.43, 1.40, 1.51, 0.85],
            "outside_95": [1, 1, 1, 1, 1, -1],
            "outside_998": 0,
        }
    )
    fig = _funnel(crowded, title="NRM")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # after the layout, as it is saved
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) == 6
    for i, a in enumerate(boxes):
        assert ax.bbox.x0 <= a.x0 and a.x1 <= ax.bbox.x1, ax.texts[i].get_text()
        for j in range(i + 1, len(boxes)):
            assert not a.overlaps(boxes[j]), (ax.texts[i].get_text(), ax.texts[j].get_text())
