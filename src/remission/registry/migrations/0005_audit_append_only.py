"""The audit trail becomes append-only in the database itself.

Triggers refuse every UPDATE and DELETE of an audit row or an anchor (and, on PostgreSQL, TRUNCATE),
whoever asks — the application, the ORM, a database console — with :data:`APPEND_ONLY` as the message and
an integrity error (SQLSTATE 23000 on PostgreSQL, ``RAISE(ABORT)`` on SQLite). Someone who may drop a
trigger can still get round it; the hash chain (``registry/audit_chain.py``) and its anchors show that
they did.

On SQLite a later migration that alters the audit table rebuilds it and loses its triggers: such a
migration must call :func:`create_guard` again (``tests/registry/test_audit_chain.py`` checks that the
migrated database has them).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

APPEND_ONLY = "the audit trail is append-only: audit rows and anchors are never changed or deleted"
TABLES = ("registry_auditrecord", "registry_auditanchor")
PG_FUNCTION = "registry_audit_append_only"


def _statements(vendor: str) -> tuple[list[str], list[str]]:
    """(create, drop) statements for ``vendor``."""
    create: list[str] = []
    drop: list[str] = []
    if vendor == "postgresql":
        create.append(
            f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{APPEND_ONLY} (% on %)', TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'integrity_constraint_violation'; END $$"
        )
        for table in TABLES:
            create.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"
            )
            create.append(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            drop.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        drop.append(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    elif vendor == "sqlite":
        for table in TABLES:
            for event in ("UPDATE", "DELETE"):
                name = f"{table}_no_{event.lower()}"
                create.append(
                    f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
                )
                drop.append(f"DROP TRIGGER IF EXISTS {name}")
    else:
        raise NotImplementedError(f"no append-only triggers for the {vendor} database")
    return create, drop


def create_guard(connection: Any) -> None:
    """Create the append-only triggers on ``connection``'s database."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor)[0]:
            cursor.execute(sql)


def drop_guard(connection: Any) -> None:
    """Drop them (the reverse migration; tests that empty the tables)."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor)[1]:
            cursor.execute(sql)


def guard_triggers(connection: Any) -> set[str]:
    """Names of the append-only triggers present on ``connection``'s database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text = ANY(%s)",
                [list(TABLES)],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)", list(TABLES)
            )
        return {row[0] for row in cursor.fetchall()}


def forwards(apps: Any, schema_editor: Any) -> None:
    create_guard(schema_editor.connection)


def backwards(apps: Any, schema_editor: Any) -> None:
    drop_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_audit_chain_fill")]

    operations = [
        migrations.AlterField(
            model_name="auditrecord",
            name="sequence",
            field=models.PositiveBigIntegerField(
                unique=True, help_text="Place in the audit chain: 1, 2, 3, …"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
