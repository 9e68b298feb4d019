"""A fitted model set's card as JSON-ready data: what ``remission model show`` prints and the model report
shows. Pure (no database): :mod:`.stored` adds who stored it and when.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

from remission.analysis.prediction.model import FittedModel, ModelSet

PREDICTOR_WORDS: dict[str, str] = {
    "age": "age at day 0 (years), restricted cubic spline",
    "sex": "sex",
    "disease": "disease (registry code)",
    "subtype": (
        "disease subtype, within its disease: a column for each subtype with enough patients, against the "
        "disease's most common subtype, with which unrecorded and rarer subtypes are pooled"
    ),
    "hct_ci": "HCT-CI score, linear",
    "performance": "performance status: normal = ECOG 0 or Karnofsky/Lansky >= 90; reduced otherwise",
    "intensity": "conditioning intensity",
    "era": "era of day 0",
    "experienced": "centre experience: earlier AD-HSCT procedures at the centre >= threshold",
}


def _coefficients(model: FittedModel, conf_level: float) -> list[dict[str, Any]]:
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
        elif name == "subtype":
            entry["diseases"] = [
                {"disease": s.disease, "reference": s.reference, "levels": list(s.levels)}
                for s in design.subtypes
            ]
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
