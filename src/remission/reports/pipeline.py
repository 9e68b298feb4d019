"""Produce the outcomes report end to end, in four timed stages.

1. **query** — read the registry (:func:`remission.analysis.loader.load_courses`, centre-scoped), and
   the cohort's scores and laboratory values (:func:`remission.analysis.longitudinal.load_measurements`,
   which needs the derived cohort, so it runs after step 2; its time is counted here);
2. **derivation** — endpoints and cohort columns, then the cohort filter
   (:func:`remission.analysis.dataset.derive_analysis_set`);
3. **models** — Table 1, the standard outcome analysis and the curves
   (:func:`.outcomes_report.compute_outcomes`);
4. **rendering** — plots, HTML or PDF, and the CSV archive; the disease-activity section's summaries
   and plots count here.

On PostgreSQL the disease-activity section (its measurements read, dated, summarised and drawn) is built
by a forked process on another core while this one does the rest (:mod:`.activity_alongside`); the stages
then count only this process's work and its wait for the section, and :attr:`ReportRun.alongside` gives
the forked process's own seconds by stage.

Django must be set up (the command line does it). Only ``remission.analysis`` touches the database.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from remission.analysis import AnalysisSet, Cohort
from remission.analysis.cell_therapy import ProductCohort, other_cell_therapies
from remission.analysis.dataset import derive_analysis_set
from remission.analysis.flow import DataCutoff, data_cut_off
from remission.reports.bundle import tables_path, write_tables
from remission.reports.html import render_html
from remission.reports.outcomes_report import (
    DEFAULT_TITLE,
    EVERY_CENTRE,
    build_document,
    cohort_label,
    compute_outcomes,
)
from remission.reports.pdf import render_pdf

if TYPE_CHECKING:
    from remission.analysis.loader import RegistryExtract

STAGES: tuple[str, ...] = ("query", "derivation", "models", "rendering")
FORMATS = (".html", ".pdf")
UNKNOWN_FORMAT = "the report is written as .html or .pdf; {path} has neither suffix"
EMPTY_COHORT = "no patient in the registry matches the cohort ({filters}); nothing to report"


class EmptyCohortError(ValueError):
    pass


@dataclass(frozen=True)
class ReportRequest:
    """What to report on: the cohort (``remission.analysis.Cohort``), the data cut-off (None: the date of
    data extraction, :func:`report_cut_off`), the grouping, and the cohort's criteria in words for the
    report's heading."""

    cohort: Cohort = field(default_factory=Cohort)
    filters: tuple[tuple[str, str], ...] = ()
    cutoff: dt.date | None = None
    by: str | None = "disease"
    title: str = DEFAULT_TITLE
    user: Any = None  # None = the command line (every centre)


@dataclass(frozen=True)
class ReportRun:
    """What was written and how long each stage took: wall-clock seconds, and the CPU seconds of this
    process (on a busy machine the wall clock also counts waiting for a core and for the database)."""

    report: Path
    tables: Path
    seconds: dict[str, float]
    n_patients: int
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    alongside: dict[str, float] | None = None  # the forked process's own seconds by stage (activity section)

    def alongside_split(self) -> str | None:
        """The forked process's own seconds in words, or None when there was none."""
        if self.alongside is None:
            return None
        parts = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in self.alongside.items())
        return f"disease-activity section built alongside, in a forked process: {parts}"

    def split(self) -> str:
        total = sum(self.seconds.values())
        parts = ", ".join(f"{stage} {self.seconds[stage]:.1f} s" for stage in STAGES if stage in self.seconds)
        return f"{total:.1f} s ({parts})"


def report_cut_off(request: ReportRequest, *, extracted: dt.date | None = None) -> DataCutoff:
    """The data cut-off of ``request``: the one asked for, else the date of data extraction (today, or
    ``extracted``) — :func:`remission.analysis.flow.data_cut_off`."""
    return data_cut_off(request.cutoff, extracted=extracted or dt.date.today())


def scope_words(user: Any) -> str:
    """Whose patients ``user`` reads, in words: "every centre" or "centres …" (codes)."""
    from remission.registry.access import SYSTEM, scope_for
    from remission.registry.selectors.scoping import readable_centres

    user = SYSTEM if user is None else user
    if scope_for(user).readable is None:
        return EVERY_CENTRE
    codes = sorted(readable_centres(user).values_list("code", flat=True))
    return ("centre " if len(codes) == 1 else "centres ") + ", ".join(codes) if codes else "no centre"


def analysis_set_from(
    extract: RegistryExtract, request: ReportRequest, cutoff: DataCutoff | None = None
) -> AnalysisSet:
    """Derivation for ``request`` from the loader's extract
    (:func:`remission.analysis.dataset.derive_analysis_set`); ``cutoff`` the one the extract was read
    with (default :func:`report_cut_off`)."""
    return derive_analysis_set(
        extract, cohort=request.cohort, cutoff=cutoff if cutoff is not None else report_cut_off(request)
    )


def cell_therapies_from(extract: RegistryExtract, cutoff: DataCutoff) -> tuple[ProductCohort, ...]:
    """The cell therapies other than autologous HSCT in the extract, each on its own
    (:func:`remission.analysis.cell_therapy.other_cell_therapies`)."""
    return other_cell_therapies(extract.courses, cutoff=cutoff.date)


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector paused, then run once at the end.

    Reading a registry builds millions of small objects (a course per patient, a fact per record) that
    hold no reference cycles and are freed by reference counting; while they are being built, the cycle
    collector would walk all of them again and again (at 100,000 patients about 8 s of a 60 s report,
    measured with ``benchmarks/report.py``). The state before (enabled or not) is restored on the way out.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def produce_report(
    request: ReportRequest,
    out: str | Path,
    *,
    on_stage: Callable[[str], None] | None = None,
    generated: dt.date | None = None,
    fork: bool | None = None,
) -> ReportRun:
    """Write the report to ``out`` (.html or .pdf) and its tables to ``<stem>-tables.zip`` beside it.

    ``on_stage(name)`` is called as each stage of :data:`STAGES` finishes (for a progress bar). ``fork``:
    whether the disease-activity section is built by a forked process (None: when
    :func:`.activity_alongside.why_not_alongside` finds nothing against it).
    """
    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(UNKNOWN_FORMAT.format(path=path))
    from remission.analysis.loader import load_courses
    from remission.registry.access import SYSTEM
    from remission.reports.activity_alongside import activity_alongside

    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    cpu_started = time.process_time()

    def finished(stage: str, started: float, *, add: bool = False) -> float:
        nonlocal cpu_started
        now, cpu_now = time.perf_counter(), time.process_time()
        before, cpu_before = (seconds[stage], cpu_seconds[stage]) if add else (0.0, 0.0)
        seconds[stage], cpu_seconds[stage] = before + now - started, cpu_before + cpu_now - cpu_started
        cpu_started = cpu_now
        if on_stage is not None and not add:  # each stage reported once (query gets a second part)
            on_stage(stage)
        return now

    user = SYSTEM if request.user is None else request.user
    cutoff = report_cut_off(request, extracted=generated)
    with (
        cycle_collection_paused(),
        activity_alongside(user=user, cutoff=cutoff.date, fork=fork) as pending,
    ):
        started = time.perf_counter()
        extract = load_courses(user=user, cutoff=cutoff.date)
        pending.read()
        started = finished("query", started)
        analysis_set = analysis_set_from(extract, request, cutoff)
        cell_therapy = cell_therapies_from(extract, cutoff)
        del extract
        if analysis_set.frame.empty:
            raise EmptyCohortError(EMPTY_COHORT.format(filters=_filter_words(request.filters)))
        started = finished("derivation", started)
        pending.begin(analysis_set, cohort_label(request.filters, len(analysis_set.frame)))
        # reading the scores and laboratory values is query time, though it needs the derived cohort first
        started = finished("query", started, add=True)
        results = compute_outcomes(analysis_set, by=request.by, cell_therapy=cell_therapy)
        started = finished("models", started)
        document = build_document(
            results,
            filters=request.filters,
            title=request.title,
            generated=generated,
            activity=pending.section(),
            scope=scope_words(user),
        )
        tables = write_tables(document, tables_path(path), notes=results.outcomes.notes)
        if path.suffix.lower() == ".pdf":
            path.write_bytes(render_pdf(document))
        else:
            path.write_text(render_html(document, tables_file=tables.name), encoding="utf-8")
    finished("rendering", started)  # the cycle collection at the end counts here
    return ReportRun(
        report=path,
        tables=tables,
        seconds=seconds,
        n_patients=len(analysis_set.frame),
        cpu_seconds=cpu_seconds,
        alongside=pending.seconds if pending.alongside else None,
    )


def _filter_words(filters: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in filters) or "no filter"
