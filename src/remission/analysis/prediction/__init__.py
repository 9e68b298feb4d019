"""Prediction models for one candidate: OS and PFS (Cox), non-relapse mortality (Fine-Gray).

- :mod:`.settings` — which diseases and eras, knots, horizons, minimum patients per disease;
- :mod:`.design` — predictors → design matrix (age spline, factors), the coding kept as data;
- :mod:`.fit` — :func:`fit_prediction_models` on the registry's analysis set;
- :mod:`.model` — the fitted models and predictions as frozen data, round-tripping through JSON;
- :mod:`.predict` — :func:`predict`: one candidate's risks with intervals, or a refusal with the reason.

Pure: no Django, no database; storing models, validation and the screening integration build on this.
"""

from remission.analysis.prediction.design import DesignSpec, Factor, rcs_basis
from remission.analysis.prediction.fit import fit_prediction_models
from remission.analysis.prediction.model import FittedModel, ModelSet, Prediction, Refusal, Risk
from remission.analysis.prediction.predict import INTERVAL_METHOD, candidate_predictors, predict
from remission.analysis.prediction.settings import DEFAULT_PREDICTION_SETTINGS, PredictionSettings

__all__ = [
    "DEFAULT_PREDICTION_SETTINGS",
    "INTERVAL_METHOD",
    "DesignSpec",
    "Factor",
    "FittedModel",
    "ModelSet",
    "Prediction",
    "PredictionSettings",
    "Refusal",
    "Risk",
    "candidate_predictors",
    "fit_prediction_models",
    "predict",
    "rcs_basis",
]
