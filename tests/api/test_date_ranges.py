"""Every date the API builds from input lies within the registry's years (registry.ranges) or is refused
as a 422 naming the field — never a server error: a birth year of 25531 (ValueError before), an outcomes
cut-off of 9999-12-31 (pandas OutOfBoundsDatetime before), record dates, filters and export periods."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from remission.registry.models import FollowUp, Patient


def _fields(response: Any) -> set[str]:
    assert response["Content-Type"].startswith("application/json")
    return {item["field"] for item in json.loads(response.content)["errors"]}


@pytest.fixture
def dm_a(world: Any, token_for: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return token_for("dm_a")


@pytest.mark.parametrize("year", [25531, 1899, 2101, 32767])
def test_patient_birth_year_out_of_range_is_a_named_422(world: Any, dm_a: dict[str, str], year: int) -> None:
    patient = world.patient_a
    response = Client().patch(
        f"/api/patients/{patient.registry_id}",
        data=json.dumps({"version": patient.version, "birth_year": year, "reason": "typo"}),
        content_type="application/json",
        **dm_a,
    )
    assert response.status_code == 422, response.content
    assert "birth_year" in _fields(response)
    assert Patient.objects.get(pk=patient.pk).birth_year == patient.birth_year


def test_new_patient_birth_year_and_consent_date_out_of_range(world: Any, dm_a: dict[str, str]) -> None:
    body = {"centre": "alpha", "sex": "female", "birth_year": 25531, "birth_month": 1}
    response = Client().post("/api/patients", data=json.dumps(body), content_type="application/json", **dm_a)
    assert response.status_code == 422
    assert "birth_year" in _fields(response)
    body = {**body, "birth_year": 1980, "consent_date": "9999-12-31"}
    response = Client().post("/api/patients", data=json.dumps(body), content_type="application/json", **dm_a)
    assert response.status_code == 422
    assert "consent_date" in _fields(response)


@pytest.mark.parametrize("value", ["9999-12-31", "2262-04-12", "1066-10-14", "0001-01-01"])
def test_record_dates_out_of_range_are_named_422(world: Any, dm_a: dict[str, str], value: str) -> None:
    rid = world.patient_a.registry_id
    before = FollowUp.objects.filter(patient=world.patient_a).count()
    response = Client().post(
        f"/api/patients/{rid}/follow-ups",
        data=json.dumps({"date": value, "vital_status": "alive"}),
        content_type="application/json",
        **dm_a,
    )
    assert response.status_code == 422, response.content
    assert "date" in _fields(response)
    assert FollowUp.objects.filter(patient=world.patient_a).count() == before
    follow_up = FollowUp.objects.filter(patient=world.patient_a).first()
    response = Client().patch(
        f"/api/follow-ups/{follow_up.pk}",
        data=json.dumps({"version": follow_up.version, "date": value, "reason": "typo"}),
        content_type="application/json",
        **dm_a,
    )
    assert response.status_code == 422
    assert "date" in _fields(response)


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("cutoff", "9999-12-31"),
        ("cutoff", "2300-01-01"),
        ("infusion_from", "0001-01-01"),
        ("infusion_to", "9999-12-31"),
    ],
)
def test_outcomes_dates_out_of_range_are_named_422(
    world: Any, dm_a: dict[str, str], parameter: str, value: str
) -> None:
    response = Client().get(f"/api/outcomes?{parameter}={value}", **dm_a)
    assert response.status_code == 422, response.content
    assert parameter in _fields(response)


def test_outcomes_cutoff_within_range_is_answered(world: Any, dm_a: dict[str, str]) -> None:
    assert Client().get("/api/outcomes?cutoff=2100-12-31&by=none", **dm_a).status_code == 200


@pytest.mark.parametrize("parameter", ["date_from", "date_to"])
def test_export_period_out_of_range_is_a_named_422(world: Any, dm_a: dict[str, str], parameter: str) -> None:
    response = Client().get(f"/api/export?{parameter}=9999-12-31", **dm_a)
    assert response.status_code == 422, response.content
    assert parameter in _fields(response)
