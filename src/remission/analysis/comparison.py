"""Regimen and era comparisons adjusted for case mix, written as the target trial they emulate.

A registry cannot randomise; it can say which trial it would have run and analyse its data as the closest
imitation of it ([@Hernan2016, abstract]). :class:`ComparisonProtocol` is that trial: who is eligible, the
two strategies, time zero, the outcomes and the causal contrast; :func:`compare` runs it:

1. **Eligible**: the analysis set's rows (one infusion per patient, day 0 = time zero) of the disease, whose
   ``by`` (``regimen``, ``era``, ``intensity``) is one of the two strategies, with every covariate
   recorded; the rows left out are counted by reason.
2. **Propensity score**: a logistic model of the strategy on the covariates, continuous ones (age) as
   natural cubic splines (:func:`remission.survival.propensity_score`, R ``glm(binomial)`` with ``ns()``).
3. **Balancing**: inverse-probability weights for the ATE or the ATT (stabilised; trimmed by a stated
   rule), overlap weights [@Li2018, abstract], or 1:k nearest-neighbour matching with a caliper of 0.2 SD
   of the logit of the score ([@Austin2011, abstract]) (:mod:`remission.survival.matching`, MatchIt's
   rules).
4. **Balance first**: standardised mean differences before and after
   (:func:`remission.survival.balance_table`); an absolute SMD above :data:`SMD_LIMIT` after balancing is
   flagged ([@Austin2009, abstract]).
5. **Outcomes**, weighted: OS and PFS (Kaplan-Meier) and relapse/progression and NRM (Aalen-Johansen)
   per strategy, each as the Aalen-Johansen estimate of :func:`remission.survival.multistate` with the
   weights and its infinitesimal-jackknife standard errors (R ``survfit`` with ``weights`` and ``id``);
   the hazard ratio of the strategy by a weighted Cox model with the robust (sandwich) variance (R
   ``coxph(weights =, robust = TRUE)``; matched sets: ``cluster`` = the matched set), and the
   subdistribution hazard ratio of NRM and of relapse/progression by a weighted Fine-Gray model (its
   sandwich variance with case weights, see :mod:`remission.survival.fine_gray`).

Nothing here writes; the numbers come from :mod:`remission.survival`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from remission.survival import (
    SurvivalInputError,
    balance_table,
    balancing_weights,
    cox,
    fine_gray,
    multistate,
    nearest_neighbour_match,
    propensity_score,
)

YEAR = 365.25
TIMEPOINTS: tuple[float, ...] = (YEAR, 2 * YEAR, 3 * YEAR, 5 * YEAR)
DEFAULT_COVARIATES: tuple[str, ...] = ("age", "sex", "subtype", "era", "hct_ci", "experienced")
SPLINE_COLUMNS: tuple[str, ...] = ("age",)  # hct_ci is a small integer score: linear
COVARIATE_WORDS = {
    "age": "age",
    "sex": "sex",
    "subtype": "disease subtype",
    "disease": "disease",
    "era": "era of infusion",
    "hct_ci": "HCT-CI",
    "experienced": "centre experience",
    "intensity": "conditioning intensity",
}
SMD_LIMIT = 0.1  # an absolute standardised mean difference above it is an imbalance [@Austin2009, abstract]
AUSTIN_CALIPER = 0.2  # SD of the logit of the score [@Austin2011, abstract]
UNRECORDED = "unrecorded"
RELAPSE, NRM = 1, 2
HALF_DAY = 0.5
Method = Literal["weighting", "matching"]
Estimand = Literal["ATE", "ATT", "overlap"]

NO_STRATEGY = "{by}: {level!r} is not in the cohort ({present})"
TOO_FEW = (
    "only {treated} patients with {treatment} and {comparator} with {comparison}: at least {minimum} each"
)
MIN_PER_GROUP = 10


@dataclass(frozen=True)
class ComparisonProtocol:
    """The target trial: ``by`` is the strategy's column, ``treatment`` its level compared (coded 1) with
    ``comparator`` (0), among patients of ``disease`` (None: every disease). ``estimand``: "ATE" (the
    whole eligible population), "ATT" (those given ``treatment``; matching estimates it) or "overlap"
    (the population in clinical equipoise). ``trim``: ``(low, high)`` score bounds, "crump" or None."""

    by: str
    treatment: str
    comparator: str
    disease: str | None = None
    covariates: tuple[str, ...] = DEFAULT_COVARIATES
    method: Method = "weighting"
    estimand: Estimand = "ATE"
    stabilised: bool = True
    trim: tuple[float, float] | Literal["crump"] | None = None
    ratio: int = 1
    caliper: float = AUSTIN_CALIPER
    spline_df: int = 3
    timepoints: tuple[float, ...] = TIMEPOINTS

    @property
    def model_covariates(self) -> tuple[str, ...]:
        """The covariates without the strategy's own column; with every disease, the disease takes the place
        of the subtype (a subtype belongs to one disease: across diseases it would separate them)."""
        names = [c for c in self.covariates if c != self.by]
        if self.disease is None:
            names = [("disease" if c == "subtype" else c) for c in names]
        return tuple(dict.fromkeys(names))

    @property
    def contrast(self) -> str:
        if self.method == "matching":
            return "ATT"
        return self.estimand

    def sections(
        self, disease_words: str, treatment_words: str, comparator_words: str
    ) -> tuple[tuple[str, str], ...]:
        """The protocol written out, part by part (the words of the codes are the caller's)."""
        population = {
            "ATE": "everyone eligible",
            "ATT": f"the patients given {treatment_words}",
            "overlap": "the patients for whom either strategy was a plausible choice (overlap weights)",
        }[self.contrast]
        if self.method == "matching":
            balancing = (
                f"1:{self.ratio} nearest-neighbour matching on the propensity score, caliper "
                f"{self.caliper:g} SD of its logit, without replacement"
            )
        elif self.estimand == "overlap":
            balancing = "overlap weights"
        else:
            balancing = ("stabilised " if self.stabilised else "") + "inverse-probability weights"
        if self.method == "weighting" and self.trim is not None:
            balancing += f", trimmed ({'Crump rule' if self.trim == 'crump' else self.trim})"
        covariates = ", ".join(COVARIATE_WORDS.get(c, c) for c in self.model_covariates)
        return (
            (
                "Eligibility",
                f"Patients with {disease_words} whose analysed infusion (the first autologous HSCT) used "
                f"{treatment_words} or {comparator_words}, with {covariates} recorded.",
            ),
            ("Treatment strategies", f"{treatment_words} versus {comparator_words}, as given at day 0."),
            (
                "Assignment",
                f"Not randomised: emulated by balancing {covariates} between the groups ({balancing}).",
            ),
            ("Time zero", "Day 0 (the infusion): eligibility is met and the strategy starts on that day."),
            (
                "Outcomes",
                "Overall survival, progression-free survival, relapse/progression and non-relapse mortality "
                "(competing), followed to the data cut-off.",
            ),
            (
                "Causal contrast",
                f"The effect of receiving {treatment_words} rather than {comparator_words} in {population} "
                f"({self.contrast}); the observational analogue of a per-protocol effect, valid only if no "
                "confounder is missing from the covariates.",
            ),
        )


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` found. ``rows``: the analysed rows (index of the analysis set) with
    ``treated`` (0/1), ``score``, ``weight`` and, when matched, ``subclass``; ``left_out``: (reason, n);
    ``balance``: :func:`~remission.survival.balance_table`; ``curves``: endpoint, group, time_days,
    estimate, std_err, lower, upper; ``steps``: the same at every event time (the step curves);
    ``effects``: endpoint, model, hazard_ratio, lower, upper, p_value,
    variance; ``rule``: the balancing rule in words; ``imbalanced``: terms whose |SMD| after exceeds
    :data:`SMD_LIMIT`."""

    protocol: ComparisonProtocol
    rows: pd.DataFrame
    left_out: tuple[tuple[str, int], ...]
    balance: pd.DataFrame
    curves: pd.DataFrame
    effects: pd.DataFrame
    rule: str
    imbalanced: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    steps: pd.DataFrame = field(default_factory=pd.DataFrame)


def _covariate(frame: pd.DataFrame, name: str) -> pd.Series:
    """A covariate as the propensity model reads it: numbers stay numbers, factors become text."""
    column = frame[name]
    if name in ("age", "hct_ci"):
        return pd.to_numeric(column, errors="coerce").astype("float64")
    if name == "subtype":
        return column.fillna("").astype(str).replace("", UNRECORDED).astype(object)
    if name == "experienced":
        return column.map({True: "yes", False: "no"}).astype(object)
    if name == "sex":
        return column.where(column.isin(["female", "male"])).astype(object)
    if isinstance(column.dtype, pd.CategoricalDtype):  # an ordered factor (era) keeps its order
        return column.cat.remove_unused_categories()
    return column.astype(object).where(column.notna())


def eligible(frame: pd.DataFrame, protocol: ComparisonProtocol) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """(the eligible rows, their covariates, the rows left out by reason) under the protocol."""
    left_out: list[tuple[str, int]] = []
    rows = frame
    if protocol.disease is not None:
        keep = rows["disease"].astype(str) == protocol.disease
        left_out.append((f"another disease than {protocol.disease}", int((~keep).sum())))
        rows = rows[keep]
    strategy = rows[protocol.by].astype(str)
    for level in (protocol.treatment, protocol.comparator):
        if not (strategy == level).any():
            present = ", ".join(sorted(set(strategy))) or "none"
            raise ValueError(NO_STRATEGY.format(by=protocol.by, level=level, present=present))
    keep = strategy.isin([protocol.treatment, protocol.comparator])
    left_out.append((f"another {protocol.by}", int((~keep).sum())))
    rows = rows[keep]
    covariates = list(protocol.model_covariates)
    x = pd.DataFrame({name: _covariate(rows, name) for name in covariates}, index=rows.index)
    for name in covariates:
        missing = x[name].isna()
        left_out.append((f"{name} not recorded", int(missing.sum())))
        x, rows = x[~missing], rows[~missing]
    constant = [name for name in x.columns if x[name].nunique() < 2]
    return rows, x.drop(columns=constant), [g for g in left_out if g[1]]


def _curves(
    rows: pd.DataFrame, weight: np.ndarray, timepoints: Sequence[float]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weighted OS, PFS (being still in the starting state) and the cumulative incidences of relapse and
    NRM per group: at ``timepoints``, and as step curves at every event time (from day 0)."""
    points, steps = [], []
    ident = np.arange(len(rows))
    for group, label in ((1, "treatment"), (0, "comparator")):
        mine = (rows["treated"] == group).to_numpy() & (weight > 0)
        ids, w = ident[mine], weight[mine]
        cause = rows["cr_cause"].to_numpy()[mine]
        specs = (
            ("os_days", np.where(rows["os_event"].to_numpy()[mine] > 0, "event", ""), (("OS", "start"),)),
            ("pfs_days", np.where(rows["pfs_event"].to_numpy()[mine] > 0, "event", ""), (("PFS", "start"),)),
            (
                "cr_days",
                np.select([cause == RELAPSE, cause == NRM], ["relapse", "nrm"], ""),
                (("relapse/progression", "relapse"), ("NRM", "nrm")),
            ),
        )
        for time, to_state, wanted in specs:
            fit = multistate(
                ids, np.zeros(ids.size), _positive(rows[time].to_numpy(dtype=float)[mine]), to_state,
                initial_state="start", weights=w, censored="",
            )  # fmt: skip
            at = fit.at(list(timepoints))
            grid = fit.at(np.r_[0.0, fit.time])
            for endpoint, state in wanted:
                points.append(_curve_rows(endpoint, label, at[at["state"] == state]))
                steps.append(_curve_rows(endpoint, label, grid[grid["state"] == state]))
    return pd.concat(points, ignore_index=True), pd.concat(steps, ignore_index=True)


def _positive(days: np.ndarray) -> np.ndarray:
    """An event or censoring on day 0 is counted half a day later: the interval from day 0 needs a length
    (as in :mod:`.multistate`)."""
    return np.where(days > 0, days, HALF_DAY)


def _curve_rows(endpoint: str, group: str, part: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "endpoint": endpoint,
            "group": group,
            "time_days": part["time"].to_numpy(),
            "estimate": part["probability"].to_numpy(),
            "std_err": part["std_err"].to_numpy(),
            "lower": part["lower"].to_numpy(),
            "upper": part["upper"].to_numpy(),
        }
    )


def _effects(rows: pd.DataFrame, weight: np.ndarray, cluster: np.ndarray | None) -> tuple[pd.DataFrame, list]:
    used = weight > 0
    data = rows[used]
    w = weight[used]
    x = pd.DataFrame({"treatment": data["treated"].to_numpy(dtype=float)})
    out: list[tuple] = []
    notes: list[str] = []
    variance = "robust (sandwich)" + (", clustered on the matched set" if cluster is not None else "")
    cox_specs = (
        ("OS", data["os_days"], data["os_event"]),
        ("PFS", data["pfs_days"], data["pfs_event"]),
    )
    treated = data["treated"].to_numpy()
    for endpoint, time, event in cox_specs:
        empty = _empty_group(treated, event.to_numpy() > 0)
        if empty:
            notes.append(f"weighted Cox {endpoint}: not computed — no event in the {empty} group")
            continue
        try:
            fit = cox(
                x, time.to_numpy(dtype=float), event.to_numpy(dtype=int), weights=w, robust=True,
                cluster=None if cluster is None else cluster[used],
            )  # fmt: skip
        except (SurvivalInputError, np.linalg.LinAlgError) as exc:
            notes.append(f"weighted Cox {endpoint}: not computed — {exc}")
            continue
        out.append(_effect(endpoint, "weighted Cox", fit.coef[0], fit.conf_int[0], fit.p_value[0], variance))
    for endpoint, cause in (("relapse/progression", RELAPSE), ("NRM", NRM)):
        causes = data["cr_cause"].to_numpy(dtype=int)
        empty = _empty_group(treated, causes == cause)
        if empty:
            notes.append(f"weighted Fine-Gray {endpoint}: not computed — no event in the {empty} group")
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = fine_gray(
                    x, data["cr_days"].to_numpy(dtype=float), causes, cause_of_interest=cause, weights=w
                )
        except (SurvivalInputError, np.linalg.LinAlgError) as exc:
            notes.append(f"weighted Fine-Gray {endpoint}: not computed — {exc}")
            continue
        out.append(
            _effect(endpoint, "weighted Fine-Gray", fit.coef[0], fit.conf_int[0], fit.p_value[0], "sandwich")
        )
    columns = ["endpoint", "model", "hazard_ratio", "lower", "upper", "p_value", "variance"]
    return pd.DataFrame(out, columns=columns), notes


def _empty_group(treated: np.ndarray, event: np.ndarray) -> str:
    """ "treatment" or "comparator" when that group has no event (its hazard ratio would be 0 or
    infinite), else ""."""
    for group, label in ((1, "treatment"), (0, "comparator")):
        if not event[treated == group].any():
            return label
    return ""


def _effect(endpoint: str, model: str, coef: float, limits: np.ndarray, p: float, variance: str) -> tuple:
    return (
        endpoint,
        model,
        float(np.exp(coef)),
        float(np.exp(limits[0])),
        float(np.exp(limits[1])),
        float(p),
        variance,
    )


def compare(frame: pd.DataFrame, protocol: ComparisonProtocol) -> Comparison:
    """Run the target-trial emulation of ``protocol`` on an analysis set's frame (see the module notes)."""
    rows, x, left_out = eligible(frame, protocol)
    treated = (rows[protocol.by].astype(str) == protocol.treatment).to_numpy(dtype=np.int64)
    n1, n0 = int(treated.sum()), int((1 - treated).sum())
    if min(n1, n0) < MIN_PER_GROUP:
        raise ValueError(
            TOO_FEW.format(
                treated=n1, treatment=protocol.treatment, comparator=n0, comparison=protocol.comparator,
                minimum=MIN_PER_GROUP,
            )
        )  # fmt: skip
    spline = [c for c in SPLINE_COLUMNS if c in x.columns]
    model = propensity_score(x, treated, spline_df=protocol.spline_df, spline_columns=spline)
    rows = rows.assign(treated=treated, score=model.scores)
    cluster = None
    if protocol.method == "matching":
        matched = nearest_neighbour_match(
            model.scores, treated, ratio=protocol.ratio, caliper=protocol.caliper, distance="logit"
        )
        weight = matched.weights
        subclass = np.zeros(len(rows), dtype=np.int64)
        subclass[matched.treated_index] = matched.subclass
        subclass[matched.control_index] = matched.subclass
        rows = rows.assign(subclass=subclass)
        cluster = subclass
        rule = matched.rule
        sd = "treated"
    else:
        weights = balancing_weights(
            model.scores, treated, estimand=protocol.estimand,
            stabilised=protocol.stabilised and protocol.estimand != "overlap", trim=protocol.trim,
        )  # fmt: skip
        weight = weights.weights
        rule = weights.rule
        sd = "treated" if protocol.estimand == "ATT" else "pooled"
    rows = rows.assign(weight=weight)
    balance = balance_table(x, treated, weight, sd_denominator=sd)
    imbalanced = tuple(str(t) for t in balance.index[balance["smd_after"].abs() > SMD_LIMIT])
    effects, notes = _effects(rows, weight, cluster)
    curves, steps = _curves(rows, weight, protocol.timepoints)
    return Comparison(
        protocol=protocol,
        rows=rows,
        left_out=tuple(left_out),
        balance=balance,
        curves=curves,
        steps=steps,
        effects=effects,
        rule=rule,
        imbalanced=imbalanced,
        notes=tuple(notes),
    )
