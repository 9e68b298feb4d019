"""``remission screen CANDIDATE.json [--format json|text] [--predict]`` — screen one aHSCT candidate.

Reads the candidate file, checks it (``remission.clinical.candidate``: every error against
``remission/clinical/candidate.schema.json``, then the rules the schema cannot express), and prints the
eligibility verdict with every criterion, the HCT-CI and the dose tables (see docs/screening.md). Exit
codes: 0 when the report was produced (whatever the verdict), 2 for a file that cannot be read or does
not pass the checks: then every problem is printed, one a line, naming the field and the rule.

``--predict`` adds, after the report, the candidate's predicted outcomes from the registry's current
stored prediction model (``remission.analysis.prediction.current``): each risk with its interval, the
model's version and calibration, the sentence, or the refusal with its reason, and the same candidate
under each regimen intensity (``--intensities``). With no stored model (or no registry) it says so; the
exit code is the screening's either way. With ``--format json`` the prediction is the report's ``prediction``.
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
NO_REGISTRY = " The registry cannot be read: {problem}"
BAD_INTENSITIES = "remission screen: --intensities: {value!r} is not one of {allowed}"


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
    parser.add_argument(
        "--predict",
        action="store_true",
        help="add the predicted outcomes from the registry's current prediction model (and by intensity)",
    )
    parser.add_argument(
        "--intensities",
        default=None,
        metavar="LIST",
        help="with --predict: the regimen intensities to compare, comma-separated "
        "(default low,intermediate,high)",
    )
    parser.set_defaults(func=run)


def _intensities(value: str | None) -> tuple[str, ...] | None:
    from remission.analysis.prediction.design import INTENSITIES

    if value is None:
        return None
    chosen = tuple(v.strip() for v in value.split(",") if v.strip())
    for v in chosen:
        if v not in INTENSITIES:
            raise ValueError(BAD_INTENSITIES.format(value=v, allowed=", ".join(INTENSITIES)))
    return chosen or None


def _prediction(
    candidate: dict[str, Any], report: Any, intensities: tuple[str, ...] | None
) -> dict[str, Any]:
    from remission.analysis.prediction.bedside import no_model
    from remission.settings.startup import start_django

    start_django()
    from remission.registry.database import registry_problem

    problem = registry_problem()
    if problem is not None:
        answer = no_model()
        return {**answer, "message": answer["message"] + NO_REGISTRY.format(problem=problem)}
    from remission.analysis.prediction.current import stored_prediction

    return stored_prediction(candidate, report, intensities=intensities)


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
    try:
        intensities = _intensities(args.intensities) if args.predict else None
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    report, problems = check_and_screen(candidate)
    if report is None:
        print(NOT_SCREENED.format(path=path, count=len(problems)), file=sys.stderr)
        for p in problems:
            print(INVALID.format(path=path, field=p.field, rule=p.rule, message=p.message), file=sys.stderr)
        return 2
    prediction = _prediction(candidate, report, intensities) if args.predict else None
    if args.format == "json":
        out = report.to_dict()
        if prediction is not None:
            out["prediction"] = prediction
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        print(report.to_text())
        if prediction is not None:
            from remission.analysis.prediction.bedside import to_text

            print()
            print(to_text(prediction))
    return 0
