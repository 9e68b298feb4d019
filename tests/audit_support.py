"""Test-only ways round the append-only audit table (``registry/migrations/0005_audit_append_only.py``).

The tests empty tables between modules (``flush``) and some helpers wipe the patients of a test
registry with their audit rows; the database refuses both while its triggers stand. These lift the
triggers for one transaction and put them back before it ends.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.operations import BaseDatabaseOperations

guard = importlib.import_module("remission.registry.migrations.0005_audit_append_only")


@contextmanager
def append_only_lifted(using: str = "default") -> Iterator[None]:
    """Inside one transaction: the triggers dropped, the caller's block run, the triggers back."""
    connection = connections[using]
    with transaction.atomic(using=using):
        present = bool(guard.guard_triggers(connection))
        if present:
            guard.drop_guard(connection)
        yield
        if present:
            guard.create_guard(connection)


def erase_audit_rows(rows: Any) -> None:
    """Delete the audit rows of queryset ``rows`` (test set-up only: the chain no longer verifies)."""
    with append_only_lifted(rows.db):
        rows.delete()


_flush = BaseDatabaseOperations.execute_sql_flush


def _flush_with_audit_lifted(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
    with append_only_lifted(self.connection.alias):
        _flush(self, sql_list)


def allow_flush() -> None:
    """Let Django's ``flush`` (pytest-django empties the tables after transactional tests) empty the
    audit table too."""
    BaseDatabaseOperations.execute_sql_flush = _flush_with_audit_lifted  # type: ignore[method-assign]
