"""The patient flow accounts for every patient: one patient per reason to be left out, counts known here.

Issue 22, item 2: the report said "every patient in the registry" and "Left out: 0" while CAR-T patients
and patients infused after the cut-off were silently not analysed.
"""

from __future__ import annotations

import datetime as dt

import pytest

from remission.analysis import Cohort
from remission.analysis.dataset import derive_analysis_set
from remission.analysis.endpoints import FollowUpFacts, InfusionFacts, OutcomeFacts, PatientCourse
from remission.analysis.flow import (
    CUTOFF_EXTRACTION,
    CUTOFF_GIVEN,
    FlowStep,
    PatientFlow,
    data_cut_off,
)
from remission.analysis.loader import InfusionRow, RegistryExtract

CUTOFF = dt.date(2024, 6, 30)
DAY0 = dt.date(2020, 3, 1)


def _patient(
    rid: str,
    *,
    disease: str = "ssc",
    centre: str = "alpha",
    product: str | None = "auto_hsc",
    day: dt.date = DAY0,
    died: dt.date | None = None,
) -> PatientCourse:
    infusions = (InfusionFacts(day, 1, product, infusion_id=hash(rid) % 10**6),) if product else ()
    outcomes = (OutcomeFacts("death", died, "unknown"),) if died else ()
    return PatientCourse(
        registry_id=rid,
        centre=centre,
        country="NL",
        sex="female",
        birth_year=1975,
        birth_month=5,
        disease=disease,
        infusions=infusions,
        outcomes=outcomes,
        follow_ups=(FollowUpFacts(day + dt.timedelta(days=100), "alive", "stable"),) if product else (),
    )


COURSES = (
    _patient("P1-no-infusion", product=None),
    _patient("P2-car-t", product="car_t"),
    _patient("P3-msc", product="msc"),
    _patient("P4-after-cutoff", day=CUTOFF + dt.timedelta(days=1)),
    _patient("P5-death-before", died=DAY0 - dt.timedelta(days=3)),
    _patient("P6-analysed"),
    _patient("P7-ms", disease="ms"),
    _patient("P8-ms-beta", disease="ms", centre="beta"),
    _patient("P9-ssc-beta", centre="beta"),
)


def _extract() -> RegistryExtract:
    rows = tuple(
        InfusionRow(i.infusion_id or 0, c.registry_id, c.centre, i.date, i.sequence, i.product_type)
        for c in COURSES
        for i in c.infusions
    )
    return RegistryExtract(COURSES, rows)


def test_every_patient_is_analysed_or_left_out_by_one_named_rule() -> None:
    cutoff = data_cut_off(CUTOFF, extracted=dt.date(2026, 1, 1))
    analysis_set = derive_analysis_set(
        _extract(), cohort=Cohort(disease="ssc", centre="alpha"), cutoff=cutoff
    )
    flow = analysis_set.flow
    assert flow is not None
    assert flow.in_registry == 9
    assert {step.rule: step.n for step in flow.steps} == {
        "no_infusion": 1,
        "other_product:car_t": 1,
        "other_product:msc": 1,
        "infused_after_cutoff": 1,
        "death_before_infusion": 1,
        "filter_disease": 2,  # P7 and P8 (P8 is also at beta: the first filter that applies counts)
        "filter_centre": 1,  # P9
    }
    assert flow.analysed == 1
    assert list(analysis_set.frame["registry_id"]) == ["P6-analysed"]
    assert flow.count("other_product") == 2
    assert flow.cutoff is not None and flow.cutoff.date == CUTOFF and flow.cutoff.rule == CUTOFF_GIVEN
    assert {x.registry_id: x.rule for x in analysis_set.left_out} == {
        "P1-no-infusion": "no_infusion",
        "P2-car-t": "other_product",
        "P3-msc": "other_product",
        "P4-after-cutoff": "infused_after_cutoff",
        "P5-death-before": "death_before_infusion",
    }


def test_without_filters_the_flow_has_no_filter_step() -> None:
    flow = derive_analysis_set(_extract(), cutoff=CUTOFF).flow
    assert flow is not None
    assert (flow.in_registry, flow.left_out, flow.analysed) == (9, 5, 4)
    assert not any(step.rule.startswith("filter_") for step in flow.steps)


def test_counts_that_do_not_add_up_are_refused() -> None:
    with pytest.raises(ValueError, match="every patient must be analysed or left out"):
        PatientFlow(10, (FlowStep("no_infusion", "No infusion recorded", 2),), 7, "autologous HSCT")


def test_the_default_cut_off_is_the_extraction_date() -> None:
    extracted = dt.date(2026, 12, 4)
    default = data_cut_off(None, extracted=extracted)
    assert (default.date, default.rule) == (extracted, CUTOFF_EXTRACTION)
    assert default.label() == "2026-12-04 (date of data extraction, the default)"
    assert data_cut_off(CUTOFF, extracted=extracted).date == CUTOFF
