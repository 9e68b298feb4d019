"""The web page Export's other downloads: the REDCap data dictionary, the REDCap records export, the FHIR
Bundles of the user's scope as a zip, and one patient's Bundle from the patient page. Each is the
command line's file, in the user's scope, audited as the command line audits it; another centre's patient
or centre is a 404 and leaves no audit row."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse

from remission.interop.fhir.archive import ARCHIVE_ENTITY
from remission.interop.fhir.export import AUDIT_ENTITY, fhir_export
from remission.registry.codes import AuditAction
from remission.registry.models import PATIENT_RECORD_MODELS, AuditRecord
from remission.registry.services.exports import EXTRACT_ENTITY

# REDCap's data dictionary columns, in REDCap's order (REDCap's Data Dictionary template)
REDCAP_COLUMNS = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]


def _content(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _exports() -> int:
    return AuditRecord.objects.filter(action=AuditAction.EXPORT).count()


def _records_of(patient: Any) -> int:
    return sum(model.objects.filter(patient=patient).count() for model in PATIENT_RECORD_MODELS)


def test_the_export_page_offers_every_download(world: Any, signed_in: Callable[[str], Client]) -> None:
    page = signed_in("dm_a").get(reverse("export")).content.decode()
    for name in ("export_redcap_dictionary", "export_redcap_records", "export_fhir"):
        assert reverse(name) in page
    patient_page = signed_in("dm_a").get(reverse("patient_detail", args=[world.patient_a.registry_id]))
    assert reverse("patient_fhir", args=[world.patient_a.registry_id]) in patient_page.content.decode()


def test_redcap_dictionary_is_redcaps_csv_and_holds_no_patient(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    before = _exports()
    response = signed_in("viewer_a").get(reverse("export_redcap_dictionary"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == REDCAP_COLUMNS
    assert rows[1][:2] == ["record_id", "patient"]
    forms = {row[1] for row in rows[1:]}
    assert {"patient", "diagnosis", "infusion", "lab_result", "outcome_event"} <= forms
    text = response.content.decode()
    for patient in (world.patient_a, world.patient_b):
        assert patient.registry_id not in text
    assert _exports() == before  # no patient data: not audited, as on the command line


def test_redcap_records_hold_the_users_centre_only_and_are_audited(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    response = signed_in("dm_a").get(reverse("export_redcap_records"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = _content(response)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert {row["record_id"] for row in rows} == {world.patient_a.registry_id}
    assert len(rows) == 1 + _records_of(world.patient_a)  # the patient's line, one per record
    audit = AuditRecord.objects.get(action=AuditAction.EXPORT, entity=EXTRACT_ENTITY)
    assert audit.actor_id == world.users["dm_a"].pk
    assert audit.reason == "web"
    assert audit.after["format"] == "redcap"
    assert audit.after["sha256"] == hashlib.sha256(content).hexdigest()
    assert audit.after["scope"] == "centres: alpha"
    assert audit.after["row_counts"] == {"records": len(rows)}


def test_redcap_records_of_one_centre_and_another_centre_is_a_404(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    response = signed_in("stat").get(reverse("export_redcap_records"), {"centre": "beta"})
    rows = list(csv.DictReader(io.StringIO(_content(response).decode("utf-8"))))
    assert {row["record_id"] for row in rows} == {world.patient_b.registry_id}
    audit = AuditRecord.objects.get(action=AuditAction.EXPORT, entity=EXTRACT_ENTITY)
    assert audit.after["filters"]["centre"] == "beta" and audit.after["scope"] == "all centres"
    before = _exports()
    assert signed_in("dm_a").get(reverse("export_redcap_records"), {"centre": "beta"}).status_code == 404
    assert _exports() == before


def test_fhir_zip_holds_the_command_lines_files_of_the_users_scope_audited(
    world: Any, signed_in: Callable[[str], Client], tmp_path: Path
) -> None:
    response = signed_in("dm_b").get(reverse("export_fhir"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    content = _content(response)
    name = f"{world.patient_b.registry_id}.json"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.namelist() == [name]
        bundle = archive.read(name)
    per_bundle = AuditRecord.objects.get(action=AuditAction.EXPORT, entity=AUDIT_ENTITY)
    assert per_bundle.after["file"] == name
    assert per_bundle.after["sha256"] == hashlib.sha256(bundle).hexdigest()
    assert per_bundle.actor_id == world.users["dm_b"].pk and per_bundle.reason == "web"
    whole = AuditRecord.objects.get(action=AuditAction.EXPORT, entity=ARCHIVE_ENTITY)
    assert whole.after["sha256"] == hashlib.sha256(content).hexdigest()
    assert whole.after["row_counts"]["bundles"] == 1
    assert whole.after["scope"] == "centres: beta"
    fhir_export(actor=world.users["dm_b"], folder=tmp_path)  # the command line's files
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert (tmp_path / name).read_bytes() == bundle


def test_fhir_zip_of_the_statistician_holds_every_centre(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    content = _content(signed_in("stat").get(reverse("export_fhir")))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = sorted(archive.namelist())
    assert names == sorted(f"{p.registry_id}.json" for p in (world.patient_a, world.patient_b))
    assert AuditRecord.objects.filter(entity=AUDIT_ENTITY).count() == 2


def test_patient_bundle_is_audited_and_another_centres_patient_is_a_404(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    client = signed_in("clin_a")
    registry_id = world.patient_a.registry_id
    response = client.get(reverse("patient_fhir", args=[registry_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert f'filename="{registry_id}.json"' in response["Content-Disposition"]
    bundle = json.loads(response.content)
    assert (bundle["resourceType"], bundle["type"], bundle["id"]) == ("Bundle", "collection", registry_id)
    audit = AuditRecord.objects.get(action=AuditAction.EXPORT, entity=AUDIT_ENTITY)
    assert audit.after["sha256"] == hashlib.sha256(response.content).hexdigest()
    assert audit.after["filters"] == {"patient": registry_id}
    before = _exports()
    assert client.get(reverse("patient_fhir", args=[world.patient_b.registry_id])).status_code == 404
    assert client.get(reverse("patient_fhir", args=["NOSUCHID"])).status_code == 404
    assert _exports() == before


def test_downloads_need_a_signed_in_user(world: Any) -> None:
    for url in (
        reverse("export_redcap_dictionary"),
        reverse("export_redcap_records"),
        reverse("export_fhir"),
        reverse("patient_fhir", args=[world.patient_a.registry_id]),
    ):
        assert Client().get(url).status_code == 302
    assert not AuditRecord.objects.filter(action=AuditAction.EXPORT).exists()
