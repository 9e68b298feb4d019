"""Landmark analysis (remission.analysis.landmark) against R.

Expected values: tests/reference/landmark/make_reference.R, which applies the landmark rule in its own R
code to data_landmark.csv (make_dataset.py) and reads survival::survfit (log-log intervals) and survdiff.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from remission.analysis.landmark import (
    NOT_ASSESSED_STATUS,
    NOT_RESPONDED_STATUS,
    RESPONDED_STATUS,
    LandmarkSettings,
    landmark_analysis,
    landmark_days_label,
    landmark_rows,
    response_status,
)

HERE = Path(__file__).resolve().parent.parent / "reference" / "landmark"
KEYS = ["disease", "landmark_days", "endpoint", "status"]


def _frame() -> pd.DataFrame:
    raw = pd.read_csv(HERE / "data_landmark.csv", keep_default_na=False, na_values=[""])
    frame = raw.drop(columns="response_day").copy()
    frame["response_definition"] = raw["response_definition"].fillna("")
    frame["response"] = raw["response"].fillna("")
    frame["infusion_date"] = pd.to_datetime(raw["infusion_date"])
    frame["response_date"] = frame["infusion_date"] + pd.to_timedelta(raw["response_day"], unit="D")
    return frame


@pytest.fixture(scope="module")
def analysis():
    return landmark_analysis(_frame())


def test_estimates_equal_survfit(analysis) -> None:
    expected = pd.read_csv(HERE / "expected_estimates.csv")
    got = analysis.estimates
    assert len(got) == len(expected)
    merged = expected.merge(got, on=[*KEYS, "after_days"], suffixes=("_r", ""), validate="one_to_one")
    assert len(merged) == len(expected)
    assert (merged["n_r"] == merged["n"]).all()
    for column in ("estimate", "lower", "upper"):
        # tolerance 1e-6 (absolute), as for every survfit reference
        np.testing.assert_allclose(merged[column], merged[f"{column}_r"], rtol=0, atol=1e-6, err_msg=column)


def test_tests_equal_survdiff(analysis) -> None:
    expected = pd.read_csv(HERE / "expected_tests.csv")
    got = analysis.tests
    merged = expected.merge(got, on=["disease", "landmark_days", "endpoint"], suffixes=("_r", ""))
    assert len(merged) == len(expected) == len(got)
    assert (merged["groups_r"] == merged["groups"]).all()
    assert (merged["df_r"] == merged["df"]).all()
    # tolerance 1e-6 relative on the chi-square and the p-value
    np.testing.assert_allclose(merged["statistic"], merged["statistic_r"], rtol=1e-6)
    np.testing.assert_allclose(merged["p_value"], merged["p_value_r"], rtol=1e-6)


def test_counts_equal_r(analysis) -> None:
    expected = pd.read_csv(HERE / "expected_counts.csv")
    merged = expected.merge(analysis.counts, on=KEYS, suffixes=("_r", ""))
    assert len(merged) == len(expected) == len(analysis.counts)
    assert (merged["n_r"] == merged["n"]).all()  # exact counts


def test_a_disease_without_definition_is_left_out(analysis) -> None:
    assert "cidp" not in set(analysis.counts["disease"])
    assert "cidp" in set(_frame()["disease"])


def test_too_few_for_a_test_is_a_note() -> None:
    result = landmark_analysis(_frame(), LandmarkSettings(landmarks_days=(182.625,), min_group_size=60))
    assert any("fewer than two response groups of at least 60" in str(note) for note in result.notes)


def _row(**values: object) -> dict:
    base = {
        "disease": "ssc", "infusion_date": dt.date(2020, 1, 1), "os_days": 1000, "os_event": 0,
        "pfs_days": 1000, "pfs_event": 0, "response_definition": "assist_response", "response": "response",
        "response_date": dt.date(2020, 12, 1),
    }  # fmt: skip
    return {**base, **values}


def test_status_rules_by_hand() -> None:
    """Hand-worked cases at a landmark of day 365: the response date is 335 days after day 0."""
    frame = pd.DataFrame(
        [
            _row(),  # a response dated day 335 <= 365
            _row(response="no_response"),  # a decided non-response by the landmark
            _row(response_date=dt.date(2021, 3, 1)),  # a response dated day 425: not known at day 365
            _row(response="not_computable", response_date=None),
            _row(disease="ms", response_definition="neda3", response="neda", response_date=None),
            _row(disease="ms", response_definition="neda3", response="evidence_of_activity"),  # day 335
            _row(
                disease="ms",
                response_definition="neda3",
                response="evidence_of_activity",
                response_date=dt.date(2021, 6, 1),  # activity after the landmark: NEDA at it
            ),
            _row(disease="ra", response_definition="eular_response", response="moderate"),
            _row(disease="cidp", response_definition="", response="", response_date=None),
        ]
    )
    status = response_status(frame, 365.0).tolist()
    assert status == [
        RESPONDED_STATUS,
        NOT_RESPONDED_STATUS,
        NOT_ASSESSED_STATUS,
        NOT_ASSESSED_STATUS,
        RESPONDED_STATUS,
        NOT_RESPONDED_STATUS,
        RESPONDED_STATUS,
        RESPONDED_STATUS,
        None,
    ]


def test_rows_at_risk_and_time_from_landmark() -> None:
    frame = pd.DataFrame([_row(os_days=365, os_event=1), _row(os_days=366, os_event=1), _row(os_days=900)])
    rows = landmark_rows(frame, 365.0, "OS")
    assert rows["time"].tolist() == [1.0, 535.0]  # the death on day 365 is not at risk at the landmark
    assert rows["event"].tolist() == [1, 0]


def test_unknown_definition_is_refused() -> None:
    frame = pd.DataFrame([_row(response_definition="made_up")])
    with pytest.raises(KeyError, match="made_up"):
        response_status(frame, 365.0)


def test_landmark_label() -> None:
    assert landmark_days_label((182.625, 365.25)) == "6 and 12 months"
