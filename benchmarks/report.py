"""The full outcomes report on a large registry on PostgreSQL, end to end, with the time split.

    remission synth --patients 100000 --database-url postgres://postgres@127.0.0.1:5432/remission_report_bench
    python3 benchmarks/report.py [--database-url postgres://…/remission_report_bench] [--format pdf|html|both]

Targets at 100,000 patients (issue 21): the PDF in one process within 20 s; the outcomes page's first
computation for the whole registry (``remission.web.outcomes.outcomes_page`` on a cold cache: the
analysis's results, then the page laid out) within 10 s; derivation alone within 2 s. The report's time is
split into the four stages of ``remission.reports.pipeline`` — query (reading the registry), derivation
(endpoints, cohort columns), models (Table 1, the standard outcome analysis with its Cox and Fine-Gray
models, the curves, the other analyses) and rendering (plots, the HTML or PDF, the CSV archive) — and
printed per stage, as wall-clock seconds and as the CPU seconds of this process (the database server's
work is in the wall clock only). Each format is a
separate full run. The load average is printed before and after each run: on a shared machine the wall
clock counts the wait for a core, so compare runs at a similar load. A freshly synthesised database has
no planner statistics yet: ``vacuumdb -h 127.0.0.1 -U postgres --analyze-only remission_report_bench``.
Last, the PDF downloaded after that page is timed (``remission.web.outcomes.report_file``: from the
results and the report document the page kept): no target, the wait of a user who views the page, then
downloads its report.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/remission_report_bench"
TARGET_SECONDS = 20.0  # the PDF
PAGE_TARGET_SECONDS = 10.0  # the outcomes page's first computation
DERIVATION_TARGET_SECONDS = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default_url = os.environ.get("REMISSION_BENCH_REPORT_DB", DEFAULT_DATABASE)
    parser.add_argument("--database-url", default=default_url)
    parser.add_argument("--format", choices=("pdf", "html", "both"), default="both")
    parser.add_argument("--out", default="", help="folder for the reports (default: a temporary folder)")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    started = time.perf_counter()
    from remission.cli._django import database_label
    from remission.settings.startup import start_django

    start_django()
    from remission.registry.models import Patient
    from remission.reports.pipeline import STAGES, ReportRequest, produce_report

    print(f"Database: {database_label()}; {Patient.objects.count():,} patients in the registry")
    print(f"Start-up (imports, Django): {time.perf_counter() - started:.1f} s, not counted below")
    print(f"Load average before: {_load_average()}")
    out = Path(args.out or tempfile.mkdtemp(prefix="remission-report-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    formats = ("pdf", "html") if args.format == "both" else (args.format,)
    worst = 0.0
    for suffix in formats:
        run = produce_report(ReportRequest(), out / f"report.{suffix}")
        total = sum(run.seconds.values())
        worst = max(worst, total)
        size = run.report.stat().st_size / 1e6
        print(f"\n{suffix.upper()} report, {run.n_patients:,} patients analysed: {total:.1f} s end to end")
        print(f"  {'stage':<11} {'wall':>8}  {'share':>7}  {'CPU':>8}")
        for stage in STAGES:
            share = 100 * run.seconds[stage] / total if total else 0.0
            cpu = run.cpu_seconds.get(stage, float("nan"))
            print(f"  {stage:<11} {run.seconds[stage]:6.1f} s  {share:5.1f} %  {cpu:6.1f} s")
        print(f"  load average after it: {_load_average()}")
        print(f"  written: {run.report} ({size:.1f} MB), {run.tables.name}")
        derivation = run.seconds["derivation"]
        verdict = "within" if derivation <= DERIVATION_TARGET_SECONDS else "over"
        print(f"  derivation {derivation:.1f} s: {verdict} the {DERIVATION_TARGET_SECONDS:.0f} s target")
    verdict = "within" if worst <= TARGET_SECONDS else "over"
    print(f"\nSlowest run {worst:.1f} s: {verdict} the {TARGET_SECONDS:.0f} s target")
    page = _first_page_seconds()
    verdict = "within" if page <= PAGE_TARGET_SECONDS else "over"
    print(
        f"Outcomes page, first computation (cold cache): {page:.1f} s: {verdict} the "
        f"{PAGE_TARGET_SECONDS:.0f} s target (load average after it: {_load_average()})"
    )
    print(f"PDF downloaded after the page (its results and document kept): {_download_seconds():.1f} s")
    return 0


def _first_page_seconds() -> float:
    """The web outcomes page for the whole registry on a cold cache, as the registry's statistician sees it
    (every centre): the analysis's results computed, then the page laid out."""
    from django.core.cache import cache

    from remission.registry.access import SYSTEM
    from remission.web.outcomes import outcomes_page

    cache.clear()
    started = time.perf_counter()
    page = outcomes_page(user=SYSTEM, data={"by": "disease"})
    seconds = time.perf_counter() - started
    print(f"\nOutcomes page: {page.n_patients:,} patients, {len(page.sections)} sections")
    return seconds


def _download_seconds() -> float:
    """The PDF of the page just computed, as the web download writes it: from the results and the report
    document the page kept (``remission.web.outcomes.report_file``)."""
    from remission.registry.access import SYSTEM
    from remission.web.outcomes import report_file

    started = time.perf_counter()
    produced = report_file(user=SYSTEM, data={"by": "disease"}, fmt="pdf")
    assert produced is not None and produced[0].startswith(b"%PDF")
    return time.perf_counter() - started


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages (timings are only comparable at a similar load)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
