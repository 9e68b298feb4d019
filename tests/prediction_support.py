"""What the bedside prediction tests share: the SSc example's predictors, read by hand, and a model set.

The SSc example (docs/examples/candidate-ssc.json) as the models see it: 42 years, female; DLCO 58 % ≤ 65 %
is severe pulmonary disease (3 points) and nothing else scores (tests/clinical/test_screen_cli.py), so
HCT-CI 3; ECOG 1; Cy 200 + rATG is intermediate intensity; diffuse cutaneous subset (the subtype, as the
screening finding ``ssc_subset``); the tests add infusion year 2024 and a centre with 30 earlier
procedures.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from remission.analysis.prediction import ModelSet, fit_prediction_models
from tests.analysis.prediction.conftest import CUTOFF, DATA

ROOT = Path(__file__).resolve().parents[1]
SSC = ROOT / "docs" / "examples" / "candidate-ssc.json"
SSC_PREDICTORS: dict[str, Any] = {
    "age_years": 42,
    "sex": "female",
    "disease": "ssc",
    "hct_ci_score": 3,
    "ecog": 1,
    "intensity": "intermediate",
    "infusion_year": 2024,
    "centre_experience": 30,
    "findings": {"ssc_subset": "diffuse"},
}


@cache
def reference_model_set() -> ModelSet:
    """The model set fitted on the prediction reference data (the one R's predictions are checked on)."""
    return fit_prediction_models(pd.read_csv(DATA), cutoff=CUTOFF)


def ssc_candidate(**change: Any) -> dict[str, Any]:
    """The SSc example file with infusion year 2024 and centre experience 30, then ``change``."""
    data = json.loads(SSC.read_text(encoding="utf-8"))
    return {**data, "infusion_year": 2024, "centre_experience": 30, **change}


def use_model_set(monkeypatch: Any, model_set: ModelSet) -> ModelSet:
    """Make ``model_set`` the registry's current stored model for the test."""
    monkeypatch.setattr("remission.analysis.prediction.stored.current_model_set", lambda user=None: model_set)
    return model_set
