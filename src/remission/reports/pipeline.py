"""Produce the outcomes report end to end, in four timed stages.

1. **query** — read the registry (:func:`remission.analysis.loader.load_courses`, centre-scoped);
2. **derivation** — endpoints and cohort columns, then the cohort filter (:func:`analysis_set_from`);
3. **models** — Table 1, the standard outcome analysis and the curves
   (:func:`.outcomes_report.compute_outcomes`);
4. **rendering** — plots, HTML or PDF, and the CSV archive.

Django must be set up (the command line does it). Only ``remission.analysis`` touches the database.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from remission.analysis import AnalysisSet, Cohort, derive_endpoints, select
from remission.analysis.cohorts import DEFAULT_COHORT_SETTINGS, add_cohort_columns
from remission.analysis.dataset import BLANK_IS_MISSING, LEADING_COLUMNS
from remission.analysis.endpoints import FIRST_AUTOLOGOUS_HSCT
from remission.reports.bundle import tables_path, write_tables
from remission.reports.html import render_html
from remission.reports.outcomes_report import DEFAULT_TITLE, build_document, compute_outcomes
from remission.reports.pdf import render_pdf

STAGES: tuple[str, ...] = ("query", "derivation", "models", "rendering")
FORMATS = (".html", ".pdf")
UNKNOWN_FORMAT = "the report is written as .html or .pdf; {path} has neither suffix"
EMPTY_COHORT = "no patient in the registry matches the cohort ({filters}); nothing to report"


class EmptyCohortError(ValueError):
    pass


@dataclass(frozen=True)
class ReportRequest:
    """What to report on: the cohort (``remission.analysis.Cohort``), the data cut-off, the grouping, and
    the cohort's criteria in words for the report's heading."""

    cohort: Cohort = field(default_factory=Cohort)
    filters: tuple[tuple[str, str], ...] = ()
    cutoff: dt.date | None = None
    by: str | None = "disease"
    title: str = DEFAULT_TITLE
    user: Any = None  # None = the command line (every centre)


@dataclass(frozen=True)
class ReportRun:
    """What was written and how long each stage took (seconds)."""

    report: Path
    tables: Path
    seconds: dict[str, float]
    n_patients: int

    def split(self) -> str:
        total = sum(self.seconds.values())
        parts = ", ".join(f"{stage} {self.seconds[stage]:.1f} s" for stage in STAGES if stage in self.seconds)
        return f"{total:.1f} s ({parts})"


def analysis_set_from(extract: Any, request: ReportRequest) -> AnalysisSet:
    """Derivation: endpoints, cohort columns and the cohort filter, from the loader's extract.

    The steps of :func:`remission.analysis.load_analysis_set` after its query, taken one by one so that the
    query and the derivation can be timed apart (a test checks the two give the same data set).
    """
    endpoints = derive_endpoints(extract.courses, selection=FIRST_AUTOLOGOUS_HSCT, cutoff=request.cutoff)
    infusions = pd.DataFrame(
        {
            "infusion_id": [r.infusion_id for r in extract.infusions],
            "centre": [r.centre for r in extract.infusions],
            "date": pd.to_datetime([r.date for r in extract.infusions]),
            "product_type": [r.product_type for r in extract.infusions],
        }
    )
    frame = endpoints.to_frame()
    for name in BLANK_IS_MISSING:
        frame[name] = frame[name].replace("", None)
    frame = add_cohort_columns(frame, infusions, DEFAULT_COHORT_SETTINGS)
    frame = frame[[*LEADING_COLUMNS, *(c for c in frame.columns if c not in LEADING_COLUMNS)]]
    frame = select(frame, request.cohort)
    return AnalysisSet(
        frame=frame.reset_index(drop=True),
        findings=endpoints.findings_frame(),
        excluded=endpoints.excluded,
        cutoff=request.cutoff,
        selection=FIRST_AUTOLOGOUS_HSCT,
    )


def produce_report(
    request: ReportRequest,
    out: str | Path,
    *,
    on_stage: Callable[[str], None] | None = None,
    generated: dt.date | None = None,
) -> ReportRun:
    """Write the report to ``out`` (.html or .pdf) and its tables to ``<stem>-tables.zip`` beside it.

    ``on_stage(name)`` is called as each stage of :data:`STAGES` finishes (for a progress bar).
    """
    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(UNKNOWN_FORMAT.format(path=path))
    from remission.analysis.loader import load_courses
    from remission.registry.access import SYSTEM

    seconds: dict[str, float] = {}

    def finished(stage: str, started: float) -> float:
        now = time.perf_counter()
        seconds[stage] = now - started
        if on_stage is not None:
            on_stage(stage)
        return now

    started = time.perf_counter()
    extract = load_courses(user=SYSTEM if request.user is None else request.user, cutoff=request.cutoff)
    started = finished("query", started)
    analysis_set = analysis_set_from(extract, request)
    del extract
    if analysis_set.frame.empty:
        raise EmptyCohortError(EMPTY_COHORT.format(filters=_filter_words(request.filters)))
    started = finished("derivation", started)
    results = compute_outcomes(analysis_set, by=request.by)
    started = finished("models", started)
    document = build_document(results, filters=request.filters, title=request.title, generated=generated)
    tables = write_tables(document, tables_path(path), notes=results.outcomes.notes)
    if path.suffix.lower() == ".pdf":
        path.write_bytes(render_pdf(document))
    else:
        path.write_text(render_html(document, tables_file=tables.name), encoding="utf-8")
    finished("rendering", started)
    return ReportRun(report=path, tables=tables, seconds=seconds, n_patients=len(analysis_set.frame))


def _filter_words(filters: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in filters) or "no filter"
