"""The queries API: list with counts, raise, read one with its thread, and the four steps; another
centre's query is a 404, a role's refusal a 403, an illegal step a 422 naming the rule, in the one error
shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from remission.registry.codes import Role
from remission.registry.models import AuditRecord, FollowUp, Query
from remission.registry.services.tokens import token_create
from tests.registry.conftest import World, grant, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def coord(world: World) -> Any:
    """A registry data coordinator; and no query yet (these tests count their own)."""
    Query.objects.all().delete()
    user = make_user("coord")
    grant(user, Role.REGISTRY_DATA_COORDINATOR, None)
    return user


def _client(user: Any, scope: str = "read-write") -> Client:
    _, raw = token_create(actor=user, name="test", scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _follow_up(world: World, centre: str = "a") -> FollowUp:
    patient = world.patient_a if centre == "a" else world.patient_b
    return FollowUp.objects.filter(patient=patient).order_by("pk").first()


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _raise(client: Client, world: World, centre: str = "a", **extra: Any) -> Any:
    body = {
        "entity": "registry.followup",
        "record_id": _follow_up(world, centre).pk,
        "field": "disease_status",
        "text": "Status?",
        **extra,
    }
    return _post(client, "/api/queries", body)


def _rules(response: Any) -> list[str]:
    return [e["rule"] for e in response.json()["errors"]]


def test_the_lifecycle_through_the_api(world: World, coord: Any) -> None:
    coordinator, dm = _client(coord), _client(world.users["dm_a"])
    raised = _raise(coordinator, world, severity="error")
    assert raised.status_code == 201, raised.content
    body = raised.json()
    qid = body["id"]
    assert body["status"] == "open" and body["severity"] == "error"
    assert body["patient"] == world.patient_a.registry_id and body["centre"] == world.centre_a.code
    assert body["field_label"] == "Disease status" and body["raised_by"] == "coord"
    assert [e["kind"] for e in body["events"]] == ["raised"]
    answered = _post(dm, f"/api/queries/{qid}/answer", {"text": "Corrected."})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    commented = _post(dm, f"/api/queries/{qid}/comment", {"text": "See the letter of May."})
    assert commented.status_code == 200
    closed = _post(coordinator, f"/api/queries/{qid}/close", {})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["closed_by"] == "coord"
    reopened = _post(coordinator, f"/api/queries/{qid}/reopen", {"text": "Date wrong too."})
    assert reopened.json()["status"] == "open"
    thread = dm.get(f"/api/queries/{qid}").json()
    assert [(e["kind"], e["actor"]) for e in thread["events"]] == [
        ("raised", "coord"),
        ("answered", "dm_a"),
        ("comment", "dm_a"),
        ("closed", "coord"),
        ("reopened", "coord"),
    ]
    actions = AuditRecord.objects.filter(entity="registry.query", record_id=qid).order_by("sequence")
    assert list(actions.values_list("action", flat=True)) == [
        "query_raise",
        "query_answer",
        "query_comment",
        "query_close",
        "query_reopen",
    ]


def test_refusals_in_the_one_error_shape(world: World, coord: Any) -> None:
    coordinator, dm = _client(coord), _client(world.users["dm_a"])
    qid = _raise(coordinator, world).json()["id"]
    refused = _post(coordinator, f"/api/queries/{qid}/answer", {"text": "not mine to answer"})
    assert refused.status_code == 403 and _rules(refused) == ["permission"]
    closed_by_dm = _post(dm, f"/api/queries/{qid}/close", {})
    assert closed_by_dm.status_code == 403
    empty = _post(dm, f"/api/queries/{qid}/answer", {"text": ""})
    assert empty.status_code == 422 and _rules(empty) == ["query_text_required"]
    reopen_open = _post(coordinator, f"/api/queries/{qid}/reopen", {"text": "x"})
    assert reopen_open.status_code == 422 and _rules(reopen_open) == ["query_transition"]
    bad_field = _raise(coordinator, world, field="version")
    assert bad_field.status_code == 422 and _rules(bad_field) == ["query_field"]
    unknown = _post(dm, "/api/queries", {"entity": "registry.followup", "record_id": 1, "field": "date"})
    assert unknown.status_code == 422  # no text: the schema refuses it
    viewer = _raise(_client(world.users["viewer_a"]), world)
    assert viewer.status_code == 403
    read_token = _raise(_client(coord, scope="read"), world)
    assert read_token.status_code == 403


def test_another_centres_query_is_not_found(world: World, coord: Any) -> None:
    coordinator = _client(coord)
    theirs = _raise(coordinator, world, centre="b").json()["id"]
    mine = _raise(coordinator, world, centre="a").json()["id"]
    dm = _client(world.users["dm_a"])
    assert dm.get(f"/api/queries/{theirs}").status_code == 404
    assert _post(dm, f"/api/queries/{theirs}/comment", {"text": "x"}).status_code == 404
    assert _raise(dm, world, centre="b").status_code == 404
    listed = dm.get("/api/queries").json()
    assert [r["id"] for r in listed["results"]] == [mine]
    assert listed["count"] == 1 and listed["counts"]["open"] == 1
    everything = coordinator.get("/api/queries").json()
    assert sorted(r["id"] for r in everything["results"]) == sorted([mine, theirs])


def test_list_filters_and_counts(world: World, coord: Any) -> None:
    coordinator, dm = _client(coord), _client(world.users["dm_a"])
    first = _raise(coordinator, world).json()["id"]
    second = _raise(coordinator, world, field="date").json()["id"]
    _post(dm, f"/api/queries/{first}/answer", {"text": "ok"})
    listed = coordinator.get("/api/queries", {"status": "open"}).json()
    assert [r["id"] for r in listed["results"]] == [second] and listed["count"] == 1
    assert listed["counts"] == {"open": 1, "answered": 1, "closed": 0, "median_open_age_days": 0}
    by_centre = coordinator.get("/api/queries", {"centre": world.centre_b.code}).json()
    assert by_centre["results"] == []
    mine = dm.get("/api/queries", {"source": "mine"}).json()
    assert mine["results"] == []
    no_centre = dm.get("/api/queries", {"centre": world.centre_b.code})
    assert no_centre.status_code == 422 and _rules(no_centre) == ["filter"]
    paged = coordinator.get("/api/queries", {"page_size": 1, "page": 2}).json()
    assert [r["id"] for r in paged["results"]] == [first] and paged["count"] == 2
