"""``remission check``: Django's system checks, then every validation rule over the whole registry."""

from __future__ import annotations

import argparse
from collections import Counter

from tqdm import tqdm

from remission.cli._django import database_label, require_registry
from remission.settings.startup import start_django


def run(args: argparse.Namespace) -> int:
    start_django()
    if not require_registry("check"):
        return 2
    from django.core.management import call_command

    from remission.registry.models import Patient
    from remission.registry.validation import patient_findings

    call_command("check")
    patients = Patient.objects.select_related("centre").order_by("centre__code", "registry_id")
    if args.centre:
        patients = patients.filter(centre__code=args.centre)
    total = patients.count()
    print(f"Checking {total} patients in the {database_label()}")
    findings = []
    for patient in tqdm(patients.iterator(chunk_size=500), total=total, unit="patient", disable=args.quiet):
        findings.extend((patient.centre.code, f) for f in patient_findings(patient))
    for centre_code, finding in findings[: args.limit]:
        print(f"{centre_code}  {finding.problem}")
    if len(findings) > args.limit:
        print(f"… and {len(findings) - args.limit} more")
    by_rule = Counter(f.problem.rule for _, f in findings)
    summary = ", ".join(f"{rule}: {n}" for rule, n in by_rule.most_common()) or "none"
    print(f"{len(findings)} finding(s) in {total} patients ({summary})")
    return 1 if findings else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check", help="run Django's checks and the data validation over the registry"
    )
    parser.add_argument("--centre", help="only this centre (code)")
    parser.add_argument("--limit", type=int, default=200, help="print at most this many findings")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
