"""``remission screen CANDIDATE.json [--format json|text]`` — screen one aHSCT candidate.

Reads the candidate file, checks it (``remission.clinical.candidate``: every error against
``remission/clinical/candidate.schema.json``, then the rules the schema cannot express), and prints the
eligibility verdict with every criterion, the HCT-CI and the dose tables (see docs/screening.md). Exit
codes: 0 when the report was produced (whatever the verdict), 2 for a file that cannot be read or does
not pass the checks: then every problem is printed, one a line, naming the field and the rule.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

CANNOT_READ = "remission screen: cannot read {path}: {error}"
NOT_JSON = "remission screen: {path} is not valid JSON: {error}"
INVALID = "remission screen: {path}: field {field!r} fails rule {rule!r}: {message}"
NOT_SCREENED = "remission screen: {path}: not screened, {count} problem(s):"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "screen",
        help="screen an aHSCT candidate: eligibility, HCT-CI and dose table",
        description="Screen one candidate file (JSON) for aHSCT: eligibility verdict with every criterion, "
        "HCT-CI and the dose table under the candidate's dosing policy. See docs/screening.md.",
    )
    parser.add_argument("candidate", metavar="CANDIDATE.json", help="the candidate file")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from remission.clinical.candidate import check_and_screen

    path = args.candidate
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        print(CANNOT_READ.format(path=path, error=exc.strerror or exc), file=sys.stderr)
        return 2
    try:
        candidate = json.loads(text)
    except json.JSONDecodeError as exc:
        print(NOT_JSON.format(path=path, error=exc), file=sys.stderr)
        return 2
    report, problems = check_and_screen(candidate)
    if report is None:
        print(NOT_SCREENED.format(path=path, count=len(problems)), file=sys.stderr)
        for p in problems:
            print(INVALID.format(path=path, field=p.field, rule=p.rule, message=p.message), file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.to_text())
    return 0
