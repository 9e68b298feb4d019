"""``remission redcap``: a REDCap mirror of the registry (data dictionary) and its records export.

    remission redcap dictionary --out dictionary.csv
    remission redcap records --out records.csv [--centre leiden] [--as j.smith]

Upload the dictionary to a new longitudinal REDCap project (Project Setup → Data Dictionary), then make
every instrument but ``patient`` repeating and set the project's Missing Data Codes as printed; see
docs/exchange.md. Read an export back with ``remission import redcap``. The records export is audited
like every export.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from remission.cli._django import acting_user, database_label, require_registry
from remission.settings.startup import start_django


def run_dictionary(args: argparse.Namespace) -> int:
    start_django()
    from remission.interop.redcap import (
        EVENT,
        MISSING_DATA_CODES_SETTING,
        repeating_instruments,
        write_dictionary,
    )

    with args.out.open("w", encoding="utf-8", newline="") as out:
        count = write_dictionary(out)
    print(f"REDCap data dictionary: {args.out} ({count} variables)")
    print("In the REDCap project:")
    print(f"  event (longitudinal): {EVENT}, with every instrument")
    print(f"  repeating instruments: {', '.join(repeating_instruments())}")
    print(f"  Missing Data Codes (Additional customizations): {MISSING_DATA_CODES_SETTING}")
    return 0


def run_records(args: argparse.Namespace) -> int:
    start_django()
    if not require_registry("redcap records"):
        return 2
    from remission.interop.redcap import export_records
    from remission.registry.errors import RegistryError

    print(f"Reading {database_label()}")
    try:
        actor = acting_user(args.as_user)
        result = export_records(actor=actor, out=args.out, centre=args.centre, via="command line")
    except (LookupError, RegistryError) as exc:
        print(f"remission redcap records: {exc}", file=sys.stderr)
        return 1
    print(f"REDCap records: {result.path} ({result.patients:,} patients, {result.rows:,} rows)")
    print(f"SHA-256: {result.sha256}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("redcap", help="REDCap: the registry's data dictionary and records export")
    actions = parser.add_subparsers(dest="redcap_command", metavar="ACTION", required=True)
    dictionary = actions.add_parser("dictionary", help="write the REDCap data dictionary of a mirror project")
    dictionary.add_argument("--out", type=Path, required=True, help="CSV file to write")
    dictionary.set_defaults(func=run_dictionary)
    records = actions.add_parser("records", help="write the registry's records as a REDCap export (CSV)")
    records.add_argument("--out", type=Path, required=True, help="CSV file to write")
    records.add_argument("--centre", help="centre code (default: every centre you may read)")
    records.add_argument("--as", dest="as_user", metavar="USER", help="export as this user, in their scope")
    records.set_defaults(func=run_records)
