"""``remission screen CANDIDATE.json [--format json|text]`` — screen one aHSCT candidate.

Reads the candidate file, validates it against ``remission/clinical/candidate.schema.json`` (with the
``jsonschema`` package), and prints the eligibility verdict with every criterion, the HCT-CI and the dose
tables (see docs/screening.md). Exit codes: 0 when the report was produced (whatever the verdict), 2 for
a file that cannot be read or does not pass validation (the message names the field and the rule).
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from typing import Any

CANNOT_READ = "remission screen: cannot read {path}: {error}"
NOT_JSON = "remission screen: {path} is not valid JSON: {error}"
INVALID = "remission screen: {path}: field {field!r} fails rule {rule!r}: {message}"
REJECTED = "remission screen: {path}: {message}"


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


def load_schema() -> dict[str, Any]:
    text = resources.files("remission.clinical").joinpath("candidate.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _field_path(error: Any) -> str:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path.append(missing)
    if error.validator == "additionalProperties" and "'" in error.message:
        path.append(error.message.split("'")[1])
    return ".".join(path) or "(top level)"


def validate(candidate: Any, path: str) -> str | None:
    """The first schema error as a message naming the field and the rule, or None."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema())
    errors = sorted(validator.iter_errors(candidate), key=lambda e: (list(e.absolute_path), e.validator))
    if not errors:
        return None
    error = errors[0]
    return INVALID.format(path=path, field=_field_path(error), rule=error.validator, message=error.message)


def run(args: argparse.Namespace) -> int:
    from remission.clinical.screening import screen_candidate

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
    problem = validate(candidate, path)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        report = screen_candidate(candidate)
    except ValueError as exc:  # a rule the schema cannot express (e.g. a guideline for another disease)
        print(REJECTED.format(path=path, message=exc), file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.to_text())
    return 0
