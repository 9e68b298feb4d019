"""The API agrees with itself: a patient or a record reads the same in a list and on its own."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from remission.api.api import PLURALS
from remission.registry.kinds import KINDS


def _json(response: Any) -> Any:
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_a_patient_reads_the_same_in_the_list_and_on_its_own(world: Any, token_for: Any) -> None:
    client = Client(**token_for("stat"))
    listed = _json(client.get("/api/patients", {"page_size": 500}))["results"]
    assert {p["registry_id"] for p in listed} == {world.patient_a.registry_id, world.patient_b.registry_id}
    for row in listed:
        assert _json(client.get(f"/api/patients/{row['registry_id']}")) == row
    # the world's patient A: systemic sclerosis, infused on 2022-03-14 (tests/registry/conftest.py)
    one = _json(client.get(f"/api/patients/{world.patient_a.registry_id}"))
    assert one["primary_disease"] == "ssc"
    assert one["first_infusion"] == dt.date(2022, 3, 14).isoformat()
    assert one["last_follow_up"] is not None


def test_a_registered_or_edited_patient_answers_with_its_summary(world: Any, token_for: Any) -> None:
    client = Client(**token_for("dm_a"))
    rid = world.patient_a.registry_id
    body = {"version": world.patient_a.version, "consent_version": "v9", "reason": "new form"}
    edited = client.patch(f"/api/patients/{rid}", body, content_type="application/json")
    assert _json(edited)["primary_disease"] == "ssc" and _json(edited)["consent_version"] == "v9"
    listed = _json(client.get("/api/patients", {"search": rid}))["results"]
    assert listed == [_json(client.get(f"/api/patients/{rid}"))]


@pytest.mark.parametrize("slug", sorted(KINDS))
def test_a_record_reads_the_same_in_the_list_and_on_its_own(world: Any, token_for: Any, slug: str) -> None:
    client = Client(**token_for("dm_a"))
    plural = PLURALS[slug]
    listed = _json(client.get(f"/api/patients/{world.patient_a.registry_id}/{plural}", {"page_size": 500}))
    assert listed["count"] == len(listed["results"]) >= 1, f"the example course has no {slug}"
    model = KINDS[slug].model
    assert listed["count"] == model.objects.filter(patient=world.patient_a).count()
    for row in listed["results"]:
        assert row["patient"] == world.patient_a.registry_id
        assert _json(client.get(f"/api/{plural}/{row['id']}")) == row


def test_another_centres_conditioning_agents_are_not_listed(world: Any, token_for: Any) -> None:
    response = Client(**token_for("dm_a")).get(
        f"/api/patients/{world.patient_b.registry_id}/conditioning-agents"
    )
    assert response.status_code == 404
