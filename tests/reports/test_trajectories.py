"""Score trajectories and immune reconstitution: binning by hand, and the plotted artists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from remission.analysis.activity import DAYS_PER_MONTH, binned_summary
from remission.reports.trajectories import (
    GID_IQR,
    GID_MEDIAN,
    GID_PATIENT,
    plot_immune_reconstitution,
    plot_score_trajectories,
)

# three patients; visits near day 0, 180 and 365 (bins of 180 days), one pre-infusion value each
SCORES = pd.DataFrame(
    {
        "patient": ["a", "a", "a", "a", "b", "b", "b", "c", "c", "c"],
        "days": [-10, 2, 175, 190, -30, 5, 370, -3, 181, 350],
        "score": [30.0, 28.0, 20.0, 22.0, 25.0, 24.0, 10.0, 40.0, 30.0, 26.0],
    }
)


def test_binned_summary_one_value_per_patient_and_bin() -> None:
    summary = binned_summary(SCORES, value="score", width_days=180, min_patients=2).set_index("bin")
    # before the infusion (-10, -30, -3: every day before day 0 is "before"): 30, 25, 40 -> median 30
    assert summary.loc[-1, "n"] == 3 and summary.loc[-1, "median"] == 30.0
    # bin 0 (days 0..90): a -> 28, b -> 24 -> median 26
    assert summary.loc[0, "n"] == 2 and summary.loc[0, "median"] == 26.0
    # bin 1 (90..270): a -> median(20, 22) = 21, c -> 30 -> median 25.5
    assert summary.loc[1, "n"] == 2 and summary.loc[1, "median"] == 25.5
    # bin 2 (270..450): b -> 10, c -> 26 -> median 18
    assert summary.loc[2, "median"] == 18.0 and summary.loc[2, "q1"] == 14.0


def test_binned_summary_of_categorical_patients_is_the_same() -> None:
    # patients as the registry reads them: a categorical with categories nobody in this frame has
    patients = pd.Categorical(SCORES["patient"], categories=["z", "c", "b", "a", "unseen"])
    summary = binned_summary(SCORES.assign(patient=patients), value="score", width_days=180, min_patients=2)
    expected = binned_summary(SCORES, value="score", width_days=180, min_patients=2)
    pd.testing.assert_frame_equal(summary, expected)
    assert summary["bin"].tolist() == [-1, 0, 1, 2] and summary["n"].tolist() == [3, 2, 2, 2]


def test_score_plot_draws_each_patient_and_the_median() -> None:
    summary = binned_summary(SCORES, value="score", width_days=180, min_patients=2)
    fig = plot_score_trajectories(SCORES, summary, title="mRSS", score_label="mRSS", min_patients=2)
    ax = fig.axes[0]
    (patients,) = [c for c in ax.collections if c.get_gid() == GID_PATIENT]
    segments = patients.get_segments()
    assert len(segments) == 3  # one line per patient
    # patient b's scores in the order of its visits (before, day 5, day 370), exact
    np.testing.assert_array_equal(segments[1][:, 1], [25.0, 24.0, 10.0])
    (median,) = [a for a in ax.lines if a.get_gid() == GID_MEDIAN]
    # the "before" point, a gap (not joined to day 0), then the windows after the infusion
    np.testing.assert_array_equal(median.get_ydata(), [30.0, np.nan, 26.0, 25.5, 18.0])


def test_immune_reconstitution_one_panel_per_analyte_with_data() -> None:
    labs = pd.DataFrame(
        {
            "patient": [1, 2, 3, 1, 2, 3],
            "days": [30, 31, 29, 30, 30, 30],
            "analyte": ["cd4"] * 3 + ["cd19"] * 3,
            "value": [100.0, 200.0, 300.0, 0.0, 10.0, 20.0],
        }
    )
    summaries = {
        code: binned_summary(
            labs[labs["analyte"] == code], value="value", width_days=DAYS_PER_MONTH, min_patients=3
        )
        for code in ("cd4", "cd19")
    }
    fig = plot_immune_reconstitution(
        summaries,
        {"cd4": "CD4 (cells/µL)", "cd19": "CD19 (cells/µL)", "nk": "NK"},
        title="IR",
        min_patients=3,
    )
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_gid() for ax in panels] == ["cd4", "cd19"]
    (median,) = [a for a in panels[0].lines if a.get_gid() == GID_MEDIAN]
    assert list(median.get_ydata()) == [200.0]
    assert any(c.get_gid() == GID_IQR for c in panels[0].collections)


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="patient"):
        summary = binned_summary(SCORES, value="score", width_days=180, min_patients=2)
        plot_score_trajectories(SCORES.drop(columns="patient"), summary, title="x", score_label="y")
