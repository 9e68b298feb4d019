"""``remission federated``: federated survival analysis over several registries (vantage6; docs/federated.md).

    remission federated demo [--patients 400]

``demo`` builds three synthetic registries (different seeds and case mixes) in a temporary embedded SQLite
database, runs Kaplan-Meier, Aalen-Johansen, log-rank, Gray, Table 1, Cox and Fine-Gray through vantage6's
mock client, and prints the pooled and the federated estimates side by side: first with exact privacy
rules (the largest difference must be ≤ 1e-9), then with the default rules (how much coarsening moved
them). It never touches the registry in ``DATABASE_URL``: the temporary database is removed afterwards.
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from remission.settings.startup import start_django

DEFAULT_PATIENTS = 400  # per registry; measured: the whole demo (three registries, 14 federated fits) ~1 min
TOO_FEW = "--patients must be a whole number >= {least}, not {value!r}"
LEAST_PATIENTS = 20


def _patients(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(TOO_FEW.format(least=LEAST_PATIENTS, value=value)) from None
    if number < LEAST_PATIENTS:
        raise argparse.ArgumentTypeError(TOO_FEW.format(least=LEAST_PATIENTS, value=value))
    return number


def _temporary_registry(folder: str) -> None:
    """Point Django at an embedded SQLite registry in ``folder`` (before Django starts) and make it."""
    start_django(database_url="", data_dir=folder)
    from remission.cli.migrate import migrate_database

    migrate_database()


def run_demo(args: argparse.Namespace) -> int:
    from django.apps import apps

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if apps.ready:  # Django runs already (a test's database): build the registries there
        from remission.federated.demo import run_demo as demo

        demo(args.patients, progress=progress)
        return 0
    with tempfile.TemporaryDirectory(prefix="remission-federated-demo-") as folder:
        progress(f"Temporary registry: {folder} (removed afterwards)")
        _temporary_registry(folder)
        from remission.federated.demo import run_demo as demo

        demo(args.patients, progress=progress)
        from django.db import connections

        connections.close_all()  # the SQLite file is closed before its folder goes
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "federated", help="federated survival analysis over several registries (vantage6)"
    )
    commands = parser.add_subparsers(dest="federated_command", metavar="COMMAND")

    def usage(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(func=usage)
    demo = commands.add_parser(
        "demo",
        help="three synthetic registries: pooled vs federated estimates side by side (vantage6 mock client)",
    )
    demo.add_argument(
        "--patients",
        type=_patients,
        default=DEFAULT_PATIENTS,
        help=f"patients written per registry (default {DEFAULT_PATIENTS})",
    )
    demo.set_defaults(func=run_demo)
