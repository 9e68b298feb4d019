"""The web page Import, FHIR R4 Bundles: a zip of Bundles or several .json files; a dry run shows every
refused row as file / row / column / rule and writes nothing; a commit writes through the services, in the
user's scope, audited naming the file; registry → web download → web import → identical records."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from remission.interop.fhir.archive import NOT_A_BUNDLE_FILE, RULE_FILE, RULE_ZIP
from remission.registry.models import AuditRecord, Patient
from remission.registry.services.batch import RULE_SCOPE
from remission.web.views.imports import CANNOT_IMPORT, NEEDS_BUNDLES
from tests.interop.fhir.contents import empty_registry, registry_contents


def _bundles_zip(client: Client) -> bytes:
    """The Bundles of the client's scope, as the Export page hands them out."""
    response = client.get(reverse("export_fhir"))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _unzipped(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _post(client: Client, *files: tuple[str, bytes], commit: bool = False) -> Any:
    data: dict[str, Any] = {
        "source": "fhir",
        "bundles": [SimpleUploadedFile(name, content) for name, content in files],
    }
    if commit:
        data["commit"] = "on"
    return client.post(reverse("import"), data)


def _problems(response: Any) -> list[tuple[str, str, str, str]]:
    return [(p.source, p.row, p.column, p.rule) for p in response.context["problems"]]


def test_zip_round_trip_dry_run_then_commit_then_again(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    before = registry_contents()
    content = _bundles_zip(signed_in("admin"))
    empty_registry()
    client = signed_in("admin")

    dry = _post(client, ("bundles.zip", content))
    assert dry.status_code == 200 and dry.context["problems"] == []
    assert not dry.context["result"].committed and dry.context["result"].created["patient"] == 2
    assert "Dry run: nothing was written." in dry.content.decode()
    assert not Patient.objects.exists()

    done = _post(client, ("bundles.zip", content), commit=True)
    assert done.context["problems"] == [] and done.context["result"].committed
    assert registry_contents() == before
    name = f"bundles.zip/{world.patient_a.registry_id}.json"
    reason = AuditRecord.objects.get(entity="registry.patient", reason__contains=name).reason
    assert reason.startswith(f"import (fhir) from {name}")

    audits = AuditRecord.objects.count()
    again = _post(client, ("bundles.zip", content), commit=True)
    assert again.context["result"].created == {} and again.context["result"].unchanged > 0
    assert "Every row was imported before: nothing changed." in again.content.decode()
    assert AuditRecord.objects.count() == audits


def test_several_json_files_in_scope_and_another_centres_bundle_refused(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    files = _unzipped(_bundles_zip(signed_in("stat")))
    own, other = f"{world.patient_a.registry_id}.json", f"{world.patient_b.registry_id}.json"
    empty_registry()

    refused = _post(signed_in("dm_a"), (own, files[own]), (other, files[other]), commit=True)
    problems = _problems(refused)
    assert problems, "the other centre's patient must be refused"
    assert {(source, rule) for source, _row, _column, rule in problems} == {(other, RULE_SCOPE)}
    page = refused.content.decode()
    assert f"<td>{other}</td>" in page and f"<td>{RULE_SCOPE}</td>" in page
    assert "nothing was written" in page
    assert not Patient.objects.exists()

    done = _post(signed_in("dm_a"), (own, files[own]), commit=True)
    assert done.context["problems"] == []
    assert list(Patient.objects.values_list("registry_id", flat=True)) == [world.patient_a.registry_id]


def test_a_dry_run_names_every_refused_element(world: Any, signed_in: Callable[[str], Client]) -> None:
    files = _unzipped(_bundles_zip(signed_in("dm_a")))
    [(name, content)] = files.items()
    bundle = json.loads(content)
    lab = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["id"].startswith("lab-result-") and "valueQuantity" in e["resource"]
    )
    lab["valueQuantity"]["unit"] = "furlongs"
    empty_registry()

    response = _post(signed_in("dm_a"), (name, json.dumps(bundle).encode()))
    row = f"Observation/{lab['id']}"
    assert (name, row, "valueQuantity.unit", "known_unit") in _problems(response)
    page = response.content.decode()
    for cell in (name, row, "valueQuantity.unit", "known_unit"):
        assert f"<td>{cell}</td>" in page
    assert not Patient.objects.exists()


def test_malformed_uploads_show_the_named_error(world: Any, signed_in: Callable[[str], Client]) -> None:
    client = signed_in("dm_a")
    patients, audits = Patient.objects.count(), AuditRecord.objects.count()
    not_json = _post(client, ("broken.json", b"{not json"), commit=True)
    assert [(s, rule) for s, _r, _c, rule in _problems(not_json)] == [("broken.json", "json")]
    not_zip = _post(client, ("bundles.zip", b"PK but not a zip"), commit=True)
    assert [(s, rule) for s, _r, _c, rule in _problems(not_zip)] == [("bundles.zip", RULE_ZIP)]
    other = _post(client, ("notes.txt", b"hello"), commit=True)
    assert [(s, rule) for s, _r, _c, rule in _problems(other)] == [("notes.txt", RULE_FILE)]
    assert escape(NOT_A_BUNDLE_FILE.format(name="notes.txt")) in other.content.decode()
    missing = client.post(reverse("import"), {"source": "fhir", "commit": "on"})
    assert missing.status_code == 400 and NEEDS_BUNDLES in missing.content.decode()
    assert (Patient.objects.count(), AuditRecord.objects.count()) == (patients, audits)


def test_roles_that_cannot_write_cannot_import_bundles(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    content = _bundles_zip(signed_in("stat"))
    empty_registry()
    for username in ("viewer_a", "stat"):
        response = _post(signed_in(username), ("bundles.zip", content), commit=True)
        assert response.status_code == 403 and CANNOT_IMPORT in response.content.decode()
    assert not Patient.objects.exists()
