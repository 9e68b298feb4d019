"""The fitted prediction models and their predictions, as frozen data that round-trips through JSON.

Every number is a Python float kept in tuples, so ``to_dict`` → ``json.dumps`` → ``json.loads`` →
``from_dict`` gives back an equal object (JSON writes a float's shortest exact repr). A model set carries
its ``version`` (the data cut-off and a hash of its content: the same data and settings give the same
version) and the data cut-off it was fitted at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from remission.analysis.prediction.design import DesignSpec
from remission.analysis.prediction.settings import PredictionSettings

FORMAT = "remission.prediction/1"
ENDPOINTS: tuple[str, ...] = ("OS", "PFS", "NRM")
WRONG_FORMAT = "not a prediction model set of format {expected!r}: {got!r}"
NO_HORIZON = (
    "{endpoint}: no baseline variance stored at horizon {horizon:g} days (stored: {stored}); the model set "
    "does not match its settings"
)


def _floats(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


@dataclass(frozen=True)
class BaselineVariance:
    """What a Cox model's baseline cumulative hazard adds to the variance of a candidate's Λ(h | x) at one
    prediction ``horizon`` h (:meth:`remission.survival.CoxResult.cumhaz_terms` at the model's ``centre``
    x̄, as R's ``survfit(coxph, newdata)``): ``variance`` = the sum over the event times t_i <= h of the
    baseline's variance increments at x̄, and ``shift`` = sum over t_i <= h of (x̄(t_i) - x̄) dΛ(t_i | x̄),
    with x̄(t_i) the (Efron-weighted) mean of the design over the risk set at t_i, on the design columns.
    Then var Λ(h | x) = exp(2 (x - x̄)'b) [variance + d'V d], d = (x - x̄) Λ(h | x̄) - shift.
    """

    horizon: float
    variance: float
    shift: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"horizon": self.horizon, "variance": self.variance, "shift": list(self.shift)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BaselineVariance:
        return cls(
            horizon=float(data["horizon"]), variance=float(data["variance"]), shift=_floats(data["shift"])
        )


@dataclass(frozen=True)
class FittedModel:
    """One fitted model: ``endpoint`` OS / PFS (Cox) or NRM (Fine-Gray).

    ``coef`` and ``covariance`` are on the design ``columns``; ``centre`` the design's column means in the
    fitted rows (where the intervals are centred). ``baseline_times`` and ``baseline_cumhaz``: the
    cumulative baseline (subdistribution) hazard at x = 0 just after each event time, a right-continuous
    step function starting at 0. ``events``: events of the endpoint (for NRM, non-relapse deaths);
    ``competing``: relapses/progressions before death (NRM only). ``baseline_variance`` (Cox models only;
    None for Fine-Gray and for model sets stored before it existed): per prediction horizon of the
    settings, what the variance of the baseline cumulative hazard adds to a candidate's interval
    (:class:`BaselineVariance`).
    """

    endpoint: str
    method: str
    columns: tuple[str, ...]
    coef: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]
    centre: tuple[float, ...]
    baseline_times: tuple[float, ...]
    baseline_cumhaz: tuple[float, ...]
    n: int
    events: int
    competing: int | None
    converged: bool
    baseline_variance: tuple[BaselineVariance, ...] | None = None

    def variance_at(self, horizon: float) -> BaselineVariance | None:
        """The stored :class:`BaselineVariance` at ``horizon``; None when the model has none at all (a
        Fine-Gray model, or a model set stored before they were). A Cox model without that horizon is an
        error (the horizons are the model set's settings)."""
        if self.baseline_variance is None:
            return None
        for term in self.baseline_variance:
            if term.horizon == horizon:
                return term
        stored = ", ".join(f"{t.horizon:g}" for t in self.baseline_variance)
        raise ValueError(NO_HORIZON.format(endpoint=self.endpoint, horizon=horizon, stored=stored))

    @property
    def events_per_parameter(self) -> float:
        return self.events / len(self.coef) if self.coef else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "method": self.method,
            "columns": list(self.columns),
            "coef": list(self.coef),
            "covariance": [list(row) for row in self.covariance],
            "centre": list(self.centre),
            "baseline_times": list(self.baseline_times),
            "baseline_cumhaz": list(self.baseline_cumhaz),
            "n": self.n,
            "events": self.events,
            "competing": self.competing,
            "events_per_parameter": self.events_per_parameter,
            "converged": self.converged,
            **(
                {}
                if self.baseline_variance is None
                else {"baseline_variance": [t.to_dict() for t in self.baseline_variance]}
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FittedModel:
        return cls(
            endpoint=str(data["endpoint"]),
            method=str(data["method"]),
            columns=tuple(str(c) for c in data["columns"]),
            coef=_floats(data["coef"]),
            covariance=tuple(_floats(row) for row in data["covariance"]),
            centre=_floats(data["centre"]),
            baseline_times=_floats(data["baseline_times"]),
            baseline_cumhaz=_floats(data["baseline_cumhaz"]),
            n=int(data["n"]),
            events=int(data["events"]),
            competing=None if data["competing"] is None else int(data["competing"]),
            converged=bool(data["converged"]),
            baseline_variance=(
                None
                if data.get("baseline_variance") is None
                else tuple(BaselineVariance.from_dict(t) for t in data["baseline_variance"])
            ),
        )


@dataclass(frozen=True)
class ModelSet:
    """The OS, PFS and NRM models fitted on one analysis set, with their design and provenance.

    ``disease_counts``: complete-case patients per disease in the selected analysis set (left-out
    diseases included, so a refusal can say how many there were); ``diseases_left_out`` those under the
    minimum. ``n``: the patients fitted (the same rows for the three models).
    """

    version: str
    cutoff: dt.date | None
    settings: PredictionSettings
    design: DesignSpec
    models: tuple[FittedModel, ...]
    n: int
    disease_counts: tuple[tuple[str, int], ...]
    diseases_left_out: tuple[str, ...]

    def model(self, endpoint: str) -> FittedModel:
        return next(m for m in self.models if m.endpoint == endpoint)

    def content(self) -> dict[str, Any]:
        """Everything but the version (what the version hashes)."""
        return {
            "format": FORMAT,
            "cutoff": None if self.cutoff is None else self.cutoff.isoformat(),
            "settings": self.settings.to_dict(),
            "design": self.design.to_dict(),
            "models": [m.to_dict() for m in self.models],
            "n": self.n,
            "disease_counts": [[d, n] for d, n in self.disease_counts],
            "diseases_left_out": list(self.diseases_left_out),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, **self.content()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSet:
        if data.get("format") != FORMAT:
            raise ValueError(WRONG_FORMAT.format(expected=FORMAT, got=data.get("format")))
        cutoff = data["cutoff"]
        return cls(
            version=str(data["version"]),
            cutoff=None if cutoff is None else dt.date.fromisoformat(cutoff),
            settings=PredictionSettings.from_dict(dict(data["settings"])),
            design=DesignSpec.from_dict(data["design"]),
            models=tuple(FittedModel.from_dict(m) for m in data["models"]),
            n=int(data["n"]),
            disease_counts=tuple((str(d), int(n)) for d, n in data["disease_counts"]),
            diseases_left_out=tuple(str(d) for d in data["diseases_left_out"]),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelSet:
        return cls.from_dict(json.loads(text))


def model_version(content: Mapping[str, Any]) -> str:
    """``pm-<cut-off>-<first 12 hex digits of the SHA-256 of the canonical JSON content>``."""
    digest = hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()[:12]
    return f"pm-{content.get('cutoff') or 'nocutoff'}-{digest}"


@dataclass(frozen=True)
class Risk:
    """One predicted risk: ``quantity`` "survival" (OS, PFS) or "cumulative incidence" (NRM) at
    ``horizon_days``, with its ``conf_level`` interval."""

    endpoint: str
    quantity: str
    horizon_days: float
    horizon: str
    estimate: float
    lower: float
    upper: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Risk:
        return cls(
            endpoint=str(data["endpoint"]),
            quantity=str(data["quantity"]),
            horizon_days=float(data["horizon_days"]),
            horizon=str(data["horizon"]),
            estimate=float(data["estimate"]),
            lower=float(data["lower"]),
            upper=float(data["upper"]),
        )


@dataclass(frozen=True)
class Prediction:
    """The predicted risks of one candidate, the coded predictors they were computed for, the model
    version, the interval method, a plain-language sentence and ``notes``: what the prediction assumed of
    the candidate (e.g. an unrecorded subtype predicted as the disease's reference subtype)."""

    model_version: str
    predictors: tuple[tuple[str, Any], ...]
    risks: tuple[Risk, ...]
    conf_level: float
    interval_method: str
    sentence: str
    notes: tuple[str, ...] = ()

    def risk(self, endpoint: str, horizon_days: float) -> Risk:
        return next(r for r in self.risks if r.endpoint == endpoint and r.horizon_days == horizon_days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "prediction",
            "model_version": self.model_version,
            "predictors": dict(self.predictors),
            "risks": [r.to_dict() for r in self.risks],
            "conf_level": self.conf_level,
            "interval_method": self.interval_method,
            "sentence": self.sentence,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Prediction:
        return cls(
            model_version=str(data["model_version"]),
            predictors=tuple(data["predictors"].items()),
            risks=tuple(Risk.from_dict(r) for r in data["risks"]),
            conf_level=float(data["conf_level"]),
            interval_method=str(data["interval_method"]),
            sentence=str(data["sentence"]),
            notes=tuple(str(n) for n in data.get("notes", ())),
        )


@dataclass(frozen=True)
class Refusal:
    """No prediction: the candidate lies outside the model's data. ``predictor`` is the one at fault,
    ``rule`` one of :data:`REFUSAL_RULES`, ``reason`` the sentence."""

    model_version: str
    predictor: str
    rule: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "refusal", **self.__dict__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Refusal:
        return cls(
            model_version=str(data["model_version"]),
            predictor=str(data["predictor"]),
            rule=str(data["rule"]),
            reason=str(data["reason"]),
        )


# missing: no value; invalid: a value of the wrong kind or outside its scale; disease_not_in_model: the
# disease had too few patients (or none) in the fitted data; outside_range: a number outside the range
# seen in the fitted data; level_not_seen: a factor level absent from the fitted data.
REFUSAL_RULES: tuple[str, ...] = (
    "missing",
    "invalid",
    "disease_not_in_model",
    "outside_range",
    "level_not_seen",
)
