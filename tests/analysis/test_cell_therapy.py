"""Cell therapies other than autologous HSCT are analysed on their own (issue 22, item 2).

Four CAR-T patients and one autologous HSCT patient, by hand: the CRS and ICANS worst grades, the day 0
and the survival times are read off the courses written here.
"""

from __future__ import annotations

import datetime as dt

import pytest

from remission.analysis.cell_therapy import other_cell_therapies, worst_grade
from remission.analysis.endpoints import (
    FollowUpFacts,
    InfusionFacts,
    OutcomeFacts,
    PatientCourse,
    ToxicityFacts,
)

DAY0 = dt.date(2023, 1, 10)


def _car_t(rid: str, toxicities: tuple[ToxicityFacts, ...], *, died: int | None = None) -> PatientCourse:
    days = 200 if died is None else died
    return PatientCourse(
        registry_id=rid,
        disease="sle",
        sex="female",
        birth_year=1990,
        birth_month=1,
        infusions=(InfusionFacts(DAY0, 1, "car_t", infusion_id=len(rid)),),
        follow_ups=(FollowUpFacts(DAY0 + dt.timedelta(days=days), "alive"),) if died is None else (),
        outcomes=(OutcomeFacts("death", DAY0 + dt.timedelta(days=died), "trm_crs_icans"),) if died else (),
        toxicities=toxicities,
    )


def _on(day: int, category: str, grade: int | None) -> ToxicityFacts:
    return ToxicityFacts(category, DAY0 + dt.timedelta(days=day), grade)


COURSES = (
    _car_t("C1", (_on(2, "crs", 1), _on(4, "crs", 2))),  # worst CRS 2
    _car_t("C2", (_on(3, "crs", None),)),  # CRS not graded
    _car_t("C3", (_on(5, "icans", 3), _on(1, "crs", 1)), died=40),  # ICANS 3, CRS 1, dies day 40
    _car_t("C4", (_on(-30, "crs", 4),)),  # before the infusion: not counted
    PatientCourse(
        registry_id="H1", disease="ssc", infusions=(InfusionFacts(DAY0, 1, "auto_hsc", infusion_id=9),)
    ),
)


def test_each_product_is_analysed_from_its_first_infusion() -> None:
    (car_t,) = other_cell_therapies(COURSES, cutoff=dt.date(2024, 1, 1))
    assert car_t.product_type == "car_t" and car_t.n == 4 and car_t.small and car_t.also_hsct == 0
    frame = car_t.frame.set_index("registry_id")
    assert (frame.loc["C3", "os_days"], frame.loc["C3", "os_event"]) == (40, 1)
    assert (frame.loc["C1", "os_days"], frame.loc["C1", "os_event"]) == (200, 0)
    worst = {(r.registry_id, r.category): r.worst for r in car_t.toxicity.itertuples()}
    assert worst == {
        ("C1", "crs"): "2",
        ("C1", "icans"): "none",
        ("C2", "crs"): "not graded",
        ("C2", "icans"): "none",
        ("C3", "crs"): "1",
        ("C3", "icans"): "3",
        ("C4", "crs"): "none",
        ("C4", "icans"): "none",
    }


def test_a_product_given_after_the_cut_off_is_not_there() -> None:
    assert other_cell_therapies(COURSES, cutoff=DAY0 - dt.timedelta(days=1)) == ()


@pytest.mark.parametrize(
    ("end", "expected"), [(DAY0 + dt.timedelta(days=3), "1"), (DAY0 + dt.timedelta(days=4), "2")]
)
def test_worst_grade_counts_only_up_to_the_end_of_follow_up(end: dt.date, expected: str) -> None:
    assert worst_grade(COURSES[0], "crs", DAY0, end) == expected


def test_survival_is_estimated_in_the_analysis() -> None:
    # four patients: C3 dies on day 40, the others are last seen alive on day 200 -> S = 3/4 from day 40
    (car_t,) = other_cell_therapies(COURSES, cutoff=dt.date(2024, 1, 1))
    assert car_t.survival["OS"].at([39.0, 40.0, 200.0]).estimate.tolist() == [1.0, 0.75, 0.75]
    os_rows = car_t.estimates[car_t.estimates["endpoint"] == "OS"]
    assert os_rows["timepoint"].tolist() == ["100 days", "1 year", "2 years"]
    assert os_rows["estimate"].iloc[0] == pytest.approx(0.75, abs=1e-12)
    assert set(car_t.estimates["endpoint"]) == {"OS", "PFS"}
