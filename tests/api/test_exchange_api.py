"""The API's exchange operations beside ``GET /api/export``: the REDCap data dictionary and records export
(streamed CSV), a zip of the FHIR Bundles of the token's scope, and ``POST /api/import/fhir``. The
command line's files, in the token user's scope, audited as the command line audits them; another
centre's centre or patient is a 404 (export) or a refused row (import)."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from remission.api.api import api
from remission.interop.fhir.archive import ARCHIVE_ENTITY, RULE_ZIP
from remission.interop.fhir.export import AUDIT_ENTITY
from remission.registry.codes import AuditAction
from remission.registry.models import PATIENT_RECORD_MODELS, AuditRecord, Patient
from remission.registry.services.batch import RULE_SCOPE
from remission.registry.services.exports import EXTRACT_ENTITY
from tests.interop.fhir.contents import empty_registry, registry_contents

Tokens = Callable[[str], dict[str, str]]


def _content(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _exports() -> int:
    return AuditRecord.objects.filter(action=AuditAction.EXPORT).count()


def _unzipped(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_redcap_dictionary(world: Any, token_for: Tokens) -> None:
    response = Client(**token_for("viewer_a")).get("/api/export/redcap/dictionary")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(_content(response).decode("utf-8"))))
    header = ["Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label"]
    assert rows[0][:5] == header
    assert rows[0][-1] == "Field Annotation" and len(rows[0]) == 18
    assert rows[1][:2] == ["record_id", "patient"]
    assert _exports() == 0  # no patient data: not audited, as on the command line
    assert Client().get("/api/export/redcap/dictionary").status_code == 401


def test_redcap_records_in_scope_streamed_and_audited(world: Any, token_for: Tokens) -> None:
    response = Client(**token_for("dm_b")).get("/api/export/redcap/records")
    assert response.status_code == 200 and response.streaming
    content = _content(response)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert {row["record_id"] for row in rows} == {world.patient_b.registry_id}
    records = sum(m.objects.filter(patient=world.patient_b).count() for m in PATIENT_RECORD_MODELS)
    assert len(rows) == 1 + records
    audit = AuditRecord.objects.get(action=AuditAction.EXPORT, entity=EXTRACT_ENTITY)
    assert (audit.actor_id, audit.after["format"], audit.after["scope"]) == (
        world.users["dm_b"].pk,
        "redcap",
        "centres: beta",
    )
    assert audit.after["sha256"] == hashlib.sha256(content).hexdigest()
    assert audit.reason == "API GET /export/redcap/records"


def test_redcap_records_of_another_centre_is_a_404(world: Any, token_for: Tokens) -> None:
    response = Client(**token_for("dm_b")).get("/api/export/redcap/records", {"centre": "alpha"})
    assert response.status_code == 404
    assert response.json()["errors"][0]["rule"] == "not_found"
    assert _exports() == 0
    one = Client(**token_for("admin")).get("/api/export/redcap/records", {"centre": "alpha"})
    rows = list(csv.DictReader(io.StringIO(_content(one).decode("utf-8"))))
    assert {row["record_id"] for row in rows} == {world.patient_a.registry_id}


def test_fhir_zip_holds_the_patients_bundles_of_the_scope_audited(world: Any, token_for: Tokens) -> None:
    client = Client(**token_for("dm_a"))
    response = client.get("/api/export/fhir")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    content = _content(response)
    registry_id = world.patient_a.registry_id
    files = _unzipped(content)
    assert list(files) == [f"{registry_id}.json"]
    per_bundle = AuditRecord.objects.get(entity=AUDIT_ENTITY)
    assert per_bundle.after["sha256"] == hashlib.sha256(files[f"{registry_id}.json"]).hexdigest()
    whole = AuditRecord.objects.get(entity=ARCHIVE_ENTITY)
    assert whole.after["sha256"] == hashlib.sha256(content).hexdigest()
    assert whole.actor_id == world.users["dm_a"].pk and whole.reason == "API GET /export/fhir"
    assert _content(client.get("/api/export/fhir")) == content  # no clock in the zip
    one = client.get(f"/api/patients/{registry_id}/fhir")  # the per-patient operation: the same bytes
    assert one.content == files[f"{registry_id}.json"]
    assert Client().get("/api/export/fhir").status_code == 401


def test_import_fhir_dry_run_commit_and_scope(world: Any, token_for: Tokens) -> None:
    before = registry_contents()
    files = _unzipped(_content(Client(**token_for("stat")).get("/api/export/fhir")))
    own, other = f"{world.patient_a.registry_id}.json", f"{world.patient_b.registry_id}.json"
    empty_registry()
    client = Client(**token_for("dm_a"))

    def upload(*names: str) -> list[SimpleUploadedFile]:
        return [SimpleUploadedFile(n, files[n], content_type="application/fhir+json") for n in names]

    refused = client.post("/api/import/fhir?commit=true", {"bundles": upload(own, other)})
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert errors and {(e["record"].split(" / ")[0], e["rule"]) for e in errors} == {(other, RULE_SCOPE)}
    assert not Patient.objects.exists()

    dry = client.post("/api/import/fhir", {"bundles": upload(own)})
    assert dry.status_code == 200, dry.content
    assert dry.json()["committed"] is False and dry.json()["created"]["patient"] == 1
    assert not Patient.objects.exists()

    done = client.post("/api/import/fhir?commit=true", {"bundles": upload(own)})
    assert done.status_code == 200 and done.json()["committed"] is True
    after = registry_contents()
    assert after == {world.patient_a.registry_id: before[world.patient_a.registry_id]}
    audit = AuditRecord.objects.filter(entity="registry.patient").order_by("pk").last()
    assert audit.actor_id == world.users["dm_a"].pk
    assert audit.reason.startswith(f"import (fhir) from {own}")


def test_import_fhir_zip_and_malformed_upload(world: Any, token_for: Tokens) -> None:
    content = _content(Client(**token_for("admin")).get("/api/export/fhir"))
    before = registry_contents()
    empty_registry()
    client = Client(**token_for("admin"))
    zipped = SimpleUploadedFile("bundles.zip", content, content_type="application/zip")
    done = client.post("/api/import/fhir?commit=true", {"bundles": [zipped]})
    assert done.status_code == 200 and done.json()["created"]["patient"] == 2
    assert registry_contents() == before
    bad = SimpleUploadedFile("bundles.zip", b"not a zip", content_type="application/zip")
    refused = client.post("/api/import/fhir?commit=true", {"bundles": [bad]})
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [(e["record"], e["rule"]) for e in errors] == [("bundles.zip / Bundle", RULE_ZIP)]
    assert client.post("/api/import/fhir").status_code == 422  # no files
    assert Client().post("/api/import/fhir").status_code == 401


def test_the_operations_are_documented() -> None:
    paths = api.get_openapi_schema()["paths"]
    for path, media_type in (
        ("/api/export/redcap/dictionary", "text/csv"),
        ("/api/export/redcap/records", "text/csv"),
        ("/api/export/fhir", "application/zip"),
    ):
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == [media_type]
    assert "centre" in {p["name"] for p in paths["/api/export/redcap/records"]["get"]["parameters"]}
    body = paths["/api/import/fhir"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["properties"]["bundles"]["type"] == "array"
    assert "commit" in {p["name"] for p in paths["/api/import/fhir"]["post"]["parameters"]}
