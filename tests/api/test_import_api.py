"""``POST /api/import/table`` (and ``/api/import/redcap``): the import engine over HTTP, in scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from remission.interop.values import RULE_CODE
from remission.registry.models import AuditRecord, Patient

MAPPING = b"""centre = "alpha"
[columns]
"Study no" = "patient.key"
"Sex" = "patient.sex"
"Birth year" = "patient.birth_year"
"Birth month" = "patient.birth_month"
"Consent" = "patient.consent_status"
"""


def _files(sheet: bytes) -> dict[str, Any]:
    return {
        "file": SimpleUploadedFile("patients.csv", sheet, content_type="text/csv"),
        "mapping": SimpleUploadedFile("mapping.toml", MAPPING, content_type="application/toml"),
    }


SHEET = b"Study no,Sex,Birth year,Birth month,Consent\nP-9,female,1970,3,not_asked\n"


def test_dry_run_then_commit(world: Any, token_for: Callable[[str], dict[str, str]]) -> None:
    client = Client(**token_for("dm_a"))
    before = Patient.objects.count()
    dry = client.post("/api/import/table", _files(SHEET))
    assert dry.status_code == 200, dry.content
    assert dry.json() == {
        "committed": False,
        "rows": 1,
        "created": {"patient": 1},
        "unchanged": 0,
        "audit_rows": 1,
    }
    assert Patient.objects.count() == before
    done = client.post("/api/import/table?commit=true", _files(SHEET))
    assert done.status_code == 200 and done.json()["committed"]
    assert Patient.objects.count() == before + 1
    audit = AuditRecord.objects.filter(entity="registry.patient").order_by("pk").last()
    assert audit.actor_id == world.users["dm_a"].pk
    assert audit.reason == "import (table) from patients.csv, line 2, key P-9"


def test_refused_row_is_a_422_in_the_error_shape(
    world: Any, token_for: Callable[[str], dict[str, str]]
) -> None:
    response = Client(**token_for("dm_a")).post(
        "/api/import/table?commit=true", _files(SHEET.replace(b"female", b"feline"))
    )
    assert response.status_code == 422
    assert [(e["record"], e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("patients.csv / line 2", "Sex", RULE_CODE)
    ]
    assert Client().post("/api/import/table", _files(SHEET)).status_code == 401
