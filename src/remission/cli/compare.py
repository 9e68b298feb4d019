"""``remission compare``: two regimens (or eras, or intensities) compared as an emulated target trial.

    remission compare --disease ms --treatment cy200_ratg --comparator beam_atg --out cy-vs-beam.html
    remission compare --by era --treatment 2010–2019 --comparator 2000–2009 --method matching --out era.pdf

Reads the registry (each patient's first autologous HSCT,
:func:`remission.analysis.dataset.load_analysis_set`), balances the groups on the covariates by a
propensity score (weights or matching, :func:`remission.analysis.comparison.compare`), prints the
balance and the hazard ratios, and writes the comparison as HTML or PDF: the target-trial protocol, the
balance first, then the weighted outcomes. A command that reads: it writes nothing to the registry.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from remission.cli._django import acting_user, database_label, require_registry
from remission.cli._documents import add_language_argument, document_path, in_language, write_document
from remission.cli.report import date_argument
from remission.settings.startup import start_django

BAD_TRIM = "--trim is 'crump' or two numbers LOW,HIGH with 0 <= LOW < HIGH <= 1, not {value!r}"


def _trim(value: str) -> tuple[float, float] | str:
    if value == "crump":
        return value
    try:
        low, high = (float(part) for part in value.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(BAD_TRIM.format(value=value)) from exc
    if not 0 <= low < high <= 1:
        raise argparse.ArgumentTypeError(BAD_TRIM.format(value=value))
    return (low, high)


def run(args: argparse.Namespace) -> int:
    start_django()
    if not require_registry("compare"):
        return 2
    return in_language("compare", args.language, lambda: _compare(args))


def _compare(args: argparse.Namespace) -> int:
    """The comparison, written in the active language (:func:`run` sets it from ``--language``)."""
    from remission.analysis.comparison import ComparisonProtocol, compare
    from remission.analysis.dataset import load_analysis_set
    from remission.reports.comparison_section import comparison_document, protocol_words
    from remission.survival import SurvivalInputError

    def fail(message: object) -> int:
        print(f"remission compare: {message}", file=sys.stderr)
        return 2

    protocol = ComparisonProtocol(
        by=args.by,
        treatment=args.treatment,
        comparator=args.comparator,
        disease=args.disease,
        method=args.method,
        estimand=args.estimand,
        stabilised=not args.unstabilised,
        trim=args.trim,
        ratio=args.ratio,
        caliper=args.caliper,
    )
    try:
        actor = acting_user(args.as_user)
    except LookupError as exc:
        return fail(exc)
    print(f"Reading {database_label()}", file=sys.stderr)
    analysis_set = load_analysis_set(user=actor, cutoff=args.cutoff)
    try:
        result = compare(analysis_set.frame, protocol)
    except (KeyError, ValueError, SurvivalInputError) as exc:
        return fail(exc.args[0] if exc.args else exc)
    words = protocol_words(protocol)
    n1 = int((result.rows["treated"] == 1).sum())
    n0 = int((result.rows["treated"] == 0).sum())
    print(f"{words['title']}: {n1:,} vs {n0:,} patients; {result.rule}")
    worst = result.balance["smd_after"].abs().max()
    print(f"largest |standardised mean difference| after balancing: {worst:.3f}")
    if result.imbalanced:
        print(f"still imbalanced (|SMD| > 0.1): {', '.join(result.imbalanced)}")
    for row in result.effects.itertuples(index=False):
        print(
            f"{row.endpoint} ({row.model}): HR {row.hazard_ratio:.2f} "
            f"({row.lower:.2f}–{row.upper:.2f}), p = {row.p_value:.3g}"
        )
    document = comparison_document(
        result, generated=dt.date.today(), cutoff=analysis_set.cutoff, steps=result.steps, **words
    )
    write_document(document, args.out)
    print(f"Comparison: {args.out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="two regimens, eras or intensities compared as an emulated target trial (HTML or PDF)",
    )
    parser.add_argument("--out", type=document_path, required=True, help="comparison file: .html or .pdf")
    parser.add_argument("--by", default="regimen", choices=("regimen", "era", "intensity"))
    parser.add_argument("--treatment", required=True, help="the level compared, e.g. cy200_ratg")
    parser.add_argument("--comparator", required=True, help="the level it is compared with, e.g. beam_atg")
    parser.add_argument("--disease", help="disease code, e.g. ms (default: every disease)")
    parser.add_argument("--method", default="weighting", choices=("weighting", "matching"))
    parser.add_argument(
        "--estimand", default="ATE", choices=("ATE", "ATT", "overlap"), help="for weighting (matching: ATT)"
    )
    parser.add_argument(
        "--unstabilised", action="store_true", help="inverse-probability weights unstabilised"
    )
    parser.add_argument("--trim", type=_trim, help="score bounds LOW,HIGH (e.g. 0.05,0.95) or 'crump'")
    parser.add_argument("--ratio", type=int, default=1, help="controls per treated patient (matching)")
    parser.add_argument("--caliper", type=float, default=0.2, help="SD of the logit of the score (matching)")
    parser.add_argument("--cutoff", type=date_argument, help="data cut-off date (YYYY-MM-DD)")
    parser.add_argument("--as", dest="as_user", help="act as this account (its centres only)")
    add_language_argument(parser)
    parser.set_defaults(func=run)
