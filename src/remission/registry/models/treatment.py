"""From mobilisation to day 0: mobilisation, the cell product, conditioning, the infusion, engraftment."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from remission.registry.codes import (
    DoseUnit,
    Intensity,
    Manipulation,
    ProductSource,
    ProductType,
    Serotherapy,
    WeightBasis,
)
from remission.registry.models.base import PatientRecord
from remission.registry.ranges import range_constraints


class Mobilisation(PatientRecord):
    """Stem-cell mobilisation and collection (→ FHIR Procedure). ``regimen`` is a clinical regimen code."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="mobilisations")
    date = models.DateField(help_text="First day of mobilisation")
    regimen = models.CharField(max_length=32, help_text="e.g. mob_cy2_gcsf, mob_gcsf")
    gcsf = models.BooleanField(null=True, blank=True)
    cd34_yield_per_kg = models.FloatField("CD34+ yield ×10^6/kg", null=True, blank=True)
    apheresis_count = models.PositiveSmallIntegerField(null=True, blank=True)
    complications = models.JSONField(
        default=list, blank=True, help_text="e.g. ['disease_flare', 'infection']"
    )

    EDITABLE_FIELDS = (
        "date",
        "regimen",
        "gcsf",
        "cd34_yield_per_kg",
        "apheresis_count",
        "complications",
        "missing",
    )
    TIMELINE_DATES = ("date",)

    class Meta:
        constraints = range_constraints("mobilisation")


class CellProduct(PatientRecord):
    """The graft or cell product (→ FHIR BiologicallyDerivedProduct)."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="cell_products")
    product_type = models.CharField(max_length=12, choices=ProductType.choices)
    source = models.CharField(max_length=12, choices=ProductSource.choices)
    manipulation = models.CharField(max_length=20, choices=Manipulation.choices, default=Manipulation.NONE)
    mobilisation = models.ForeignKey(
        Mobilisation, on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )
    collection_date = models.DateField(null=True, blank=True)
    cd34_dose_per_kg = models.FloatField("CD34+ ×10^6/kg", null=True, blank=True)
    cell_dose_per_kg = models.FloatField("cells/kg", null=True, blank=True)
    viability_pct = models.FloatField(null=True, blank=True)

    EDITABLE_FIELDS = (
        "product_type",
        "source",
        "manipulation",
        "mobilisation",
        "collection_date",
        "cd34_dose_per_kg",
        "cell_dose_per_kg",
        "viability_pct",
        "missing",
    )
    TIMELINE_DATES = ("collection_date",)

    class Meta:
        constraints = range_constraints("cellproduct")


class Conditioning(PatientRecord):
    """The conditioning or lymphodepletion regimen (→ FHIR MedicationAdministration per agent)."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="conditionings")
    regimen = models.CharField(max_length=32, help_text="A clinical regimen code, e.g. cy200_ratg")
    intensity = models.CharField(max_length=16, choices=Intensity.choices, default=Intensity.UNKNOWN)
    serotherapy = models.CharField(max_length=16, choices=Serotherapy.choices, default=Serotherapy.NONE)
    tbi_dose_gy = models.FloatField("TBI dose Gy", null=True, blank=True)
    start_date = models.DateField()

    EDITABLE_FIELDS = ("regimen", "intensity", "serotherapy", "tbi_dose_gy", "start_date", "missing")
    TIMELINE_DATES = ("start_date",)

    class Meta:
        constraints = range_constraints("conditioning")


class ConditioningAgent(PatientRecord):
    """One drug of a conditioning regimen, with the dose as prescribed and the weight basis used."""

    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.PROTECT, related_name="conditioning_agents"
    )
    conditioning = models.ForeignKey(Conditioning, on_delete=models.CASCADE, related_name="agents")
    drug = models.CharField(max_length=60)
    dose = models.FloatField(help_text="Dose per day, in ``unit``")
    unit = models.CharField(max_length=8, choices=DoseUnit.choices)
    days = models.PositiveSmallIntegerField(default=1)
    weight_basis = models.CharField(max_length=24, choices=WeightBasis.choices)
    body_size_value = models.FloatField(
        null=True, blank=True, help_text="The weight (kg) or BSA (m²) the dose was computed on"
    )

    EDITABLE_FIELDS = ("drug", "dose", "unit", "days", "weight_basis", "body_size_value", "missing")

    class Meta:
        constraints = range_constraints("conditioningagent")


class Infusion(PatientRecord):
    """An infusion of a cell product: day 0 of everything that follows (→ FHIR Procedure)."""

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="infusions")
    product = models.ForeignKey(CellProduct, on_delete=models.PROTECT, related_name="infusions")
    conditioning = models.ForeignKey(
        Conditioning, on_delete=models.PROTECT, null=True, blank=True, related_name="infusions"
    )
    date = models.DateField(help_text="Day 0")
    sequence = models.PositiveSmallIntegerField(
        help_text="1 for the patient's first infusion, 2 for the next…"
    )

    EDITABLE_FIELDS = ("product", "conditioning", "date", "sequence", "missing")
    TIMELINE_DATES = ("date",)

    class Meta:
        ordering = ["patient", "sequence"]
        indexes = [models.Index(fields=["date", "patient"], name="infusion_date")]  # infusion-year filter
        constraints = [
            models.UniqueConstraint(fields=["patient", "sequence"], name="infusion_sequence_unique"),
            *range_constraints("infusion"),
        ]


class Engraftment(PatientRecord):
    """Haematopoietic recovery after one infusion (→ FHIR Observation).

    Neutrophil engraftment: first of three days with neutrophils ≥ 0.5 ×10^9/L; platelets: first of
    seven days ≥ 20 ×10^9/L without transfusion (EBMT/CIBMTR usage).
    """

    patient = models.ForeignKey("registry.Patient", on_delete=models.PROTECT, related_name="engraftments")
    infusion = models.OneToOneField(Infusion, on_delete=models.PROTECT, related_name="engraftment")
    neutrophil_date = models.DateField(null=True, blank=True)
    platelet_date = models.DateField(null=True, blank=True)
    platelets_never_below_20 = models.BooleanField(default=False)
    graft_failure = models.BooleanField(default=False)

    EDITABLE_FIELDS = (
        "neutrophil_date",
        "platelet_date",
        "platelets_never_below_20",
        "graft_failure",
        "missing",
    )
    TIMELINE_DATES = ("neutrophil_date", "platelet_date")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~(
                    Q(graft_failure=True) & Q(neutrophil_date__isnull=False) & Q(platelet_date__isnull=False)
                ),
                name="engraftment_failure_not_fully_engrafted",
            ),
        ]
