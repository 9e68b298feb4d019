"""API tokens expire, have a scope (a read token cannot write), cannot make tokens, and revoking one ends
every token made with it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from remission.registry.errors import PermissionDenied, ValidationFailed
from remission.registry.models import ApiToken, AuditRecord, TokenScope
from remission.registry.services.tokens import (
    DAYS_OUT_OF_RANGE,
    READ_ONLY_TOKEN,
    TOKEN_MAKES_TOKEN,
    token_authenticate,
    token_create,
    token_revoke,
)


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_new_token_expires_after_the_default_days(world: Any, settings: Any) -> None:
    settings.REMISSION_API_TOKEN_DAYS = 30
    before = timezone.now()
    token, _ = token_create(actor=world.users["dm_a"], name="nightly")
    assert before + dt.timedelta(days=30) <= token.expires_at <= timezone.now() + dt.timedelta(days=30)


def test_an_expired_token_is_refused_with_401(world: Any) -> None:
    token, raw = token_create(actor=world.users["dm_a"], name="short", days=1)
    assert Client().get("/api/me", **bearer(raw)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = Client().get("/api/me", **bearer(raw))
    assert response.status_code == 401
    assert json.loads(response.content)["errors"][0]["rule"] == "authentication"
    assert token_authenticate(raw) is None


@pytest.mark.parametrize("days", [0, -1, 366, 10_000])
def test_days_out_of_range_are_a_named_error(world: Any, days: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        token_create(actor=world.users["dm_a"], name="x", days=days)
    (problem,) = caught.value.problems
    assert (problem.field, problem.message) == ("days", DAYS_OUT_OF_RANGE.format(most=365, days=days))


def test_unknown_scope_is_a_named_error(world: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        token_create(actor=world.users["dm_a"], name="x", scope="admin")
    assert [p.field for p in caught.value.problems] == ["scope"]


def test_a_read_token_reads_and_screens_but_gets_403_json_on_writes(world: Any) -> None:
    _, raw = token_create(actor=world.users["dm_a"], name="reader", scope=TokenScope.READ)
    client = Client()
    rid = world.patient_a.registry_id
    assert client.get(f"/api/patients/{rid}", **bearer(raw)).status_code == 200
    before = world.patient_a.version
    response = client.patch(
        f"/api/patients/{rid}",
        data=json.dumps({"version": before, "birth_month": 2, "reason": "read token"}),
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 403
    body = json.loads(response.content)
    assert body["errors"][0]["message"] == READ_ONLY_TOKEN
    world.patient_a.refresh_from_db()
    assert world.patient_a.version == before
    response = client.post(
        "/api/patients",
        data=json.dumps({"centre": "alpha", "sex": "female", "birth_year": 1980, "birth_month": 1}),
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 403
    # screening computes and stores nothing: a read token may screen (the answer is not a 403)
    response = client.post("/api/screening", data="{}", content_type="application/json", **bearer(raw))
    assert response.status_code != 403


def test_a_read_write_token_writes(world: Any) -> None:
    _, raw = token_create(actor=world.users["dm_a"], name="writer", scope=TokenScope.READ_WRITE)
    rid = world.patient_a.registry_id
    response = Client().patch(
        f"/api/patients/{rid}",
        data=json.dumps({"version": world.patient_a.version, "birth_month": 2, "reason": "rw token"}),
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 200, response.content


def test_a_token_cannot_make_tokens(world: Any) -> None:
    user = world.users["dm_a"]
    parent, raw = token_create(actor=user, name="parent")
    count = ApiToken.objects.count()
    response = Client().post(
        "/api/tokens", data=json.dumps({"name": "child"}), content_type="application/json", **bearer(raw)
    )
    assert response.status_code in (403, 405)
    assert response["Content-Type"].startswith("application/json")
    assert ApiToken.objects.count() == count
    with pytest.raises(PermissionDenied, match=TOKEN_MAKES_TOKEN):
        token_create(actor=user, name="child", via_token=parent)
    assert ApiToken.objects.count() == count


def test_revoking_a_token_ends_every_token_made_with_it(world: Any) -> None:
    """Tokens that tokens made before that was refused: the link is set here as the old API set it."""
    user = world.users["dm_a"]
    root, root_raw = token_create(actor=user, name="root")
    child, child_raw = token_create(actor=user, name="child")
    grandchild, grandchild_raw = token_create(actor=user, name="grandchild")
    _unrelated, unrelated_raw = token_create(actor=user, name="unrelated")
    ApiToken.objects.filter(pk=child.pk).update(created_by_token=root)
    ApiToken.objects.filter(pk=grandchild.pk).update(created_by_token=child)
    for raw in (root_raw, child_raw, grandchild_raw):
        assert Client().get("/api/me", **bearer(raw)).status_code == 200

    response = Client().delete(f"/api/tokens/{root.pk}", **bearer(unrelated_raw))
    assert response.status_code == 200

    for raw in (root_raw, child_raw, grandchild_raw):
        assert Client().get("/api/me", **bearer(raw)).status_code == 401
    assert Client().get("/api/me", **bearer(unrelated_raw)).status_code == 200
    revoked = set(ApiToken.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True))
    assert revoked == {root.pk, child.pk, grandchild.pk}
    audited = AuditRecord.objects.filter(entity="api.apitoken", action="update").values_list(
        "record_id", flat=True
    )
    assert {str(pk) for pk in audited} >= {str(root.pk), str(child.pk), str(grandchild.pk)}


def test_revoking_from_the_web_cascades_too(world: Any) -> None:
    user = world.users["clin_a"]
    root, _ = token_create(actor=user, name="root")
    child, _ = token_create(actor=user, name="child")
    ApiToken.objects.filter(pk=child.pk).update(created_by_token=root)
    client = Client()
    client.force_login(user)
    assert client.post(f"/account/tokens/{root.pk}/revoke/").status_code == 302
    child.refresh_from_db()
    assert child.revoked_at is not None


def test_revoking_another_users_token_is_not_found(world: Any) -> None:
    theirs, _ = token_create(actor=world.users["dm_b"], name="theirs")
    from remission.registry.errors import NotFound

    with pytest.raises(NotFound):
        token_revoke(actor=world.users["dm_a"], pk=theirs.pk)


def test_the_web_page_makes_a_token_with_scope_and_days(world: Any) -> None:
    client = Client()
    client.force_login(world.users["dm_a"])
    page = client.get("/account/tokens/")
    assert page.status_code == 200
    response = client.post("/account/tokens/", {"name": "weekly", "scope": "read", "days": "7"})
    assert response.status_code == 200
    token = ApiToken.objects.get(name="weekly")
    assert token.scope == "read"
    assert dt.timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=7)
    response = client.post("/account/tokens/", {"name": "forever", "scope": "read", "days": "9999"})
    assert response.status_code == 200
    assert not ApiToken.objects.filter(name="forever").exists()
    assert b"9999" in response.content or b"less than or equal to 365" in response.content


def test_token_list_shows_scope_and_expiry(world: Any) -> None:
    _, raw = token_create(actor=world.users["dm_a"], name="listed", scope=TokenScope.READ, days=5)
    rows = json.loads(Client().get("/api/tokens", **bearer(raw)).content)
    (row,) = [r for r in rows if r["name"] == "listed"]
    assert row["scope"] == "read"
    assert row["expires_at"]
