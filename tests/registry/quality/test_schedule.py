"""Follow-up schedules (pure): the points of a schedule, their dated windows, where the list stops.

Every date below was worked out by hand from day 0 = 2024-01-10 (2024 is a leap year):
day 100 = 2024-04-19 (21 days to 31 Jan, 29 in February, 31 in March, 19 in April), window ± 30 days
= 2024-03-20 .. 2024-05-19; day 183 = 2024-07-11, ± 45 = 2024-05-27 .. 2024-08-25; day 365 = 2025-01-09
(2024 has 366 days), ± 90 = 2024-10-11 .. 2025-04-09; day 730 = 2026-01-09.
"""

from __future__ import annotations

import datetime as dt

import pytest

from remission.registry.quality.schedule import (
    SchedulePoint,
    Stop,
    dated,
    expected_points,
    received_date,
    schedule_name,
    schedule_points,
)

D = dt.date
DAY0 = D(2024, 1, 10)
SPEC = {
    "points": [
        ("d100", "Day 100", 100, 30, 30),
        ("m6", "6 months", 183, 45, 45),
        ("y1", "1 year", 365, 90, 90),
    ],
    "yearly_from": 2,
    "yearly_to": 15,
    "yearly_window": 90,
}
OF_PRODUCT = {"auto_hsc": "hsct", "msc": "cell_therapy", "treg": "cell_therapy", "car_t": "gene_modified"}


def test_a_schedule_has_its_fixed_points_then_one_a_year_to_the_end_of_the_track() -> None:
    points = schedule_points(SPEC)
    assert [p.code for p in points] == ["d100", "m6", "y1", *[f"y{n}" for n in range(2, 16)]]
    assert points[3] == SchedulePoint("y2", "2 years", 730, 90, 90)  # 730.5 rounds half to even
    assert points[4].day == 1096  # 1095.75
    assert points[-1] == SchedulePoint("y15", "15 years", 5479, 90, 90)  # 5478.75


def test_a_repeated_code_is_refused() -> None:
    with pytest.raises(ValueError, match="repeats"):
        schedule_points({"points": [("y2", "2 years", 730, 90, 90)], "yearly_from": 2, "yearly_to": 3})


def test_windows_are_dated_from_day_0() -> None:
    d100, m6, y1, y2 = (dated(p, DAY0) for p in schedule_points(SPEC)[:4])
    assert (d100.due_date, d100.window_start, d100.window_end) == (
        D(2024, 4, 19),
        D(2024, 3, 20),
        D(2024, 5, 19),
    )
    assert (m6.due_date, m6.window_start, m6.window_end) == (D(2024, 7, 11), D(2024, 5, 27), D(2024, 8, 25))
    assert (y1.due_date, y1.window_start, y1.window_end) == (D(2025, 1, 9), D(2024, 10, 11), D(2025, 4, 9))
    assert y2.due_date == D(2026, 1, 9)


def test_the_schedule_of_a_product() -> None:
    def name(product: str | None, manipulation: str = "none") -> str:
        return schedule_name(
            product, manipulation=manipulation, of_product=OF_PRODUCT, gene_modified_products={"car_t"}
        )

    assert name("auto_hsc") == "hsct"
    assert name("msc") == "cell_therapy"
    assert name("car_t") == "gene_modified"
    assert name("auto_hsc", "gene_modification") == "gene_modified"  # modified by its manipulation
    assert name("unheard_of") == "hsct"
    assert name(None) == "hsct"


def test_points_whose_window_opened_and_the_next_one_are_expected() -> None:
    rows = expected_points(schedule_points(SPEC), DAY0, today=D(2024, 6, 1))
    # d100's window opened 2024-03-20, m6's 2024-05-27; y1's opens 2024-10-11: shown as the next, then stop
    assert [r.code for r in rows] == ["d100", "m6", "y1"]
    assert all(r.not_required_reason == "" for r in rows)
    before_any = expected_points(schedule_points(SPEC), DAY0, today=D(2024, 1, 11))
    assert [r.code for r in before_any] == ["d100"]


def test_a_death_makes_the_next_point_not_required_and_ends_the_list() -> None:
    died = Stop(D(2024, 7, 1), "died on 2024-07-01")
    rows = expected_points(schedule_points(SPEC), DAY0, today=D(2026, 6, 1), stops=[died])
    # m6 is due 2024-07-11, after the death
    assert [(r.code, r.not_required_reason) for r in rows] == [("d100", ""), ("m6", "died on 2024-07-01")]


def test_of_two_stops_the_earlier_gives_the_reason() -> None:
    stops = [Stop(D(2024, 9, 1), "died"), Stop(D(2024, 3, 1), "superseded by infusion 2")]
    rows = expected_points(schedule_points(SPEC), DAY0, today=D(2026, 6, 1), stops=stops)
    assert [(r.code, r.not_required_reason) for r in rows] == [("d100", "superseded by infusion 2")]


def test_a_point_due_on_the_day_of_the_stop_is_still_required() -> None:
    rows = expected_points(
        schedule_points(SPEC), DAY0, today=D(2026, 6, 1), stops=[Stop(D(2024, 4, 19), "x")]
    )
    assert [(r.code, r.not_required_reason) for r in rows] == [("d100", ""), ("m6", "x")]


def test_the_track_ends_at_its_last_year() -> None:
    rows = expected_points(schedule_points(SPEC), DAY0, today=D(2060, 1, 1))
    assert len(rows) == 17
    assert rows[-1].code == "y15"


def test_the_form_is_the_first_contact_inside_the_window() -> None:
    contacts = [D(2024, 3, 19), D(2024, 3, 25), D(2024, 6, 1)]
    assert received_date(contacts, D(2024, 3, 20), D(2024, 5, 19)) == D(2024, 3, 25)
    assert received_date(contacts, D(2024, 3, 19), D(2024, 3, 19)) == D(2024, 3, 19)  # both ends count
    assert received_date(contacts, D(2024, 4, 1), D(2024, 5, 31)) is None
    assert received_date([], D(2024, 1, 1), D(2025, 1, 1)) is None
