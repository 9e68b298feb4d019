"""The registry's stored prediction models as model sets: read them, print their card, store one.

The registry keeps a fitted model set as JSON (``registry.models.PredictionModelSet``, written by
``registry.services.prediction_models.store_model_content``, read by
``registry.selectors.prediction_models``); this module turns it into the analysis layer's objects and back:

- :func:`current_model_set` — the latest stored model set (what predictions use), or None;
- :func:`model_set_get` — a stored version;
- :func:`model_card` / :func:`card_of` — what ``remission model show`` prints and the model report shows: the
  version, data cut-off, who fitted it and when, the patients, for each model its events and events per
  parameter and its coefficients with confidence intervals, the predictors as coded with their ranges, and
  the validation when one was stored;
- :func:`store_model_set` — check that the model set is what its version says, then store it (audited).

A model set holds no record of any patient; every signed-in user may read it.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

from remission.analysis.prediction.model import ModelSet, model_version
from remission.registry.models import PredictionModelSet
from remission.registry.selectors import prediction_models as stored_rows
from remission.registry.services.prediction_models import store_model_content

VERSION_MISMATCH = "the model set's version {version} is not that of its content ({expected}); not stored"
PREDICTOR_WORDS: dict[str, str] = {
    "age": "age at day 0 (years), restricted cubic spline",
    "sex": "sex",
    "disease": "disease (registry code)",
    "hct_ci": "HCT-CI score, linear",
    "performance": "performance status: normal = ECOG 0 or Karnofsky/Lansky >= 90; reduced otherwise",
    "intensity": "conditioning intensity",
    "era": "era of day 0",
    "experienced": "centre experience: earlier AD-HSCT procedures at the centre >= threshold",
}


# Parsed model sets by version. A version is the hash of its content and a stored row never changes, so a
# version read once is the same object for good: a prediction reads one version string, not the JSON.
_PARSED: dict[str, ModelSet] = {}
_PARSED_KEPT = 4


def _parsed(version: str, user: Any) -> ModelSet:
    model_set = _PARSED.get(version)
    if model_set is None:
        model_set = ModelSet.from_dict(stored_rows.model_content(version, user=user))
        if len(_PARSED) >= _PARSED_KEPT:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[version] = model_set
    return model_set


def current_model_set(user: Any = None) -> ModelSet | None:
    """The latest stored model set (the one predictions use), or None when none is stored."""
    version = stored_rows.current_version(user=user)
    return None if version is None else _parsed(version, user)


def model_set_get(version: str, *, user: Any = None) -> ModelSet:
    """The stored model set of ``version``; ``NotFound`` if there is none."""
    return _parsed(version, user)


def model_card(version: str | None = None, *, user: Any = None) -> dict[str, Any]:
    """The model card of the stored model set ``version`` (default: the current one); ``NotFound`` when
    there is none. The card is JSON-ready data (see :func:`card_of`)."""
    info = stored_rows.model_info(version, user=user)
    card = card_of(_parsed(info["version"], user), validation=info["validation"])
    card["stored"] = {"created_at": info["created_at"], "created_by": info["created_by"]}
    return card


def store_model_set(model_set: ModelSet, *, by: Any, validation: Any = None) -> PredictionModelSet:
    """Store ``model_set`` fitted by ``by``, with its ``validation`` (a ``Validation``, its ``to_dict()`` or
    None), after checking that its version is the hash of its content (see the registry service for who
    may store and what else is refused)."""
    expected = model_version(model_set.content())
    if model_set.version != expected:
        raise ValueError(VERSION_MISMATCH.format(version=model_set.version, expected=expected))
    return store_model_content(model_set.to_dict(), by=by, validation=validation)


def _coefficients(model: Any, conf_level: float) -> list[dict[str, Any]]:
    z = NormalDist().inv_cdf(0.5 + conf_level / 2)
    out = []
    for i, (term, coef) in enumerate(zip(model.columns, model.coef, strict=True)):
        se = math.sqrt(model.covariance[i][i])
        stat = coef / se if se > 0 else math.nan
        out.append(
            {
                "term": term,
                "coef": coef,
                "se": se,
                "hazard_ratio": math.exp(coef),
                "lower": math.exp(coef - z * se),
                "upper": math.exp(coef + z * se),
                "p": 2 * NormalDist().cdf(-abs(stat)) if math.isfinite(stat) else None,
            }
        )
    return out


def card_of(model_set: ModelSet, *, validation: dict[str, Any] | None = None) -> dict[str, Any]:
    """The model card of ``model_set`` (stored or not) with its ``validation`` (``Validation.to_dict()``).

    ``models``: for each endpoint the method, patients, events (and competing events for NRM), parameters
    (design columns), events per parameter, convergence, and each coefficient with its standard error, the
    hazard ratio (subdistribution hazard ratio for NRM) and its ``conf_level`` interval (Wald, on the log
    scale) and Wald p-value. ``predictors``: each predictor's coding, the range of the numeric ones in the
    fitted rows, the spline knots and the factor levels (reference first).
    """
    settings = model_set.settings
    design = model_set.design
    predictors: list[dict[str, Any]] = []
    for name, words in PREDICTOR_WORDS.items():
        entry: dict[str, Any] = {"name": name, "coding": words}
        if name == "age":
            entry.update(range=list(design.age_range), knots=list(design.knots))
        elif name == "hct_ci":
            entry["range"] = list(design.hct_ci_range)
        else:
            factor = design.factor(name)
            entry.update(levels=list(factor.levels), reference=factor.reference)
        if name == "era":
            entry["era_boundaries"] = list(design.era_boundaries)
        if name == "experienced":
            entry["threshold"] = design.experience_threshold
        predictors.append(entry)
    return {
        "version": model_set.version,
        "data_cutoff": None if model_set.cutoff is None else model_set.cutoff.isoformat(),
        "n": model_set.n,
        "disease_counts": {d: n for d, n in model_set.disease_counts},
        "diseases_left_out": list(model_set.diseases_left_out),
        "min_patients_per_disease": settings.min_patients_per_disease,
        "conf_level": settings.conf_level,
        "horizons_days": {
            "OS": list(settings.os_horizons),
            "PFS": list(settings.pfs_horizons),
            "NRM": list(settings.nrm_horizons),
        },
        "models": [
            {
                "endpoint": m.endpoint,
                "method": m.method,
                "n": m.n,
                "events": m.events,
                "competing": m.competing,
                "parameters": len(m.coef),
                "events_per_parameter": m.events_per_parameter,
                "converged": m.converged,
                "coefficients": _coefficients(m, settings.conf_level),
            }
            for m in model_set.models
        ],
        "predictors": predictors,
        "settings": settings.to_dict(),
        "validation": validation,
    }
