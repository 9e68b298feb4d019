"""The registry's database as a whole: is it there, is its schema up to date, what is in it, and the
SQLite file kept private (mode 0600).

Read commands (``report``, ``check``, ``export`` …) ask :func:`registry_problem` first and stop with its
message rather than create, migrate or fill a database: only ``remission demo`` builds the demo and only
``remission migrate`` (or ``demo``, ``synth``, ``restore``) makes the schema. Nothing here writes, except
:func:`make_private_sqlite_file`, which the commands that create a registry call.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connections

PRIVATE = 0o600
NO_REGISTRY = "no registry at {where}: run `remission demo` for the demo or `remission migrate`"
CANNOT_OPEN = "cannot open the registry at {where}: {error}"
NOT_MIGRATED = (
    "the registry at {where} is not migrated: {count} migration(s) not applied (first {first}): "
    "run `remission migrate`"
)


def database_location(settings_dict: Mapping[str, Any]) -> str:
    """Where a database is, in words (no password): an SQLite file's path, or name@host:port."""
    engine = str(settings_dict["ENGINE"]).rsplit(".", 1)[-1]
    if engine == "sqlite3":
        return f"SQLite file {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "localhost"
    return f"{engine} database {settings_dict.get('NAME')} on {host}:{settings_dict.get('PORT') or ''}"


def is_sqlite(settings_dict: Mapping[str, Any]) -> bool:
    return str(settings_dict["ENGINE"]).endswith("sqlite3")


def sqlite_file(settings_dict: Mapping[str, Any]) -> Path | None:
    """The SQLite database's file, or None for an in-memory database (the test suite's)."""
    name = str(settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        return None
    return Path(name)


def pending_migrations(using: str = "default") -> list[str]:
    """The migrations (``app.name``) the database ``using`` lacks, in the order they would be applied.

    Reads only: Django's loader reads ``django_migrations`` when it exists and does not create it.
    """
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, backwards in plan if not backwards]


def applied_migrations(using: str = "default") -> list[str]:
    """Every migration recorded as applied in ``using`` (``app.name``), sorted."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def registry_problem(using: str = "default") -> str | None:
    """Why the database ``using`` cannot be read as a registry (None when it can).

    An SQLite file that does not exist is never opened (opening it would create it); a database without
    the migrations table is no registry; one with migrations not applied is out of date.
    """
    settings_dict = connections[using].settings_dict
    where = database_location(settings_dict)
    if is_sqlite(settings_dict):
        path = sqlite_file(settings_dict)
        if path is not None and (not path.exists() or path.stat().st_size == 0):
            return NO_REGISTRY.format(where=where)
    from django.db.migrations.recorder import MigrationRecorder

    try:
        if not MigrationRecorder(connections[using]).has_table():
            return NO_REGISTRY.format(where=where)
        pending = pending_migrations(using)
    except DatabaseError as exc:  # no server, no such database, no access
        return CANNOT_OPEN.format(where=where, error=str(exc).strip())
    if pending:
        return NOT_MIGRATED.format(where=where, count=len(pending), first=pending[0])
    return None


def table_names(using: str = "default") -> list[str]:
    """Every table in the database ``using`` (models' or not: the cache table too), sorted."""
    with connections[using].cursor() as cursor:
        return sorted(connections[using].introspection.table_names(cursor))


def row_counts(using: str = "default") -> dict[str, int]:
    """The number of rows of every table in ``using``."""
    connection = connections[using]
    counts = {}
    with connection.cursor() as cursor:
        for table in table_names(using):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = int(cursor.fetchone()[0])
    return counts


def make_private_sqlite_file(path: Path) -> None:
    """Create the SQLite file ``path`` empty with mode 0600 (before SQLite opens it with the umask's mode),
    or take group and other permissions off an existing one and its ``-wal`` and ``-shm`` files.

    SQLite gives the write-ahead log and shared-memory files the mode of the database file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if name.exists() and name.stat().st_mode & 0o077:
            name.chmod(PRIVATE)
