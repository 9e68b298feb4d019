"""The prediction at the bedside: a screening candidate's predicted risks, and the same under each intensity.

One floor below the faces: ``remission screen --predict``, ``POST /api/screening?predict=true`` and the
screening page all call :func:`predict_for_candidate` and show the dict it returns (JSON-safe), so the
three say the same thing in the same words.

The candidate is the screening candidate (``remission/clinical/candidate.schema.json``); its values map
onto the models' predictors (:mod:`.predict`) as follows:

- age ``age_years``, sex ``sex`` ("unknown" is missing), disease ``disease``;
- HCT-CI: the score the screening computes from ``hct_ci`` (the items and raw values, shared with
  ``findings``), always the HCT-CI without the age point (the registry's work-up score), also when the
  candidate's ``hct_ci_settings.variant`` asks for HCT-CI/age; not computable (items missing) is missing;
- performance status: ``findings.ecog`` or ``findings.karnofsky``;
- intensity: the class of the candidate's ``regimen`` (with its ``regimen_overrides``) by
  :func:`remission.clinical.regimens.assess_intensity`; no regimen, or a regimen outside the rule's
  scope ("unknown"), is missing;
- era: ``infusion_year`` (the planned year of day 0); absent, the current year, said in ``assumptions``;
- centre experience: ``centre_experience`` (earlier HSC transplants, autologous or allogeneic, for
  autoimmune disease at the centre: what the analysis set counts); absent is missing.

A missing predictor, a value outside the model's data or a disease the model does not cover gives the
refusal with its reason (:class:`~.model.Refusal`), never a prediction.

:func:`compare_intensities` predicts the same candidate under each regimen intensity the centre offers
(default low, intermediate, high). The rows differ only in the intensity: they are associations in
observational data — who received which regimen was chosen, not randomised — and not the effect of
choosing a regimen (:data:`COMPARISON_CAVEAT`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from remission.analysis.prediction.design import INTENSITIES
from remission.analysis.prediction.model import ModelSet, Prediction, Refusal
from remission.analysis.prediction.predict import SUBTYPE_FINDINGS, horizon_label, interval_method, predict
from remission.clinical.hct_ci import HctCiSettings, hct_ci
from remission.clinical.screening import ScreeningReport, screen_candidate, share_values

PREDICTED = "predicted"
REFUSED = "refused"
NO_MODEL = "no_model"
NO_MODEL_TEXT = (
    "No prediction model is stored: nothing can be predicted for this candidate (a model is fitted on the "
    "registry with `remission model fit`)."
)
ENDPOINT_LABELS = {
    "OS": "Overall survival",
    "PFS": "Progression-free survival",
    "NRM": "Non-relapse mortality",
}
COMPARISON_CAVEAT = (
    "Associations from observational registry data, not effects of the regimen: which patients received "
    "which intensity was chosen, not randomised, and the models cannot adjust for every reason behind that "
    "choice. The rows do not say what changing this candidate's regimen would do."
)
NO_REGIMEN = "intensity is missing: no conditioning regimen was chosen, and the models need its intensity"
REGIMEN_UNCLASSED = (
    "intensity is missing: regimen {regimen} has no intensity class ({reason}), and the models need it"
)
HCT_CI_NOT_COMPUTABLE = "the HCT-CI is not computable (missing: {missing}): the models need the score"
NO_CENTRE_EXPERIENCE = (
    "centre experience is missing: give centre_experience, the number of earlier HSC transplants "
    "(autologous or allogeneic) for autoimmune disease at the centre"
)
YEAR_ASSUMED = "infusion year not given: taken as {year}, this year (it sets the era)"
HCT_CI_WITHOUT_AGE = (
    "the models use the HCT-CI without the age point (as the registry's work-up): {score}, not the "
    "HCT-CI/age of the screening"
)
NO_VALIDATION = "No validation is stored for this model: its calibration is unknown."
CALIBRATION = (
    "{endpoint} at {horizon}: calibration slope {slope} ({slope_kind}), scaled Brier {scaled} ({scaled_kind})"
)
UNKNOWN_INTENSITY = "intensity {value!r} is not one of {allowed}"


@dataclasses.dataclass(frozen=True)
class CandidateInputs:
    """The predictors read from a screening candidate (the mapping :func:`~.predict.predict` reads),
    the reasons a missing one is missing, and the assumptions made."""

    values: dict[str, Any]
    missing_reasons: dict[str, str]
    assumptions: tuple[str, ...]


def candidate_inputs(
    candidate: Mapping[str, Any], report: ScreeningReport | None = None, *, today: dt.date | None = None
) -> CandidateInputs:
    """The models' predictors from a screening candidate (checked, as ``check_and_screen`` passes it).

    ``report``: the candidate's screening report, when the caller has it (else it is computed).
    """
    report = report if report is not None else screen_candidate(candidate)
    today = today or dt.date.today()
    findings = candidate.get("findings") or {}
    values: dict[str, Any] = {
        "age_years": candidate.get("age_years"),
        "sex": candidate.get("sex"),
        "disease": candidate.get("disease"),
    }
    missing: dict[str, str] = {}
    assumptions: list[str] = []

    score = report.hct_ci.score
    if report.hct_ci.variant != "hct_ci":
        settings = HctCiSettings(**dict(candidate.get("hct_ci_settings") or {}))
        plain = hct_ci(
            share_values(candidate).hct_ci,
            age=candidate.get("age_years"),
            disease=candidate.get("disease"),
            settings=dataclasses.replace(settings, variant="hct_ci"),
        )
        score = plain.score
        if score is not None:
            assumptions.append(HCT_CI_WITHOUT_AGE.format(score=score))
    values["hct_ci_score"] = score
    if score is None:
        missing["hct_ci"] = HCT_CI_NOT_COMPUTABLE.format(missing=", ".join(report.hct_ci.missing) or "items")

    for scale in ("ecog", "karnofsky"):
        if findings.get(scale) is not None:
            values[scale] = findings[scale]
    subtype_field = SUBTYPE_FINDINGS.get(str(candidate.get("disease")))
    if subtype_field is not None and findings.get(subtype_field) is not None:
        values["findings"] = {subtype_field: findings[subtype_field]}

    if report.regimen is None or report.intensity is None:
        values["intensity"] = None
        missing["intensity"] = NO_REGIMEN
    else:
        values["intensity"] = report.intensity.intensity.value
        if values["intensity"] not in INTENSITIES:
            missing["intensity"] = REGIMEN_UNCLASSED.format(
                regimen=report.regimen.code, reason=report.intensity.reason
            )

    if candidate.get("infusion_year") is not None:
        values["infusion_year"] = candidate["infusion_year"]
    else:
        values["infusion_year"] = today.year
        assumptions.append(YEAR_ASSUMED.format(year=today.year))
    values["centre_experience"] = candidate.get("centre_experience")
    if values["centre_experience"] is None:
        missing["experienced"] = NO_CENTRE_EXPERIENCE
    return CandidateInputs(values, missing, tuple(assumptions))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "not available" if value is None else f"{value:.{digits}f}"


def _calibration_item(entry: Mapping[str, Any]) -> dict[str, Any]:
    corrected = entry.get("corrected") if isinstance(entry.get("corrected"), Mapping) else {}
    apparent = entry.get("apparent") if isinstance(entry.get("apparent"), Mapping) else {}
    item: dict[str, Any] = {
        "endpoint": str(entry.get("endpoint", "")),
        "horizon": str(entry.get("horizon", "")),
        "horizon_days": _number(entry.get("horizon_days")),
    }
    for name in ("calibration_slope", "scaled_brier"):
        value = _number(corrected.get(name))
        item[name], item[name + "_kind"] = (
            (value, "optimism-corrected") if value is not None else (_number(apparent.get(name)), "apparent")
        )
    return item


def calibration(validation: Mapping[str, Any] | None) -> dict[str, Any]:
    """The model's calibration from its stored validation (``Validation.to_dict()`` of
    :mod:`.validate`), if any: per endpoint and horizon (``results``), the calibration slope and the
    scaled Brier score, optimism-corrected where the validation has the corrected value (``corrected``),
    else apparent (``apparent``), each line saying which.
    """
    entries = (validation or {}).get("results") or ()
    items = [_calibration_item(e) for e in entries if isinstance(e, Mapping)]
    if not items:
        return {"available": False, "lines": [NO_VALIDATION], "items": []}
    lines = [
        CALIBRATION.format(
            endpoint=item["endpoint"],
            horizon=item["horizon"],
            slope=_fmt(item["calibration_slope"]),
            slope_kind=item["calibration_slope_kind"],
            scaled=_fmt(item["scaled_brier"]),
            scaled_kind=item["scaled_brier_kind"],
        )
        for item in items
    ]
    return {"available": True, "lines": lines, "items": items}


def model_summary(model_set: ModelSet, validation: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the faces show of the model: version, data cut-off, patients, methods and calibration."""
    return {
        "version": model_set.version,
        "cutoff": None if model_set.cutoff is None else model_set.cutoff.isoformat(),
        "n": model_set.n,
        "diseases": list(model_set.design.factor("disease").levels),
        "methods": {m.endpoint: m.method for m in model_set.models},
        "events": {m.endpoint: m.events for m in model_set.models},
        "conf_level": model_set.settings.conf_level,
        "interval_method": interval_method(model_set),
        "calibration": calibration(validation),
    }


def risk_columns(model_set: ModelSet) -> list[dict[str, Any]]:
    """The risks a prediction of ``model_set`` has, in order: endpoint, horizon and label."""
    horizons = {
        "OS": model_set.settings.os_horizons,
        "PFS": model_set.settings.pfs_horizons,
        "NRM": model_set.settings.nrm_horizons,
    }
    return [
        {
            "endpoint": m.endpoint,
            "horizon_days": float(h),
            "horizon": horizon_label(h),
            "label": f"{ENDPOINT_LABELS[m.endpoint]} at {horizon_label(h)}",
        }
        for m in model_set.models
        for h in horizons[m.endpoint]
    ]


def _risk_rows(prediction: Prediction) -> list[dict[str, Any]]:
    return [
        {
            **risk.to_dict(),
            "label": f"{ENDPOINT_LABELS[risk.endpoint]} at {risk.horizon}",
            "conf_level": prediction.conf_level,
        }
        for risk in prediction.risks
    ]


def _result(result: Prediction | Refusal, missing_reasons: Mapping[str, str]) -> dict[str, Any]:
    if isinstance(result, Refusal):
        reason = result.reason
        if result.rule == "missing" and result.predictor in missing_reasons:
            reason = missing_reasons[result.predictor]
        return {
            "status": REFUSED,
            "risks": [],
            "sentence": "",
            "predictors": {},
            "refusal": {"predictor": result.predictor, "rule": result.rule, "reason": reason},
        }
    return {
        "status": PREDICTED,
        "risks": _risk_rows(result),
        "sentence": result.sentence,
        "predictors": dict(result.predictors),
        "refusal": None,
    }


def compare_intensities(
    model_set: ModelSet,
    candidate: Mapping[str, Any],
    intensities: Sequence[str] = INTENSITIES,
    *,
    report: ScreeningReport | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The candidate's prediction under each intensity (in the order given), the rest unchanged.

    Each row: ``intensity``, ``current`` (the candidate's own regimen has it) and the prediction or the
    refusal as in :func:`predict_for_candidate`. Associations, not effects: :data:`COMPARISON_CAVEAT`.
    """
    for value in intensities:
        if value not in INTENSITIES:
            raise ValueError(UNKNOWN_INTENSITY.format(value=value, allowed=", ".join(INTENSITIES)))
    inputs = candidate_inputs(candidate, report, today=today)
    own = inputs.values.get("intensity")
    reasons = {k: v for k, v in inputs.missing_reasons.items() if k != "intensity"}
    rows = []
    for intensity in intensities:
        result = predict(model_set, {**inputs.values, "intensity": intensity})
        rows.append({"intensity": intensity, "current": intensity == own, **_result(result, reasons)})
    return rows


def predict_for_candidate(
    model_set: ModelSet,
    candidate: Mapping[str, Any],
    *,
    report: ScreeningReport | None = None,
    validation: Mapping[str, Any] | None = None,
    intensities: Sequence[str] = INTENSITIES,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The candidate's predicted risks (or the refusal), the model it came from, and the comparison of
    intensities; JSON-safe.

    ``status`` "predicted" (``risks``: each with ``estimate``, ``lower``, ``upper``, ``conf_level``,
    ``horizon``, ``label``; ``sentence``) or "refused" (``refusal``: ``predictor``, ``rule``, ``reason``);
    ``model``: :func:`model_summary`; ``inputs``: the predictors as read from the candidate;
    ``assumptions``; ``comparison``: ``caveat``, ``intensities``, ``columns`` (:func:`risk_columns`) and
    ``rows`` (:func:`compare_intensities`).
    ``validation``: the model's stored validation (``Validation.to_dict()``), for the calibration line.
    """
    report = report if report is not None else screen_candidate(candidate)
    inputs = candidate_inputs(candidate, report, today=today)
    result = predict(model_set, inputs.values)
    rows = compare_intensities(model_set, candidate, intensities, report=report, today=today)
    return {
        **_result(result, inputs.missing_reasons),
        "message": None,
        "model_version": model_set.version,
        "model": model_summary(model_set, validation),
        "inputs": dict(inputs.values),
        "assumptions": list(inputs.assumptions),
        "comparison": {
            "caveat": COMPARISON_CAVEAT,
            "intensities": list(intensities),
            "columns": risk_columns(model_set),
            "rows": rows,
        },
    }


def no_model() -> dict[str, Any]:
    """What the faces show when no model is stored."""
    return {"status": NO_MODEL, "message": NO_MODEL_TEXT}


def _percent(value: float) -> str:
    return f"{100 * value:.0f} %"


def to_text(prediction: Mapping[str, Any]) -> str:
    """The dict of :func:`predict_for_candidate` (or :func:`no_model`) as the command line prints it."""
    if prediction["status"] == NO_MODEL:
        return "Predicted outcomes: " + prediction["message"]
    model = prediction["model"]
    level = f"{100 * model['conf_level']:g} %"
    parts = [
        f"Predicted outcomes — model {model['version']} (data cut-off {model['cutoff'] or 'unknown'}, "
        f"{model['n']} patients)"
    ]
    parts += [f"  Assumed: {text}" for text in prediction["assumptions"]]
    if prediction["status"] == REFUSED:
        parts.append(f"  No prediction: {prediction['refusal']['reason']} [{prediction['refusal']['rule']}]")
    else:
        for risk in prediction["risks"]:
            parts.append(
                f"  {risk['label']}: {_percent(risk['estimate'])} ({level} interval "
                f"{_percent(risk['lower'])} to {_percent(risk['upper'])})"
            )
        parts.append("  " + prediction["sentence"])
        parts.append("  Intervals: " + model["interval_method"])
    lines = model["calibration"]["lines"]
    if model["calibration"]["available"]:
        parts += ["  Calibration (stored validation):", *(f"    {line}" for line in lines)]
    else:
        parts.append("  Calibration: " + " ".join(lines))
    comparison = prediction["comparison"]
    parts += ["", "By regimen intensity (" + comparison["caveat"] + ")"]
    for row in comparison["rows"]:
        mark = " (this regimen)" if row["current"] else ""
        if row["status"] == REFUSED:
            parts.append(f"  {row['intensity']}{mark}: no prediction: {row['refusal']['reason']}")
            continue
        cells = [
            f"{r['endpoint']} {r['horizon']} {_percent(r['estimate'])} "
            f"({_percent(r['lower'])}–{_percent(r['upper'])})"
            for r in row["risks"]
        ]
        parts.append(f"  {row['intensity']}{mark}: " + "; ".join(cells))
    return "\n".join(parts)
