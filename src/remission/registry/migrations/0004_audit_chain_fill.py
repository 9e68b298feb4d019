"""Existing audit rows join the chain: in id order, each gets its sequence, previous hash and hash
(``registry/audit_chain.py``), and the chain head is set to the last. The rows are changed here, once,
before ``0005`` makes the table append-only."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from remission.registry.audit_chain import CONTENT_FIELDS, GENESIS, content_hash

PAGE = 5000


def fill(apps: Any, schema_editor: Any) -> None:
    audit = apps.get_model("registry", "AuditRecord")
    head = apps.get_model("registry", "AuditChainHead")
    db = schema_editor.connection.alias
    table = schema_editor.quote_name(audit._meta.db_table)
    fields = [name for name in CONTENT_FIELDS if name not in ("sequence", "prev_hash")]
    rows = audit.objects.using(db).order_by("id").values("id", *fields)
    sequence, prev_hash, last_id = 0, GENESIS, 0
    while True:
        page = list(rows.filter(id__gt=last_id)[:PAGE])
        if not page:
            break
        updates = []
        for row in page:
            sequence += 1
            row["sequence"], row["prev_hash"] = sequence, prev_hash
            prev_hash = content_hash(row)
            updates.append((sequence, row["prev_hash"], prev_hash, row["id"]))
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET sequence = %s, prev_hash = %s, row_hash = %s WHERE id = %s", updates
            )
        last_id = page[-1]["id"]
    head.objects.using(db).update_or_create(pk=1, defaults={"sequence": sequence, "row_hash": prev_hash})


def unfill(apps: Any, schema_editor: Any) -> None:
    apps.get_model("registry", "AuditChainHead").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_audit_chain")]

    operations = [migrations.RunPython(fill, unfill)]
