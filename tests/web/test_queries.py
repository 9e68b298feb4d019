"""The query pages: the list (own centre only, open first, ages, counts), one thread with the steps the
user may take, raising a query from the record page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from remission.registry.codes import QueryStatus, Role
from remission.registry.models import FollowUp, Query
from remission.registry.services.queries import query_answer, query_close, query_raise
from tests.registry.conftest import World, grant, make_user

pytestmark = pytest.mark.django_db
LIST_MAX_STATEMENTS = 14  # 10 on SQLite: session, user, scope, centres, counts, the page


@pytest.fixture
def coord(world: World) -> Any:
    """A registry data coordinator; and no query yet (these tests count their own)."""
    Query.objects.all().delete()
    user = make_user("coord")
    grant(user, Role.REGISTRY_DATA_COORDINATOR, None)
    return user


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _follow_up(world: World, centre: str = "a") -> FollowUp:
    patient = world.patient_a if centre == "a" else world.patient_b
    return FollowUp.objects.filter(patient=patient).order_by("pk").first()


def _raise(world: World, actor: Any, centre: str = "a", text: str = "Is the status right?") -> Query:
    return query_raise(actor=actor, record=_follow_up(world, centre), field="disease_status", text=text)


def test_list_shows_own_centre_open_first_with_ages_and_counts(
    world: World, coord: Any, signed_in: Callable[[str], Client]
) -> None:
    mine_old = _raise(world, coord, text="First question")
    mine_new = _raise(world, coord, text="Second question")
    answered = _raise(world, coord, text="Answered question")
    theirs = _raise(world, coord, centre="b", text="Beta question")
    today = timezone.localdate()
    for query, days in ((mine_old, 9), (mine_new, 3), (answered, 20)):
        raised = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(12), tzinfo=dt.UTC)
        Query.objects.filter(pk=query.pk).update(raised_at=raised)
    query_answer(actor=world.users["dm_a"], query=answered, text="Done")
    page = signed_in("dm_a").get(reverse("queries")).content.decode()
    assert "Beta question" not in page and f"#{theirs.pk}<" not in page
    first, second, third = (page.index(t) for t in ("First question", "Second question", "Answered question"))
    assert first < second < third  # open ones first, oldest first; then the answered one
    assert 'data-testid="count-open">2<' in page
    assert 'data-testid="count-answered">1<' in page
    assert 'data-testid="median-age">6 days<' in page  # open ones 9 and 3 days old
    assert "Disease status" in page and "Follow-up #" in page
    everything = signed_in("stat").get(reverse("queries")).content.decode()
    assert "Beta question" in everything and "First question" in everything


def test_list_filters_by_status_and_patient(world: World, coord: Any, signed_in: Callable) -> None:
    query = _raise(world, coord, text="Only open")
    client = _client(coord)
    assert "Only open" in client.get(reverse("queries"), {"status": "open"}).content.decode()
    assert "Only open" not in client.get(reverse("queries"), {"status": "closed"}).content.decode()
    by_patient = client.get(reverse("queries"), {"patient": world.patient_b.registry_id}).content.decode()
    assert "Only open" not in by_patient
    by_record = client.get(reverse("queries"), {"entity": query.entity, "record": query.record_id})
    assert "Only open" in by_record.content.decode()


def _steps(page: str) -> set[str]:
    return {s for s in ("answer", "comment", "close", "reopen") if f'data-testid="step-{s}"' in page}


@pytest.mark.parametrize(
    ("username", "steps"),
    [
        ("coord", {"comment", "close"}),
        ("admin", {"answer", "comment", "close"}),
        ("dm_a", {"answer", "comment"}),
        ("clin_a", {"answer", "comment"}),
        ("viewer_a", set()),
        ("stat", set()),
    ],
)
def test_thread_offers_only_the_steps_the_user_may_take(
    world: World, coord: Any, username: str, steps: set[str]
) -> None:
    query = _raise(world, coord)
    user = coord if username == "coord" else world.users[username]
    page = _client(user).get(reverse("query_detail", args=[query.pk])).content.decode()
    assert _steps(page) == steps
    record = _follow_up(world)
    assert f'href="{reverse("record_edit", args=["follow-up", record.pk])}"' in page
    assert 'data-testid="query-field">Disease status<' in page
    assert "Is the status right?" in page


def test_thread_of_a_closed_query_offers_reopen_to_its_raiser(world: World, coord: Any) -> None:
    query = _raise(world, coord)
    query_close(actor=coord, query=query)
    assert _steps(_client(coord).get(reverse("query_detail", args=[query.pk])).content.decode()) == {"reopen"}
    dm_page = _client(world.users["dm_a"]).get(reverse("query_detail", args=[query.pk])).content.decode()
    assert _steps(dm_page) == set()


def test_another_centres_thread_is_not_found(world: World, coord: Any) -> None:
    theirs = _raise(world, coord, centre="b")
    client = _client(world.users["dm_a"])
    assert client.get(reverse("query_detail", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("query_detail", args=[theirs.pk]), {"action": "comment", "text": "x"}).status_code
        == 404
    )
    assert Query.objects.get(pk=theirs.pk).events.count() == 1


def test_answer_then_close_then_reopen_through_the_pages(world: World, coord: Any) -> None:
    query = _raise(world, coord)
    url = reverse("query_detail", args=[query.pk])
    dm = _client(world.users["dm_a"])
    response = dm.post(url, {"action": "answer", "text": "Corrected to stable disease."})
    assert response.status_code == 302 and response["Location"] == url
    assert Query.objects.get(pk=query.pk).status == QueryStatus.ANSWERED
    assert dm.post(url, {"action": "close", "text": ""}).status_code == 403  # not the raiser
    coordinator = _client(coord)
    assert coordinator.post(url, {"action": "close", "text": "Thanks"}).status_code == 302
    assert Query.objects.get(pk=query.pk).status == QueryStatus.CLOSED
    refused = coordinator.post(url, {"action": "reopen", "text": ""})  # a reason is required
    assert refused.status_code == 200 and "query_text_required" in refused.content.decode()
    assert Query.objects.get(pk=query.pk).status == QueryStatus.CLOSED
    again = coordinator.post(url, {"action": "close", "text": ""})  # closed already
    assert again.status_code == 200 and "query_transition" in again.content.decode()
    assert coordinator.post(url, {"action": "reopen", "text": "Date still wrong"}).status_code == 302
    thread = coordinator.get(url).content.decode()
    for text in ("Corrected to stable disease.", "Thanks", "Date still wrong"):
        assert text in thread


def test_raise_from_the_record_page(world: World, coord: Any) -> None:
    record = _follow_up(world)
    edit = reverse("record_edit", args=["follow-up", record.pk])
    client = _client(coord)
    page = client.get(edit).content.decode()
    link = (
        f"{reverse('query_raise')}?entity=registry.followup&amp;record={record.pk}&amp;field=disease_status"
    )
    assert link in page
    form = client.get(
        reverse("query_raise"), {"entity": "registry.followup", "record": record.pk, "field": "date"}
    )
    assert form.status_code == 200
    assert '<option value="date" selected>' in form.content.decode()
    response = client.post(
        reverse("query_raise"),
        {
            "entity": "registry.followup",
            "record": record.pk,
            "field": "date",
            "severity": "error",
            "text": "Date?",
        },
    )
    query = Query.objects.get(record_id=record.pk, field="date")
    assert response.status_code == 302 and response["Location"] == reverse("query_detail", args=[query.pk])
    assert (query.raised_by_id, query.severity, query.text) == (coord.pk, "error", "Date?")
    assert "1 open query" in client.get(edit).content.decode()


@pytest.mark.parametrize(
    ("username", "link", "raise_status"),
    [
        ("dm_a", True, 200),
        ("clin_a", True, 200),
        ("admin", True, 200),
        ("viewer_a", False, 403),
        ("stat", False, 403),
        ("dm_b", None, 404),
    ],
)
def test_who_sees_raise_links_and_may_raise(
    world: World, username: str, link: bool | None, raise_status: int
) -> None:
    record = _follow_up(world)
    client = _client(world.users[username])
    edit = client.get(reverse("record_edit", args=["follow-up", record.pk]))
    if link is None:
        assert edit.status_code == 404
    else:
        assert ('data-testid="raise-disease_status"' in edit.content.decode()) is link
    params = {"entity": "registry.followup", "record": record.pk}
    assert client.get(reverse("query_raise"), params).status_code == raise_status
    posted = client.post(reverse("query_raise"), {**params, "field": "date", "severity": "info", "text": "x"})
    assert posted.status_code == (302 if raise_status == 200 else raise_status)


def test_raise_refuses_what_is_no_record(world: World, coord: Any) -> None:
    client = _client(coord)
    assert client.get(reverse("query_raise"), {"entity": "auth.user", "record": coord.pk}).status_code == 404
    assert client.get(reverse("query_raise"), {"entity": "registry.followup", "record": 0}).status_code == 404
    assert client.get(reverse("query_raise"), {"entity": "registry.followup"}).status_code == 404


def test_nav_links_the_queries(world: World, signed_in: Callable) -> None:
    page = signed_in("viewer_a").get(reverse("queries")).content.decode()
    assert f'href="{reverse("queries")}" aria-current="page"' in page


def test_patient_page_links_its_queries(world: World, coord: Any) -> None:
    client = _client(world.users["dm_a"])
    url = reverse("patient_detail", args=[world.patient_a.registry_id])
    link = f'href="{reverse("queries")}?patient={world.patient_a.registry_id}" data-testid="patient-queries">'
    assert link + "Queries<" in client.get(url).content.decode()
    query = _raise(world, coord)
    assert link + "Queries (1 open)<" in client.get(url).content.decode()
    query_close(actor=coord, query=query)
    assert link + "Queries<" in client.get(url).content.decode()


def test_a_step_the_page_does_not_offer_is_refused(world: World, coord: Any) -> None:
    query = _raise(world, coord)
    url = reverse("query_detail", args=[query.pk])
    unknown = _client(coord).post(url, {"action": "delete", "text": "x"})
    assert unknown.status_code == 200 and "That step is not offered here." in unknown.content.decode()
    assert _client(world.users["viewer_a"]).post(url, {"action": "comment", "text": "x"}).status_code == 403
    assert _client(world.users["stat"]).post(url, {"action": "answer", "text": "x"}).status_code == 403
    assert Query.objects.get(pk=query.pk).events.count() == 1


def test_the_list_reads_a_page_in_a_fixed_number_of_statements(
    world: World, coord: Any, django_assert_max_num_queries: Any
) -> None:
    """Not one statement per row: 30 queries cost what 1 does (the bound catches a loop of look-ups)."""
    for _ in range(30):
        _raise(world, coord)
    client = _client(world.users["dm_a"])
    client.get(reverse("queries"))  # the session and the scope, once
    with django_assert_max_num_queries(LIST_MAX_STATEMENTS):
        page = client.get(reverse("queries")).content.decode()
    assert page.count("Is the status right?") == 30


def test_raise_on_the_patients_own_record(world: World, coord: Any) -> None:
    client = _client(coord)
    edit = client.get(reverse("record_edit", args=["patient", world.patient_a.pk])).content.decode()
    assert 'data-testid="raise-consent_status"' in edit
    params = {"entity": "registry.patient", "record": world.patient_a.pk, "field": "consent_status"}
    response = client.post(reverse("query_raise"), {**params, "severity": "warning", "text": "Consent form?"})
    query = Query.objects.get(entity="registry.patient")
    assert response.status_code == 302 and query.patient_id == world.patient_a.pk
    thread = client.get(reverse("query_detail", args=[query.pk])).content.decode()
    assert f'href="{reverse("record_edit", args=["patient", world.patient_a.pk])}"' in thread
    assert 'data-testid="query-field">Consent status<' in thread
