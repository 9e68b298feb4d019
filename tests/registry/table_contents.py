"""Every row of every table of a database, read the same way on SQLite and PostgreSQL, for tests that
prove nothing changed (read commands) or everything came back (backup and restore)."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

from django.db import connections

LIST_SQLITE = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
LIST_POSTGRESQL = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
)


def rows_of_every_table(cursor: Any, *, sqlite: bool) -> dict[str, list[str]]:
    """``{table: sorted repr of each row}`` for every table the cursor's database holds."""
    cursor.execute(LIST_SQLITE if sqlite else LIST_POSTGRESQL)
    tables = [row[0] for row in cursor.fetchall()]
    contents = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')
        contents[table] = sorted(repr(tuple(row)) for row in cursor.fetchall())
    return contents


def django_rows(using: str = "default") -> dict[str, list[str]]:
    connection = connections[using]
    with connection.cursor() as cursor:
        return rows_of_every_table(cursor, sqlite=connection.vendor == "sqlite")


def checksums(contents: dict[str, list[str]]) -> dict[str, str]:
    """One SHA-256 per table over its sorted rows."""
    return {
        table: hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest() for table, rows in contents.items()
    }


def sqlite_file_rows(path: str) -> dict[str, list[str]]:
    """The rows of an SQLite file, with the converters Django's own connections use (so values compare)."""
    db = sqlite3.connect(path, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
    try:
        return rows_of_every_table(db.cursor(), sqlite=True)
    finally:
        db.close()


def postgresql_rows(url: str) -> dict[str, list[str]]:
    import psycopg

    with psycopg.connect(url) as db, db.cursor() as cursor:
        return rows_of_every_table(cursor, sqlite=False)
