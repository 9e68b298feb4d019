"""``remission export``: the registry's records as analysis tables, with their data dictionary.

    remission export --format parquet --out extract.zip
    remission export --format xlsx --out ssc.xlsx --disease ssc --from 2015-01-01 --as j.smith
    remission export --format dta --out study.zip --deidentify

With no ``DATABASE_URL`` the export reads the embedded SQLite registry; on a registry that does not
exist or is not migrated it stops with a message (it never builds the demo: ``remission demo`` does).
Without ``--as`` the export is made as the operator at the command line (every centre). Each export is
audited: who, scope, filters, row counts per table and the file's SHA-256. A de-identified export prints
its k-anonymity summary and writes it beside the file (``<file>.k-anonymity.csv``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from remission.cli._django import acting_user, database_label, require_registry
from remission.registry.ranges import date_in_range, date_out_of_range
from remission.settings.startup import start_django

BAD_DATE = "not a date (YYYY-MM-DD): {value!r}"


def _date(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(BAD_DATE.format(value=value)) from exc
    if not date_in_range(day):
        raise argparse.ArgumentTypeError(date_out_of_range("the date", day))
    return day


def run(args: argparse.Namespace) -> int:
    start_django()
    from remission.interop.export import export_write
    from remission.registry.errors import RegistryError

    if not require_registry("export"):
        return 2
    try:
        actor = acting_user(args.as_user)
        print(f"Reading {database_label()}")
        result = export_write(
            actor=actor,
            file_format=args.format,
            out=args.out,
            centre=args.centre,
            disease=args.disease,
            date_from=args.date_from,
            date_to=args.date_to,
            deidentify=args.deidentify,
            via="command line",
        )
    except (LookupError, RegistryError, ValueError) as exc:
        print(f"remission export: {exc}", file=sys.stderr)
        return 1
    print(f"Export: {result.path} ({result.patients:,} patients, {args.format})")
    for table, n in result.row_counts.items():
        print(f"  {table}: {n:,} rows")
    print(f"SHA-256: {result.sha256}")
    if result.k_anonymity is not None:
        print(result.k_anonymity.summary())
        print(f"k-anonymity: {result.k_anonymity_path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from remission.interop.formats import FORMATS

    parser = subparsers.add_parser(
        "export", help="the registry's records as tables (CSV, Excel, Parquet, Stata, SPSS)"
    )
    parser.add_argument("--format", choices=FORMATS, required=True, help="file format")
    parser.add_argument(
        "--out", type=Path, required=True, help="file to write (csv, parquet, dta, sav: a zip)"
    )
    parser.add_argument("--centre", help="centre code")
    parser.add_argument("--disease", help="disease code of the primary diagnosis, e.g. ssc")
    parser.add_argument(
        "--from", dest="date_from", type=_date, help="first day 0 (first infusion, YYYY-MM-DD)"
    )
    parser.add_argument("--to", dest="date_to", type=_date, help="last day 0 (YYYY-MM-DD)")
    parser.add_argument("--deidentify", action="store_true", help="pseudonyms, shifted dates, no free text")
    parser.add_argument(
        "--as", dest="as_user", metavar="USER", help="export as this user, in that user's scope"
    )
    parser.set_defaults(func=run)
