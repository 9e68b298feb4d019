"""After day 0: adverse events, immune reconstitution, follow-up visits and outcome events."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from remission.registry.codes import (
    AdverseEventCategory,
    Analyte,
    CauseOfDeath,
    DiseaseStatus,
    GradingSystem,
    OutcomeType,
    Relatedness,
    VitalStatus,
)
from remission.registry.models.base import PatientRecord
from remission.registry.ranges import range_constraints


class AdverseEvent(PatientRecord):
    """A complication (→ FHIR AdverseEvent). CTCAE v5 grade, or ASTCT grade for CRS and ICANS."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="adverse_events")
    infusion = models.ForeignKey(
        "registry.Infusion", on_delete=models.PROTECT, null=True, blank=True, related_name="adverse_events"
    )
    term = models.CharField(max_length=120)
    category = models.CharField(max_length=24, choices=AdverseEventCategory.choices)
    grading_system = models.CharField(
        max_length=12, choices=GradingSystem.choices, default=GradingSystem.CTCAE_V5
    )
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    onset_date = models.DateField()
    resolution_date = models.DateField(null=True, blank=True)
    organism = models.CharField(max_length=120, blank=True, default="")
    relatedness = models.CharField(max_length=12, choices=Relatedness.choices, default=Relatedness.UNKNOWN)

    EDITABLE_FIELDS = (
        "infusion",
        "term",
        "category",
        "grading_system",
        "grade",
        "onset_date",
        "resolution_date",
        "organism",
        "relatedness",
        "missing",
    )
    TIMELINE_DATES = ("onset_date", "resolution_date")

    class Meta:
        constraints = [
            *range_constraints("adverseevent"),
            models.CheckConstraint(
                condition=Q(resolution_date__isnull=True) | Q(resolution_date__gte=F("onset_date")),
                name="adverse_event_resolution_after_onset",
            ),
            models.CheckConstraint(
                condition=~Q(grading_system=GradingSystem.ASTCT)
                | Q(category__in=[AdverseEventCategory.CRS, AdverseEventCategory.ICANS]),
                name="adverse_event_astct_only_crs_icans",
            ),
            models.CheckConstraint(
                condition=Q(organism="") | Q(category=AdverseEventCategory.INFECTION),
                name="adverse_event_organism_only_infection",
            ),
        ]


class LabResult(PatientRecord):
    """A laboratory value for immune reconstitution (→ FHIR Observation)."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="lab_results")
    date = models.DateField()
    analyte = models.CharField(max_length=16, choices=Analyte.choices)
    value = models.FloatField()
    unit = models.CharField(max_length=16)

    EDITABLE_FIELDS = ("date", "analyte", "value", "unit", "missing")
    TIMELINE_DATES = ("date",)

    class Meta:
        indexes = [models.Index(fields=["patient", "analyte", "date"])]
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="lab_value_not_negative")]


class FollowUp(PatientRecord):
    """A follow-up contact (→ FHIR Encounter + Observation): last known vital and disease status."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="follow_ups")
    date = models.DateField()
    vital_status = models.CharField(max_length=8, choices=VitalStatus.choices)
    disease_status = models.CharField(
        max_length=20, choices=DiseaseStatus.choices, default=DiseaseStatus.UNKNOWN
    )
    current_therapy = models.CharField(max_length=200, blank=True, default="")

    EDITABLE_FIELDS = ("date", "vital_status", "disease_status", "current_therapy", "missing")
    TIMELINE_DATES = ("date",)

    class Meta:
        verbose_name = "follow-up"
        indexes = [models.Index(fields=["patient", "date"])]


class OutcomeEvent(PatientRecord):
    """An outcome: death (with cause), relapse/progression, response, secondary autoimmunity, malignancy."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="outcome_events")
    event_type = models.CharField(max_length=24, choices=OutcomeType.choices)
    date = models.DateField()
    cause_of_death = models.CharField(max_length=24, choices=CauseOfDeath.choices, blank=True, default="")
    detail = models.CharField(max_length=200, blank=True, default="")

    EDITABLE_FIELDS = ("event_type", "date", "cause_of_death", "detail", "missing")
    TIMELINE_DATES = ("date",)

    class Meta:
        indexes = [models.Index(fields=["patient", "event_type", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(event_type=OutcomeType.DEATH), name="outcome_one_death"
            ),
            models.CheckConstraint(
                condition=(Q(event_type=OutcomeType.DEATH) & ~Q(cause_of_death=""))
                | (~Q(event_type=OutcomeType.DEATH) & Q(cause_of_death="")),
                name="outcome_cause_only_for_death",
            ),
        ]
