"""Sessions end after inactivity (and a fixed time after sign-in); activity keeps them alive.

The times are moved by editing the session's stored timestamps, not by waiting.
"""

from __future__ import annotations

import time
from typing import Any

from django.test import Client, override_settings
from django.urls import reverse

from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord
from remission.web.sessions import LAST_SEEN, SIGNED_IN_AT
from tests.registry.conftest import PASSWORD


def _signed_in(username: str = "dm_a") -> Client:
    client = Client(REMOTE_ADDR="192.0.2.50")
    assert client.post(reverse("login"), {"username": username, "password": PASSWORD}).status_code == 302
    assert client.get(reverse("patient_list")).status_code == 200
    return client


def _age(client: Client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = time.time() - seconds
    session.save()


def test_the_default_idle_limit_is_30_minutes() -> None:
    from remission.settings import base

    assert base.REMISSION_SESSION_IDLE_MINUTES == 30
    assert base.REMISSION_SESSION_MAX_HOURS == 8


def test_a_session_idle_for_more_than_30_minutes_ends(world: Any) -> None:
    client = _signed_in()
    _age(client, LAST_SEEN, 31 * 60)
    response = client.get(reverse("patient_list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('patient_list')}"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "You were signed out after 30 minutes without activity" in page.content.decode()
    row = AuditRecord.objects.get(action=AuditAction.SIGN_OUT)
    assert row.actor_id == world.users["dm_a"].pk
    assert row.reason.startswith("You were signed out after 30 minutes without activity")


def test_a_session_used_within_30_minutes_goes_on(world: Any) -> None:
    client = _signed_in()
    _age(client, LAST_SEEN, 29 * 60)
    assert client.get(reverse("patient_list")).status_code == 200
    assert time.time() - client.session[LAST_SEEN] < 60  # the request counted as activity


@override_settings(REMISSION_SESSION_IDLE_MINUTES=5)
def test_the_idle_limit_is_a_setting(world: Any) -> None:
    client = _signed_in()
    _age(client, LAST_SEEN, 6 * 60)
    assert client.get(reverse("patient_list")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_session_ends_8_hours_after_sign_in_however_active(world: Any) -> None:
    client = _signed_in()
    _age(client, SIGNED_IN_AT, 8 * 3600 + 1)
    assert client.get(reverse("patient_list")).status_code == 302
    page = client.get(reverse("login"))
    assert "You were signed out 8 hours after signing in" in page.content.decode()


def test_the_api_is_not_affected(world: Any) -> None:
    from remission.registry.services.tokens import token_create

    _, raw = token_create(actor=world.users["dm_a"], name="script")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/me").status_code == 200


def test_signing_in_starts_both_clocks(world: Any) -> None:
    before = time.time()
    client = _signed_in()
    assert before <= client.session[SIGNED_IN_AT] <= time.time()
    assert before <= client.session[LAST_SEEN] <= time.time()
