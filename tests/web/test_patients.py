"""The patient list (scoping, filters, bounded queries) and the patient page (timeline, charts)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from remission.registry import services
from remission.registry.codes import Sex


def test_list_shows_only_the_users_centres(world: Any, signed_in: Any) -> None:
    a, b = world.patient_a.registry_id, world.patient_b.registry_id
    text = signed_in("dm_a").get(reverse("patient_list")).content.decode()
    assert a in text and b not in text
    text = signed_in("stat").get(reverse("patient_list")).content.decode()
    assert a in text and b in text
    text = signed_in("nobody").get(reverse("patient_list")).content.decode()
    assert a not in text and b not in text


def test_filters(world: Any, signed_in: Any) -> None:
    client = signed_in("admin")
    a, b = world.patient_a.registry_id, world.patient_b.registry_id
    text = client.get(reverse("patient_list"), {"search": a[:6]}).content.decode()
    assert a in text and b not in text
    text = client.get(reverse("patient_list"), {"infusion_year": 2021}).content.decode()
    assert b in text and a not in text  # patient B's day 0 is 2021-09-01
    text = client.get(reverse("patient_list"), {"disease": "ms"}).content.decode()
    assert a not in text and b not in text
    text = client.get(reverse("patient_list"), {"centre": world.centre_b.pk}).content.decode()
    assert b in text and a not in text
    text = client.get(reverse("patient_list"), {"flag": "no_infusion"}).content.decode()
    assert a not in text and b not in text
    bad = client.get(reverse("patient_list"), {"infusion_year": "soon"})
    assert bad.status_code == 200  # an unusable filter is shown at the field, not a server error


def test_list_shows_day_0_and_status(world: Any, signed_in: Any) -> None:
    text = signed_in("dm_b").get(reverse("patient_list")).content.decode()
    assert '<td class="nowrap">2021-09-01</td>' in text  # patient B's first infusion, as an ISO date
    assert '<span class="pill">alive</span>' in text


def test_list_queries_do_not_grow_with_the_page(world: Any, signed_in: Any) -> None:
    client = signed_in("dm_a")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("patient_list"))
    for _ in range(30):
        services.patient_register(
            actor=world.users["dm_a"],
            centre=world.centre_a,
            sex=Sex.FEMALE,
            birth_year=1980,
            birth_month=5,
            consent_status="not_asked",
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("patient_list"))
    assert response.content.decode().count("/patients/R") >= 31
    assert len(many.captured_queries) == len(few.captured_queries)


def test_patient_page(world: Any, signed_in: Any) -> None:
    url = reverse("patient_detail", args=[world.patient_a.registry_id])
    text = signed_in("clin_a").get(url).content.decode()
    assert "Timeline" in text and ">D0<" in text and "D+100" in text
    assert "<svg" in text and "days from day 0" in text  # score and immune-reconstitution charts
    assert reverse("record_new", args=[world.patient_a.registry_id, "assessment"]) in text


def test_patient_page_links_every_record(world: Any, signed_in: Any) -> None:
    """Each record's row links to its edit page and history, and the timeline to the edit page."""
    from remission.registry.models import FollowUp, LabResult

    lab = LabResult.objects.filter(patient=world.patient_a).order_by("pk").first()
    url = reverse("patient_detail", args=[world.patient_a.registry_id])
    text = signed_in("clin_a").get(url).content.decode()
    edit = reverse("record_edit", args=["lab-result", lab.pk])
    history = reverse("record_history", args=["lab-result", lab.pk])
    assert f'<tr id="lab-result-{lab.pk}">' in text
    assert f'<a href="{edit}">Edit</a>' in text and f'<a href="{history}">History</a>' in text
    follow_up = FollowUp.objects.filter(patient=world.patient_a).order_by("pk").first()
    follow_up_edit = reverse("record_edit", args=["follow-up", follow_up.pk])
    assert text.count(f'href="{follow_up_edit}"') == 2  # the records table and the timeline
    assert f'<td class="nowrap">{lab.date.isoformat()}</td>' in text
    viewer = signed_in("viewer_a").get(url).content.decode()
    assert f'<a href="{edit}">View</a>' in viewer


def test_another_centres_patient_is_not_found(world: Any, signed_in: Any) -> None:
    url = reverse("patient_detail", args=[world.patient_b.registry_id])
    assert signed_in("dm_a").get(url).status_code == 404
    assert signed_in("viewer_a").get(url).status_code == 404
    assert signed_in("dm_b").get(url).status_code == 200
    assert signed_in("stat").get(url).status_code == 200
