"""A canonical text dump of a registry, for checking that a seed always gives the same registry.

Every registry table is written as CSV: one section per table, columns in model order, rows sorted.
Database ids and timestamps are left out (they depend on what else the database held and on the clock),
so are ``version`` fields; a foreign key is written as the referenced row's natural key instead: the
centre's code, the patient's registry id, and for a patient's own records (product → mobilisation,
infusion → product, …) the referenced row's own canonical text. The audit trail is summarised as counts
per (table, action, reason). Two registries built from the same seed export byte for byte the same,
whichever path (bulk or services) wrote them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from typing import Any, TextIO

from django.db import models
from django.db.models import Count

from remission.registry.models import AuditRecord, Centre, Patient
from remission.synth.plan import MODEL_ORDER
from remission.synth.records import MODELS

SKIPPED = frozenset({"id", "created_at", "updated_at", "version"})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in SKIPPED]


def export_registry(out: TextIO, *, prefix: str = "") -> None:
    """Write the canonical dump of every centre and of the patients whose registry id starts ``prefix``."""
    centres = dict(Centre.objects.values_list("pk", "code"))
    patients = dict(Patient.objects.filter(registry_id__startswith=prefix).values_list("pk", "registry_id"))
    keys: dict[tuple[str, int], str] = {}  # (model, id) -> natural key of that row

    def section(model: type[models.Model], rows: models.QuerySet) -> None:
        columns = _columns(model)
        lines: list[tuple[str, int]] = []
        for row in rows:
            values = []
            for field in columns:
                raw = getattr(row, field.attname)
                if field.is_relation and raw is not None:
                    target = field.related_model.__name__
                    if target == "Centre":
                        raw = centres[raw]
                    elif target == "Patient":
                        raw = patients[raw]
                    else:
                        raw = keys[(target, raw)]
                values.append(_text(raw))
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow(values)
            line = buffer.getvalue()
            keys[(model.__name__, row.pk)] = hashlib.sha1(line.encode()).hexdigest()[:16]
            lines.append((line, row.pk))
        out.write(f"# {model._meta.label_lower}\n")
        out.write(",".join(f.name for f in columns) + "\n")
        for line, _pk in sorted(lines):
            out.write(line)

    section(Centre, Centre.objects.order_by("code"))
    section(Patient, Patient.objects.filter(pk__in=patients))
    for name in MODEL_ORDER:
        section(MODELS[name], MODELS[name].objects.filter(patient_id__in=patients))
    out.write("# audit (entity, action, reason, rows)\n")
    summary = (
        AuditRecord.objects.filter(patient_id__in=patients)
        .values_list("entity", "action", "reason")
        .annotate(rows=Count("id"))
        .order_by("entity", "action", "reason")
    )
    writer = csv.writer(out, lineterminator="\n")
    for entity, action, reason, rows in summary:
        writer.writerow([entity, action, reason, rows])


def export_text(*, prefix: str = "") -> str:
    buffer = io.StringIO()
    export_registry(buffer, prefix=prefix)
    return buffer.getvalue()
