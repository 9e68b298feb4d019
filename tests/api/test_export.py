"""``GET /api/export``: the token user's records streamed as a file, audited with its SHA-256."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pyarrow.parquet as pq
from django.test import Client

from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord, LabResult


def test_api_export_streams_parquet_in_scope(world: Any, token_for: Callable[[str], dict[str, str]]) -> None:
    response = Client(**token_for("dm_b")).get("/api/export", {"format": "parquet"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        labs = pq.read_table(io.BytesIO(archive.read("lab_result.parquet"))).to_pandas()
    assert set(labs["registry_id"]) == {world.patient_b.registry_id}
    assert len(labs) == LabResult.objects.filter(patient=world.patient_b).count()
    audit = AuditRecord.objects.get(action=AuditAction.EXPORT)
    assert audit.after["sha256"] == hashlib.sha256(content).hexdigest()
    assert audit.actor_id == world.users["dm_b"].pk


def test_api_export_refuses_a_bad_filter_in_the_error_shape(
    world: Any, token_for: Callable[[str], dict[str, str]]
) -> None:
    response = Client(**token_for("stat")).get("/api/export", {"disease": "nope"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["rule"] == "filter"
    assert Client().get("/api/export").status_code == 401
