"""The reference data set and the model set fitted on it (once per session)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from remission.analysis.prediction import ModelSet, fit_prediction_models

REF = Path(__file__).resolve().parents[2] / "reference" / "prediction"
DATA = REF / "data_prediction.csv"
EXPECTED = REF / "expected_predictions.csv"
CUTOFF = dt.date(2025, 6, 30)

# the hand-checked candidates of tests/reference/prediction/make_reference.R, in its order (1..5)
CANDIDATES: tuple[dict, ...] = (
    {"age_years": 50, "sex": "female", "disease": "ssc", "hct_ci_score": 2, "ecog": 1,
     "intensity": "high", "infusion_year": 2024, "centre_experience": 30},
    {"age_years": 30, "sex": "male", "disease": "ms", "hct_ci_score": 0, "karnofsky": 100,
     "intensity": "low", "infusion_year": 2012, "centre_experience": 5},
    {"age_years": 62, "sex": "female", "disease": "crohn", "hct_ci_score": 4, "karnofsky": 80,
     "intensity": "intermediate", "infusion_year": 2005, "centre_experience": 40},
    {"age_years": 41.88, "sex": "male", "disease": "sle", "hct_ci_score": 1, "ecog": 0,
     "intensity": "intermediate", "infusion_year": 2021, "centre_experience": 23},
    {"age_years": 20, "sex": "female", "disease": "ssc", "hct_ci_score": 0, "ecog": 2,
     "intensity": "high", "infusion_year": 2019, "centre_experience": 0},
)  # fmt: skip


@pytest.fixture(scope="session")
def data() -> pd.DataFrame:
    if not DATA.exists():
        pytest.skip(f"{DATA.name} absent: run tests/reference/prediction/make_dataset.py")
    return pd.read_csv(DATA)


@pytest.fixture(scope="session")
def model_set(data: pd.DataFrame) -> ModelSet:
    return fit_prediction_models(data, cutoff=CUTOFF)
