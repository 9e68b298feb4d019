"""A screening candidate pre-filled from a registry patient's records (read through the selectors).

The result is a candidate as ``docs/screening.md`` describes it (the shape the command line, the web
form and the API screen), holding only what the records say; everything else stays missing:

- ``candidate_id`` (the registry ID), ``age_years`` on ``today`` from birth year and month, ``sex``;
- ``disease`` from the primary diagnosis, with its subtype as ``findings.ssc_subset`` (SSc) or
  ``findings.ms_course`` (MS);
- from the latest work-up: height, weight, ECOG or Karnofsky, LVEF, DLCO, FVC, creatinine clearance,
  PASP and mPAP at rest under ``findings`` (each measurement once; the HCT-CI reads it from there), and
  the HCT-CI items recorded as true/false under ``hct_ci``;
- the latest mRSS and EDSS scores.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from remission.clinical.hct_ci import ITEM_BY_CODE
from remission.registry import selectors

SEXES = ("female", "male", "unknown")
SUBTYPE_FIELDS = {
    "ssc": ("ssc_subset", ("diffuse", "limited", "sine")),
    "ms": ("ms_course", ("rrms", "spms", "ppms")),
}
# work-up field -> candidate findings field
WORKUP_FINDINGS = (
    ("lvef_pct", "lvef_pct"),
    ("dlco_pct", "dlco_pct"),
    ("fvc_pct", "fvc_pct"),
    ("creatinine_clearance", "creatinine_clearance_ml_min"),
    ("pasp_mmhg", "pasp_rest_mmhg"),
    ("mpap_mmhg", "mpap_rest_mmhg"),
)
PERFORMANCE_FIELDS = {"ecog": "ecog", "karnofsky": "karnofsky"}
SCORES = (("mrss", "mrss", round), ("edss", "edss", float))  # instrument, findings field, as stored


def candidate_from_patient(*, user: Any, registry_id: str, today: dt.date | None = None) -> dict[str, Any]:
    """The candidate the patient's records fill; another centre's patient is not found."""
    today = today or dt.date.today()
    patient = selectors.patient_get(user=user, registry_id=registry_id)
    candidate: dict[str, Any] = {"candidate_id": patient.registry_id}
    findings: dict[str, Any] = {}
    candidate["age_years"] = today.year - patient.birth_year - (1 if today.month < patient.birth_month else 0)
    if patient.sex in SEXES:
        candidate["sex"] = patient.sex
    primary = selectors.diagnosis_list(user=user, patient=patient).first()
    if primary is not None:
        candidate["disease"] = primary.disease
        field, choices = SUBTYPE_FIELDS.get(primary.disease, ("", ()))
        if primary.subtype in choices:
            findings[field] = primary.subtype
    workup = selectors.workup_list(user=user, patient=patient).last()
    if workup is not None:
        for name in ("height_cm", "weight_kg"):
            if getattr(workup, name) is not None:
                candidate[name] = getattr(workup, name)
        for source, target in WORKUP_FINDINGS:
            if getattr(workup, source) is not None:
                findings[target] = getattr(workup, source)
        scale = PERFORMANCE_FIELDS.get(workup.performance_scale)
        if scale and workup.performance_score is not None:
            findings[scale] = workup.performance_score
        items = {
            code: value
            for code, value in (workup.hct_ci_items or {}).items()
            if code in ITEM_BY_CODE and isinstance(value, bool)
        }
        if items:
            candidate["hct_ci"] = items
    for instrument, field, as_stored in SCORES:
        scored = selectors.assessment_list(user=user, patient=patient, instrument=instrument)
        latest = scored.filter(score__isnull=False).last()
        if latest is not None:
            findings[field] = as_stored(latest.score)
    if findings:
        candidate["findings"] = findings
    return candidate
