"""Invariants the database itself holds: even a write that skips the services cannot break them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from remission.registry.models import (
    AdverseEvent,
    Centre,
    Diagnosis,
    Infusion,
    LabResult,
    Membership,
    OutcomeEvent,
    Patient,
    WorkUp,
)


def violates(write: Callable[[], Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_one_primary_diagnosis(world: Any) -> None:
    violates(lambda: Diagnosis.objects.create(patient=world.patient_a, disease="ms", is_primary=True))


def test_one_death(world: Any) -> None:
    def two_deaths() -> None:
        for day in (1, 2):
            OutcomeEvent.objects.create(
                patient=world.patient_b,
                event_type="death",
                date=dt.date(2024, 1, day),
                cause_of_death="unknown",
            )

    violates(two_deaths)


def test_infusion_sequence_unique(world: Any) -> None:
    infusion = world.infusion_a
    violates(
        lambda: Infusion.objects.create(
            patient=infusion.patient, product=infusion.product, date=infusion.date, sequence=infusion.sequence
        )
    )


def test_membership_role_matches_centre(world: Any) -> None:
    user = world.users["nobody"]
    violates(
        lambda: Membership.objects.create(
            user=user, role="registry_statistician", centre=world.centre_a, valid_from=dt.date(2024, 1, 1)
        )
    )
    violates(
        lambda: Membership.objects.create(
            user=user, role="centre_viewer", centre=None, valid_from=dt.date(2024, 1, 1)
        )
    )


def test_lab_value_not_negative(world: Any) -> None:
    violates(
        lambda: LabResult.objects.create(
            patient=world.patient_a, date=dt.date(2023, 1, 1), analyte="cd4", value=-1, unit="cells/uL"
        )
    )


def test_adverse_event_resolves_after_onset(world: Any) -> None:
    violates(
        lambda: AdverseEvent.objects.create(
            patient=world.patient_a,
            term="x",
            category="other",
            onset_date=dt.date(2023, 1, 2),
            resolution_date=dt.date(2023, 1, 1),
        )
    )


def test_weight_range(world: Any) -> None:
    violates(lambda: WorkUp.objects.create(patient=world.patient_a, date=dt.date(2022, 1, 1), weight_kg=0.5))


def test_ccn_is_five_digits(world: Any) -> None:
    violates(lambda: Centre.objects.create(code="gamma", name="Gamma", country="FR", cibmtr_ccn="12"))


def test_birth_month(world: Any) -> None:
    violates(
        lambda: Patient.objects.create(
            registry_id="RTEST0001",
            centre=world.centre_a,
            sex="female",
            birth_year=1980,
            birth_month=0,
            consent_status="not_asked",
        )
    )


def test_patients_of_a_centre_protect_it(world: Any) -> None:
    with pytest.raises(ProtectedError):
        Centre.objects.filter(pk=world.centre_a.pk).delete()
    assert Patient.objects.filter(centre=world.centre_a).exists()
