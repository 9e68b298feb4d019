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
from django.utils.translation import gettext_noop

from remission.analysis.cohorts import column_words
from remission.analysis.words import Words, words
from remission.survival import (
    Matching,
    SurvivalInputError,
    Weights,
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
# the covariates in words, inside a sentence (English, marked for translation: shown through Words or gettext)
# the endpoints and models as the notes name them; the effects table keeps these English codes (its CSV)
ENDPOINT_WORDS = {
    "OS": gettext_noop("OS"),
    "PFS": gettext_noop("PFS"),
    "relapse/progression": gettext_noop("relapse/progression"),
    "NRM": gettext_noop("NRM"),
}
COX = gettext_noop("weighted Cox")
FINE_GRAY = gettext_noop("weighted Fine-Gray")
ROBUST = gettext_noop("robust (sandwich)")
ROBUST_CLUSTERED = gettext_noop("robust (sandwich), clustered on the matched set")
SANDWICH = gettext_noop("sandwich")
NOT_COMPUTED = gettext_noop("%(model)s %(endpoint)s: not computed — %(reason)s")
NO_EVENT = {
    "treatment": gettext_noop("no event in the treatment group"),
    "comparator": gettext_noop("no event in the comparator group"),
}
ANOTHER_STRATEGY = {
    "regimen": gettext_noop("another regimen"),
    "era": gettext_noop("another era"),
    "intensity": gettext_noop("another intensity"),
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
        self, disease_words: object, treatment_words: object, comparator_words: object
    ) -> tuple[tuple[Words, Words], ...]:
        """The protocol written out, part by part (the words of the codes are the caller's): each part's
        heading and text, in the reader's language when shown."""
        treatment, comparator = treatment_words, comparator_words
        population = {
            "ATE": words(gettext_noop("everyone eligible")),
            "ATT": words(gettext_noop("the patients given %(treatment)s"), treatment=treatment),
            "overlap": words(
                gettext_noop("the patients for whom either strategy was a plausible choice (overlap weights)")
            ),
        }[self.contrast]
        balancing: Words
        if self.method == "matching":
            balancing = words(
                gettext_noop(
                    "1:%(ratio)s nearest-neighbour matching on the propensity score, caliper %(caliper)s SD "
                    "of its logit, without replacement"
                ),
                ratio=self.ratio,
                caliper=_number(self.caliper),
            )
        elif self.estimand == "overlap":
            balancing = words(gettext_noop("overlap weights"))
        elif self.stabilised:
            balancing = words(gettext_noop("stabilised inverse-probability weights"))
        else:
            balancing = words(gettext_noop("inverse-probability weights"))
        if self.method == "weighting" and self.trim == "crump":
            balancing = words(gettext_noop("%(balancing)s, trimmed (Crump rule)"), balancing=balancing)
        elif self.method == "weighting" and self.trim is not None:
            low, high = self.trim
            balancing = words(
                gettext_noop("%(balancing)s, trimmed ((%(low)s, %(high)s))"),
                balancing=balancing,
                low=float(low),
                high=float(high),
            )
        covariates = covariate_list(self.model_covariates)
        return (
            (
                words(gettext_noop("Eligibility")),
                words(
                    gettext_noop(
                        "Patients with %(disease)s whose analysed infusion (the first autologous HSCT) used "
                        "%(treatment)s or %(comparator)s, with %(covariates)s recorded."
                    ),
                    disease=disease_words,
                    treatment=treatment,
                    comparator=comparator,
                    covariates=covariates,
                ),
            ),
            (
                words(gettext_noop("Treatment strategies")),
                words(
                    gettext_noop("%(treatment)s versus %(comparator)s, as given at day 0."),
                    treatment=treatment,
                    comparator=comparator,
                ),
            ),
            (
                words(gettext_noop("Assignment")),
                words(
                    gettext_noop(
                        "Not randomised: emulated by balancing %(covariates)s between the groups "
                        "(%(balancing)s)."
                    ),
                    covariates=covariates,
                    balancing=balancing,
                ),
            ),
            (
                words(gettext_noop("Time zero")),
                words(
                    gettext_noop(
                        "Day 0 (the infusion): eligibility is met and the strategy starts on that day."
                    )
                ),
            ),
            (
                words(gettext_noop("Outcomes")),
                words(
                    gettext_noop(
                        "Overall survival, progression-free survival, relapse/progression and non-relapse "
                        "mortality (competing), followed to the data cut-off."
                    )
                ),
            ),
            (
                words(gettext_noop("Causal contrast")),
                words(
                    gettext_noop(
                        "The effect of receiving %(treatment)s rather than %(comparator)s in %(population)s "
                        "(%(contrast)s); the observational analogue of a per-protocol effect, valid only if "
                        "no confounder is missing from the covariates."
                    ),
                    treatment=treatment,
                    comparator=comparator,
                    population=population,
                    contrast=self.contrast,
                ),
            ),
        )


def covariate_list(names: Sequence[str]) -> Words:
    """Covariates in words, separated by commas ("age, sex, HCT-CI")."""
    if not names:
        return words(gettext_noop("no covariate"))
    listed = column_words(names[0])
    for name in names[1:]:
        listed = words(gettext_noop("%(list)s, %(item)s"), list=listed, item=column_words(name))
    return listed


def _number(value: float, digits: int = 6) -> float | int:
    """``value`` rounded to ``digits`` significant digits as ``format(value, ".{digits}g")`` writes it (a
    whole number without its ".0"), to be shown in the reader's language by :class:`Words`."""
    rounded = float(f"{value:.{digits}g}")
    return int(rounded) if rounded.is_integer() else rounded


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` found. ``rows``: the analysed rows (index of the analysis set) with
    ``treated`` (0/1), ``score``, ``weight`` and, when matched, ``subclass``; ``left_out``: (reason, n);
    ``balance``: :func:`~remission.survival.balance_table`; ``curves``: endpoint, group, time_days,
    estimate, std_err, lower, upper; ``steps``: the same at every event time (the step curves);
    ``effects``: endpoint, model, hazard_ratio, lower, upper, p_value,
    variance (English codes: :data:`COX`, :data:`ROBUST`, …); ``rule``: the balancing rule in words;
    ``imbalanced``: terms whose |SMD| after exceeds :data:`SMD_LIMIT`. The reasons, the rule and the notes
    are :class:`~remission.analysis.words.Words` (shown in the reader's language)."""

    protocol: ComparisonProtocol
    rows: pd.DataFrame
    left_out: tuple[tuple[Words, int], ...]
    balance: pd.DataFrame
    curves: pd.DataFrame
    effects: pd.DataFrame
    rule: Words
    imbalanced: tuple[str, ...]
    notes: tuple[Words, ...] = field(default=())
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
    """(the eligible rows, their covariates, the rows left out by reason, as Words) under the protocol."""
    left_out: list[tuple[Words, int]] = []
    rows = frame
    if protocol.disease is not None:
        keep = rows["disease"].astype(str) == protocol.disease
        reason = words(gettext_noop("another disease than %(disease)s"), disease=protocol.disease)
        left_out.append((reason, int((~keep).sum())))
        rows = rows[keep]
    strategy = rows[protocol.by].astype(str)
    for level in (protocol.treatment, protocol.comparator):
        if not (strategy == level).any():
            present = ", ".join(sorted(set(strategy))) or "none"
            raise ValueError(NO_STRATEGY.format(by=protocol.by, level=level, present=present))
    keep = strategy.isin([protocol.treatment, protocol.comparator])
    another = ANOTHER_STRATEGY.get(protocol.by)
    reason = words(another) if another else words(gettext_noop("another %(by)s"), by=protocol.by)
    left_out.append((reason, int((~keep).sum())))
    rows = rows[keep]
    covariates = list(protocol.model_covariates)
    x = pd.DataFrame({name: _covariate(rows, name) for name in covariates}, index=rows.index)
    for name in covariates:
        missing = x[name].isna()
        reason = words(gettext_noop("%(covariate)s not recorded"), covariate=column_words(name))
        left_out.append((reason, int(missing.sum())))
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
    notes: list[Words] = []
    variance = ROBUST_CLUSTERED if cluster is not None else ROBUST
    cox_specs = (
        ("OS", data["os_days"], data["os_event"]),
        ("PFS", data["pfs_days"], data["pfs_event"]),
    )
    treated = data["treated"].to_numpy()
    for endpoint, time, event in cox_specs:
        empty = _empty_group(treated, event.to_numpy() > 0)
        if empty:
            notes.append(_not_computed(COX, endpoint, words(NO_EVENT[empty])))
            continue
        try:
            fit = cox(
                x, time.to_numpy(dtype=float), event.to_numpy(dtype=int), weights=w, robust=True,
                cluster=None if cluster is None else cluster[used],
            )  # fmt: skip
        except (SurvivalInputError, np.linalg.LinAlgError) as exc:
            notes.append(_not_computed(COX, endpoint, exc))
            continue
        out.append(_effect(endpoint, COX, fit.coef[0], fit.conf_int[0], fit.p_value[0], variance))
    for endpoint, cause in (("relapse/progression", RELAPSE), ("NRM", NRM)):
        causes = data["cr_cause"].to_numpy(dtype=int)
        empty = _empty_group(treated, causes == cause)
        if empty:
            notes.append(_not_computed(FINE_GRAY, endpoint, words(NO_EVENT[empty])))
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = fine_gray(
                    x, data["cr_days"].to_numpy(dtype=float), causes, cause_of_interest=cause, weights=w
                )
        except (SurvivalInputError, np.linalg.LinAlgError) as exc:
            notes.append(_not_computed(FINE_GRAY, endpoint, exc))
            continue
        out.append(_effect(endpoint, FINE_GRAY, fit.coef[0], fit.conf_int[0], fit.p_value[0], SANDWICH))
    columns = ["endpoint", "model", "hazard_ratio", "lower", "upper", "p_value", "variance"]
    return pd.DataFrame(out, columns=columns), notes


def _not_computed(model: str, endpoint: str, reason: object) -> Words:
    """The note of a model not fitted: ``reason`` is Words, or an engine's error (shown as it is)."""
    return words(
        NOT_COMPUTED,
        model=words(model),
        endpoint=words(ENDPOINT_WORDS.get(endpoint, endpoint)),
        reason=reason,
    )


def _weighting_rule(weights: Weights, treated: np.ndarray, trim: object) -> Words:
    """The rule of :func:`remission.survival.balancing_weights` in words (its ``rule``, worded to be
    translated): the weights, their stabilisation, the trimming and the units it excluded."""
    rule = words(
        {
            "ATE": gettext_noop("ATE inverse-probability weights: 1/e (treated), 1/(1-e) (untreated)"),
            "ATT": gettext_noop("ATT weights: 1 (treated), e/(1-e) (untreated)"),
            "ATC": gettext_noop("ATC weights: (1-e)/e (treated), 1 (untreated)"),
            "overlap": gettext_noop(
                "overlap weights (Li, Morgan & Zaslavsky 2018): 1-e (treated), e (untreated)"
            ),
        }[weights.estimand]
    )
    if weights.stabilised:
        kept = np.asarray(weights.kept, dtype=bool)
        p = float(np.sum(kept & (treated == 1)) / kept.sum())
        rule = words(
            gettext_noop("%(weights)s, stabilised by the marginal treated proportion p = %(p)s"),
            weights=rule,
            p=_number(p, 4),
        )
    bounds = weights.trim_bounds
    if bounds is None:
        trimming = words(gettext_noop("no trimming"))
    elif trim == "crump" and bounds[0] > 0:
        trimming = words(
            gettext_noop(
                "Crump et al. (2009) optimal trimming: kept units with %(low)s <= score <= %(high)s"
            ),
            low=_number(bounds[0], 4),
            high=_number(bounds[1], 4),
        )
    elif trim == "crump":
        trimming = words(gettext_noop("Crump et al. (2009) optimal trimming: no unit trimmed (alpha = 0)"))
    else:
        trimming = words(
            gettext_noop("kept units with %(low)s <= score <= %(high)s"),
            low=_number(bounds[0]),
            high=_number(bounds[1]),
        )
    return words(
        gettext_noop("%(weights)s; %(trimming)s (%(excluded)s unit(s) excluded)"),
        weights=rule,
        trimming=trimming,
        excluded=weights.n_trimmed,
    )


def _matching_rule(matched: Matching, protocol: ComparisonProtocol) -> Words:
    """The rule of the matching :func:`compare` runs (greedy, on the logit of the score, without
    replacement, the largest scores first: :func:`remission.survival.nearest_neighbour_match`'s ``rule``,
    worded to be translated)."""
    if matched.caliper is None:
        return words(
            gettext_noop(
                "greedy nearest-neighbour matching on the logit of the propensity score, %(ratio)s "
                "control(s) per treated unit without replacement, treated units taken in largest order, no "
                "caliper; %(unmatched)s treated unit(s) unmatched"
            ),
            ratio=int(protocol.ratio),
            unmatched=matched.n_unmatched_treated,
        )
    return words(
        gettext_noop(
            "greedy nearest-neighbour matching on the logit of the propensity score, %(ratio)s control(s) "
            "per treated unit without replacement, treated units taken in largest order, caliper %(caliper)s "
            "SD of the distance (= %(distance)s); %(unmatched)s treated unit(s) unmatched"
        ),
        ratio=int(protocol.ratio),
        caliper=_number(protocol.caliper),
        distance=_number(matched.caliper, 6),
        unmatched=matched.n_unmatched_treated,
    )


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
        rule = _matching_rule(matched, protocol)
        sd = "treated"
    else:
        weights = balancing_weights(
            model.scores, treated, estimand=protocol.estimand,
            stabilised=protocol.stabilised and protocol.estimand != "overlap", trim=protocol.trim,
        )  # fmt: skip
        weight = weights.weights
        rule = _weighting_rule(weights, treated, protocol.trim)
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
