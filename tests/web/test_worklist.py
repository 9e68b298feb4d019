"""The web page *Forms due* (/quality/worklist/): overdue first, centre-scoped, with sign-off, unlock and
waive as POST forms for those allowed; refusals say why and change nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from remission.registry.codes import AuditAction, Role
from remission.registry.models import AuditRecord, Query, TimePoint
from remission.registry.quality.timepoints import refresh
from tests.registry.conftest import World, grant, make_user
from tests.registry.quality.hand_built import treated

pytestmark = pytest.mark.django_db
URL = "/quality/worklist/"


@pytest.fixture
def late(world: World) -> Any:
    """A patient of centre a infused 200 days ago: day 100 (window to day 130) overdue by 70 days, 6 months
    (window days 138 .. 228) due."""
    today = timezone.localdate()
    patient = treated(world.users["dm_a"], world.centre_a, today - dt.timedelta(days=200)).patient
    refresh([patient.pk, world.patient_a.pk, world.patient_b.pk])
    return patient


def _point(patient: Any, code: str) -> TimePoint:
    return TimePoint.objects.get(patient=patient, point=code)


def _post(client: Client, tp: TimePoint, action: str, reason: str = "") -> Any:
    return client.post(URL, {"time_point": tp.pk, "action": action, "reason": reason}, follow=True)


def test_the_url_and_the_links() -> None:
    assert reverse("worklist") == URL


def test_a_data_manager_sees_their_centres_forms_overdue_first(
    world: World, late: Any, signed_in: Callable[[str], Client]
) -> None:
    page = signed_in("dm_a").get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert late.registry_id in html
    assert world.patient_b.registry_id not in html  # another centre's patient: never
    rows = list(page.context["page"].object_list)
    mine = [(tp.point, tp.status) for tp in rows if tp.patient_id == late.pk]
    assert mine == [("d100", "overdue"), ("m6", "due")]
    statuses = [tp.status for tp in rows]
    assert statuses == sorted(statuses, key=lambda s: 0 if s == "overdue" else 1)  # every overdue first
    d100 = next(r for r in page.context["rows"] if r["tp"].patient_id == late.pk and r["tp"].point == "d100")
    assert d100["days_overdue"] == 70
    assert d100["steps"] == ["lock", "waive"]
    assert f'href="{reverse("patient_detail", args=[late.registry_id])}"' in html
    assert 'href="/quality/worklist/"' in signed_in("dm_a").get(reverse("quality")).content.decode()


def test_the_registry_sees_every_centre_and_filters_by_centre(
    world: World, late: Any, signed_in: Callable[[str], Client]
) -> None:
    stat = signed_in("stat")
    html = stat.get(URL + "?status=all").content.decode()
    assert late.registry_id in html and world.patient_b.registry_id in html
    only_b = stat.get(URL + f"?status=all&centre={world.centre_b.pk}").content.decode()
    assert world.patient_b.registry_id in only_b and late.registry_id not in only_b
    rows = stat.get(URL).context["rows"]
    assert all(r["steps"] == [] for r in rows)  # a statistician signs nothing off


def test_sign_off_then_unlock_are_audited(
    world: World, late: Any, signed_in: Callable[[str], Client]
) -> None:
    client = signed_in("dm_a")
    d100 = _point(late, "d100")
    page = _post(client, d100, "lock")
    assert "signed off" in page.content.decode()
    assert _point(late, "d100").locked_by_id == world.users["dm_a"].pk
    page = _post(client, d100, "unlock", "a late form arrived")
    assert "unlocked" in page.content.decode()
    assert _point(late, "d100").locked_at is None
    audit = AuditRecord.objects.filter(entity="registry.timepoint", record_id=d100.pk).order_by("sequence")
    assert [(a.action, a.reason) for a in audit] == [
        (AuditAction.TIME_POINT_LOCK, ""),
        (AuditAction.TIME_POINT_UNLOCK, "a late form arrived"),
    ]


def test_sign_off_refused_with_an_open_query_says_why(
    world: World, late: Any, signed_in: Callable[[str], Client]
) -> None:
    d100 = _point(late, "d100")
    Query.objects.create(
        centre=world.centre_a,
        patient=late,
        entity="registry.followup",
        field="date",
        time_point=d100,
        text="where is the day 100 form?",
        raised_at=timezone.now(),
    )
    page = _post(signed_in("dm_a"), d100, "lock")
    assert "time_point_open_queries" in page.content.decode()
    assert _point(late, "d100").locked_at is None


def test_waive_needs_a_reason(world: World, late: Any, signed_in: Callable[[str], Client]) -> None:
    client = signed_in("clin_a")
    d100 = _point(late, "d100")
    assert "reason_required" in _post(client, d100, "waive").content.decode()
    _post(client, d100, "waive", "lost to follow-up")
    assert _point(late, "d100").status_on(timezone.localdate()) == "not_required"


def test_who_may_not(world: World, late: Any, signed_in: Callable[[str], Client]) -> None:
    d100 = _point(late, "d100")
    assert signed_in("viewer_a").post(URL, {"time_point": d100.pk, "action": "lock"}).status_code == 403
    assert signed_in("dm_b").post(URL, {"time_point": d100.pk, "action": "lock"}).status_code == 404
    assert signed_in("stat").post(URL, {"time_point": d100.pk, "action": "unlock"}).status_code == 403
    assert _point(late, "d100").locked_at is None
    coord = make_user("coord")
    grant(coord, Role.REGISTRY_DATA_COORDINATOR, None)
    signed_in("dm_a").post(URL, {"time_point": d100.pk, "action": "lock"})
    client = Client()
    client.force_login(coord)
    rows = client.get(URL + "?status=all").context["rows"]
    assert next(r for r in rows if r["tp"].pk == d100.pk)["steps"] == ["unlock"]
    assert client.post(URL, {"time_point": d100.pk, "action": "lock"}).status_code == 403  # writes no data
    client.post(URL, {"time_point": d100.pk, "action": "unlock"})
    assert _point(late, "d100").locked_at is None


def test_time_points_are_named_in_the_reader_s_language(
    world: World, late: Any, signed_in: Callable[[str], Client]
) -> None:
    """A time point's label is stored in English, as the settings name it; the page names it in French."""
    from remission.web.templatetags.remission_web import time_point_label

    html = signed_in("dm_a").get(URL, headers={"accept-language": "fr"}).content.decode()
    assert "<td>J100</td>" in html and "<td>6 mois</td>" in html
    assert "<td>Day 100</td>" not in html
    yearly = TimePoint(point="y3", label="3 years")
    with translation.override("en-gb"):
        assert time_point_label(yearly) == "3 years"
    with translation.override("fr"):
        assert time_point_label(yearly) == "3 ans"
        assert time_point_label(TimePoint(point="y1", label="1 year")) == "1 an"
        assert time_point_label(TimePoint(point="x", label="Visit of the centre")) == "Visit of the centre"
