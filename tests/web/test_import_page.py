"""The web page Import: a dry run shows every refused row and writes nothing; a commit writes through the
services (audited, naming the file), once; only roles that write at a centre may import, in their scope;
an unreadable upload shows the reader's named error."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from remission.interop import table
from remission.interop.values import RULE_CODE
from remission.registry.models import AuditRecord, Patient
from remission.registry.services.batch import RULE_SCOPE
from remission.web.views.imports import CANNOT_IMPORT, NEEDS_TABLE
from tests.interop.import_support import export_redcap, wipe_patients

MAPPING = b"""centre = "alpha"
[columns]
"Study no" = "patient.key"
"Sex" = "patient.sex"
"Birth year" = "patient.birth_year"
"Birth month" = "patient.birth_month"
"Consent" = "patient.consent_status"
"""
SHEET = (
    b"Study no,Sex,Birth year,Birth month,Consent\nP-9,female,1970,3,not_asked\nP-10,male,1981,7,not_asked\n"
)
WRONG_SEX = SHEET.replace(b"male,1981", b"feline,1981")


def _post(
    client: Client,
    sheet: bytes,
    *,
    commit: bool = False,
    name: str = "patients.csv",
    mapping: bytes = MAPPING,
) -> Any:
    data: dict[str, Any] = {
        "source": "table",
        "file": SimpleUploadedFile(name, sheet),
        "mapping": SimpleUploadedFile("mapping.toml", mapping),
    }
    if commit:
        data["commit"] = "on"
    return client.post(reverse("import"), data)


def _problems(response: Any) -> list[tuple[str, str, str, str, str]]:
    return [(p.source, p.row, p.column, p.rule, p.message) for p in response.context["problems"]]


def test_dry_run_shows_each_refused_row_and_writes_nothing(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    client = signed_in("dm_a")
    assert client.get(reverse("import")).status_code == 200
    patients, audits = Patient.objects.count(), AuditRecord.objects.count()
    response = _post(client, WRONG_SEX, commit=True)
    assert response.status_code == 200
    [(source, row, column, rule, _message)] = _problems(response)
    assert (source, row, column, rule) == ("patients.csv", "line 3", "Sex", RULE_CODE)
    page = response.content.decode()
    for cell in ("patients.csv", "line 3", "Sex", RULE_CODE):
        assert f"<td>{cell}</td>" in page
    assert "nothing was written" in page
    assert (Patient.objects.count(), AuditRecord.objects.count()) == (patients, audits)


def test_commit_writes_audited_once_and_again_changes_nothing(
    world: Any, signed_in: Callable[[str], Client]
) -> None:
    client = signed_in("dm_a")
    before = Patient.objects.count()
    dry = _post(client, SHEET)
    assert dry.context["problems"] == []
    assert dry.context["result"].created == {"patient": 2} and not dry.context["result"].committed
    assert Patient.objects.count() == before
    done = _post(client, SHEET, commit=True)
    assert done.context["result"].committed and done.context["problems"] == []
    assert Patient.objects.count() == before + 2
    reasons = set(
        AuditRecord.objects.filter(entity="registry.patient", actor=world.users["dm_a"]).values_list(
            "reason", flat=True
        )
    )
    assert {
        "import (table) from patients.csv, line 2, key P-9",
        "import (table) from patients.csv, line 3, key P-10",
    } <= reasons
    audits = AuditRecord.objects.count()
    again = _post(client, SHEET, commit=True)
    assert again.context["result"].created == {} and again.context["result"].unchanged == 2
    assert "Every row was imported before: nothing changed." in again.content.decode()
    assert (Patient.objects.count(), AuditRecord.objects.count()) == (before + 2, audits)


def test_roles_that_cannot_write_cannot_import(world: Any, signed_in: Callable[[str], Client]) -> None:
    before = Patient.objects.count()
    for username in ("viewer_a", "stat", "nobody"):
        client = signed_in(username)
        assert client.get(reverse("import")).status_code == 403
        response = _post(client, SHEET, commit=True)
        assert response.status_code == 403
        assert CANNOT_IMPORT in response.content.decode()
    assert Patient.objects.count() == before


def test_another_centres_rows_are_refused(world: Any, signed_in: Callable[[str], Client]) -> None:
    mapping = MAPPING.replace(b'"Consent" =', b'"Centre" = "patient.centre"\n"Consent" =')
    sheet = b"Study no,Sex,Birth year,Birth month,Centre,Consent\nP-9,female,1970,3,beta,not_asked\n"
    before = Patient.objects.count()
    response = _post(signed_in("dm_a"), sheet, commit=True, mapping=mapping)
    assert [(s, r, c, rule) for s, r, c, rule, _m in _problems(response)] == [
        ("patients.csv", "line 2", "Centre", RULE_SCOPE)
    ]
    assert Patient.objects.count() == before


def test_malformed_uploads_show_the_named_error(world: Any, signed_in: Callable[[str], Client]) -> None:
    client = signed_in("dm_a")
    before = Patient.objects.count()
    wrong_header = _post(client, SHEET.replace(b"Study no", b"Study number"), commit=True)
    messages = {(rule, message) for _s, _r, _c, rule, message in _problems(wrong_header)}
    assert (table.RULE_HEADER, table.MAPPED_NOT_FOUND.format(column="Study no")) in messages
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Study no", "Sex", "Birth year", "Birth month", "Consent"])
    sheet.append(["P-9", "female", 1970, 3, "not_asked"])
    sheet.append([None, "female", 1970, 3, "not_asked"])
    sheet.merge_cells("A2:A3")
    content = io.BytesIO()
    book.save(content)
    merged = _post(client, content.getvalue(), commit=True, name="patients.xlsx")
    assert [(rule, message) for _s, _r, _c, rule, message in _problems(merged)] == [
        (table.RULE_MERGED, table.MERGED_CELLS.format(ranges="A2:A3"))
    ]
    assert table.MERGED_CELLS.format(ranges="A2:A3") in merged.content.decode()
    missing = client.post(reverse("import"), {"source": "table", "commit": "on"})
    assert missing.status_code == 400 and NEEDS_TABLE in missing.content.decode()
    assert Patient.objects.count() == before


def test_redcap_upload_imports_the_own_centre_and_refuses_the_other(
    world: Any, signed_in: Callable[[str], Client], tmp_path: Path
) -> None:
    dictionary, records = export_redcap(tmp_path)
    wipe_patients()

    def post(commit: bool) -> Any:
        data: dict[str, Any] = {
            "source": "redcap",
            "dictionary": SimpleUploadedFile("dictionary.csv", dictionary.read_bytes()),
            "records": SimpleUploadedFile("records.csv", records.read_bytes()),
        }
        return signed_in("dm_a").post(reverse("import"), data | ({"commit": "on"} if commit else {}))

    refused = post(commit=True)
    rows = _problems(refused)
    assert rows and {(source, rule) for source, _r, _c, rule, _m in rows} == {("records.csv", RULE_SCOPE)}
    assert not Patient.objects.exists()
