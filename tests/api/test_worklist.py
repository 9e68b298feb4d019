"""The work-list API: GET /api/quality/worklist (paged, counts by status, centre-scoped) and POST
/api/time-points/{id}/lock|unlock|waive (audited; 403 for a role, 404 for another centre, 422 naming the
rule)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord, Query, TimePoint
from remission.registry.quality.timepoints import refresh
from remission.registry.services.tokens import token_create
from tests.registry.conftest import World
from tests.registry.quality.hand_built import treated

pytestmark = pytest.mark.django_db
LIST = "/api/quality/worklist"


@pytest.fixture
def late(world: World) -> Any:
    """A centre-a patient infused 200 days ago (day 100 overdue by 70 days, 6 months due); the world's
    own patients' time points are removed so that the counts are this patient's."""
    today = timezone.localdate()
    patient = treated(world.users["dm_a"], world.centre_a, today - dt.timedelta(days=200)).patient
    TimePoint.objects.all().delete()
    refresh([patient.pk])
    return patient


def _client(world: World, username: str) -> Client:
    _, raw = token_create(actor=world.users[username], name="test", scope="read-write")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_list_is_overdue_first_with_counts(world: World, late: Any) -> None:
    body = _client(world, "dm_a").get(LIST).json()
    assert body["counts"] == {"overdue": 1, "due": 1, "upcoming": 1, "received": 0, "not_required": 0}
    assert body["count"] == 2
    assert [(r["point"], r["status"], r["days_overdue"]) for r in body["results"]] == [
        ("d100", "overdue", 70),
        ("m6", "due", 0),
    ]
    first = body["results"][0]
    assert first["patient"] == late.registry_id and first["centre"] == world.centre_a.code
    assert first["day"] == 100 and first["locked_at"] is None
    everything = _client(world, "dm_a").get(LIST + "?status=all&page_size=2").json()
    assert everything["count"] == 3 and len(everything["results"]) == 2
    assert _client(world, "dm_a").get(LIST + "?status=upcoming").json()["results"][0]["point"] == "y1"


def test_centres_see_only_their_own_and_the_registry_every_one(world: World, late: Any) -> None:
    assert _client(world, "dm_b").get(LIST + "?status=all").json()["count"] == 0
    assert _client(world, "stat").get(LIST).json()["count"] == 2
    assert _client(world, "stat").get(LIST + f"?centre={world.centre_b.code}").json()["count"] == 0
    unknown = _client(world, "dm_b").get(LIST + f"?centre={world.centre_a.code}")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["rule"] == "filter"
    assert _client(world, "dm_a").get(LIST + "?status=lost").status_code == 422


def test_lock_unlock_waive(world: World, late: Any) -> None:
    d100 = TimePoint.objects.get(patient=late, point="d100")
    url = f"/api/time-points/{d100.pk}"
    dm = _client(world, "dm_a")
    assert _post(_client(world, "dm_b"), f"{url}/lock", {}).status_code == 404
    assert _post(_client(world, "viewer_a"), f"{url}/lock", {}).status_code == 403
    locked = _post(dm, f"{url}/lock", {"reason": "checked"})
    assert locked.status_code == 200 and locked.json()["locked_by"] == "dm_a"
    again = _post(dm, f"{url}/lock", {})
    assert again.status_code == 422 and again.json()["errors"][0]["rule"] == "time_point_locked"
    assert _post(dm, f"{url}/waive", {"reason": "lost"}).json()["errors"][0]["rule"] == "time_point_locked"
    assert _post(dm, f"{url}/unlock", {}).json()["locked_at"] is None
    waived = _post(dm, f"{url}/waive", {"reason": "lost to follow-up"}).json()
    assert (waived["status"], waived["not_required_reason"]) == ("not_required", "lost to follow-up")
    actions = list(
        AuditRecord.objects.filter(entity="registry.timepoint", record_id=d100.pk)
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        AuditAction.TIME_POINT_LOCK,
        AuditAction.TIME_POINT_UNLOCK,
        AuditAction.TIME_POINT_WAIVE,
    ]


def test_lock_refused_while_a_query_is_open(world: World, late: Any) -> None:
    m6 = TimePoint.objects.get(patient=late, point="m6")
    Query.objects.create(
        centre=world.centre_a,
        patient=late,
        entity="registry.followup",
        field="date",
        time_point=m6,
        text="?",
        raised_at=timezone.now(),
    )
    refused = _post(_client(world, "dm_a"), f"/api/time-points/{m6.pk}/lock", {})
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["rule"] == "time_point_open_queries" and error["field"] == "queries"
    assert TimePoint.objects.get(pk=m6.pk).locked_at is None
