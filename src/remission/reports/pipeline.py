"""Produce the outcomes report end to end: the analysis's results, laid out and written, timed by stage.

The results come from the one road of the analysis layer (:mod:`remission.analysis.results`: query,
derivation, models — read, derived and fitted in this process); :func:`produce_report` adds the fourth
stage, **rendering** (plots, HTML or PDF, the CSV archive). The command line computes the results
afresh; the web download passes those the page already computed (:func:`remission.analysis.results.
cohort_results`), so a report downloaded after viewing the page is only rendered — or only written, when
the page also kept the document it laid out from them (its figures drawn).

Django must be set up (the command line does it). Only ``remission.analysis`` touches the database.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from remission.analysis import Cohort
from remission.analysis.results import STAGES as ANALYSIS_STAGES
from remission.analysis.results import CohortResults, ResultsRequest, compute_results
from remission.reports.bundle import tables_path, write_tables
from remission.reports.document import Document
from remission.reports.html import render_html
from remission.reports.outcomes_report import DEFAULT_TITLE, EVERY_CENTRE, build_document
from remission.reports.pdf import render_pdf

STAGES: tuple[str, ...] = (*ANALYSIS_STAGES, "rendering")
FORMATS = (".html", ".pdf")
UNKNOWN_FORMAT = "the report is written as .html or .pdf; {path} has neither suffix"
EMPTY_COHORT = "no patient in the registry matches the cohort ({filters}); nothing to report"


class EmptyCohortError(ValueError):
    pass


@dataclass(frozen=True)
class ReportRequest:
    """What to report on — the cohort (``remission.analysis.Cohort``), the data cut-off (None: the date of
    data extraction) and the grouping, as the analysis is asked (:meth:`results_request`) — for whom
    (``user``; None: the command line, every centre), and the heading: the cohort's criteria in words and
    the title."""

    cohort: Cohort = field(default_factory=Cohort)
    filters: tuple[tuple[str, str], ...] = ()
    cutoff: dt.date | None = None
    by: str | None = "disease"
    title: str = DEFAULT_TITLE
    user: Any = None

    def results_request(self) -> ResultsRequest:
        return ResultsRequest(cohort=self.cohort, cutoff=self.cutoff, by=self.by)


@dataclass(frozen=True)
class ReportRun:
    """What was written and how long each stage took: wall-clock seconds, and the CPU seconds of this
    process (on a busy machine the wall clock also counts waiting for a core and for the database). With
    results computed earlier (the web download), the first three stages are those of that computation."""

    report: Path
    tables: Path
    seconds: dict[str, float]
    n_patients: int
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    def split(self) -> str:
        total = sum(self.seconds.values())
        parts = ", ".join(f"{stage} {self.seconds[stage]:.1f} s" for stage in STAGES if stage in self.seconds)
        return f"{total:.1f} s ({parts})"


def scope_words(user: Any) -> str:
    """Whose patients ``user`` reads, in words: "every centre" or "centres …" (codes)."""
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    from remission.registry.access import SYSTEM, scope_for
    from remission.registry.selectors.scoping import readable_centres

    user = SYSTEM if user is None else user
    if scope_for(user).readable is None:
        return str(EVERY_CENTRE)
    codes = sorted(readable_centres(user).values_list("code", flat=True))
    if not codes:
        return _("no centre")
    return ngettext("centre %(codes)s", "centres %(codes)s", len(codes)) % {"codes": ", ".join(codes)}


def produce_report(
    request: ReportRequest,
    out: str | Path,
    *,
    on_stage: Callable[[str], None] | None = None,
    generated: dt.date | None = None,
    results: CohortResults | None = None,
    document: Document | None = None,
) -> ReportRun:
    """Write the report to ``out`` (.html or .pdf) and its tables to ``<stem>-tables.zip`` beside it.

    ``results``: the analysis's results for ``request`` when the caller has them
    (:func:`remission.analysis.results.cohort_results`); else they are computed here
    (:func:`remission.analysis.results.compute_results`, the date of data extraction ``generated`` or
    today). ``document``: the document laid out from those ``results`` for ``request`` (the web page's,
    kept), written as it is; else it is laid out here. ``on_stage(name)`` is called as each stage of
    :data:`STAGES` finishes (for a progress bar).
    """
    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(UNKNOWN_FORMAT.format(path=path))
    from remission.registry.access import SYSTEM

    user = SYSTEM if request.user is None else request.user
    if results is None:
        results = compute_results(
            request.results_request(), user=user, extracted=generated, on_stage=on_stage
        )
    elif on_stage is not None:
        for stage in ANALYSIS_STAGES:
            on_stage(stage)
    if results.outcomes is None:
        raise EmptyCohortError(EMPTY_COHORT.format(filters=_filter_words(request.filters)))
    started, cpu_started = time.perf_counter(), time.process_time()
    if document is None:
        document = build_document(
            results.outcomes,
            filters=request.filters,
            title=request.title,
            generated=generated,
            scope=scope_words(user),
        )
    tables = write_tables(document, tables_path(path), notes=results.outcomes.outcomes.notes)
    if path.suffix.lower() == ".pdf":
        path.write_bytes(render_pdf(document))
    else:
        path.write_text(render_html(document, tables_file=tables.name), encoding="utf-8")
    seconds = {**results.seconds, "rendering": time.perf_counter() - started}
    cpu_seconds = {**results.cpu_seconds, "rendering": time.process_time() - cpu_started}
    if on_stage is not None:
        on_stage("rendering")
    return ReportRun(
        report=path,
        tables=tables,
        seconds=seconds,
        n_patients=results.n_patients,
        cpu_seconds=cpu_seconds,
    )


def _filter_words(filters: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in filters) or "no filter"
