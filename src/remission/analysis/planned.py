"""A generated patient as the analysis layer reads a stored one: :func:`course_of` gives a
:class:`~remission.analysis.endpoints.PatientCourse` for a synthetic
:class:`~remission.synth.plan.PatientPlan`.

The analysis layer (:mod:`remission.analysis.loader`) reads stored records into plain courses and
derives endpoints from them (:func:`remission.analysis.endpoints.derive_endpoints`). To analyse tens of
thousands of generated patients without writing them first (the calibration test), this module takes the
same facts from the records a :class:`~remission.synth.plan.PatientPlan` would write, as the loader takes
them from the tables: primary diagnosis, infusions with product, conditioning and engraftment, outcome
events, follow-ups, response scores, the latest other contacts, secondary autoimmune onsets. The tests
check that a written and reloaded registry gives the same endpoints as its courses built here.

It lives in the analysis layer, beside the loader whose reading it repeats (the response instruments, the
items kept, the effective intensity), and reads the synthetic registry's plans from the floor below; the
synthetic registry itself never imports the analysis layer.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from remission.analysis.derivation_reads import ITEMS_NEEDED
from remission.analysis.endpoints import (
    RESPONSE_INSTRUMENTS,
    EngraftmentFacts,
    FollowUpFacts,
    InfusionFacts,
    OtherContact,
    OutcomeFacts,
    PatientCourse,
    ScoreFacts,
    WorkUpFacts,
)
from remission.analysis.loader import effective_intensity
from remission.synth.centres import CENTRE_BY_CODE
from remission.synth.plan import PatientPlan


def course_of(plan: PatientPlan) -> PatientCourse:
    """The course the analysis layer would load for ``plan`` once written (no ids: ``infusion_id`` None)."""
    by_model: dict[str, list[Any]] = defaultdict(list)
    keyed: dict[str, dict[str, Any]] = {}
    for rec in plan.records:
        by_model[rec.model].append(rec)
        if rec.key:
            keyed[rec.key] = rec.fields
    diagnosis = next((r.fields for r in by_model["Diagnosis"] if r.fields.get("is_primary")), None)
    engraftments = {r.refs["infusion"]: r.fields for r in by_model["Engraftment"]}
    infusions = []
    for rec in sorted(by_model["Infusion"], key=lambda r: r.fields["sequence"]):
        product = keyed[rec.refs["product"]]
        conditioning = keyed[rec.refs["conditioning"]] if "conditioning" in rec.refs else {}
        graft = engraftments.get(rec.key)
        infusions.append(
            InfusionFacts(
                date=rec.fields["date"],
                sequence=rec.fields["sequence"],
                product_type=product["product_type"],
                regimen=conditioning.get("regimen", ""),
                intensity=effective_intensity(
                    conditioning.get("intensity", ""), conditioning.get("regimen", "")
                ),
                engraftment=None
                if graft is None
                else EngraftmentFacts(
                    graft["neutrophil_date"],
                    graft["platelet_date"],
                    bool(graft["platelets_never_below_20"]),
                    bool(graft["graft_failure"]),
                ),
            )
        )
    scores = [
        ScoreFacts(
            f["date"],
            f["instrument"],
            f["score"],
            f["items"] if f["instrument"] in ITEMS_NEEDED else None,
            f["during_relapse"],
        )
        for f in (r.fields for r in by_model["Assessment"])
        if f["instrument"] in RESPONSE_INSTRUMENTS
    ]
    scores += [
        ScoreFacts(r.fields["date"], "fvc_pct", r.fields["fvc_pct"])
        for r in by_model["WorkUp"]
        if r.fields.get("fvc_pct") is not None
    ]
    adverse = [r.fields for r in by_model["AdverseEvent"]]
    latest = (
        (
            "assessment",
            [
                r.fields["date"]
                for r in by_model["Assessment"]
                if r.fields["instrument"] not in RESPONSE_INSTRUMENTS
            ],
        ),
        ("lab result", [r.fields["date"] for r in by_model["LabResult"]]),
        ("adverse event onset", [f["onset_date"] for f in adverse]),
        ("adverse event resolution", [f["resolution_date"] for f in adverse if f["resolution_date"]]),
    )
    centre = CENTRE_BY_CODE[plan.centre]
    return PatientCourse(
        registry_id=plan.registry_id,
        centre=centre.code,
        country=centre.country,
        sex=plan.patient["sex"],
        birth_year=plan.patient["birth_year"],
        birth_month=plan.patient["birth_month"],
        disease=diagnosis["disease"] if diagnosis else "",
        subtype=diagnosis["subtype"] if diagnosis else "",
        infusions=tuple(infusions),
        outcomes=tuple(
            OutcomeFacts(r.fields["event_type"], r.fields["date"], r.fields["cause_of_death"])
            for r in by_model["OutcomeEvent"]
        ),
        follow_ups=tuple(
            FollowUpFacts(r.fields["date"], r.fields["vital_status"], r.fields["disease_status"])
            for r in by_model["FollowUp"]
        ),
        scores=tuple(scores),
        secondary_autoimmune_onsets=tuple(
            f["onset_date"] for f in adverse if f["category"] == "secondary_autoimmunity"
        ),
        other_contacts=tuple(OtherContact(what, max(days)) for what, days in latest if days),
        workups=tuple(
            WorkUpFacts(
                f["date"], f.get("hct_ci_score"), f.get("performance_scale") or "", f.get("performance_score")
            )
            for f in (r.fields for r in by_model["WorkUp"])
            if f.get("hct_ci_score") is not None or f.get("performance_score") is not None
        ),
    )
