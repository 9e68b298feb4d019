"""Reading for the web and the API: the patient worklist with its filters, and any one record by id.

``patient_browse`` is the patient list of the web page and of ``GET /api/patients``: one query for a
page of patients, each annotated with its primary disease, first infusion, last follow-up and death
date (subqueries, so there are no per-row queries), and filters that stay fast at 100,000 patients
(``EXISTS`` on indexed foreign keys). The data-quality flags are cheap structural checks; the full
rule set runs per patient in :func:`remission.registry.validation.patient_findings`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db import models
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from remission.registry.codes import ConsentStatus, OutcomeType
from remission.registry.models import Centre, Diagnosis, FollowUp, Infusion, OutcomeEvent, Patient
from remission.registry.selectors.scoping import (
    get_or_not_found,
    readable_centres,
    readable_patients,
    readable_records,
)

M = TypeVar("M", bound=models.Model)

# status filter: code -> label (translated where shown)
PATIENT_STATUSES = {
    "alive": gettext_lazy("Alive (no death recorded)"),
    "dead": gettext_lazy("Died"),
    "withdrawn": gettext_lazy("Consent withdrawn"),
}
# data-quality flags: code -> label
QUALITY_FLAGS = {
    "no_diagnosis": gettext_lazy("No primary diagnosis"),
    "no_infusion": gettext_lazy("No infusion recorded"),
    "no_engraftment": gettext_lazy("Infusion without engraftment record"),
    "follow_up_overdue": gettext_lazy("Alive, no follow-up in the last 12 months"),
}
FOLLOW_UP_OVERDUE_DAYS = 365  # EBMT/CIBMTR expect at least yearly follow-up after day 100


def _death() -> QuerySet[OutcomeEvent]:
    return OutcomeEvent.objects.filter(patient=OuterRef("pk"), event_type=OutcomeType.DEATH)


def _quality_condition(flag: str, today: dt.date) -> Q | Exists:
    if flag == "no_diagnosis":
        return ~Exists(Diagnosis.objects.filter(patient=OuterRef("pk"), is_primary=True))
    if flag == "no_infusion":
        return ~Exists(Infusion.objects.filter(patient=OuterRef("pk")))
    if flag == "no_engraftment":
        return Exists(Infusion.objects.filter(patient=OuterRef("pk"), engraftment__isnull=True))
    if flag == "follow_up_overdue":
        since = today - dt.timedelta(days=FOLLOW_UP_OVERDUE_DAYS)
        recent = FollowUp.objects.filter(patient=OuterRef("pk"), date__gte=since)
        return ~Exists(_death()) & ~Exists(recent)
    raise ValueError(f"unknown data-quality flag {flag!r}; known: {', '.join(QUALITY_FLAGS)}")


def patient_browse(
    *,
    user: Any,
    centre_id: int | None = None,
    disease: str | None = None,
    status: str | None = None,
    infusion_year: int | None = None,
    flag: str | None = None,
    search: str | None = None,
    today: dt.date | None = None,
) -> QuerySet[Patient]:
    """The patients ``user`` may read, filtered, ordered by registry ID, with summary columns.

    Each row carries ``primary_disease``, ``first_infusion``, ``last_follow_up`` and ``death_date``.
    Unknown ``status`` or ``flag`` codes raise ValueError.
    """
    today = today or dt.date.today()
    rows = readable_patients(user).select_related("centre")
    if centre_id is not None:
        rows = rows.filter(centre_id=centre_id)
    if search:
        rows = rows.filter(registry_id__istartswith=search.strip())
    if disease:
        rows = rows.filter(
            Exists(Diagnosis.objects.filter(patient=OuterRef("pk"), is_primary=True, disease=disease))
        )
    if infusion_year is not None:
        start, end = dt.date(infusion_year, 1, 1), dt.date(infusion_year, 12, 31)
        rows = rows.filter(
            Exists(Infusion.objects.filter(patient=OuterRef("pk"), date__gte=start, date__lte=end))
        )
    if status:
        if status == "alive":
            rows = rows.filter(~Exists(_death()))
        elif status == "dead":
            rows = rows.filter(Exists(_death()))
        elif status == "withdrawn":
            rows = rows.filter(consent_status=ConsentStatus.WITHDRAWN)
        else:
            raise ValueError(f"unknown status {status!r}; known: {', '.join(PATIENT_STATUSES)}")
    if flag:
        rows = rows.filter(_quality_condition(flag, today))
    primary = Diagnosis.objects.filter(patient=OuterRef("pk"), is_primary=True)
    rows = rows.annotate(
        primary_disease=Subquery(primary.values("disease")[:1]),
        first_infusion=Subquery(
            Infusion.objects.filter(patient=OuterRef("pk")).order_by("sequence").values("date")[:1]
        ),
        last_follow_up=Subquery(
            FollowUp.objects.filter(patient=OuterRef("pk")).order_by("-date").values("date")[:1]
        ),
        death_date=Subquery(_death().values("date")[:1]),
    )
    return rows.order_by("registry_id")


def centre_quality(*, user: Any, today: dt.date | None = None) -> QuerySet[Centre]:
    """The centres ``user`` may read, each with ``patient_count`` and ``flag_<code>``: the number of its
    patients carrying each data-quality flag (one query, whatever the number of centres)."""
    today = today or dt.date.today()
    annotations: dict[str, Any] = {}
    for code in ("all", *QUALITY_FLAGS):
        patients = Patient.objects.filter(centre=OuterRef("pk"))
        if code != "all":
            patients = patients.filter(_quality_condition(code, today))
        counted = patients.order_by().values("centre").annotate(n=Count("pk")).values("n")
        name = "patient_count" if code == "all" else f"flag_{code}"
        annotations[name] = Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    return readable_centres(user).annotate(**annotations).order_by("name")


def record_get(*, user: Any, model: type[M], pk: Any) -> M:
    """One record of a patient-owned ``model`` (or a Patient) by primary key, if ``user`` may read it."""
    what = capfirst(str(model._meta.verbose_name))
    if model is Patient:
        return get_or_not_found(readable_patients(user).select_related("centre"), what, pk=pk)
    rows = readable_records(model, user).select_related("patient", "patient__centre")
    return get_or_not_found(rows, what, pk=pk)
