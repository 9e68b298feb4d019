"""The predictors' coding: the spline basis against a hand-worked example, performance status, era and
centre experience, knots and settings checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from remission.analysis.prediction.design import (
    build_design,
    performance_group,
    predictor_frame,
    rcs_basis,
    spline_knots,
)
from remission.analysis.prediction.settings import PredictionSettings


def test_spline_basis_hand_worked_three_knots() -> None:
    # knots 20, 40, 60: age' = [(x-20)+^3 - 2 (x-40)+^3 + (x-60)+^3] / 40^2, by hand:
    # x=10: 0; x=30: 1000/1600; x=50: (27000 - 2000)/1600; x=70: (125000 - 54000 + 1000)/1600;
    # x=80: (216000 - 128000 + 8000)/1600; x=90: (343000 - 250000 + 27000)/1600
    x = [10.0, 30.0, 50.0, 70.0, 80.0, 90.0]
    expected = [0.0, 0.625, 15.625, 45.0, 60.0, 75.0]
    basis = rcs_basis(x, (20.0, 40.0, 60.0))
    assert basis.shape == (6, 2)
    # exact arithmetic on small integers: 1e-12 absolute
    np.testing.assert_allclose(basis[:, 0], x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(basis[:, 1], expected, rtol=0, atol=1e-12)


def test_spline_is_linear_beyond_the_outer_knots_with_five_knots() -> None:
    knots = (10.0, 25.0, 40.0, 55.0, 70.0)
    below = rcs_basis([0.0, 5.0, 9.0], knots)
    assert below.shape == (3, 4)
    np.testing.assert_array_equal(below[:, 1:], 0.0)  # zero below the first knot
    above = rcs_basis([80.0, 90.0, 100.0], knots)
    # the cubic and quadratic terms cancel past the last knot: equal steps, to 1e-9 absolute
    np.testing.assert_allclose(np.diff(above, n=2, axis=0), 0.0, rtol=0, atol=1e-9)
    # first nonlinear term at x = 25 (hand): (25-10)^3 / (70-10)^2 = 3375/3600
    np.testing.assert_allclose(rcs_basis([25.0], knots)[0, 1], 3375 / 3600, rtol=0, atol=1e-12)


def test_knots_are_type_7_quantiles_and_must_differ() -> None:
    ages = np.arange(1.0, 12.0)  # 1..11: 10th, 50th, 90th percentiles 2, 6, 10 (type 7, by hand)
    assert spline_knots(ages, (0.1, 0.5, 0.9)) == (2.0, 6.0, 10.0)
    with pytest.raises(ValueError, match="not strictly increasing"):
        spline_knots([40.0] * 20 + [41.0], (0.1, 0.5, 0.9))


@pytest.mark.parametrize(
    ("scale", "score", "group"),
    [
        ("ecog", 0, "normal"),
        ("ecog", 1, "reduced"),
        ("ecog", 4, "reduced"),
        ("ecog", 5, None),
        ("karnofsky", 100, "normal"),
        ("karnofsky", 90, "normal"),
        ("karnofsky", 80, "reduced"),
        ("karnofsky", 110, None),
        ("lansky", 90, "normal"),
        ("lansky", 70, "reduced"),
        ("", 1, None),
        ("ecog", None, None),
        ("ecog", float("nan"), None),
    ],
)
def test_performance_coding(scale: str, score: object, group: str | None) -> None:
    assert performance_group(scale, score) == group


def test_predictor_frame_codes_era_experience_and_missing() -> None:
    frame = pd.DataFrame(
        {
            "age": [30.0, 40.0, None, 50.0],
            "sex": ["female", "unknown", "male", "male"],
            "disease": ["ms", "ssc", "", "ssc"],
            "hct_ci": [0, 1, 2, None],
            "performance_scale": ["ecog", "karnofsky", "", "ecog"],
            "performance_score": [0, 80, None, 1],
            "intensity": ["high", "unknown", "low", ""],
            "infusion_year": [1999, 2000, 2019, 2020],
            "centre_experience": [22, 23, 0, None],
        }
    )
    coded = predictor_frame(frame, PredictionSettings())
    assert list(coded["era"].astype(str)) == ["≤1999", "2000–2009", "2010–2019", "≥2020"]
    assert list(coded["experienced"].astype("object")) == [False, True, False, pd.NA]
    assert list(coded["performance"]) == ["normal", "reduced", None, "reduced"]
    assert coded["sex"].isna().tolist() == [False, True, False, False]
    assert coded["intensity"].isna().tolist() == [False, True, False, True]
    assert coded["disease"].isna().tolist() == [False, False, True, False]
    assert len(coded.dropna()) == 1


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="knot quantiles"):
        PredictionSettings(knot_quantiles=(0.5, 0.1, 0.9))
    with pytest.raises(ValueError, match="knot quantiles"):
        PredictionSettings(knot_quantiles=(0.1, 0.9))
    with pytest.raises(ValueError, match="min_patients_per_disease"):
        PredictionSettings(min_patients_per_disease=0)


def _six_patients() -> pd.DataFrame:
    """Six complete patients, counted by hand: disease ssc 3, ms 2, ra 1 (reference ssc, the most
    common); sex female 3, male 3 (a tie: the first alphabetically, female); intensity intermediate 2,
    high 2, low 2 (a three-way tie: high); era 2000–2009 3, 2010–2019 3 (a tie: the earlier one);
    performance all normal (one level: no column); experienced yes 4, no 2 (reference yes)."""
    return pd.DataFrame(
        {
            "age": [30.0, 35.0, 40.0, 45.0, 50.0, 55.0],
            "sex": ["female", "male", "female", "male", "female", "male"],
            "disease": ["ssc", "ms", "ssc", "ra", "ms", "ssc"],
            "hct_ci": [0, 1, 2, 3, 0, 1],
            "performance_scale": ["ecog"] * 6,
            "performance_score": [0] * 6,
            "intensity": ["high", "low", "intermediate", "high", "low", "intermediate"],
            "infusion_year": [2001, 2011, 2002, 2012, 2003, 2013],
            "centre_experience": [30, 30, 5, 30, 5, 30],
        }
    )


def test_build_design_reference_levels_and_columns_by_hand() -> None:
    settings = PredictionSettings(knots=(30.0, 40.0, 55.0))
    spec, X = build_design(predictor_frame(_six_patients(), settings), settings)
    levels = {f.name: f.levels for f in spec.factors}
    assert levels == {
        "sex": ("female", "male"),
        "disease": ("ssc", "ms", "ra"),
        "performance": ("normal",),
        "intensity": ("high", "intermediate", "low"),
        "era": ("2000–2009", "2010–2019"),
        "experienced": ("yes", "no"),
    }
    factor_columns = [
        "sexmale", "diseasems", "diseasera", "intensityintermediate", "intensitylow", "era2010–2019",
        "experiencedno",
    ]  # fmt: skip
    assert [c for c in X.columns if c not in ("age", "age'", "hct_ci")] == factor_columns
    expected = np.array(
        [
            # sex=male, ms, ra, intermediate, low, 2010–2019, experienced no
            [0, 0, 0, 0, 0, 0, 0],
            [1, 1, 0, 0, 1, 1, 0],
            [0, 0, 0, 1, 0, 0, 1],
            [1, 0, 1, 0, 0, 1, 0],
            [0, 1, 0, 0, 1, 0, 1],
            [1, 0, 0, 1, 0, 1, 0],
        ],
        dtype=float,
    )
    np.testing.assert_array_equal(X[factor_columns].to_numpy(), expected)
    np.testing.assert_array_equal(X["hct_ci"].to_numpy(), [0, 1, 2, 3, 0, 1])


def test_build_design_needs_complete_cases() -> None:
    settings = PredictionSettings(knots=(30.0, 40.0, 55.0))
    predictors = predictor_frame(_six_patients().assign(sex=["female", "unknown", *["male"] * 4]), settings)
    with pytest.raises(ValueError, match="sex: missing in 1 row"):
        build_design(predictors, settings)
