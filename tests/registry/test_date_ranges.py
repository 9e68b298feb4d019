"""The registry's years (registry.ranges) at every way a date comes in that is not a web form or the API:
the services (whatever face calls them), imported cells, and the command line's dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from remission.interop.values import CellError, parse_date
from remission.registry import services
from remission.registry.errors import ValidationFailed
from remission.registry.models import FollowUp, Patient
from remission.registry.ranges import RULE_DATE_RANGE, date_out_of_range
from remission.registry.validation import birth_month_start


def test_the_service_refuses_a_birth_year_that_makes_no_date(world: Any) -> None:
    patient = world.patient_a
    with pytest.raises(ValidationFailed) as caught:
        services.record_update(
            patient, actor=world.users["dm_a"], version=patient.version, changes={"birth_year": 25531}
        )
    assert "birth_year" in {p.field for p in caught.value.problems}
    assert Patient.objects.get(pk=patient.pk).birth_year == patient.birth_year


@pytest.mark.parametrize("day", [dt.date(9999, 12, 31), dt.date(1, 1, 1), dt.date(2262, 4, 12)])
def test_the_service_refuses_a_record_date_outside_the_years(world: Any, day: dt.date) -> None:
    follow_up = FollowUp.objects.filter(patient=world.patient_a).first()
    with pytest.raises(ValidationFailed) as caught:
        services.record_update(
            follow_up, actor=world.users["dm_a"], version=follow_up.version, changes={"date": day}
        )
    problems = [p for p in caught.value.problems if p.rule == RULE_DATE_RANGE]
    assert [(p.field, p.message) for p in problems] == [("date", date_out_of_range("Date", day))]


def test_birth_month_start_of_impossible_values_is_the_earliest_year() -> None:
    assert birth_month_start(1980, 5) == dt.date(1980, 5, 1)
    assert birth_month_start(25531, 5) == dt.date(1900, 5, 1)
    assert birth_month_start(1980, 13) == dt.date(1980, 1, 1)
    assert birth_month_start(None, None) == dt.date(1900, 1, 1)


@pytest.mark.parametrize("cell", ["9999-12-31", "1066-10-14", 2958465, dt.date(2262, 4, 12)])
def test_an_imported_date_outside_the_years_is_a_cell_error(cell: Any) -> None:
    with pytest.raises(CellError) as caught:
        parse_date(cell)
    assert caught.value.rule == RULE_DATE_RANGE
    assert "between 1900-01-01 and 2100-12-31" in caught.value.message


def test_an_imported_date_inside_the_years_is_read() -> None:
    assert parse_date("1900-01-01") == dt.date(1900, 1, 1)
    assert parse_date("2100-12-31") == dt.date(2100, 12, 31)
    assert parse_date(45000) == dt.date(2023, 3, 15)  # Excel serial day 45000


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["report", "--cutoff", "9999-12-31"], "--cutoff"),
        (["report", "--from", "0001-01-01"], "--from"),
        (["export", "--to", "2300-01-01", "--out", "x.zip"], "--to"),
    ],
)
def test_command_line_dates_outside_the_years_are_refused(
    argv: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from remission.cli import build_parser

    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(argv)
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert option in error
    assert "between 1900-01-01 and 2100-12-31" in error
