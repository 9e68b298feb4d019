"""Data quality: the structural flags counted per centre, and every validation rule run over a page of
patients, each finding linking to the record to fix."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst

from remission.registry import selectors
from remission.registry.kinds import KIND_OF_MODEL_NAME, PATIENT_KIND
from remission.registry.labels import field_label, model_label
from remission.registry.selectors.browse import QUALITY_FLAGS
from remission.registry.validation import patient_findings
from remission.web.views.common import paginate, query_without_page

PATIENTS_PER_PAGE = 25


def _record_url(finding: Any) -> str:
    if finding.entity == "patient":
        return reverse("record_edit", args=["patient", finding.patient_id])
    kind = KIND_OF_MODEL_NAME.get(finding.entity)
    if kind is None or finding.record_id is None:
        return reverse("patient_detail", args=[finding.registry_id])
    return reverse("record_edit", args=[kind.slug, finding.record_id])


def _kind(finding: Any) -> Any:
    """The record kind of the finding's entity (None for an entity the web has no form for)."""
    return PATIENT_KIND if finding.entity == "patient" else KIND_OF_MODEL_NAME.get(finding.entity)


def _field(finding: Any) -> str:
    """The finding's field by its name for people ("Diagnosis date", not ``diagnosis_date``)."""
    kind = _kind(finding)
    return finding.problem.field if kind is None else field_label(kind.model, finding.problem.field)


def _record(finding: Any) -> str:
    """The finding's record as the page's language names it ("Suivi #12"; the patient is in its own
    column); the problem's own record name stays as written, in English, for the API and the logs."""
    kind = _kind(finding)
    if kind is None:
        return finding.problem.record
    name = capfirst(model_label(kind.model))
    if finding.entity == "patient" or finding.record_id is None:
        return name
    return f"{name} #{finding.record_id}"


@login_required
def quality(request: HttpRequest) -> HttpResponse:
    centres = list(selectors.centre_quality(user=request.user))
    chosen = request.GET.get("centre") or ""
    centre = next((c for c in centres if str(c.pk) == chosen), None)
    flag = request.GET.get("flag") if request.GET.get("flag") in QUALITY_FLAGS else None
    counts = [
        {
            "centre": c,
            "flags": [
                {"code": code, "label": label, "count": getattr(c, f"flag_{code}")}
                for code, label in QUALITY_FLAGS.items()
            ],
        }
        for c in (centres if centre is None else [centre])
    ]
    patients = selectors.patient_browse(user=request.user, centre_id=centre.pk if centre else None, flag=flag)
    page = paginate(patients, request, PATIENTS_PER_PAGE)
    findings = []
    for patient in page.object_list:
        for finding in patient_findings(patient):
            findings.append(
                {
                    "finding": finding,
                    "url": _record_url(finding),
                    "patient": patient,
                    "field": _field(finding),
                    "record": _record(finding),
                }
            )
    context = {
        "centres": centres,
        "centre": centre,
        "flag": flag,
        "flags": QUALITY_FLAGS,
        "counts": counts,
        "page": page,
        "findings": findings,
        "query": query_without_page(request),
    }
    return render(request, "web/quality.html", context)
