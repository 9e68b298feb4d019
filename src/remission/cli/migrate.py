"""``remission migrate``: create or bring the database schema up to date, and the cache tables.

The cache tables (``settings.CACHES`` entries with the database backend: the sign-in throttle's) are not
models, so Django's migrations do not make them; ``createcachetable`` does, and leaves existing ones be.
"""

from __future__ import annotations

import argparse
import time

from remission.cli._django import database_label
from remission.settings.startup import start_django


def migrate_database(*, verbose: bool = False) -> float:
    """Apply all migrations and make any missing cache table; return the seconds it took."""
    from django.core.management import call_command
    from django.db import connection

    from remission.registry.database import is_sqlite, make_private_sqlite_file, sqlite_file

    started = time.perf_counter()
    path = sqlite_file(connection.settings_dict) if is_sqlite(connection.settings_dict) else None
    if path is not None:  # made 0600 before SQLite creates it with the umask's mode
        make_private_sqlite_file(path)
    call_command("migrate", interactive=False, verbosity=1 if verbose else 0)
    call_command("createcachetable", verbosity=1 if verbose else 0)
    return time.perf_counter() - started


def run(args: argparse.Namespace) -> int:
    start_django()
    seconds = migrate_database(verbose=args.verbose)
    print(f"Database ready ({database_label()}) in {seconds:.1f} s")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("migrate", help="create or update the database schema")
    parser.add_argument("--verbose", action="store_true", help="list each migration as it is applied")
    parser.set_defaults(func=run)
