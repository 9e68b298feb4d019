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
from typing import Any

from remission.cli._django import database_label, setup_django

NO_SUCH_USER = "no active account named {name!r}"


def _actor(name: str | None) -> Any:
    from django.contrib.auth import get_user_model

    from remission.registry.access import SYSTEM

    if name is None:
        return SYSTEM
    user = get_user_model().objects.filter(username=name, is_active=True).first()
    if user is None:
        raise LookupError(NO_SUCH_USER.format(name=name))
    return user


def run_export(args: argparse.Namespace) -> int:
    setup_django()
    from remission.interop.fhir.export import fhir_export
    from remission.registry.errors import NotFound

    print(f"Reading {database_label()}")
    try:
        actor = _actor(args.as_user)
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
