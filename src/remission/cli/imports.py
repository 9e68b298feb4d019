"""``remission import``: REDCap exports, spreadsheets and FHIR bundles into the registry.

    remission import redcap --dictionary dictionary.csv --records records.csv [--mapping m.toml]
    remission import table patients.xlsx --mapping m.toml
    remission import fhir bundles/

A dry run by default: every row is checked by the registry's services inside a transaction that is then
rolled back, and every refused row is printed as ``file / row / column / rule: message``. ``--commit``
writes, all or nothing: if any row is refused, nothing is written. Importing the same file again
changes nothing (rows are remembered by their source key). ``--as USER`` imports as that account (its
centres decide where it may write); without it, as the operator at the command line.
``--problems FILE.csv`` also writes the refused rows as a table.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from remission.cli._django import acting_user, database_label
from remission.settings.startup import start_django

SHOWN_PROBLEMS = 200


def _import(args: argparse.Namespace, files: Any) -> int:
    """Import ``files`` (a :class:`remission.interop.sources.SourceFiles`) as ``--as`` (or the operator)."""
    from remission.interop.sources import import_source
    from remission.registry.errors import RegistryError

    print(f"Database: {database_label()}")
    try:
        actor = acting_user(args.as_user)
        with tqdm(unit="patient", desc="Importing" if args.commit else "Checking") as bar:
            result = import_source(
                files, actor=actor, commit=args.commit, centre_code=args.centre, progress=bar.update
            )
    except (LookupError, RegistryError) as exc:
        print(f"remission import: {exc}", file=sys.stderr)
        return 1
    created = ", ".join(f"{kind} {n:,}" for kind, n in result.created.items()) or "nothing"
    verb = "Imported" if result.committed else "Would import"
    print(f"{result.rows:,} rows read; {verb}: {created}; {result.unchanged:,} imported before (left alone)")
    print(f"{result.audit_rows:,} audit rows; {result.seconds:.1f} s")
    return _report(args, list(result.problems), committed=result.committed)


def _report(args: argparse.Namespace, problems: list[Any], *, committed: bool) -> int:
    for problem in problems[:SHOWN_PROBLEMS]:
        print(problem, file=sys.stderr)
    if len(problems) > SHOWN_PROBLEMS:
        print(f"… and {len(problems) - SHOWN_PROBLEMS:,} more", file=sys.stderr)
    if args.problems:
        with args.problems.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["file", "row", "column", "rule", "message"])
            writer.writerows([p.source, p.row, p.column, p.rule, p.message] for p in problems)
    if problems:
        print(f"{len(problems):,} problems: nothing was written.", file=sys.stderr)
        return 1
    if not committed:
        print("Dry run: nothing was written. Run again with --commit to import.")
    return 0


def run_redcap(args: argparse.Namespace) -> int:
    start_django()
    from remission.interop.sources import SourceFiles

    files = SourceFiles("redcap", dictionary=args.dictionary, records=args.records, mapping=args.mapping)
    return _import(args, files)


def run_table(args: argparse.Namespace) -> int:
    start_django()
    from remission.interop.sources import SourceFiles

    return _import(args, SourceFiles("table", table=args.file, mapping=args.mapping))


def run_fhir(args: argparse.Namespace) -> int:
    start_django()
    from remission.interop.sources import SourceFiles

    return _import(args, SourceFiles("fhir", folder=args.folder))


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--commit", action="store_true", help="write (all or nothing); default: a dry run")
    parser.add_argument("--centre", help="centre code for patients whose rows name none")
    parser.add_argument("--as", dest="as_user", metavar="USER", help="import as this user, in their scope")
    parser.add_argument("--problems", type=Path, metavar="FILE.csv", help="also write the problems as CSV")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("import", help="import REDCap exports, spreadsheets or FHIR bundles")
    sources = parser.add_subparsers(dest="import_source", metavar="SOURCE", required=True)
    redcap = sources.add_parser("redcap", help="a REDCap records export (flat CSV, raw codes)")
    redcap.add_argument("--dictionary", type=Path, required=True, help="the project's data dictionary (CSV)")
    redcap.add_argument("--records", type=Path, required=True, help="the records export (CSV)")
    redcap.add_argument("--mapping", type=Path, help="mapping file (TOML) for a project named differently")
    _common(redcap)
    redcap.set_defaults(func=run_redcap)
    table = sources.add_parser("table", help="a spreadsheet (.xlsx) or CSV file, by a mapping file")
    table.add_argument("file", type=Path, help=".csv or .xlsx file")
    table.add_argument("--mapping", type=Path, required=True, help="mapping file (TOML)")
    _common(table)
    table.set_defaults(func=run_table)
    fhir = sources.add_parser("fhir", help="FHIR R4 bundles as 'remission fhir export' writes them")
    fhir.add_argument("folder", type=Path, help="folder of <registry id>.json bundles")
    _common(fhir)
    fhir.set_defaults(func=run_fhir)
