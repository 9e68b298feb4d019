"""Pages of the patient list: an exact count up to ``COUNT_LIMIT``, "more than …" beyond it, and paging
forward without counting every row."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from remission.registry import services
from remission.registry.codes import Sex
from remission.registry.models import Patient
from remission.web import paging


def _register(world: Any, count: int) -> None:
    for _ in range(count):
        services.patient_register(
            actor=world.users["dm_a"],
            centre=world.centre_a,
            sex=Sex.MALE,
            birth_year=1975,
            birth_month=3,
            consent_status="not_asked",
        )


@pytest.mark.parametrize(("value", "number"), [(None, 1), ("3", 3), ("0", 1), ("-2", 1), ("last", 1)])
def test_page_number(value: str | None, number: int) -> None:
    assert paging.page_number(value) == number


def test_exact_count_below_the_limit(world: Any) -> None:
    _register(world, 5)  # 6 patients at centre A with patient_a
    rows = Patient.objects.filter(centre=world.centre_a).order_by("registry_id")
    ids = list(rows.values_list("registry_id", flat=True))
    first = paging.page_of(rows, 1, 4)
    assert [p.registry_id for p in first.object_list] == ids[:4]
    assert (first.count, first.capped, first.num_pages, first.count_label) == (6, False, 2, "6")
    assert (first.has_previous, first.has_next, first.start_index, first.end_index) == (False, True, 1, 4)
    second = paging.page_of(rows, 2, 4)
    assert [p.registry_id for p in second.object_list] == ids[4:]
    assert (second.has_previous, second.has_next, second.start_index, second.end_index) == (True, False, 5, 6)
    assert paging.page_of(rows, 9, 4).number == 2  # past the end: the last page


def test_more_than_the_limit_is_not_counted(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging, "COUNT_LIMIT", 3)
    _register(world, 5)
    rows = Patient.objects.filter(centre=world.centre_a).order_by("registry_id")
    ids = list(rows.values_list("registry_id", flat=True))
    first = paging.page_of(rows, 1, 2)
    assert (first.capped, first.num_pages, first.count_label) == (True, None, "more than 3")
    third = paging.page_of(rows, 3, 2)  # rows 5-6, past the counted 3: found by reading one row more
    assert [p.registry_id for p in third.object_list] == ids[4:6]
    assert (third.has_next, third.has_previous) == (False, True)
    beyond = paging.page_of(rows, 7, 2)
    assert (beyond.object_list, beyond.has_next, beyond.start_index) == ([], False, 0)


def test_the_list_page_says_more_than(world: Any, signed_in: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging, "COUNT_LIMIT", 2)
    _register(world, 2)
    text = signed_in("dm_a").get(reverse("patient_list")).content.decode()
    assert "more than 2 patients" in text
    text = signed_in("dm_b").get(reverse("patient_list")).content.decode()
    assert "1 patient" in text and "more than" not in text
