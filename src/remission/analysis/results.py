"""What a report, a page or an API answer shows for a user, a cohort and a data cut-off, computed once.

This is the one road from the registry to results (``docs/reports.md``):

1. **query** — the registry read as columns in the user's scope up to the cut-off
   (:func:`remission.analysis.columns.read_registry_columns`, through ``COPY`` on PostgreSQL);
2. **derivation** — endpoints as array operations, cohort columns and the cohort filter
   (:func:`remission.analysis.dataset.derive_analysis_set_from_columns`; the per-patient derivation,
   :func:`remission.analysis.endpoints.derive_endpoints`, is its test oracle), and the other cell
   therapies from their recipients' courses
   (:func:`remission.analysis.cell_therapy.other_cell_therapies`); the reads this stage needs — those
   recipients' courses, then the cohort's scores and laboratory values
   (:func:`remission.analysis.longitudinal.load_measurements`, which needs the cohort) — are counted as
   query time;
3. **models** — :func:`compute_outcomes`: Table 1, the standard outcome analysis, the curves, centre
   benchmarking, landmark, multi-state and comparison analyses, the disease-activity summaries.

:func:`compute_results` runs the three stages and times them; :func:`cohort_results` is the same answer
kept in Django's cache for :data:`CACHE_SECONDS` per (whose patients the user reads, request, day) — the
one cached wrapper the faces call (the web page and its downloads, the API, the command line's report).
Identical requests made while one is being computed in the same process wait for it and share its
answer instead of computing it again. The faces lay the results out (``remission.reports``); nothing here
formats. Analysis reads; it never writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from remission.analysis.activity import ActivitySummaries, summarise_measurements
from remission.analysis.benchmarking import Benchmarking, centre_benchmarks
from remission.analysis.cell_therapy import OTHER_PRODUCTS, ProductCohort, other_cell_therapies
from remission.analysis.cohorts import Cohort
from remission.analysis.comparison import Comparison, ComparisonProtocol, compare
from remission.analysis.completeness import clark_by_centre
from remission.analysis.curves import CurveFits, fit_curves
from remission.analysis.dataset import AnalysisSet, derive_analysis_set_from_columns
from remission.analysis.endpoints import PatientCourse
from remission.analysis.flow import DataCutoff, data_cut_off
from remission.analysis.groups import Groups, compared_groups
from remission.analysis.landmark import LandmarkAnalysis, landmark_analysis
from remission.analysis.longitudinal import Measurements
from remission.analysis.multistate import (
    StateOccupation,
    TransitionModels,
    state_occupation,
    transition_models,
    transitions,
)
from remission.analysis.outcomes import COVARIATES, OutcomeAnalysis, model_frame, standard_outcomes
from remission.analysis.table1 import CATEGORICAL, table1
from remission.survival import SurvivalInputError

STAGES: tuple[str, ...] = ("query", "derivation", "models")
CACHE_SECONDS = 15 * 60
CACHE_PREFIX = "remission:results:"

# The comparisons the report runs when the cohort holds both strategies (at least 10 patients each); the
# rest are a `remission compare` away.
REPORT_COMPARISONS: tuple[ComparisonProtocol, ...] = (
    ComparisonProtocol(by="regimen", treatment="cy200_ratg", comparator="beam_atg", disease="ms"),
)
TRANSITION_COVARIATES = ("age", "sex")  # the transition-specific models' covariates


@dataclass(frozen=True)
class OutcomesResults:
    """Everything the report shows, computed: the analysis set and the analyses on it."""

    analysis_set: AnalysisSet
    outcomes: OutcomeAnalysis
    table1: pd.DataFrame
    table1_by: str | None
    fits: CurveFits
    references: dict[str, object]
    by: str | None
    groups: Groups | None = None  # the groups of ``by`` compared, drawn and tabulated (analysis.groups)
    activity: ActivitySummaries | None = None  # None: no measurements were given
    benchmarks: Benchmarking | None = None  # None: fewer than MIN_CENTRES centres
    cell_therapy: tuple[ProductCohort, ...] = ()  # other cell therapies, each analysed on its own
    landmark: LandmarkAnalysis | None = None  # survival by response at landmarks (analysis.landmark)
    multistate: StateOccupation | None = None  # the multi-state view (analysis.multistate)
    transitions: TransitionModels | None = None  # its transition-specific Cox models (age, sex)
    comparisons: tuple[Comparison, ...] = ()  # REPORT_COMPARISONS the cohort can answer
    completeness: pd.DataFrame | None = None  # Clark's C per centre and overall (analysis.completeness)

    @property
    def frame(self) -> pd.DataFrame:
        return self.analysis_set.frame


def model_references(frame: pd.DataFrame, covariates: Sequence[str] = COVARIATES) -> dict[str, object]:
    """The reference level of each factor in the models (the first level, as the design coding takes it)."""
    x = model_frame(frame, covariates)
    references: dict[str, object] = {}
    for column in x.columns:
        series = x[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            present = [c for c in series.cat.categories if (series == c).any()]
            if present:
                references[column] = present[0]
        elif series.dtype == object:
            references[column] = sorted(series.dropna().unique())[0]
    return references


def compute_outcomes(
    analysis_set: AnalysisSet,
    *,
    by: str | None = "disease",
    measurements: Measurements | None = None,
    cell_therapy: Sequence[ProductCohort] = (),
) -> OutcomesResults:
    """Table 1, the standard outcome analysis (overall and per disease, groups of ``by`` compared), the
    curves to draw, centre benchmarking (with at least three centres), the completeness of follow-up per
    centre and, when ``measurements`` are
    given (:func:`remission.analysis.longitudinal.load_measurements`), the summaries of disease activity
    and immune reconstitution."""
    frame = analysis_set.frame
    groups = compared_groups(frame, by) if by is not None else None
    table1_by = by if groups is not None and len(groups.shown) >= 2 else None
    categorical = [c for c in CATEGORICAL if c != table1_by]
    outcomes = standard_outcomes(frame, by=by, cutoff=analysis_set.cutoff)
    paths = transitions(frame) if len(frame) else None  # the multi-state view's and its models'
    return OutcomesResults(
        analysis_set=analysis_set,
        outcomes=outcomes,
        table1=table1(groups.masked(frame) if table1_by else frame, by=table1_by, categorical=categorical),
        table1_by=table1_by,
        groups=groups,
        fits=fit_curves(frame, by=by),
        references=model_references(frame),
        by=by,
        activity=summarise_measurements(measurements) if measurements is not None else None,
        benchmarks=centre_benchmarks(frame),
        cell_therapy=tuple(cell_therapy),
        landmark=landmark_analysis(frame),
        multistate=state_occupation(frame, paths=paths) if paths is not None else None,
        transitions=transition_models(frame, model_frame(frame, TRANSITION_COVARIATES), paths=paths)
        if paths is not None
        else None,
        comparisons=_comparisons(frame),
        completeness=clark_by_centre(frame, cutoff=outcomes.cutoff),
    )


def _comparisons(frame: pd.DataFrame) -> tuple[Comparison, ...]:
    """Each of :data:`REPORT_COMPARISONS` that the cohort can answer (both strategies present with enough
    patients, a propensity model that can be fitted); the others are left out silently: the report is
    about this cohort, and a comparison it cannot make is not a finding."""
    done = []
    for protocol in REPORT_COMPARISONS:
        try:
            done.append(compare(frame, protocol))
        except (KeyError, ValueError, SurvivalInputError):
            continue
    return tuple(done)


@dataclass(frozen=True)
class ResultsRequest:
    """What to compute: the cohort (:class:`~remission.analysis.cohorts.Cohort`), the data cut-off (None:
    the date of data extraction, today) and the variable whose groups are compared (None: no grouping)."""

    cohort: Cohort = field(default_factory=Cohort)
    cutoff: dt.date | None = None
    by: str | None = "disease"


@dataclass(frozen=True)
class CohortResults:
    """Everything computed for one request: the data cut-off with its rule, the analysis set (with the
    patient flow and the data-quality findings), and the analyses (None when no patient is in the cohort);
    when it was computed and how long each stage of :data:`STAGES` took (wall clock and this process's CPU
    seconds)."""

    request: ResultsRequest
    cutoff: DataCutoff
    analysis_set: AnalysisSet
    outcomes: OutcomesResults | None
    computed_at: dt.datetime
    seconds: Mapping[str, float]
    cpu_seconds: Mapping[str, float]

    @property
    def empty(self) -> bool:
        return self.outcomes is None

    @property
    def n_patients(self) -> int:
        return len(self.analysis_set.frame)


class _StageClock:
    """Wall-clock and CPU seconds per stage; a stage may be added to later (query time after derivation)."""

    def __init__(self, on_stage: Callable[[str], None] | None) -> None:
        self.on_stage = on_stage
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def finished(self, stage: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        first = stage not in self.seconds
        self.seconds[stage] = self.seconds.get(stage, 0.0) + wall - self._wall
        self.cpu_seconds[stage] = self.cpu_seconds.get(stage, 0.0) + cpu - self._cpu
        self._wall, self._cpu = wall, cpu
        if self.on_stage is not None and first:
            self.on_stage(stage)


def compute_results(
    request: ResultsRequest,
    *,
    user: Any,
    extracted: dt.date | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> CohortResults:
    """Read, derive and analyse ``request`` for ``user`` (the three stages of the module docstring;
    ``on_stage(name)`` is called as each finishes). ``extracted``: the date of data extraction, the
    default cut-off (today). Django must be set up. Not cached: see :func:`cohort_results`."""
    from remission.analysis.columns import read_registry_columns
    from remission.analysis.longitudinal import load_measurements

    clock = _StageClock(on_stage)
    cutoff = data_cut_off(request.cutoff, extracted=extracted or dt.date.today())
    tables = read_registry_columns(user, cutoff.date)
    clock.finished("query")
    analysis_set = derive_analysis_set_from_columns(tables, cohort=request.cohort, cutoff=cutoff)
    clock.finished("derivation")
    recipients = _other_recipients(tables, user=user, cutoff=cutoff.date)
    del tables
    clock.finished("query")
    cell_therapy = other_cell_therapies(recipients, cutoff=cutoff.date)
    clock.finished("derivation")
    outcomes = None
    if not analysis_set.frame.empty:
        measurements = load_measurements(analysis_set, user=user)
        clock.finished("query")
        outcomes = compute_outcomes(
            analysis_set, by=request.by, measurements=measurements, cell_therapy=cell_therapy
        )
    clock.finished("models")
    return CohortResults(
        request=request,
        cutoff=cutoff,
        analysis_set=analysis_set,
        outcomes=outcomes,
        computed_at=dt.datetime.now(dt.UTC),
        seconds=clock.seconds,
        cpu_seconds=clock.cpu_seconds,
    )


def _other_recipients(
    tables: Mapping[str, Mapping[str, np.ndarray]], *, user: Any, cutoff: dt.date
) -> tuple[PatientCourse, ...]:
    """The courses of the patients who received a cell therapy other than autologous HSCT, for
    :func:`remission.analysis.cell_therapy.other_cell_therapies` (few, so read as courses:
    :func:`remission.analysis.loader.load_courses`; counted as query time)."""
    from remission.analysis.loader import load_courses

    infusions = tables["infusions"]
    other = np.isin(infusions["product_type"].astype(str), list(OTHER_PRODUCTS))
    recipients = sorted(set(infusions["patient_id"][other].tolist()))
    if not recipients:
        return ()
    return load_courses(user=user, cutoff=cutoff, patient_ids=recipients).courses


def results_key(user: Any, request: ResultsRequest) -> str:
    """The cache key of ``request`` for ``user``: whose patients the user reads, the request, the day."""
    from remission.registry.access import scope_for

    scope = scope_for(user)
    readable = "all" if scope.readable is None else sorted(scope.readable)
    raw = json.dumps([readable, asdict(request), dt.date.today()], default=str, sort_keys=True)
    return CACHE_PREFIX + hashlib.sha256(raw.encode()).hexdigest()[:32]


_LOCKS: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
_LOCKS_GUARD = threading.Lock()


@contextmanager
def _one_at_a_time(key: str) -> Iterator[None]:
    """Hold the lock of ``key`` (one per key, alive while someone holds or waits for it)."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = threading.Lock()
            _LOCKS[key] = lock
    with lock:
        yield


def cohort_results(
    request: ResultsRequest,
    *,
    user: Any,
    refresh: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> CohortResults:
    """:func:`compute_results`, kept in the cache (see the module docstring). ``refresh`` recomputes,
    unless an identical request finished computing while this one waited for it. ``on_stage`` is passed
    to :func:`compute_results` (not called when the answer comes from the cache)."""
    from django.core.cache import cache

    asked = dt.datetime.now(dt.UTC)
    key = results_key(user, request)
    with _one_at_a_time(key):
        cached = cache.get(key)
        if cached is not None and (not refresh or cached.computed_at >= asked):
            return cached
        results = compute_results(request, user=user, on_stage=on_stage)
        cache.set(key, results, CACHE_SECONDS)
        return results
