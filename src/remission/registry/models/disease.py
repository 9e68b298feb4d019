"""The autoimmune disease: diagnosis, prior therapy, assessments over time, work-up before transplant."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from remission.registry.codes import PerformanceScale, TherapyStopReason, Timepoint
from remission.registry.models.base import PatientRecord
from remission.registry.ranges import range_constraints


class Diagnosis(PatientRecord):
    """The indication (→ FHIR Condition). ``disease`` is a code of ``remission.clinical.diseases``."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="diagnoses")
    disease = models.CharField(max_length=32)
    subtype = models.CharField(max_length=32, blank=True, default="")
    icd10 = models.CharField("ICD-10", max_length=8, blank=True, default="")
    first_symptom_date = models.DateField(null=True, blank=True)
    diagnosis_date = models.DateField(null=True, blank=True)
    is_primary = models.BooleanField(default=True, help_text="The indication for cell therapy")

    EDITABLE_FIELDS = (
        "disease",
        "subtype",
        "icd10",
        "first_symptom_date",
        "diagnosis_date",
        "is_primary",
        "missing",
    )
    TIMELINE_DATES = ("first_symptom_date", "diagnosis_date")

    class Meta:
        verbose_name_plural = "diagnoses"
        # the patient list's disease filter reads the primary diagnoses of one disease
        indexes = [
            models.Index(
                fields=["disease", "patient"], condition=Q(is_primary=True), name="diagnosis_primary_disease"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(is_primary=True), name="diagnosis_one_primary"
            ),
            models.CheckConstraint(
                condition=Q(first_symptom_date__isnull=True)
                | Q(diagnosis_date__isnull=True)
                | Q(first_symptom_date__lte=F("diagnosis_date")),
                name="diagnosis_symptom_before_diagnosis",
            ),
        ]


class PriorTherapy(PatientRecord):
    """One line of therapy before cell therapy (→ FHIR MedicationStatement)."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="prior_therapies")
    agent = models.CharField(max_length=100, help_text="Drug or procedure, e.g. 'mycophenolate', 'rituximab'")
    agent_class = models.CharField(max_length=60, blank=True, default="")
    start_date = models.DateField(null=True, blank=True)
    stop_date = models.DateField(null=True, blank=True)
    stop_reason = models.CharField(max_length=16, choices=TherapyStopReason.choices, blank=True, default="")

    EDITABLE_FIELDS = ("agent", "agent_class", "start_date", "stop_date", "stop_reason", "missing")
    TIMELINE_DATES = ("start_date", "stop_date")

    class Meta:
        verbose_name_plural = "prior therapies"
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(stop_date__isnull=True)
                | Q(stop_date__gte=F("start_date")),
                name="prior_therapy_stop_after_start",
            ),
        ]


class Assessment(PatientRecord):
    """A disease assessment with one instrument (→ FHIR Observation with components).

    ``instrument`` is a code of ``remission.clinical.instruments``; ``items`` holds the item values by
    the instrument's schema; ``score`` is computed by the clinical layer when the items allow it, and
    otherwise may be entered directly (e.g. an EDSS assessed by the neurologist).
    """

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="assessments")
    date = models.DateField()
    instrument = models.CharField(max_length=32)
    items = models.JSONField(default=dict, blank=True)
    score = models.FloatField(null=True, blank=True)
    timepoint = models.CharField(max_length=16, choices=Timepoint.choices, default=Timepoint.UNSCHEDULED)
    during_relapse = models.BooleanField(
        null=True, blank=True, help_text="Assessed within 30 days of a relapse (not used for progression)"
    )

    EDITABLE_FIELDS = ("date", "instrument", "items", "score", "timepoint", "during_relapse", "missing")
    TIMELINE_DATES = ("date",)

    class Meta:
        indexes = [models.Index(fields=["patient", "instrument", "date"])]


class WorkUp(PatientRecord):
    """Pre-transplant work-up (→ FHIR Observations)."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="workups")
    date = models.DateField()
    height_cm = models.FloatField(null=True, blank=True)
    weight_kg = models.FloatField(null=True, blank=True)
    performance_scale = models.CharField(
        max_length=12, choices=PerformanceScale.choices, blank=True, default=""
    )
    performance_score = models.PositiveSmallIntegerField(null=True, blank=True)
    lvef_pct = models.FloatField("LVEF %", null=True, blank=True)
    pasp_mmhg = models.FloatField("PASP (echo) mmHg", null=True, blank=True)
    mpap_mmhg = models.FloatField("mPAP (right heart catheter) mmHg", null=True, blank=True)
    fvc_pct = models.FloatField("FVC % predicted", null=True, blank=True)
    dlco_pct = models.FloatField("DLCO % predicted", null=True, blank=True)
    creatinine_clearance = models.FloatField("Creatinine clearance mL/min", null=True, blank=True)
    hct_ci_items = models.JSONField("HCT-CI items", default=dict, blank=True)
    hct_ci_score = models.PositiveSmallIntegerField("HCT-CI", null=True, blank=True)
    serology = models.JSONField(
        default=dict, blank=True, help_text="e.g. {'hbsag': 'negative', 'cmv_igg': 'positive'}"
    )

    EDITABLE_FIELDS = (
        "date",
        "height_cm",
        "weight_kg",
        "performance_scale",
        "performance_score",
        "lvef_pct",
        "pasp_mmhg",
        "mpap_mmhg",
        "fvc_pct",
        "dlco_pct",
        "creatinine_clearance",
        "hct_ci_items",
        "hct_ci_score",
        "serology",
        "missing",
    )
    TIMELINE_DATES = ("date",)

    class Meta:
        verbose_name = "work-up"
        constraints = [
            *range_constraints("workup"),
            models.CheckConstraint(
                condition=Q(performance_score__isnull=True) | ~Q(performance_scale=""),
                name="workup_performance_scale_given",
            ),
        ]
