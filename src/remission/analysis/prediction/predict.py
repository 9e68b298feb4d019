"""One candidate's predicted OS, PFS and NRM from a fitted :class:`~.model.ModelSet`, or a refusal.

The candidate is a mapping (the screening candidate's keys where they exist):

- ``age_years`` — age at day 0, years;
- ``sex`` — "female" / "male";
- ``disease`` — the registry's disease code;
- ``hct_ci_score`` — the HCT-CI score (a number; the screening candidate's ``hct_ci`` holds the items);
- ``ecog``, ``karnofsky`` or ``lansky`` — performance status, at the top level or under ``findings``;
- ``intensity`` — conditioning intensity "low" / "intermediate" / "high";
- ``infusion_year`` (planned year of day 0) or ``era`` (an era label of the model);
- ``experienced`` (true/false) or ``centre_experience`` (earlier AD-HSCT procedures at the centre).

Refusals (:data:`~.model.REFUSAL_RULES`), checked predictor by predictor in design order, the first one
found returned: a predictor missing; a value that is not valid for it; the disease not in the model
(fewer than the settings' minimum of patients in the fitted data, or none); age or HCT-CI outside the
range seen in the fitted data; a factor level never seen in the fitted data.

Intervals (:data:`INTERVAL_METHOD`): the delta method on the linear predictor, on the log(-log) scale.
With Λ0 the stored baseline cumulative (subdistribution) hazard at x = 0, x̄ the design means of the
fitted rows and V the coefficients' covariance (Cox: model-based, as ``vcov(coxph)``; Fine-Gray: crr's
sandwich ``fit$var``),

    L(t) = log Λ0(t) + x'b = log Λ(t | x̄) + (x - x̄)'b,     se = sqrt((x - x̄)' V (x - x̄)),

and S = exp(-exp(L)) (OS, PFS), F = 1 - exp(-exp(L)) (NRM), with limits from L ∓ z se. The baseline
Λ(t | x̄) is treated as fixed: the interval carries the coefficients' uncertainty only, so it is too
narrow, most for a candidate near the average patient of the fitted data (zero width at x = x̄). Where
Λ0(t) = 0 (no event by t) the estimate is 1 (survival) or 0 (incidence) and so are both limits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from remission.analysis.cohorts import era_of
from remission.analysis.prediction.design import (
    INTENSITIES,
    PERFORMANCE_SCALES,
    PREDICTORS,
    SEXES,
    performance_group,
)
from remission.analysis.prediction.model import FittedModel, ModelSet, Prediction, Refusal, Risk
from remission.analysis.prediction.settings import YEAR

INTERVAL_METHOD = (
    "delta method on the linear predictor, log(-log) scale: se = sqrt((x - x̄)'V(x - x̄)) with V the "
    "coefficients' covariance and x̄ the design means of the fitted data; the baseline hazard is treated "
    "as fixed (its own uncertainty is left out, so the interval is too narrow near the average patient)"
)
QUANTITY = {"OS": "survival", "PFS": "survival", "NRM": "cumulative incidence"}
MISSING = "{predictor} is missing: the models need it"
INVALID = "{predictor} {value!r} is not valid: {rule}"
DISEASE_TOO_FEW = (
    "disease {value!r} had {n} patients in the model's data, fewer than the minimum of {minimum}: the "
    "model does not cover it"
)
DISEASE_ABSENT = "disease {value!r} had no patients in the model's data: the model does not cover it"
OUTSIDE = "{predictor} {value:g} is outside the range of the model's data ({low:g} to {high:g})"
NOT_SEEN = "{predictor} {value!r} was not seen in the model's data (levels: {levels})"
CONFLICT = "performance status given on several scales that disagree ({given})"


class _Refuse(Exception):
    def __init__(self, predictor: str, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.predictor, self.rule, self.reason = predictor, rule, reason


def _number(candidate: Mapping[str, Any], key: str, predictor: str) -> float:
    value = candidate.get(key)
    if value is None:
        raise _Refuse(predictor, "missing", MISSING.format(predictor=predictor))
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Refuse(
            predictor, "invalid", INVALID.format(predictor=predictor, value=value, rule="not a number")
        )
    return float(value)


def _within(value: float, low: float, high: float, predictor: str) -> float:
    if not low <= value <= high:
        raise _Refuse(
            predictor, "outside_range", OUTSIDE.format(predictor=predictor, value=value, low=low, high=high)
        )
    return value


def _level(model_set: ModelSet, predictor: str, value: str) -> str:
    levels = model_set.design.factor(predictor).levels
    if value not in levels:
        raise _Refuse(
            predictor,
            "level_not_seen",
            NOT_SEEN.format(predictor=predictor, value=value, levels=", ".join(levels)),
        )
    return value


def _choice(candidate: Mapping[str, Any], key: str, predictor: str, allowed: tuple[str, ...]) -> str:
    value = candidate.get(key)
    if value is None or value == "" or value == "unknown":
        raise _Refuse(predictor, "missing", MISSING.format(predictor=predictor))
    if value not in allowed:
        rule = "one of " + ", ".join(allowed)
        raise _Refuse(predictor, "invalid", INVALID.format(predictor=predictor, value=value, rule=rule))
    return str(value)


def _performance(candidate: Mapping[str, Any]) -> str:
    findings = candidate.get("findings") or {}
    given: dict[str, Any] = {}
    for scale in PERFORMANCE_SCALES:
        value = candidate.get(scale, findings.get(scale) if isinstance(findings, Mapping) else None)
        if value is not None:
            given[scale] = value
    if not given:
        raise _Refuse("performance", "missing", MISSING.format(predictor="performance status"))
    groups: set[str] = set()
    for scale, value in given.items():
        low, high = PERFORMANCE_SCALES[scale]
        group = performance_group(scale, value) if not isinstance(value, bool) else None
        if group is None:
            rule = f"{scale} is a number from {low} to {high}"
            raise _Refuse("performance", "invalid", INVALID.format(predictor=scale, value=value, rule=rule))
        groups.add(group)
    if len(groups) > 1:
        words = ", ".join(f"{scale} {value}" for scale, value in given.items())
        raise _Refuse("performance", "invalid", CONFLICT.format(given=words))
    return groups.pop()


def _era(model_set: ModelSet, candidate: Mapping[str, Any]) -> str:
    if candidate.get("era") is not None:
        return str(candidate["era"])
    year = candidate.get("infusion_year")
    if year is None:
        raise _Refuse("era", "missing", MISSING.format(predictor="era (infusion_year)"))
    if isinstance(year, bool) or not isinstance(year, int | float) or float(year) != int(year):
        rule = "a whole year"
        raise _Refuse("era", "invalid", INVALID.format(predictor="infusion_year", value=year, rule=rule))
    coded = era_of(np.array([int(year)]), model_set.design.era_boundaries)
    return str(coded[0])


def _experienced(model_set: ModelSet, candidate: Mapping[str, Any]) -> str:
    value = candidate.get("experienced")
    if value is not None:
        if not isinstance(value, bool):
            rule = "true or false"
            raise _Refuse(
                "experienced", "invalid", INVALID.format(predictor="experienced", value=value, rule=rule)
            )
        return "yes" if value else "no"
    count = candidate.get("centre_experience")
    if count is None:
        raise _Refuse("experienced", "missing", MISSING.format(predictor="centre experience"))
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        rule = "a count of earlier procedures"
        raise _Refuse(
            "experienced", "invalid", INVALID.format(predictor="centre_experience", value=count, rule=rule)
        )
    return "yes" if count >= model_set.design.experience_threshold else "no"


def candidate_predictors(model_set: ModelSet, candidate: Mapping[str, Any]) -> dict[str, Any] | Refusal:
    """The candidate's coded predictors (the values :meth:`DesignSpec.encode` reads), or the refusal."""
    design = model_set.design
    coded: dict[str, Any] = {}
    try:
        for predictor in PREDICTORS:
            if predictor == "age":
                age = _number(candidate, "age_years", "age")
                coded["age"] = _within(age, *design.age_range, "age")
            elif predictor == "sex":
                coded["sex"] = _level(model_set, "sex", _choice(candidate, "sex", "sex", SEXES))
            elif predictor == "disease":
                coded["disease"] = _disease(model_set, candidate)
            elif predictor == "hct_ci":
                score = _number(candidate, "hct_ci_score", "hct_ci")
                if score < 0 or score != int(score):
                    rule = "a whole number from 0"
                    raise _Refuse(
                        "hct_ci", "invalid", INVALID.format(predictor="hct_ci", value=score, rule=rule)
                    )
                coded["hct_ci"] = _within(score, *design.hct_ci_range, "hct_ci")
            elif predictor == "performance":
                coded["performance"] = _level(model_set, "performance", _performance(candidate))
            elif predictor == "intensity":
                chosen = _choice(candidate, "intensity", "intensity", INTENSITIES)
                coded["intensity"] = _level(model_set, "intensity", chosen)
            elif predictor == "era":
                coded["era"] = _level(model_set, "era", _era(model_set, candidate))
            elif predictor == "experienced":
                coded["experienced"] = _level(model_set, "experienced", _experienced(model_set, candidate))
    except _Refuse as refused:
        return Refusal(model_set.version, refused.predictor, refused.rule, refused.reason)
    return coded


def _disease(model_set: ModelSet, candidate: Mapping[str, Any]) -> str:
    value = candidate.get("disease")
    if value is None or value == "":
        raise _Refuse("disease", "missing", MISSING.format(predictor="disease"))
    if value in model_set.design.factor("disease").levels:
        return str(value)
    counts = dict(model_set.disease_counts)
    if counts.get(value):
        reason = DISEASE_TOO_FEW.format(
            value=value, n=counts[value], minimum=model_set.settings.min_patients_per_disease
        )
    else:
        reason = DISEASE_ABSENT.format(value=value)
    raise _Refuse("disease", "disease_not_in_model", reason)


def horizon_label(days: float) -> str:
    """ "100 days", "1 year", "5 years"."""
    years = days / YEAR
    if years >= 1 and abs(years - round(years)) < 1e-9:
        whole = round(years)
        return f"{whole} year" + ("s" if whole != 1 else "")
    return f"{days:g} days"


def _risks(model: FittedModel, x: np.ndarray, horizons: tuple[float, ...], z: float) -> list[Risk]:
    coef = np.asarray(model.coef)
    d = x - np.asarray(model.centre)
    se = float(np.sqrt(max(d @ np.asarray(model.covariance) @ d, 0.0)))
    eta = float(x @ coef)
    times = np.asarray(model.baseline_times)
    cum = np.r_[0.0, np.asarray(model.baseline_cumhaz)]
    out = []
    for horizon in horizons:
        hazard = float(cum[np.searchsorted(times, horizon, side="right")])
        if hazard > 0:
            lp = math.log(hazard) + eta
            low_lp, high_lp = lp - z * se, lp + z * se
            surv, surv_low, surv_high = (math.exp(-math.exp(v)) for v in (lp, high_lp, low_lp))
        else:
            surv = surv_low = surv_high = 1.0
        if model.endpoint == "NRM":
            estimate, lower, upper = 1.0 - surv, 1.0 - surv_high, 1.0 - surv_low
        else:
            estimate, lower, upper = surv, surv_low, surv_high
        out.append(
            Risk(
                endpoint=model.endpoint,
                quantity=QUANTITY[model.endpoint],
                horizon_days=float(horizon),
                horizon=horizon_label(horizon),
                estimate=estimate,
                lower=lower,
                upper=upper,
            )
        )
    return out


def _percent(value: float) -> str:
    return f"{100 * value:.0f} %"


def sentence(model_set: ModelSet, risks: list[Risk]) -> str:
    """The predictions in plain words, with the interval, the model and the caution."""

    level = f"{100 * model_set.settings.conf_level:g} %"

    def part(endpoint: str, words: str) -> str:
        items = [
            f"{_percent(r.estimate)} at {r.horizon} ({level} interval {_percent(r.lower)} to "
            f"{_percent(r.upper)})"
            for r in risks
            if r.endpoint == endpoint
        ]
        return f"{words} {' and '.join(items)}"

    cutoff = model_set.cutoff.isoformat() if model_set.cutoff else "an unknown date"
    text = (
        f"Among {model_set.n} registry patients treated up to {cutoff}, those like this patient were: "
        + "; ".join(
            (
                part("OS", "alive"),
                part("PFS", "alive without relapse or progression"),
                part("NRM", "dead of the treatment or its complications (non-relapse mortality)"),
            )
        )
        + f". Model {model_set.version}."
        + " These are associations in observational registry data, not the effect of any choice."
    )
    return text


def predict(model_set: ModelSet, candidate: Mapping[str, Any]) -> Prediction | Refusal:
    """OS and PFS (survival) and NRM (cumulative incidence) at the settings' horizons for one candidate,
    each with its interval; a :class:`Refusal` naming the predictor and the rule when the candidate lies
    outside the model's data."""
    coded = candidate_predictors(model_set, candidate)
    if isinstance(coded, Refusal):
        return coded
    x = model_set.design.encode(coded)[0]
    settings = model_set.settings
    z = float(stats.norm.ppf(0.5 + settings.conf_level / 2.0))
    horizons = {"OS": settings.os_horizons, "PFS": settings.pfs_horizons, "NRM": settings.nrm_horizons}
    risks: list[Risk] = []
    for model in model_set.models:
        risks += _risks(model, x, horizons[model.endpoint], z)
    return Prediction(
        model_version=model_set.version,
        predictors=tuple(coded.items()),
        risks=tuple(risks),
        conf_level=settings.conf_level,
        interval_method=INTERVAL_METHOD,
        sentence=sentence(model_set, risks),
    )
