"""Patients (pseudonymised) and their restricted hospital identifiers."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from remission.registry.codes import ConsentStatus, Sex
from remission.registry.models.base import Record
from remission.registry.models.centres import Centre


class Patient(Record):
    """A registry patient (→ FHIR Patient + Consent). Never holds a hospital number or a name."""

    registry_id = models.CharField(max_length=20, unique=True)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="patients")
    sex = models.CharField(max_length=8, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField()
    birth_month = models.PositiveSmallIntegerField()
    consent_status = models.CharField(max_length=16, choices=ConsentStatus.choices)
    consent_version = models.CharField(max_length=40, blank=True, default="")
    consent_date = models.DateField(null=True, blank=True)
    consent_withdrawn_date = models.DateField(null=True, blank=True)

    EDITABLE_FIELDS = (
        "sex",
        "birth_year",
        "birth_month",
        "consent_status",
        "consent_version",
        "consent_date",
        "consent_withdrawn_date",
    )
    TIMELINE_DATES = ("consent_date", "consent_withdrawn_date")

    class Meta:
        ordering = ["registry_id"]
        indexes = [models.Index(fields=["centre", "registry_id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_month__gte=1, birth_month__lte=12), name="patient_birth_month"
            ),
            models.CheckConstraint(
                condition=Q(birth_year__gte=1900, birth_year__lte=2100), name="patient_birth_year"
            ),
            models.CheckConstraint(
                condition=~Q(consent_status=ConsentStatus.WITHDRAWN)
                | Q(consent_withdrawn_date__isnull=False),
                name="patient_withdrawal_dated",
            ),
            models.CheckConstraint(
                condition=~Q(consent_status=ConsentStatus.GIVEN) | Q(consent_date__isnull=False),
                name="patient_consent_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.registry_id


class HospitalIdentifier(Record):
    """A hospital number kept by the patient's own centre. Never exported, never listed to anyone else."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="hospital_identifiers")
    system = models.CharField(max_length=100, help_text="Issuing system, e.g. the hospital's MRN namespace")
    value = models.CharField(max_length=100)

    EDITABLE_FIELDS = ("system", "value")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "system"], name="identifier_one_per_system"),
        ]

    def __str__(self) -> str:
        return f"{self.system}: (restricted)"
