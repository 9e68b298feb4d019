"""Day-number dates ("D+100"): parsing against a known day 0, the record forms taking them, the errors.

Expected dates are counted by hand on the calendar, not by the code under test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from remission.registry.kinds import KINDS
from remission.registry.models import FollowUp
from remission.web.day_numbers import (
    CODE_NO_DAY_ZERO,
    CODE_RANGE,
    CODE_SYNTAX,
    DayNumber,
    DayNumberError,
    DayZero,
    date_of_day_number,
    is_day_number_text,
    parse_day_number,
    resolved_day_numbers,
)
from remission.web.forms import record_form_class

# 2024 is a leap year: 20 February + 9 days is 29 February, + 10 days is 1 March.
LEAP_DAY0 = dt.date(2024, 2, 20)


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en-gb"):
        yield


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("D+10", dt.date(2024, 3, 1)),
        ("d+10", dt.date(2024, 3, 1)),
        ("D10", dt.date(2024, 3, 1)),
        ("D + 10", dt.date(2024, 3, 1)),
        ("  D+010 ", dt.date(2024, 3, 1)),
        ("J+10", dt.date(2024, 3, 1)),  # "jour", as French teams write it
        ("D+9", dt.date(2024, 2, 29)),
        ("D0", dt.date(2024, 2, 20)),
        ("D+0", dt.date(2024, 2, 20)),
        ("D-0", dt.date(2024, 2, 20)),
        ("D-7", dt.date(2024, 2, 13)),
        ("d-20", dt.date(2024, 1, 31)),
        ("D\u221260", dt.date(2023, 12, 22)),  # the minus sign the patient page prints ("D−60")
        ("D\u201360", dt.date(2023, 12, 22)),  # an en dash, as word processors turn "-" into
        ("j-60", dt.date(2023, 12, 22)),
        ("D+366", dt.date(2025, 2, 20)),  # a leap year's 366 days from 20 February 2024
    ],
)
def test_day_numbers_from_a_known_day_zero(text: str, expected: dt.date) -> None:
    assert date_of_day_number(text, LEAP_DAY0, field="Date") == expected


def test_day_100_of_the_example_patient() -> None:
    # day 0 on 14 March 2022: 17 more days in March, 30 in April, 31 in May -> 78; 22 June is day 100
    assert date_of_day_number("D+100", dt.date(2022, 3, 14), field="Date") == dt.date(2022, 6, 22)
    assert date_of_day_number("D+78", dt.date(2022, 3, 14), field="Date") == dt.date(2022, 5, 31)


@pytest.mark.parametrize(
    "text", ["D+", "D", "D+1.5", "D+x", "D++1", "Dx", "D+-3", "day 100", "D 1 0", "D+١٠"]
)
def test_malformed_day_numbers_say_how_to_write_them(text: str) -> None:
    with pytest.raises(DayNumberError) as raised:
        date_of_day_number(text, LEAP_DAY0, field="Onset date")
    assert raised.value.code == CODE_SYNTAX
    assert raised.value.message.startswith("Onset date: ")
    assert "D+100, D-7 or D0" in raised.value.message


@pytest.mark.parametrize("text", ["D+36526", "D-40000", "D+999999999"])
def test_impossible_day_numbers(text: str) -> None:
    with pytest.raises(DayNumberError) as raised:
        parse_day_number(text, field="Date")
    assert raised.value.code == CODE_RANGE
    assert "impossible" in raised.value.message and "36525" in raised.value.message


def test_a_day_number_past_the_calendar_is_impossible() -> None:
    with pytest.raises(DayNumberError) as raised:
        date_of_day_number("D+36000", dt.date(9990, 1, 1), field="Date")
    assert raised.value.code == CODE_RANGE


def test_no_day_zero_names_the_field() -> None:
    with pytest.raises(DayNumberError) as raised:
        date_of_day_number("D+100", None, field="Follow-up date")
    assert raised.value.code == CODE_NO_DAY_ZERO
    assert raised.value.message.startswith("Follow-up date: D+100")
    assert "no day 0 yet" in raised.value.message


def test_what_counts_as_a_day_number() -> None:
    assert is_day_number_text("D+1") and is_day_number_text(" j-3") and is_day_number_text("Dx")
    assert not is_day_number_text("2024-02-20")
    assert not is_day_number_text("20/02/2024")
    assert not is_day_number_text("")
    assert [str(DayNumber(n)) for n in (100, -7, 0)] == ["D+100", "D-7", "D0"]


def test_day_zero_is_the_first_infusion() -> None:
    later, first = dt.date(2023, 5, 1), dt.date(2022, 3, 14)
    assert DayZero.from_infusions([later, None, first]).date == first
    assert DayZero.from_infusions([]).date is None


# --- the record forms ----------------------------------------------------------------------------


def _follow_up_form(day_zero: DayZero | None, date: str) -> Any:
    form_class = record_form_class(KINDS["follow-up"], ref_choices={}, editing=False, day_zero=day_zero)
    data = {"date": date, "vital_status": "alive", "disease_status": "stable", "reason": ""}
    return form_class(data)


def test_a_record_form_takes_day_numbers_and_dates() -> None:
    day_zero = DayZero(dt.date(2022, 3, 14))
    form = _follow_up_form(day_zero, "D+100")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date"] == dt.date(2022, 6, 22)
    assert [str(r) for r in resolved_day_numbers(form)] == ["Date: D+100 is 2022-06-22"]
    for typed in ("2022-06-22", "22/06/2022"):  # calendar dates as before (ISO, and en-GB's own)
        form = _follow_up_form(day_zero, typed)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["date"] == dt.date(2022, 6, 22)
        assert resolved_day_numbers(form) == []


def test_the_date_input_is_text_with_its_help() -> None:
    form_class = record_form_class(
        KINDS["follow-up"], ref_choices={}, editing=False, day_zero=DayZero(dt.date(2022, 3, 14))
    )
    form = form_class()
    html = str(form["date"])
    assert 'type="text"' in html and 'aria-describedby="id_date_helptext"' in html
    assert "a date or D+n" in str(form["date"].help_text)


def test_every_date_field_of_every_record_form_takes_day_numbers() -> None:
    from django import forms

    day_zero = DayZero(dt.date(2022, 3, 14))
    for slug, kind in KINDS.items():
        form_class = record_form_class(kind, ref_choices={}, editing=False, day_zero=day_zero)
        dates = [n for n, f in form_class.base_fields.items() if isinstance(f, forms.DateField)]
        for name in dates:
            field = form_class.base_fields[name]
            assert field.clean("D-7") == dt.date(2022, 3, 7), (slug, name)


def test_without_day_zero_given_the_form_is_as_before() -> None:
    form_class = record_form_class(KINDS["follow-up"], ref_choices={}, editing=False)
    assert 'type="date"' in str(form_class()["date"])


def test_errors_at_the_field() -> None:
    no_day_zero = _follow_up_form(DayZero(None), "D+100")
    assert not no_day_zero.is_valid()
    [message] = no_day_zero.errors["date"]
    assert message.startswith("Date: D+100") and "no day 0 yet" in message
    assert no_day_zero.errors.as_data()["date"][0].code == CODE_NO_DAY_ZERO

    malformed = _follow_up_form(DayZero(dt.date(2022, 3, 14)), "D+1.5")
    assert not malformed.is_valid()
    assert "is not a day number" in malformed.errors["date"][0]

    # D+36000 is about 2120: past the registry's years
    beyond = _follow_up_form(DayZero(dt.date(2022, 3, 14)), "D+36000")
    assert not beyond.is_valid()
    assert beyond.errors.as_data()["date"][0].code == "date_range"


# --- the record pages (web/views/records.py) ------------------------------------------------------


def test_a_record_form_saves_a_day_number_and_shows_its_date(world: Any, signed_in: Any) -> None:
    patient = world.patient_a
    before = list(FollowUp.objects.filter(patient=patient).values_list("pk", flat=True))
    url = reverse("record_new", args=[patient.registry_id, "follow-up"])
    client = signed_in("dm_a")
    page = client.get(url).content.decode()
    assert 'type="text" name="date"' in page and "a date or D+n" in page
    data = {"date": "D+100", "vital_status": "alive", "disease_status": "stable", "current_therapy": ""}
    response = client.post(url, data, follow=True)
    assert "Date: D+100 is 2022-06-22" in response.content.decode()
    stored = FollowUp.objects.filter(patient=patient).exclude(pk__in=before).get()
    assert stored.date == dt.date(2022, 6, 22)


def test_an_edit_takes_a_day_number(world: Any, signed_in: Any) -> None:
    record = FollowUp.objects.filter(patient=world.patient_a).order_by("pk").first()
    url = reverse("record_edit", args=["follow-up", record.pk])
    data = {
        "date": "D-7",
        "vital_status": record.vital_status,
        "disease_status": record.disease_status,
        "current_therapy": record.current_therapy,
        "version": record.version,
        "reason": "typed as a day number",
    }
    response = signed_in("dm_a").post(url, data, follow=True)
    assert "Date: D-7 is 2022-03-07" in response.content.decode()
    record.refresh_from_db()
    assert record.date == dt.date(2022, 3, 7)
