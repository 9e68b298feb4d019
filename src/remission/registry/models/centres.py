"""Centres and who works for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from remission.registry.codes import CENTRE_ROLES, REGISTRY_ROLES, Role
from remission.registry.models.base import Record


class Centre(Record):
    """A transplant centre (→ FHIR Organization)."""

    code = models.SlugField(max_length=32, unique=True, help_text="Short stable code, e.g. 'leiden'")
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 country code")
    ebmt_cic = models.CharField("EBMT CIC", max_length=10, blank=True, default="")
    cibmtr_ccn = models.CharField("CIBMTR CCN", max_length=5, blank=True, default="")
    jacie_accredited = models.BooleanField("JACIE/FACT accredited", default=False)
    first_procedure_year = models.PositiveSmallIntegerField(null=True, blank=True)
    is_demo = models.BooleanField(default=False, help_text="Synthetic demonstration data, not real patients")

    EDITABLE_FIELDS = (
        "code",
        "name",
        "country",
        "ebmt_cic",
        "cibmtr_ccn",
        "jacie_accredited",
        "first_procedure_year",
        "is_demo",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ebmt_cic"], condition=~Q(ebmt_cic=""), name="centre_ebmt_cic_unique"
            ),
            models.UniqueConstraint(
                fields=["cibmtr_ccn"], condition=~Q(cibmtr_ccn=""), name="centre_cibmtr_ccn_unique"
            ),
            models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="centre_country_iso2"),
            models.CheckConstraint(
                condition=Q(cibmtr_ccn="") | Q(cibmtr_ccn__regex=r"^[0-9]{5}$"), name="centre_ccn_five_digits"
            ),
            models.CheckConstraint(
                condition=Q(first_procedure_year__isnull=True)
                | Q(first_procedure_year__gte=1970, first_procedure_year__lte=2100),
                name="centre_first_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Membership(Record):
    """A user's role, at one centre (centre roles) or registry-wide (statistician, administrator)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    EDITABLE_FIELDS = ("valid_from", "valid_to")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "centre", "role"], name="membership_unique"),
            models.CheckConstraint(
                # sorted: a frozenset changes its order between runs, and the migration Django writes with it
                condition=(Q(role__in=sorted(r.value for r in CENTRE_ROLES)) & Q(centre__isnull=False))
                | (Q(role__in=sorted(r.value for r in REGISTRY_ROLES)) & Q(centre__isnull=True)),
                name="membership_centre_matches_role",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_valid_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        where = self.centre.code if self.centre_id else "registry"
        return f"{self.user} — {self.role} @ {where}"
