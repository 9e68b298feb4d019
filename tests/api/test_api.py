"""The REST API: tokens (hashed, revocable, audited), scoping, create/update, the error shape."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from remission.registry.models import ApiToken, Assessment, AuditRecord, FollowUp
from remission.registry.services.tokens import token_create


def _json(response: Any) -> Any:
    return json.loads(response.content or b"null")


def test_tokens_are_hashed_revocable_and_audited(world: Any) -> None:
    user = world.users["dm_a"]
    token, raw = token_create(actor=user, name="export")
    assert raw.startswith("rms_") and ApiToken.objects.filter(digest__contains=raw).count() == 0
    assert token.digest != raw and raw not in json.dumps(list(ApiToken.objects.values()), default=str)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/me").status_code == 200
    revoked = client.delete(f"/api/tokens/{token.pk}")
    assert revoked.status_code == 200 and _json(revoked)["revoked_at"]
    assert client.get("/api/me").status_code == 401
    actions = list(
        AuditRecord.objects.filter(entity="api.apitoken", record_id=token.pk).values_list("action", flat=True)
    )
    assert actions == ["create", "update"]


def test_unauthenticated_is_401_with_the_error_shape(world: Any) -> None:
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer rms_nonsense"}):
        response = Client(**headers).get("/api/patients")
        body = _json(response)
        assert response.status_code == 401
        assert set(body["errors"][0]) >= {"record", "field", "rule", "message"}


def test_token_of_another_user_cannot_be_revoked(world: Any, token_for: Any) -> None:
    theirs, _ = token_create(actor=world.users["dm_b"], name="theirs")
    response = Client(**token_for("dm_a")).delete(f"/api/tokens/{theirs.pk}")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


def test_patients_are_scoped_and_paginated(world: Any, token_for: Any) -> None:
    body = _json(Client(**token_for("dm_a")).get("/api/patients"))
    assert [p["registry_id"] for p in body["results"]] == [world.patient_a.registry_id]
    body = _json(Client(**token_for("stat")).get("/api/patients", {"page_size": 1, "page": 2}))
    assert body["count"] == 2 and body["page_size"] == 1 and len(body["results"]) == 1
    other = Client(**token_for("dm_a")).get(f"/api/patients/{world.patient_b.registry_id}")
    assert other.status_code == 404 and _json(other)["errors"][0]["rule"] == "not_found"


def test_create_assessment_and_validation_errors(world: Any, token_for: Any) -> None:
    client = Client(**token_for("dm_a"))
    url = f"/api/patients/{world.patient_a.registry_id}/assessments"
    good = {"date": "2023-01-10", "instrument": "edss", "items": {"edss": 4.0}, "reason": "api"}
    response = client.post(url, good, content_type="application/json")
    assert response.status_code == 201, response.content
    assert _json(response)["score"] == 4.0
    bad = {**good, "date": "2099-01-01"}  # in the future, within the registry's years (1900-2100)
    response = client.post(url, bad, content_type="application/json")
    errors = _json(response)["errors"]
    assert response.status_code == 422
    assert errors[0]["field"] == "date" and errors[0]["rule"] == "date_not_in_future"
    unparsable = client.post(
        url, {"date": "yesterday", "instrument": "edss"}, content_type="application/json"
    )
    assert unparsable.status_code == 422 and _json(unparsable)["errors"][0]["field"] == "date"
    viewer = Client(**token_for("viewer_a")).post(url, good, content_type="application/json")
    assert viewer.status_code == 403
    assert Assessment.objects.filter(patient=world.patient_a, instrument="edss").count() == 1


def test_update_with_stale_version_is_409_with_both_values(world: Any, token_for: Any) -> None:
    follow_up = FollowUp.objects.filter(patient=world.patient_a).first()
    client = Client(**token_for("dm_a"))
    url = f"/api/follow-ups/{follow_up.pk}"
    first = client.patch(
        url, {"version": follow_up.version, "current_therapy": "a"}, content_type="application/json"
    )
    assert first.status_code == 200 and _json(first)["version"] == follow_up.version + 1
    stale = client.patch(
        url, {"version": follow_up.version, "current_therapy": "b"}, content_type="application/json"
    )
    error = _json(stale)["errors"][0]
    assert stale.status_code == 409
    assert error["rule"] == "version_conflict" and error["yours"] == "b" and error["theirs"] == "a"


def test_reference_to_another_patients_record_is_refused(world: Any, token_for: Any) -> None:
    client = Client(**token_for("admin"))
    url = f"/api/patients/{world.patient_a.registry_id}/adverse-events"
    body = {
        "term": "fever",
        "category": "other",
        "onset_date": "2022-04-01",
        "grade": 1,
        "infusion_id": world.infusion_b.pk,
    }
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 422 and _json(response)["errors"][0]["field"] == "infusion_id"


def test_screening(world: Any, token_for: Any) -> None:
    client = Client(**token_for("viewer_a"))
    candidate = {"candidate_id": "C1", "disease": "ssc", "age_years": 40, "findings": {"lvef_pct": 60}}
    response = client.post("/api/screening", candidate, content_type="application/json")
    assert response.status_code == 200 and _json(response)["verdict"] == "insufficient_data"
    sources = {s["key"]: s for s in _json(response)["sources"]}
    # the SSc criteria cite the EBMT 2025 recommendations, the HCT-CI Sorror 2005 (with its PMID)
    assert "Alexander2025" in sources and sources["Sorror2005"]["pmid"] == "15994282"
    bad = client.post(
        "/api/screening", {**candidate, "findings": {"lvef_pct": 150}}, content_type="application/json"
    )
    error = _json(bad)["errors"][0]
    assert bad.status_code == 422 and error["field"] == "findings.lvef_pct" and error["rule"] == "maximum"


def test_openapi_document_and_docs_are_served(world: Any) -> None:
    client = Client()
    schema = _json(client.get("/api/openapi.json"))
    assert "/api/patients" in schema["paths"] and "/api/patients/{registry_id}/assessments" in schema["paths"]
    assert client.get("/api/docs").status_code == 200
