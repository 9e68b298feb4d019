"""A first load into an empty registry on PostgreSQL: keys and indexes built once, after the rows.

Writing five million rows into tables that already carry their indexes and foreign keys makes
PostgreSQL update every index row by row and check every reference row by row (Django's foreign keys are
deferred: one queued trigger event per row, fired at commit). For a registry with no patient yet,
:func:`keys_and_indexes_after` does what ``pg_restore`` does instead, in **one transaction**:

1. remember the foreign keys and the plain indexes (those not behind a primary key, unique or exclusion
   constraint) of the tables about to be written, and drop them;
2. let the caller write every row (each batch in its own savepoint);
3. build the indexes again from their definitions (one sort each), then add the foreign keys again with
   their definitions — PostgreSQL checks every existing row as it adds a key, so a dangling reference
   still fails the load;
4. commit.

If anything fails, or the process is stopped, the transaction rolls back: the keys, the indexes and the
empty tables are as they were; nothing is half-written. Primary keys, unique and check constraints stay
in place throughout. While it runs the load holds its tables exclusively (nobody else can read them):
this is for building a registry, not for adding patients to one in use.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, models, transaction

NEEDS_POSTGRES = "a first load with deferred keys and indexes needs PostgreSQL (this database is {vendor})"
SORT_MEMORY = "512MB"  # maintenance_work_mem for the index builds of this transaction only


@dataclass(frozen=True)
class TableExtras:
    """What is dropped and rebuilt: ``(name, definition)`` of foreign keys and of plain indexes."""

    table: str
    foreign_keys: tuple[tuple[str, str], ...]
    indexes: tuple[tuple[str, str], ...]


def table_extras(tables: Sequence[str]) -> list[TableExtras]:
    """The foreign keys and plain indexes of ``tables`` as PostgreSQL defines them (catalogue order)."""
    with connection.cursor() as cursor:
        found: list[TableExtras] = []
        for table in tables:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = %s::regclass ORDER BY conname",
                [table],
            )
            keys = tuple(cursor.fetchall())
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint k"
                "  WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x')"
                ") ORDER BY c.relname",
                [table],
            )
            found.append(TableExtras(table, keys, tuple(cursor.fetchall())))
    return found


@contextmanager
def keys_and_indexes_after(model_list: Sequence[type[models.Model]]) -> Iterator[list[TableExtras]]:
    """One transaction around the caller's writes to ``model_list``' tables, with their foreign keys and
    plain indexes dropped first and built again at the end (see the module docstring)."""
    if connection.vendor != "postgresql":
        raise ValueError(NEEDS_POSTGRES.format(vendor=connection.vendor))
    quote = connection.ops.quote_name
    with transaction.atomic():
        with connection.cursor() as cursor:
            # fire any reference checks still queued in this transaction: a table with pending trigger
            # events cannot be altered
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            tables = [model._meta.db_table for model in model_list]
            # nobody else reads or writes these tables until the load commits (ids may be counted here)
            cursor.execute(f"LOCK TABLE {', '.join(map(quote, tables))} IN ACCESS EXCLUSIVE MODE")
            extras = table_extras(tables)
            for table in extras:
                for name, _definition in table.foreign_keys:
                    cursor.execute(f"ALTER TABLE {quote(table.table)} DROP CONSTRAINT {quote(name)}")
                for name, _definition in table.indexes:
                    cursor.execute(f"DROP INDEX {quote(name)}")
        yield extras
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{SORT_MEMORY}'")
            for table in extras:
                for _name, definition in table.indexes:
                    cursor.execute(definition)
            for table in extras:
                for name, definition in table.foreign_keys:
                    cursor.execute(
                        f"ALTER TABLE {quote(table.table)} ADD CONSTRAINT {quote(name)} {definition}"
                    )
