"""``remission fhir export``: one FHIR R4 Bundle per patient, in the caller's scope, audited.

    remission fhir export --out bundles/
    remission fhir export --out bundles/ --patient R7KQ2M4XA --as datamanager

``--as USER`` exports as that account (its centres and role decide which patients); without it, as the
operator at the command line (every centre). Reading bundles back is ``remission import fhir DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from remission.cli._django import acting_user, database_label, require_registry
from remission.settings.startup import start_django


def run_export(args: argparse.Namespace) -> int:
    start_django()
    if not require_registry("fhir export"):
        return 2
    from remission.interop.fhir.export import fhir_export
    from remission.registry.errors import NotFound

    print(f"Reading {database_label()}")
    try:
        actor = acting_user(args.as_user)
        result = fhir_export(actor=actor, folder=args.out, registry_id=args.patient)
    except (LookupError, NotFound) as exc:
        print(f"remission fhir export: {exc}", file=sys.stderr)
        return 1
    print(f"FHIR R4 bundles: {result.patients:,} patients, {result.resources:,} resources in {result.folder}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fhir", help="FHIR R4 bundles: export (import with 'remission import fhir')"
    )
    actions = parser.add_subparsers(dest="fhir_command", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="one Bundle per patient (<registry id>.json) into a folder")
    export.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder to write the bundles into"
    )
    export.add_argument("--patient", metavar="ID", help="only this patient (registry ID)")
    export.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help="export as this account (default: the operator, all centres)",
    )
    export.set_defaults(func=run_export)
