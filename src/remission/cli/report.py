"""``remission report``: the standard outcomes report as HTML or PDF, with its tables as CSV.

    remission report --out report.pdf
    remission report --disease ssc --disease ms --centre demo-north --from 2010-01-01 --out ssc-ms.html

The report reads the registry (with no ``DATABASE_URL``, the embedded SQLite one) and writes nothing to
it: on a registry that does not exist or is not migrated it stops with a message. ``remission demo``
builds the demo registry; ``remission migrate`` makes an empty one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from tqdm import tqdm

from remission.cli._django import database_label, require_registry
from remission.cli._documents import add_language_argument, document_path, in_language
from remission.registry.ranges import date_in_range, date_out_of_range
from remission.settings.startup import start_django

BAD_DATE = "not a date (YYYY-MM-DD): {value!r}"


def date_argument(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(BAD_DATE.format(value=value)) from exc
    if not date_in_range(day):
        raise argparse.ArgumentTypeError(date_out_of_range("the date", day))
    return day


def filters_in_words(args: argparse.Namespace) -> tuple[tuple[str, str], ...]:
    """The cohort's criteria as the report prints them (in the active language)."""
    from django.utils.translation import gettext as _

    from remission.reports.labels import disease_label, filter_label
    from remission.reports.numbers import format_date

    words: list[tuple[str, str]] = []
    if args.disease:
        words.append((filter_label("disease"), ", ".join(disease_label(d) for d in args.disease)))
    if args.centre:
        words.append((filter_label("centre"), ", ".join(args.centre)))
    if args.date_from or args.date_to:
        start = format_date(args.date_from) if args.date_from else "…"
        end = format_date(args.date_to) if args.date_to else "…"
        words.append((filter_label("infusion"), _("%(first)s to %(last)s") % {"first": start, "last": end}))
    return tuple(words)


def run(args: argparse.Namespace) -> int:
    start_django()
    return in_language("report", args.language, lambda: _report(args))


def _report(args: argparse.Namespace) -> int:
    """The report, written in the active language (:func:`run` sets it from ``--language``)."""
    from remission.analysis import Cohort
    from remission.reports.pipeline import STAGES, EmptyCohortError, ReportRequest, produce_report

    if not require_registry("report"):
        return 2
    print(f"Reading {database_label()}")
    request = ReportRequest(
        cohort=Cohort(
            disease=args.disease or None,
            centre=args.centre or None,
            infusion_from=args.date_from,
            infusion_to=args.date_to,
        ),
        filters=filters_in_words(args),
        cutoff=args.cutoff,
        by=None if args.by == "none" else args.by,
        **({"title": args.title} if args.title else {}),
    )
    bar = tqdm(
        total=len(STAGES), unit="stage", desc="Report", bar_format="{l_bar}{bar}| {n}/{total} {postfix}"
    )
    bar.set_postfix_str(STAGES[0])

    def on_stage(stage: str) -> None:
        bar.update(1)
        following = STAGES.index(stage) + 1
        bar.set_postfix_str(STAGES[following] if following < len(STAGES) else "done")

    try:
        result = produce_report(request, args.out, on_stage=on_stage)
    except EmptyCohortError as exc:
        bar.close()
        print(f"remission report: {exc}", file=sys.stderr)
        return 1
    bar.close()
    print(f"Report: {result.report} ({result.n_patients:,} patients)")
    print(f"Tables (CSV): {result.tables}")
    print(f"Time: {result.split()}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="the standard outcomes report (HTML or PDF) with its tables as CSV"
    )
    parser.add_argument("--out", type=document_path, required=True, help="report file: .html or .pdf")
    parser.add_argument("--disease", action="append", default=[], help="disease code (repeatable), e.g. ssc")
    parser.add_argument("--centre", action="append", default=[], help="centre code (repeatable)")
    parser.add_argument(
        "--from", dest="date_from", type=date_argument, help="first infusion date (YYYY-MM-DD)"
    )
    parser.add_argument("--to", dest="date_to", type=date_argument, help="last infusion date (YYYY-MM-DD)")
    parser.add_argument(
        "--cutoff", type=date_argument, help="data cut-off date (default: the date of data extraction, today)"
    )
    parser.add_argument(
        "--by", default="disease", help="column whose groups are compared (default disease; 'none' for none)"
    )
    parser.add_argument("--title", default="", help="report title")
    add_language_argument(parser)
    parser.set_defaults(func=run)
