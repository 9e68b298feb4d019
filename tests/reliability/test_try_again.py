"""A database that is busy past the busy timeout (SQLite's "database is locked") or unreachable raises
``OperationalError``: the API answers 503 with ``rule`` ``try_again`` in its error shape and the web a
503 page saying to try again, both with ``Retry-After`` — never a 500 — and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from remission.registry import services
from remission.registry.models import Patient
from remission.registry.services.tokens import token_create
from remission.web.unavailable import PAGE
from tests.registry.conftest import World, stored_world, world  # noqa: F401 (fixtures)

LOCKED = "database is locked"


def _locked(**_: Any) -> Any:
    raise OperationalError(LOCKED)


def test_api_answers_try_again(world: World, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    _, raw = token_create(actor=world.users["dm_a"], name="busy")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    before = Patient.objects.count()
    monkeypatch.setattr(services, "patient_register", _locked)
    body = {"centre": world.centre_a.code, "sex": "female", "birth_year": 1980, "birth_month": 1}
    response = client.post("/api/patients", body, content_type="application/json")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"] == "2"
    error = response.json()["errors"][0]
    assert error["rule"] == "try_again" and "try again" in error["message"]
    assert Patient.objects.count() == before


def test_web_page_answers_try_again(world: World, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(world.users["dm_a"])
    before = Patient.objects.count()
    monkeypatch.setattr(services, "patient_register", _locked)
    form = {
        "centre": str(world.centre_a.pk),
        "sex": "female",
        "birth_year": "1980",
        "birth_month": "1",
        "consent_status": "given",
    }
    response = client.post("/patients/new/", form)
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert PAGE.split("<h1>")[1].split("</h1>")[0] in response.content.decode()
    assert '<main id="main"><h1>' in response.content.decode()  # a landmark, as on every other page
    assert Patient.objects.count() == before
