"""The web page Export: a form, a streamed file in the user's scope, one audit row with its SHA-256; and
the outcomes report's downloads audited, its CSV tables offered."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pandas as pd
from django.test import Client
from django.urls import reverse

from remission.interop.extract import BAD_PERIOD
from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord
from remission.registry.services.exports import EXTRACT_ENTITY, REPORT_ENTITY


def test_export_page_streams_the_users_centre_and_audits_it(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    client = signed_in("dm_a")
    assert client.get(reverse("export")).status_code == 200
    response = client.post(reverse("export"), {"format": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        patients = pd.read_csv(io.BytesIO(archive.read("patient.csv")))
    assert list(patients["registry_id"]) == [world.patient_a.registry_id]
    audit = AuditRecord.objects.get(action=AuditAction.EXPORT, entity=EXTRACT_ENTITY)
    assert audit.actor_id == world.users["dm_a"].pk
    assert audit.after["sha256"] == hashlib.sha256(content).hexdigest()
    assert audit.reason == "web"


def test_export_page_names_a_bad_period(world: Any, signed_in: Callable[[str], Client]) -> None:
    response = signed_in("stat").post(
        reverse("export"), {"format": "csv", "date_from": "2022-01-02", "date_to": "2022-01-01"}
    )
    assert response.status_code == 400
    assert BAD_PERIOD.format(start="2022-01-02", end="2022-01-01") in response.content.decode()
    assert not AuditRecord.objects.filter(action=AuditAction.EXPORT).exists()


def test_report_tables_download_is_offered_and_audited(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    client = signed_in("stat")
    job_page = client.get(reverse("outcomes_report", args=["zip"]))["Location"]  # a job, done at once here
    response = client.get(job_page + "download")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert any(name.endswith(".csv") for name in archive.namelist())
    audit = AuditRecord.objects.get(action=AuditAction.EXPORT, entity=REPORT_ENTITY)
    assert audit.after["sha256"] == hashlib.sha256(response.content).hexdigest()
    assert audit.after["format"] == "zip"
    assert audit.after["row_counts"] == {"patients": 2}
