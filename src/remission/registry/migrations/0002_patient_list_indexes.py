"""Indexes for the patient list at 100,000 patients (``registry/selectors/browse.py``).

* ``diagnosis_primary_disease``: the disease filter reads the primary diagnoses of one disease.
* ``infusion_date``: the infusion-year filter reads the infusions of one year.
* ``patient_registry_id_upper_prefix`` (PostgreSQL only): the registry-ID search is a case-insensitive
  prefix match, ``UPPER(registry_id) LIKE UPPER('…%')``, which no plain index serves; this expression
  index with ``text_pattern_ops`` does. SQLite has no operator classes and needs none at its sizes.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

UPPER_INDEX = "patient_registry_id_upper_prefix"


def create_upper_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {UPPER_INDEX} "
            "ON registry_patient (UPPER(registry_id::text) text_pattern_ops)"
        )


def drop_upper_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {UPPER_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.AddIndex(
            model_name="diagnosis",
            index=models.Index(
                condition=models.Q(("is_primary", True)),
                fields=["disease", "patient"],
                name="diagnosis_primary_disease",
            ),
        ),
        migrations.AddIndex(
            model_name="infusion",
            index=models.Index(fields=["date", "patient"], name="infusion_date"),
        ),
        migrations.RunPython(create_upper_index, drop_upper_index, elidable=False),
    ]
