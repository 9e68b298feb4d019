"""The standard outcome analysis of an autoimmune-disease HSCT registry (EBMT/CIBMTR practice).

On an analysis data set (:func:`remission.analysis.load_cohort`), overall and per disease:

- Kaplan-Meier OS and PFS, and the cumulative incidence (Aalen-Johansen) of relapse/progression and of
  NRM as competing risks, at 100 days and 1, 2, 3 and 5 years (a year is 365.25 days) with 95 % CIs;
- log-rank tests (OS, PFS) and Gray's tests (relapse/progression, NRM) between the groups of ``by`` that
  :mod:`.groups` shows (at least 10 patients, at most the 6 largest; one rule for tests, curves, tables);
- multivariable Cox models for OS and PFS, and for NRM a Fine-Gray model and a cause-specific Cox model,
  on age (per 10 years), sex, disease, era, conditioning intensity and centre experience (≥ threshold),
  reported as hazard ratios with 95 % CIs; complete cases only (a missing intensity is its own level
  "unknown"; a patient of unknown sex is left out of the models). Each factor's reference level is its
  most common level in the analysed cohort (ties: the first in the factor's own order), the same in the
  overall and the per-disease models (:func:`reference_levels`); the covariates are coded once per
  stratum and the four models of that stratum share the design;
- beside every Cox model (not Fine-Gray), the test of proportional hazards from scaled Schoenfeld
  residuals (R ``cox.zph(fit, transform = "km")``), per term (a factor's dummies together) and global;
  for each term whose p is below :data:`PH_ALPHA`, its scaled residuals against the transformed time
  and their smooth, one series per term as R's ``plot(cox.zph(fit))`` draws them, for a plot;
- follow-up: median by reverse Kaplan-Meier and Clark's completeness index (:mod:`.completeness`);
- the number of patients per centre and year of infusion.

Every number comes from :mod:`remission.survival`. A model or test that cannot be computed (too few
events, one group only) is left out and the reason is listed in ``notes``.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from remission.analysis.cohorts import column_words
from remission.analysis.completeness import follow_up_summary
from remission.analysis.groups import MAX_GROUPS, MIN_GROUP_SIZE, compared_groups
from remission.analysis.words import Words, words
from remission.survival import (
    KaplanMeierResult,
    SurvivalInputError,
    aalen_johansen,
    cox,
    design_matrix,
    fine_gray,
    gray_test,
    kaplan_meier,
    logrank_test,
    proportional_hazards_test,
)
from remission.survival.cox import CoxResult
from remission.survival.design import DesignSpec
from remission.survival.zph_smooth import ph_smooth

YEAR = 365.25
TIMEPOINTS: tuple[tuple[float, str], ...] = (
    (100.0, "100 days"),
    (YEAR, "1 year"),
    (2 * YEAR, "2 years"),
    (3 * YEAR, "3 years"),
    (5 * YEAR, "5 years"),
)
COVARIATES: tuple[str, ...] = ("age", "sex", "disease", "era", "intensity", "experienced")
RELAPSE, NRM = 1, 2
# notes: templates of Words (remission.analysis.words), translated when shown
SKIPPED = gettext_noop("%(what)s (%(stratum)s): not computed — %(reason)s")
WARNED = gettext_noop("%(what)s (%(stratum)s): %(message)s")
FEWER_THAN_TWO_GROUPS = gettext_noop("fewer than two %(by)s groups of at least %(minimum)s patients")
GROUPS_LEFT_OUT = gettext_noop(
    "group comparison (%(stratum)s): %(by)s groups not compared (too small or beyond the largest): %(groups)s"
)
NO_EVENTS = gettext_noop("no events or no covariates")
GROUP_COMPARISON = gettext_noop("group comparison")
MODEL_NAMES = {  # a model's name in the notes, marked for translators
    "Cox": gettext_noop("Cox"),
    "Fine-Gray": gettext_noop("Fine-Gray"),
    "cause-specific Cox": gettext_noop("cause-specific Cox"),
}
# A model is fitted only with at least this many events per term (column of the coded design): with
# fewer, the estimates are unstable or infinite. 10 per variable is the classic rule for Cox models
# ([@Peduzzi1995, abstract]); 5-9 was found acceptable ([@Vittinghoff2007, abstract]).
# A setting: fit_models(min_events_per_term=...).
MIN_EVENTS_PER_TERM = 5
TOO_FEW_EVENTS = gettext_noop("%(events)s events for %(terms)s terms (fewer than %(minimum)s per term)")
# the columns of the models table (one row per model term)
MODEL_COLUMNS: tuple[str, ...] = (
    "stratum",
    "model",
    "endpoint",
    "term",
    "hazard_ratio",
    "lower",
    "upper",
    "p_value",
    "n",
    "n_event",
)
# The proportional hazards test of every Cox model: R cox.zph's default time transform (1 - KM), and
# the level below which a term "fails" and its scaled Schoenfeld residuals are kept for a plot.
# A setting: fit_stratum_models(ph_alpha=...), standard_outcomes(ph_alpha=...).
PH_TRANSFORM = "km"
PH_ALPHA = 0.05


def stratum_words(stratum: str) -> Words | str:
    """A stratum in a note: "all" (every patient) in words, a disease by its code."""
    return words(gettext_noop("all")) if stratum == "all" else stratum


# the columns of the PH table (one row per term of each Cox model, then its GLOBAL row)
PH_COLUMNS: tuple[str, ...] = ("stratum", "model", "endpoint", "term", "chisq", "df", "p_value")
# the scaled Schoenfeld residuals of the failing terms (one row per death and term, R cox.zph's default
# terms = TRUE); ``column`` the term's design column ("sexmale"), or the term itself for a factor of
# ``df`` > 1 levels besides its reference, collapsed into its part of the linear predictor; ``coef``
# where the residuals centre under PH (the column's coefficient; 1 for a collapsed factor);
# ``variance`` R's zph$var[j, j] (for the band around a smooth, as plot.cox.zph draws it)
PH_RESIDUAL_COLUMNS: tuple[str, ...] = (
    "stratum",
    "model",
    "endpoint",
    "term",
    "column",
    "df",
    "coef",
    "variance",
    "time",
    "transformed_time",
    "residual",
)
# the smooth through each panel of residuals (R plot.cox.zph: a natural spline, its ±2 SE band), at
# SMOOTH_POINTS transformed times per term; a term whose spline cannot be fitted has no rows
PH_SMOOTH_COLUMNS: tuple[str, ...] = (
    "stratum",
    "model",
    "endpoint",
    "term",
    "transformed_time",
    "fit",
    "lower",
    "upper",
)
REFERENCE_RULE = (
    "Each factor's reference level is its most common level in the analysed cohort (ties: the first "
    "level in order), the same in the overall and the per-disease models."
)


@dataclass(frozen=True)
class OutcomeAnalysis:
    """Every table of the standard analysis (fresh DataFrames; nothing is modified after it is built).

    ``estimates``: stratum, group, endpoint, timepoint, time_days, n, estimate, lower, upper.
    ``tests``: stratum, endpoint, test, statistic, df, p_value.
    ``models``: stratum, model, endpoint, term, hazard_ratio, lower, upper, p_value, n, n_event.
    ``follow_up``: stratum, n, median follow-up (reverse KM) with limits, Clark's C.
    ``patients_per_centre_year``: centre, year, n.
    ``proportional_hazards``: stratum, model, endpoint, term, chisq, df, p_value — the PH test of every
    Cox model (:data:`PH_COLUMNS`; term "GLOBAL" last per model).
    ``ph_residuals``: the scaled Schoenfeld residuals of the terms that failed it
    (:data:`PH_RESIDUAL_COLUMNS`), ``ph_smooths`` the smooth through them with its band
    (:data:`PH_SMOOTH_COLUMNS`, from every residual); ``ph_alpha`` the level they failed at.
    """

    estimates: pd.DataFrame
    tests: pd.DataFrame
    models: pd.DataFrame
    follow_up: pd.DataFrame
    patients_per_centre_year: pd.DataFrame
    notes: tuple[Words, ...]
    cutoff: dt.date
    proportional_hazards: pd.DataFrame = field(default_factory=lambda: _empty(PH_COLUMNS))
    ph_residuals: pd.DataFrame = field(default_factory=lambda: _empty(PH_RESIDUAL_COLUMNS))
    ph_alpha: float = PH_ALPHA
    ph_smooths: pd.DataFrame = field(default_factory=lambda: _empty(PH_SMOOTH_COLUMNS))


@dataclass(frozen=True)
class StratumModels:
    """The models of one stratum (:func:`fit_stratum_models`): ``models`` (:data:`MODEL_COLUMNS`),
    ``proportional_hazards`` (:data:`PH_COLUMNS`), ``ph_residuals`` (:data:`PH_RESIDUAL_COLUMNS`),
    ``ph_smooths`` (:data:`PH_SMOOTH_COLUMNS`) and the notes on what was not computed."""

    models: pd.DataFrame
    proportional_hazards: pd.DataFrame
    ph_residuals: pd.DataFrame
    ph_smooths: pd.DataFrame
    notes: tuple[Words, ...]


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


def survival_estimates(
    frame: pd.DataFrame, *, time: str, event: str, timepoints: Sequence[tuple[float, str]] = TIMEPOINTS
) -> pd.DataFrame:
    """Kaplan-Meier estimate of ``time``/``event`` at ``timepoints``: timepoint, time_days, estimate, CI."""
    fit = kaplan_meier(frame[time].to_numpy(dtype=np.float64), frame[event].to_numpy(dtype=np.int64))
    return estimates_at(fit, timepoints)


def estimates_at(
    fit: KaplanMeierResult, timepoints: Sequence[tuple[float, str]] = TIMEPOINTS
) -> pd.DataFrame:
    """The Kaplan-Meier curve ``fit`` at ``timepoints``: timepoint, time_days, estimate, CI."""
    points = fit.at([t for t, _ in timepoints])
    return pd.DataFrame(
        {
            "timepoint": [label for _, label in timepoints],
            "time_days": points.time,
            "estimate": points.estimate,
            "lower": points.lower,
            "upper": points.upper,
        }
    )


def incidence_estimates(
    frame: pd.DataFrame,
    *,
    time: str = "cr_days",
    cause: str = "cr_cause",
    of: int,
    timepoints: Sequence[tuple[float, str]] = TIMEPOINTS,
) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of cause ``of`` at ``timepoints`` (0 where no such event)."""
    times = [t for t, _ in timepoints]
    labels = [label for _, label in timepoints]
    causes = frame[cause].to_numpy(dtype=np.int64)
    if not (causes == of).any():
        nan = np.full(len(times), np.nan)
        return pd.DataFrame(
            {"timepoint": labels, "time_days": times, "estimate": 0.0, "lower": nan, "upper": nan}
        )
    fit = aalen_johansen(frame[time].to_numpy(dtype=np.float64), causes)
    points = fit.at(times, cause=of)
    return pd.DataFrame(
        {
            "timepoint": labels,
            "time_days": points.time,
            "estimate": points.estimate,
            "lower": points.lower,
            "upper": points.upper,
        }
    )


def _estimates(
    frame: pd.DataFrame, stratum: str, group: str, timepoints: Sequence[tuple[float, str]]
) -> list:
    tables = [
        ("OS", survival_estimates(frame, time="os_days", event="os_event", timepoints=timepoints)),
        ("PFS", survival_estimates(frame, time="pfs_days", event="pfs_event", timepoints=timepoints)),
        ("relapse/progression", incidence_estimates(frame, of=RELAPSE, timepoints=timepoints)),
        ("NRM", incidence_estimates(frame, of=NRM, timepoints=timepoints)),
    ]
    out = []
    for endpoint, table in tables:
        table.insert(0, "n", len(frame))
        table.insert(0, "endpoint", endpoint)
        table.insert(0, "group", group)
        table.insert(0, "stratum", stratum)
        out.append(table)
    return out


def compare_groups(frame: pd.DataFrame, by: str, *, stratum: str = "all") -> pd.DataFrame:
    """Log-rank (OS, PFS) and Gray (relapse/progression, NRM) tests between the groups of ``by``."""
    data = frame.dropna(subset=[by])
    group = data[by].astype(str).to_numpy()
    rows = []
    for endpoint, time, event in (("OS", "os_days", "os_event"), ("PFS", "pfs_days", "pfs_event")):
        result = logrank_test(
            data[time].to_numpy(dtype=np.float64), data[event].to_numpy(dtype=np.int64), group
        )
        rows.append((stratum, endpoint, "log-rank", result.statistic, result.df, result.p_value))
    causes = data["cr_cause"].to_numpy(dtype=np.int64)
    if (causes > 0).any():
        gray = gray_test(data["cr_days"].to_numpy(dtype=np.float64), causes, group)
        names = {RELAPSE: "relapse/progression", NRM: "NRM"}
        for cause, statistic, p in zip(gray.causes, gray.statistic, gray.p_value, strict=True):
            rows.append(
                (stratum, names.get(int(cause), str(cause)), "Gray", float(statistic), gray.df, float(p))
            )
    return pd.DataFrame(rows, columns=["stratum", "endpoint", "test", "statistic", "df", "p_value"])


def _factor(column: pd.Series, name: str) -> pd.Series:
    """A covariate column as the models read it: ``age_per_10y`` numeric, every other one a factor."""
    if name == "sex":
        return column.where(column.isin(["female", "male"])).astype("object")
    if name == "intensity":
        return column.replace("", "unknown").fillna("unknown").astype("object")
    if name == "experienced":
        return column.map({True: "yes", False: "no"}).astype("object")
    return column.astype("object")


def _natural_levels(column: pd.Series, values: pd.Series) -> list[object]:
    """A factor's levels in their own order: an ordered Categorical's (era) or sorted."""
    present = values.dropna().unique()
    if isinstance(column.dtype, pd.CategoricalDtype):
        found = set(present)
        return [level for level in column.cat.categories if level in found]
    return sorted(present, key=str)


def reference_levels(frame: pd.DataFrame, covariates: Sequence[str] = COVARIATES) -> dict[str, object]:
    """Each factor's reference level: its most common level in ``frame`` (complete cases), ties broken by
    the factor's own order (era chronological, other factors alphabetical). Deterministic."""
    columns = {name: _factor(frame[name], name) for name in covariates if name != "age"}
    complete = pd.DataFrame(columns, index=frame.index)
    if "age" in covariates:
        complete = complete[frame["age"].notna()]
    complete = complete.dropna()
    references: dict[str, object] = {}
    for name, values in complete.items():
        levels = _natural_levels(frame[name], values)
        if levels:
            counts = values.value_counts()
            order = {level: i for i, level in enumerate(levels)}
            references[str(name)] = max(levels, key=lambda level: (counts.get(level, 0), -order[level]))
    return references


def model_frame(
    frame: pd.DataFrame,
    covariates: Sequence[str] = COVARIATES,
    *,
    references: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """The covariates as the models use them (complete cases; index kept to align with ``frame``).

    ``age`` becomes ``age_per_10y``; an empty intensity becomes "unknown"; sex "unknown" is missing;
    ``experienced`` becomes a factor "yes"/"no". Every factor is a Categorical whose first category is
    its reference level (``references``, by default :func:`reference_levels` of ``frame``), the other
    levels after it in their own order; a reference absent from ``frame`` leaves the first present level
    as the reference. A factor with one level is left out.
    """
    if references is None:
        references = reference_levels(frame, covariates)
    x = pd.DataFrame(index=frame.index)
    for name in covariates:
        if name == "age":
            x["age_per_10y"] = frame[name].astype("float64") / 10.0
            continue
        values = _factor(frame[name], name)
        levels = _natural_levels(frame[name], values)
        reference = references.get(name)
        if reference in levels:
            levels = [reference, *(level for level in levels if level != reference)]
        x[name] = pd.Categorical(values, categories=levels)
    x = x.dropna()
    # a factor with one level carries no information in this stratum
    return x[[c for c in x.columns if c == "age_per_10y" or x[c].nunique() > 1]]


def _hazard_table(
    result: object, stratum: str, model: str, endpoint: str, n: int, n_event: int
) -> pd.DataFrame:
    table = result.to_frame().reset_index()  # type: ignore[attr-defined]
    with np.errstate(over="ignore"):  # an infinite coefficient (noted by the fit) gives an infinite HR
        hazard_ratio, lower, upper = np.exp(table["coef"]), np.exp(table["lower"]), np.exp(table["upper"])
    return pd.DataFrame(
        {
            "stratum": stratum,
            "model": model,
            "endpoint": endpoint,
            "term": table["term"],
            "hazard_ratio": hazard_ratio,
            "lower": lower,
            "upper": upper,
            "p_value": table["p"],
            "n": n,
            "n_event": n_event,
        }
    )


def _ph_tables(
    fit: CoxResult,
    spec: DesignSpec,
    factors: pd.DataFrame,
    time: pd.Series,
    event: pd.Series,
    labels: tuple[str, str, str],
    ph_alpha: float,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The PH test of ``fit`` per term and global (R ``cox.zph(fit, transform = "km")``), and for each
    term with p < ``ph_alpha`` its scaled residuals and their smooth, as ``plot(cox.zph(fit))`` draws
    them: one series per term, a factor's levels collapsed into its part of the linear predictor
    (centred at 1 under proportional hazards), a single-column term centred at its coefficient."""
    # the Cox fit is on the factor frame (the columns of the numeric design), so the test takes a
    # factor's dummies together
    test = proportional_hazards_test(fit, factors, time, event, transform=PH_TRANSFORM, terms=True)
    stratum, model, endpoint = labels
    table = pd.DataFrame(
        {
            "stratum": stratum,
            "model": model,
            "endpoint": endpoint,
            "term": list(test.rows),
            "chisq": test.chisq,
            "df": test.df,
            "p_value": test.p_value,
        }
    )
    # each term: (its design column or itself, its number of columns, where its residuals centre)
    described: dict[str, tuple[str, int, float]] = {}
    start = 0
    for term in spec.terms:
        width = len(term.names)
        single = width == 1
        described[term.column] = (
            fit.names[start] if single else term.column,
            width,
            float(fit.coef[start]) if single else 1.0,
        )
        start += width
    parts = []
    smooths = []
    for j, (term, p_value) in enumerate(zip(test.terms, test.p_value, strict=False)):
        if not p_value < ph_alpha:
            continue
        panel = {"stratum": stratum, "model": model, "endpoint": endpoint, "term": term}
        residual, variance = test.scaled_residuals[:, j], float(test.var[j, j])
        column, width, centre = described[term]
        parts.append(
            pd.DataFrame(
                {
                    **panel,
                    "column": column,
                    "df": width,
                    "coef": centre,
                    "variance": variance,
                    "time": test.time,
                    "transformed_time": test.transformed_time,
                    "residual": residual,
                }
            )
        )
        smooth = ph_smooth(test.transformed_time, residual, variance)
        if smooth is not None:
            curve = {"transformed_time": smooth.x, "fit": smooth.fit}
            smooths.append(pd.DataFrame({**panel, **curve, "lower": smooth.lower, "upper": smooth.upper}))
    kept = pd.concat(parts, ignore_index=True) if parts else _empty(PH_RESIDUAL_COLUMNS)
    smoothed = pd.concat(smooths, ignore_index=True) if smooths else _empty(PH_SMOOTH_COLUMNS)
    return table, kept, smoothed


def fit_stratum_models(
    frame: pd.DataFrame,
    *,
    stratum: str = "all",
    covariates: Sequence[str] = COVARIATES,
    references: Mapping[str, object] | None = None,
    min_events_per_term: float = MIN_EVENTS_PER_TERM,
    ph_alpha: float = PH_ALPHA,
) -> StratumModels:
    """Cox OS, Cox PFS, Fine-Gray NRM and cause-specific Cox NRM on ``covariates`` (factor reference
    levels: ``references``, by default :func:`reference_levels` of ``frame``), and the proportional
    hazards test of each Cox model. A model with fewer than ``min_events_per_term`` events per term is
    not fitted, and the note says so; so is a PH test that cannot be computed.

    The covariates are coded once (:func:`remission.survival.design_matrix`, treatment contrasts): the
    Fine-Gray model is fitted on that numeric design and the Cox models on the factors, which
    :func:`~remission.survival.cox` codes the same way (the same column names, the terms), so that the PH test
    (:func:`remission.survival.proportional_hazards_test`, transform :data:`PH_TRANSFORM`) tests each
    covariate (a factor's dummies together) and all of them; for a covariate with p < ``ph_alpha`` its
    scaled Schoenfeld residuals (a factor's collapsed into one series, as ``cox.zph`` does by default)
    are kept for a plot, with the smooth through them and its band
    (:func:`remission.survival.zph_smooth.ph_smooth`, from every residual)."""
    factors = model_frame(frame, covariates, references=references)
    data = frame.loc[factors.index]
    spec: DesignSpec | None = None
    if factors.shape[1]:
        matrix, names, spec = design_matrix(factors)
        x = pd.DataFrame(matrix, columns=names, index=factors.index)
    else:
        x = factors
    tables: list[pd.DataFrame] = []
    ph_tables: list[pd.DataFrame] = []
    residuals: list[pd.DataFrame] = []
    smooths: list[pd.DataFrame] = []
    notes: list[Words] = []
    place = stratum_words(stratum)
    nrm = (data["cr_cause"] == NRM).astype(int)
    # (model, endpoint, fit, events, (time, event) of a Cox model for its PH test, or None)
    specs: tuple[tuple[str, str, Callable[[], object], int, tuple[pd.Series, pd.Series] | None], ...] = (
        (
            "Cox",
            "OS",
            lambda: cox(factors, data["os_days"], data["os_event"]),
            int(data["os_event"].sum()),
            (data["os_days"], data["os_event"]),
        ),
        (
            "Cox",
            "PFS",
            lambda: cox(factors, data["pfs_days"], data["pfs_event"]),
            int(data["pfs_event"].sum()),
            (data["pfs_days"], data["pfs_event"]),
        ),
        (
            "Fine-Gray",
            "NRM",
            lambda: fine_gray(x, data["cr_days"], data["cr_cause"], cause_of_interest=NRM),
            int(nrm.sum()),
            None,
        ),
        (
            "cause-specific Cox",
            "NRM",
            lambda: cox(factors, data["cr_days"], nrm),
            int(nrm.sum()),
            (data["cr_days"], nrm),
        ),
    )
    for model, endpoint, fit, n_event, outcome in specs:
        what = words(
            gettext_noop("%(model)s %(endpoint)s"), model=words(MODEL_NAMES[model]), endpoint=endpoint
        )
        if x.shape[1] == 0 or n_event == 0:
            notes.append(words(SKIPPED, what=what, stratum=place, reason=words(NO_EVENTS)))
            continue
        if n_event < min_events_per_term * x.shape[1]:
            minimum = f"{min_events_per_term:g}"
            reason = words(TOO_FEW_EVENTS, events=n_event, terms=x.shape[1], minimum=minimum)
            notes.append(words(SKIPPED, what=what, stratum=place, reason=reason))
            continue
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = fit()
            notes += [words(WARNED, what=what, stratum=place, message=str(w.message)) for w in caught]
        except (SurvivalInputError, np.linalg.LinAlgError, ValueError) as exc:
            notes.append(words(SKIPPED, what=what, stratum=place, reason=str(exc)))
            continue
        tables.append(_hazard_table(result, stratum, model, endpoint, len(x), n_event))
        if outcome is None or spec is None or not isinstance(result, CoxResult):
            continue
        what = words(gettext_noop("PH test of the %(model)s model"), model=what)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                table, kept, smoothed = _ph_tables(
                    result, spec, factors, *outcome, (stratum, model, endpoint), ph_alpha
                )
            notes += [words(WARNED, what=what, stratum=place, message=str(w.message)) for w in caught]
        except (SurvivalInputError, np.linalg.LinAlgError, ValueError) as exc:
            notes.append(words(SKIPPED, what=what, stratum=place, reason=str(exc)))
            continue
        ph_tables.append(table)
        if not kept.empty:
            residuals.append(kept)
        if not smoothed.empty:
            smooths.append(smoothed)
    return StratumModels(
        models=pd.concat(tables, ignore_index=True) if tables else _empty(MODEL_COLUMNS),
        proportional_hazards=pd.concat(ph_tables, ignore_index=True) if ph_tables else _empty(PH_COLUMNS),
        ph_residuals=(pd.concat(residuals, ignore_index=True) if residuals else _empty(PH_RESIDUAL_COLUMNS)),
        notes=tuple(notes),
        ph_smooths=pd.concat(smooths, ignore_index=True) if smooths else _empty(PH_SMOOTH_COLUMNS),
    )


def fit_models(
    frame: pd.DataFrame,
    *,
    stratum: str = "all",
    covariates: Sequence[str] = COVARIATES,
    references: Mapping[str, object] | None = None,
    min_events_per_term: float = MIN_EVENTS_PER_TERM,
) -> tuple[pd.DataFrame, list[Words]]:
    """The hazard-ratio table of :func:`fit_stratum_models` (Cox OS, Cox PFS, Fine-Gray NRM and
    cause-specific Cox NRM; :data:`MODEL_COLUMNS`) and its notes (models and PH tests not computed)."""
    fitted = fit_stratum_models(
        frame,
        stratum=stratum,
        covariates=covariates,
        references=references,
        min_events_per_term=min_events_per_term,
    )
    return fitted.models, list(fitted.notes)


def patients_per_centre_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Number of analysed infusions per centre and year of infusion (long format)."""
    years = pd.to_datetime(frame["infusion_date"]).dt.year.rename("year")
    counts = frame.groupby([frame["centre"], years]).size().rename("n").reset_index()
    return counts.sort_values(["centre", "year"]).reset_index(drop=True)


def standard_outcomes(
    frame: pd.DataFrame,
    *,
    by: str | None = None,
    per_disease: bool = True,
    min_patients: int = 10,
    timepoints: Sequence[tuple[float, str]] = TIMEPOINTS,
    covariates: Sequence[str] = COVARIATES,
    cutoff: dt.date | None = None,
    min_events_per_term: float = MIN_EVENTS_PER_TERM,
    min_group_size: int = MIN_GROUP_SIZE,
    max_groups: int = MAX_GROUPS,
    ph_alpha: float = PH_ALPHA,
) -> OutcomeAnalysis:
    """The standard outcome analysis of ``frame``, overall and (``per_disease``) per disease with at least
    ``min_patients`` analysed infusions; ``by`` names a column whose groups are estimated and compared —
    in each stratum the groups of :func:`remission.analysis.groups.compared_groups` (``min_group_size``,
    ``max_groups``), the same groups the report draws and tabulates.
    ``cutoff`` (for Clark's index) defaults to the latest last contact in ``frame``. Models need
    ``min_events_per_term`` events per term; a Cox model's term whose PH test has p < ``ph_alpha`` keeps
    its scaled residuals for a plot (:func:`fit_stratum_models`)."""
    if cutoff is None:
        cutoff = pd.to_datetime(frame["last_contact"]).max().date()
    references = reference_levels(frame, covariates)
    strata: list[tuple[str, pd.DataFrame]] = [("all", frame)]
    if per_disease:
        for disease, rows in frame.groupby("disease", sort=True):
            if len(rows) >= min_patients:
                strata.append((str(disease), rows))
    estimates: list[pd.DataFrame] = []
    tests: list[pd.DataFrame] = []
    models: list[pd.DataFrame] = []
    ph_tables: list[pd.DataFrame] = []
    ph_residuals: list[pd.DataFrame] = []
    ph_smooths: list[pd.DataFrame] = []
    notes: list[Words] = []
    for stratum, rows in strata:
        if rows.empty:
            continue
        estimates += _estimates(rows, stratum, "all", timepoints)
        if by is not None:
            groups = compared_groups(rows, by, min_size=min_group_size, max_groups=max_groups)
            shown = groups.restrict(rows)
            for label, part in shown.groupby(by, observed=True, sort=True):
                estimates += _estimates(part, stratum, str(label), timepoints)
            if len(groups.shown) >= 2:
                tests.append(compare_groups(shown, by, stratum=stratum))
            else:
                reason = words(FEWER_THAN_TWO_GROUPS, by=column_words(by), minimum=min_group_size)
                what = words(GROUP_COMPARISON)
                notes.append(words(SKIPPED, what=what, stratum=stratum_words(stratum), reason=reason))
            if groups.left_out and len(groups.shown) >= 2:
                left = ", ".join(f"{label} ({n})" for label, n in groups.left_out)
                place, named = stratum_words(stratum), column_words(by)
                notes.append(words(GROUPS_LEFT_OUT, stratum=place, by=named, groups=left))
        use = [c for c in covariates if not (c == "disease" and stratum != "all")]
        fitted = fit_stratum_models(
            rows,
            stratum=stratum,
            covariates=use,
            references=references,
            min_events_per_term=min_events_per_term,
            ph_alpha=ph_alpha,
        )
        models.append(fitted.models)
        if not fitted.proportional_hazards.empty:
            ph_tables.append(fitted.proportional_hazards)
        if not fitted.ph_residuals.empty:
            ph_residuals.append(fitted.ph_residuals)
        if not fitted.ph_smooths.empty:
            ph_smooths.append(fitted.ph_smooths)
        notes += fitted.notes
    test_columns = ["stratum", "endpoint", "test", "statistic", "df", "p_value"]
    return OutcomeAnalysis(
        estimates=pd.concat(estimates, ignore_index=True),
        tests=pd.concat(tests, ignore_index=True) if tests else pd.DataFrame(columns=test_columns),
        models=pd.concat(models, ignore_index=True),
        follow_up=follow_up_summary(frame, cutoff=cutoff, strata="disease" if per_disease else None),
        patients_per_centre_year=patients_per_centre_year(frame),
        notes=tuple(notes),
        cutoff=cutoff,
        proportional_hazards=(pd.concat(ph_tables, ignore_index=True) if ph_tables else _empty(PH_COLUMNS)),
        ph_residuals=(
            pd.concat(ph_residuals, ignore_index=True) if ph_residuals else _empty(PH_RESIDUAL_COLUMNS)
        ),
        ph_alpha=ph_alpha,
        ph_smooths=pd.concat(ph_smooths, ignore_index=True) if ph_smooths else _empty(PH_SMOOTH_COLUMNS),
    )
