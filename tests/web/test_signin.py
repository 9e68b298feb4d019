"""Sign-in, sign-out, throttling after repeated failures, CSRF, and who-am-I on every page."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from remission.web.signin import LOCKOUT, MAX_FAILURES, WINDOW, Throttle
from tests.registry.conftest import PASSWORD


def test_throttle_locks_after_max_failures_and_unlocks_after_lockout() -> None:
    throttle = Throttle()
    now = 1_000_000.0
    for i in range(MAX_FAILURES - 1):
        assert throttle.failed("Alice", "10.0.0.1", now=now + i) is False
        assert throttle.locked_for("alice", "10.0.0.1", now=now + i) == 0
    assert throttle.failed("alice", "10.0.0.1", now=now + 10) is True
    assert throttle.locked_for("ALICE", "10.0.0.1", now=now + 11) > 0
    assert throttle.locked_for("alice", "10.0.0.2", now=now + 11) == 0  # another address
    assert throttle.locked_for("bob", "10.0.0.1", now=now + 11) == 0  # another user name
    after = now + 10 + LOCKOUT.total_seconds() + 1
    assert throttle.locked_for("alice", "10.0.0.1", now=after) == 0


def test_failures_outside_the_window_do_not_count() -> None:
    throttle = Throttle()
    now = 2_000_000.0
    for i in range(MAX_FAILURES - 1):
        throttle.failed("carol", "10.0.0.1", now=now + i)
    later = now + WINDOW.total_seconds() + 5
    assert throttle.failed("carol", "10.0.0.1", now=later) is False


def test_success_clears_the_count() -> None:
    throttle = Throttle()
    for i in range(MAX_FAILURES - 1):
        throttle.failed("dave", "10.0.0.1", now=100.0 + i)
    throttle.succeeded("dave", "10.0.0.1")
    assert throttle.failed("dave", "10.0.0.1", now=200.0) is False


def _sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def test_sign_in_and_out(world: Any) -> None:
    client = Client()
    response = _sign_in(client, "dm_a", PASSWORD)
    assert response.status_code == 302
    page = client.get(reverse("patient_list"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Centre data manager" in text and "Alpha Hospital" in text  # role and centre on every page
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("patient_list")).status_code == 302  # back to the sign-in page


def test_sign_in_refused_after_repeated_failures(world: Any) -> None:
    client = Client(REMOTE_ADDR="192.0.2.7")
    for _ in range(MAX_FAILURES):
        assert _sign_in(client, "dm_a", "wrong password").status_code == 200
    refused = _sign_in(client, "dm_a", PASSWORD)
    assert refused.status_code == 200 and "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    other = Client(REMOTE_ADDR="192.0.2.8")
    assert _sign_in(other, "dm_a", PASSWORD).status_code == 302


def test_forms_need_the_csrf_token(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert _sign_in(client, "dm_a", PASSWORD).status_code == 403
    page = client.get(reverse("login"))
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()


def test_production_cookies_are_secure() -> None:
    import importlib

    from remission.settings import base

    assert base.SESSION_COOKIE_HTTPONLY and base.SESSION_COOKIE_SAMESITE == "Lax"
    source = importlib.util.find_spec("remission.settings.production").origin
    with open(source, encoding="utf-8") as handle:
        text = handle.read()
    assert "SESSION_COOKIE_SECURE = True" in text and "CSRF_COOKIE_SECURE = True" in text
