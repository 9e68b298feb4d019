"""Design matrices: R's treatment coding and names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from remission.survival import SurvivalInputError
from remission.survival.design import UNKNOWN_LEVEL, design_matrix
from remission.survival.regression_checks import X_CATEGORY_MISSING


def test_factors_become_treatment_dummies_named_like_r() -> None:
    frame = pd.DataFrame(
        {
            "age": [30.0, 40.0, 50.0, 60.0],
            "disease": ["ssc", "ms", "crohn", "ms"],  # object: sorted levels, crohn is the reference
            "sex": ["F", "M", "M", "F"],
            "male": [True, False, True, False],  # logical: R names the dummy maleTRUE
            "cell": pd.Categorical(["b", "a", "c", "a"], categories=["c", "b", "a"]),  # category order
        }
    )
    matrix, names, _ = design_matrix(frame)
    # model.matrix(~ age + disease + sex + male + cell) in R gives exactly these columns
    assert names == ["age", "diseasems", "diseasessc", "sexM", "maleTRUE", "cellb", "cella"]
    np.testing.assert_array_equal(matrix[:, 1], [0, 1, 0, 1])
    np.testing.assert_array_equal(matrix[:, 2], [1, 0, 0, 0])
    np.testing.assert_array_equal(matrix[:, 4], [1, 0, 1, 0])
    np.testing.assert_array_equal(matrix[:, 5:], [[1, 0], [0, 1], [0, 0], [0, 1]])


def test_new_rows_are_coded_with_the_fitted_levels() -> None:
    frame = pd.DataFrame({"disease": ["ssc", "ms", "crohn"]})
    _, _, spec = design_matrix(frame)
    np.testing.assert_array_equal(spec.encode(pd.DataFrame({"disease": ["ms"]})), [[1.0, 0.0]])
    with pytest.raises(SurvivalInputError) as err:
        spec.encode(pd.DataFrame({"disease": ["lupus"]}))
    assert str(err.value) == UNKNOWN_LEVEL.format(name="disease", level="lupus")


def test_arrays_pass_through_with_x_names() -> None:
    matrix, names, _ = design_matrix(np.arange(6.0).reshape(3, 2))
    assert names == ["x1", "x2"]
    assert matrix.shape == (3, 2)


def test_missing_factor_value_is_refused() -> None:
    with pytest.raises(SurvivalInputError) as err:
        design_matrix(pd.DataFrame({"sex": ["F", None, "M"]}))
    assert str(err.value) == X_CATEGORY_MISSING.format(name="sex", count=1, row=1)
