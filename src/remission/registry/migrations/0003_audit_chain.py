"""The audit chain's columns and tables (``registry/audit_chain.py``).

* ``sequence``, ``prev_hash``, ``row_hash`` on every audit row (empty here, filled by ``0004``, required
  from ``0005``);
* ``at`` is stamped by the chain writer under its lock (a default, no longer ``auto_now_add``, which would
  overwrite the hashed time);
* ``patient`` keeps the patient's id when the patient is deleted: no foreign-key constraint, nothing done
  on delete (the row is never changed, so it could not be set to NULL);
* the one-row chain head and the anchors.
"""

from __future__ import annotations

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_patient_list_indexes")]

    operations = [
        migrations.AlterField(
            model_name="auditrecord",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="auditrecord",
            name="patient",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="registry.patient",
            ),
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="sequence",
            field=models.PositiveBigIntegerField(
                null=True, unique=True, help_text="Place in the audit chain: 1, 2, 3, …"
            ),
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="prev_hash",
            field=models.CharField(
                default="",
                max_length=64,
                help_text="row_hash of the row before (64 zeros for the first)",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="row_hash",
            field=models.CharField(
                default="",
                max_length=64,
                help_text="SHA-256 of the canonical content (audit_chain)",
            ),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("row_hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.CreateModel(
            name="AuditAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sequence", models.PositiveBigIntegerField()),
                ("row_hash", models.CharField(max_length=64)),
                ("note", models.TextField(blank=True, default="")),
            ],
            options={"ordering": ["id"]},
        ),
    ]
