"""Fit the prediction models on the registry's analysis set: OS, PFS (Cox) and NRM (Fine-Gray).

The rows: an analysis set (:func:`remission.analysis.dataset.load_analysis_set`; by default each
patient's first autologous HSCT) restricted to the settings' diseases and eras, complete cases on every
predictor (:mod:`.design`), without the diseases that have fewer than ``min_patients_per_disease`` such
patients. The three models are fitted on the same rows and the same design.

- OS and PFS: Cox proportional hazards (:func:`remission.survival.cox`, Efron's handling of tied event
  times — the engine's default and R ``coxph``'s), on ``os_days``/``os_event`` and ``pfs_days``/``pfs_event``.
- NRM: Fine-Gray proportional subdistribution hazards (:func:`remission.survival.fine_gray`, as R's
  ``cmprsk::crr``) on ``cr_days``/``cr_cause`` with death without relapse/progression (cause 2) the event
  and relapse/progression (cause 1) competing. Fine-Gray rather than cause-specific Cox because the
  quantity predicted is the cumulative incidence of NRM at a horizon: the subdistribution hazard maps to it
  directly, F(t | x) = 1 - exp(-exp(x'b) Λ0(t)), whereas cause-specific hazards would need both causes'
  models combined; a cause-specific model is the better description of aetiology, not of absolute risk.

The frame needs, besides the analysis set's columns, ``hct_ci`` (score) and ``performance_scale`` /
``performance_score`` from the last work-up before day 0 (not yet columns of the analysis set).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from remission.analysis.dataset import AnalysisSet
from remission.analysis.outcomes import NRM
from remission.analysis.prediction.design import build_design, predictor_frame
from remission.analysis.prediction.model import BaselineVariance, FittedModel, ModelSet, model_version
from remission.analysis.prediction.settings import DEFAULT_PREDICTION_SETTINGS, PredictionSettings
from remission.survival import CoxResult, cox, fine_gray

TOO_FEW_EVENTS = (
    "{endpoint}: {events} events for {parameters} parameters, fewer than {minimum:g} per parameter; "
    "the model is not fitted"
)
NO_ROWS = "no complete-case patients of a disease with at least {minimum} patients to fit on"


def _cutoff(frame: pd.DataFrame) -> dt.date | None:
    if "last_contact" not in frame.columns or frame["last_contact"].isna().all():
        return None
    return pd.to_datetime(frame["last_contact"]).max().date()


def _step(times: Any, cumhaz: Any) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The baseline's steps as tuples of Python floats (``tolist`` converts in one pass)."""
    as_floats = np.asarray(times, dtype=np.float64), np.asarray(cumhaz, dtype=np.float64)
    return tuple(as_floats[0].tolist()), tuple(as_floats[1].tolist())


def _fitted(
    endpoint: str,
    method: str,
    columns: tuple[str, ...],
    centre: tuple[float, ...],
    fit: Any,
    base: Any,
    events: int,
    competing: int | None,
    horizons: tuple[float, ...] = (),
) -> FittedModel:
    """A fitted Cox or Fine-Gray result (``fit``, its baseline ``base``) as a :class:`FittedModel`; for a
    Cox fit, with the baseline's variance terms at ``centre`` for each prediction horizon
    (:class:`~.model.BaselineVariance`, what a candidate's interval needs, as R's ``survfit``)."""
    times, cumhaz = _step(base["time"], base["hazard"])
    baseline_variance = None
    if isinstance(fit, CoxResult) and horizons:  # none asked: a refit whose intervals are never read
        terms = fit.cumhaz_terms(horizons, reference=np.asarray(centre))
        baseline_variance = tuple(
            BaselineVariance(float(h), float(v), tuple(float(a) for a in shift))
            for h, v, shift in zip(terms.times, terms.variance, terms.shift, strict=True)
        )
    return FittedModel(
        endpoint=endpoint,
        method=method,
        columns=columns,
        coef=tuple(float(b) for b in fit.coef),
        covariance=tuple(tuple(float(v) for v in row) for row in fit.var),
        centre=centre,
        baseline_times=times,
        baseline_cumhaz=cumhaz,
        n=int(fit.n),
        events=events,
        competing=competing,
        converged=bool(fit.converged),
        baseline_variance=baseline_variance,
    )


def fit_prediction_models(
    frame: pd.DataFrame | AnalysisSet,
    settings: PredictionSettings = DEFAULT_PREDICTION_SETTINGS,
    *,
    cutoff: dt.date | None = None,
    variance: bool = True,
    predictors: pd.DataFrame | None = None,
    start: ModelSet | None = None,
) -> ModelSet:
    """The OS, PFS and NRM models on ``frame`` (an analysis set, or its frame with the work-up columns).

    ``cutoff``: the data cut-off (default: the analysis set's, else the latest ``last_contact``). A model
    with fewer than ``settings.min_events_per_parameter`` events per design column is an error.
    ``variance=False``: the Fine-Gray model's sandwich variance (its covariance is then NaN) and the Cox
    models' baseline variance terms (none stored) are not computed, for refits whose coefficients and
    baselines alone are used (the validation's bootstrap).
    ``predictors``: :func:`~.design.predictor_frame` of ``frame`` under ``settings`` (same index), when
    the caller has it already (the bootstrap codes the rows once, then draws from them).
    ``start``: a model set whose coefficients start each model's Newton-Raphson (matched by column name,
    0 for a column it lacks) — the bootstrap starts each refit from the models fitted on all rows, which
    halves the iterations; the fit converges to the same coefficients within the fitters' own tolerance.
    """
    if isinstance(frame, AnalysisSet):
        cutoff = cutoff if cutoff is not None else frame.cutoff
        frame = frame.frame
    if cutoff is None:
        cutoff = _cutoff(frame)
    predictors = predictor_frame(frame, settings) if predictors is None else predictors
    keep = np.ones(len(predictors), dtype=bool)
    if settings.diseases is not None:
        keep &= predictors["disease"].isin(list(settings.diseases)).to_numpy()
    if settings.eras is not None:
        keep &= predictors["era"].astype("object").isin(list(settings.eras)).to_numpy()
    complete = predictors[keep].dropna()
    counts = complete["disease"].value_counts()
    disease_counts = tuple(sorted((str(d), int(n)) for d, n in counts.items()))
    left_out = tuple(d for d, n in disease_counts if n < settings.min_patients_per_disease)
    fitted = complete[~complete["disease"].isin(list(left_out))]
    if fitted.empty:
        raise ValueError(NO_ROWS.format(minimum=settings.min_patients_per_disease))
    spec, X = build_design(fitted, settings)
    data = frame.loc[fitted.index]
    p = X.shape[1]
    centre = tuple(float(v) for v in X.mean(axis=0))
    columns = tuple(X.columns)

    def init(endpoint: str) -> list[float] | None:
        if start is None:
            return None
        model = start.model(endpoint)
        known = dict(zip(model.columns, model.coef, strict=True))
        return [known.get(column, 0.0) for column in columns]

    def check(endpoint: str, events: int) -> None:
        if events < settings.min_events_per_parameter * p:
            raise ValueError(
                TOO_FEW_EVENTS.format(
                    endpoint=endpoint, events=events, parameters=p, minimum=settings.min_events_per_parameter
                )
            )

    models: list[FittedModel] = []
    cox_endpoints = (
        ("OS", "os_days", "os_event", settings.os_horizons),
        ("PFS", "pfs_days", "pfs_event", settings.pfs_horizons),
    )
    for endpoint, time, event, horizons in cox_endpoints:
        events = int(data[event].sum())
        check(endpoint, events)
        fit = cox(
            X,
            data[time].to_numpy(dtype=np.float64),
            data[event].to_numpy(dtype=np.int64),
            ties="efron",
            init=init(endpoint),
        )
        base = fit.baseline_hazard(centered=False)
        method = "Cox (Efron ties)"
        at = tuple(horizons) if variance else ()
        models.append(_fitted(endpoint, method, columns, centre, fit, base, events, None, at))
    causes = data["cr_cause"].to_numpy(dtype=np.int64)
    events = int((causes == NRM).sum())
    check("NRM", events)
    fit = fine_gray(
        X,
        data["cr_days"].to_numpy(dtype=np.float64),
        causes,
        cause_of_interest=NRM,
        variance=variance,
        init=init("NRM"),
    )
    base = fit.baseline_hazard()
    method = "Fine-Gray (relapse/progression competing)"
    models.append(_fitted("NRM", method, columns, centre, fit, base, events, int(fit.n_competing)))
    draft = ModelSet(
        version="",
        cutoff=cutoff,
        settings=settings,
        design=spec,
        models=tuple(models),
        n=len(fitted),
        disease_counts=disease_counts,
        diseases_left_out=left_out,
    )
    return ModelSet(**{**draft.__dict__, "version": model_version(draft.content())})
