"""Dates built from what a user types on the web lie within the registry's years or come back as an error
at the field — the patient's birth year (25531 was a server error), record dates, the outcomes filters,
the export period and the consent date of a new patient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from remission.registry.models import FollowUp, Patient
from remission.registry.ranges import date_out_of_range


def _form_data(response: Any) -> dict[str, Any]:
    """What the edit form would post unchanged (its bound or initial values)."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def _field_errors(response: Any, field: str) -> list[str]:
    assert response.status_code == 200, response.status_code
    return list(response.context["form"].errors.get(field, []))


@pytest.mark.parametrize("year", ["25531", "1899", "2101"])
def test_patient_birth_year_out_of_range_is_an_error_at_the_field(
    world: Any, signed_in: Callable[[str], Client], year: str
) -> None:
    client = signed_in("dm_a")
    url = reverse("record_edit", args=["patient", world.patient_a.pk])
    data = {**_form_data(client.get(url)), "birth_year": year, "reason": "typo"}
    response = client.post(url, data)
    assert _field_errors(response, "birth_year"), response.context["form"].errors
    assert Patient.objects.get(pk=world.patient_a.pk).birth_year == world.patient_a.birth_year


@pytest.mark.parametrize("value", ["9999-12-31", "1066-10-14"])
def test_record_date_out_of_range_is_an_error_at_the_field(
    world: Any, signed_in: Callable[[str], Client], value: str
) -> None:
    client = signed_in("dm_a")
    follow_up = FollowUp.objects.filter(patient=world.patient_a).first()
    url = reverse("record_edit", args=["follow-up", follow_up.pk])
    data = {**_form_data(client.get(url)), "date": value, "reason": "typo"}
    response = client.post(url, data)
    errors = _field_errors(response, "date")
    assert any("between 1900-01-01 and 2100-12-31" in e for e in errors), errors
    assert FollowUp.objects.get(pk=follow_up.pk).date == follow_up.date


def test_new_patient_consent_date_out_of_range(world: Any, signed_in: Callable[[str], Client]) -> None:
    data = {
        "centre": world.centre_a.pk,
        "sex": "female",
        "birth_year": 1985,
        "birth_month": 4,
        "consent_status": "given",
        "consent_version": "v3",
        "consent_date": "9999-12-31",
    }
    response = signed_in("dm_a").post(reverse("patient_register"), data)
    assert _field_errors(response, "consent_date") == [date_out_of_range("The date", "9999-12-31")]


@pytest.mark.parametrize("field", ["infusion_from", "infusion_to"])
def test_outcomes_filter_dates_out_of_range(
    world: Any, signed_in: Callable[[str], Client], field: str
) -> None:
    response = signed_in("dm_a").get(reverse("outcomes"), {field: "9999-12-31"})
    assert response.status_code == 200
    assert "between 1900-01-01 and 2100-12-31" in response.content.decode()


@pytest.mark.parametrize("field", ["date_from", "date_to"])
def test_export_period_out_of_range(world: Any, signed_in: Callable[[str], Client], field: str) -> None:
    response = signed_in("dm_a").post(reverse("export"), {"format": "csv", field: "0001-01-01"})
    assert response.status_code == 400  # the export page's answer to a refused form
    assert "between 1900-01-01 and 2100-12-31" in response.content.decode()
