"""One candidate's predicted OS, PFS and NRM from a fitted :class:`~.model.ModelSet`, or a refusal.

The candidate is a mapping (the screening candidate's keys where they exist):

- ``age_years`` — age at day 0, years;
- ``sex`` — "female" / "male";
- ``disease`` — the registry's disease code;
- ``subtype`` — the disease's subtype code (``remission.clinical.diseases``), or, as the screening
  candidate records it, ``findings.ssc_subset`` (SSc) or ``findings.ms_course`` (MS)
  (:data:`SUBTYPE_FINDINGS`); absent or "" is unrecorded. An unrecorded subtype, or one without a column
  in the model (rarer than ``min_patients_per_subtype`` in the fitted data), is predicted as the disease's
  reference subtype, with which the fit pooled the same patients, and the prediction says so in its
  ``notes`` and its sentence (:func:`subtype_note`); it is never a refusal;
- ``hct_ci_score`` — the HCT-CI score (a number; the screening candidate's ``hct_ci`` holds the items);
- ``ecog``, ``karnofsky`` or ``lansky`` — performance status, at the top level or under ``findings``;
- ``intensity`` — conditioning intensity "low" / "intermediate" / "high";
- ``infusion_year`` (planned year of day 0) or ``era`` (an era label of the model);
- ``experienced`` (true/false) or ``centre_experience`` (earlier AD-HSCT procedures at the centre).

Refusals (:data:`~.model.REFUSAL_RULES`), checked predictor by predictor in design order, the first one
found returned: a predictor missing; a value that is not valid for it (a subtype code that is not one of
the disease's, or two subtype values that disagree, included); the disease not in the model
(fewer than the settings' minimum of patients in the fitted data, or none); age or HCT-CI outside the
range seen in the fitted data; a factor level never seen in the fitted data.

Intervals (:func:`interval_method`), at the settings' level, all on the log(-log) scale, i.e. on the log
of the cumulative (subdistribution) hazard Λ(t | x) = exp(x'b) Λ0(t): limits log Λ(t | x) ∓ z se, then
S = exp(-Λ) (OS, PFS) and F = 1 - exp(-Λ) (NRM). With x̄ the design means of the fitted rows
(``FittedModel.centre``) and V the coefficients' covariance:

- OS and PFS (Cox): se is the standard error of Λ(t | x) divided by Λ(t | x), the variance being the one
  R's ``survfit(coxph_fit, newdata)`` computes (Tsiatis / Andersen-Gill, with Efron's tie correction as
  ``survfit`` applies it for ``ties = "efron"``; :meth:`remission.survival.CoxResult.cumhaz_terms`):

      var Λ(t | x) = exp(2 (x - x̄)'b) [v(t) + d'V d],   d = (x - x̄) Λ(t | x̄) - a(t),

  v(t) the baseline's own variance at x̄ and a(t) = Σ_{t_i <= t} (x̄(t_i) - x̄) dΛ(t_i | x̄), both stored
  per horizon in the fitted model (:class:`~.model.BaselineVariance`), V = ``vcov(coxph)``. The interval
  includes the baseline hazard's uncertainty and the coefficients'; its limits equal
  ``survfit(fit, newdata, conf.type = "log-log")``'s (survfit's default for coxph is "log", i.e. on Λ
  itself; log(-log) is used here for all three endpoints and keeps the limits inside 0 and 1).
- NRM (Fine-Gray): the delta method on the linear predictor only, se = sqrt((x - x̄)' V (x - x̄)) with V
  crr's sandwich ``fit$var``. cmprsk's ``predict.crr`` gives no interval to check a baseline term
  against, so none is added: the baseline subdistribution hazard is treated as fixed and the interval is
  too narrow, most for a candidate near the average patient of the fitted data (zero width at x = x̄).
- A model set stored before the Cox models carried their baseline variance (no ``baseline_variance``)
  is not refused: its OS and PFS intervals fall back to the NRM method (coefficients only) and the
  prediction's ``interval_method`` says so (:data:`INTERVAL_METHOD_FIXED_BASELINE`) and asks for a refit.

Where Λ0(t) = 0 (no event by t) the estimate is 1 (survival) or 0 (incidence) and so are both limits.
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
    UNRECORDED,
    performance_group,
)
from remission.analysis.prediction.model import FittedModel, ModelSet, Prediction, Refusal, Risk
from remission.analysis.prediction.settings import YEAR
from remission.clinical.diseases import DISEASES
from remission.survival.cox import cumhaz_variance

INTERVAL_METHOD = (
    "log(-log) scale, i.e. log of the cumulative hazard ± z se. OS and PFS (Cox): se from the variance of "
    "the predicted cumulative hazard as R's survfit(coxph, newdata) computes it (Tsiatis / Andersen-Gill, "
    "Efron ties): it includes the baseline hazard's uncertainty as well as the coefficients' (equal to "
    'survfit\'s conf.type = "log-log" limits). NRM (Fine-Gray): delta method on the linear predictor, '
    "se = sqrt((x - x̄)'V(x - x̄)) with V the coefficients' covariance and x̄ the design means of the fitted "
    "data; the baseline subdistribution hazard is treated as fixed (its own uncertainty is left out, so "
    "the NRM interval is too narrow near the average patient)"
)
INTERVAL_METHOD_FIXED_BASELINE = (
    "log(-log) scale, delta method on the linear predictor for all three endpoints: se = "
    "sqrt((x - x̄)'V(x - x̄)) with V the coefficients' covariance and x̄ the design means of the fitted "
    "data; the baseline hazard is treated as fixed (its own uncertainty is left out, so the intervals are "
    "too narrow near the average patient). This model set was stored before the OS and PFS models kept "
    "their baseline's variance: refit it ('remission model fit') for OS and PFS intervals that include it"
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
# where a screening candidate records the subtype (as remission.registry.candidates fills it), by disease
SUBTYPE_FINDINGS: dict[str, str] = {"ssc": "ssc_subset", "ms": "ms_course"}
SUBTYPE_RULE = "one of the subtype codes of {disease}: {codes}"
NO_SUBTYPES = "{disease} has no subtype codes"
SUBTYPE_CONFLICT = "subtype given twice with different values ({given})"
SUBTYPE_UNRECORDED = (
    "subtype not given: predicted as {disease}'s reference subtype {reference!r} (its most common in the "
    "model's data), with which the model pools unrecorded subtypes and those with fewer than {minimum} "
    "patients"
)
SUBTYPE_POOLED = (
    "subtype {subtype!r} had fewer than {minimum} patients of {disease} in the model's data and has no "
    "term of its own: predicted as {disease}'s reference subtype {reference!r} (its most common), with "
    "which the model pools it and unrecorded subtypes"
)
SUBTYPE_NOT_MODELLED = (
    "subtype {subtype!r} is not in the model: no subtype of {disease} besides its most common had "
    "{minimum} patients in the model's data, so the prediction is for {disease} with its subtypes pooled"
)


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
            elif predictor == "subtype":
                coded["subtype"] = _subtype(candidate, coded["disease"])
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


def _subtype(candidate: Mapping[str, Any], disease: str) -> str:
    """The candidate's subtype code (:data:`UNRECORDED` when not given): top-level ``subtype`` or the
    screening finding of :data:`SUBTYPE_FINDINGS`; a code not of ``disease`` (``DISEASES``) is refused."""
    given: dict[str, Any] = {}
    if candidate.get("subtype") not in (None, ""):
        given["subtype"] = candidate["subtype"]
    findings = candidate.get("findings") or {}
    field = SUBTYPE_FINDINGS.get(disease)
    if field is not None and isinstance(findings, Mapping) and findings.get(field) not in (None, ""):
        given[f"findings.{field}"] = findings[field]
    if not given:
        return UNRECORDED
    found = DISEASES.get(disease)
    codes = tuple(found.subtypes) if found is not None else ()
    for key, value in given.items():
        if not isinstance(value, str) or value not in codes:
            rule = (
                SUBTYPE_RULE.format(disease=disease, codes=", ".join(codes))
                if codes
                else NO_SUBTYPES.format(disease=disease)
            )
            raise _Refuse("subtype", "invalid", INVALID.format(predictor=key, value=value, rule=rule))
    if len(set(given.values())) > 1:
        words = ", ".join(f"{key} {value!r}" for key, value in given.items())
        raise _Refuse("subtype", "invalid", SUBTYPE_CONFLICT.format(given=words))
    return str(next(iter(given.values())))


def subtype_note(model_set: ModelSet, coded: Mapping[str, Any]) -> str | None:
    """What the prediction assumed of the candidate's subtype (``coded`` by :func:`candidate_predictors`),
    or None when the subtype has its own level in the model (the reference included) or when neither the
    candidate nor the model has one for the disease."""
    disease, subtype = str(coded["disease"]), str(coded.get("subtype", UNRECORDED))
    entry = model_set.design.subtypes_of(disease)
    minimum = model_set.settings.min_patients_per_subtype
    if entry is None:
        if subtype == UNRECORDED:
            return None
        return SUBTYPE_NOT_MODELLED.format(subtype=subtype, disease=disease, minimum=minimum)
    if subtype in entry.levels:
        return None
    words = {"subtype": subtype, "disease": disease, "reference": entry.reference, "minimum": minimum}
    return (SUBTYPE_UNRECORDED if subtype == UNRECORDED else SUBTYPE_POOLED).format(**words)


def horizon_label(days: float) -> str:
    """ "100 days", "1 year", "5 years"."""
    years = days / YEAR
    if years >= 1 and abs(years - round(years)) < 1e-9:
        whole = round(years)
        return f"{whole} year" + ("s" if whole != 1 else "")
    return f"{days:g} days"


def interval_method(model_set: ModelSet) -> str:
    """What the intervals of ``model_set``'s predictions include: :data:`INTERVAL_METHOD`, or
    :data:`INTERVAL_METHOD_FIXED_BASELINE` for a model set whose Cox models have no stored baseline
    variance (stored before it existed)."""
    cox_models = [m for m in model_set.models if m.endpoint in ("OS", "PFS")]
    if any(m.baseline_variance is None for m in cox_models):
        return INTERVAL_METHOD_FIXED_BASELINE
    return INTERVAL_METHOD


def _risks(model: FittedModel, x: np.ndarray, horizons: tuple[float, ...], z: float) -> list[Risk]:
    """The model's risks at ``horizons`` for the encoded row ``x``, with limits log Λ ∓ z se on the
    log(-log) scale (module docstring): se from the stored baseline variance where the model has it (Cox),
    else the coefficients-only delta method."""
    coef = np.asarray(model.coef)
    centre = np.asarray(model.centre)
    covariance = np.asarray(model.covariance)
    u = x - centre
    delta_se = float(np.sqrt(max(u @ covariance @ u, 0.0)))
    eta = float(x @ coef)
    at_centre = math.exp(float(centre @ coef))  # Λ(t | x̄) = Λ0(t) exp(x̄'b)
    times = np.asarray(model.baseline_times)
    cum = np.r_[0.0, np.asarray(model.baseline_cumhaz)]
    out = []
    for horizon in horizons:
        hazard = float(cum[np.searchsorted(times, horizon, side="right")])
        if hazard > 0:
            lp = math.log(hazard) + eta
            terms = model.variance_at(float(horizon))
            if terms is None:
                se = delta_se
            else:
                var = cumhaz_variance(
                    u, coef, covariance, [hazard * at_centre], [terms.variance], [terms.shift]
                )[0]
                se = math.sqrt(max(float(var), 0.0)) / math.exp(lp)  # se of log Λ(t | x)
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


def sentence(model_set: ModelSet, risks: list[Risk], notes: tuple[str, ...] = ()) -> str:
    """The predictions in plain words, with the interval, the model and the caution (then the ``notes``:
    what was assumed of the candidate)."""

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
        + "".join(f" Note: {note[0].upper()}{note[1:]}." for note in notes)
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
    note = subtype_note(model_set, coded)
    notes = () if note is None else (note,)
    return Prediction(
        model_version=model_set.version,
        predictors=tuple(coded.items()),
        risks=tuple(risks),
        conf_level=settings.conf_level,
        interval_method=interval_method(model_set),
        sentence=sentence(model_set, risks, notes),
        notes=notes,
    )
