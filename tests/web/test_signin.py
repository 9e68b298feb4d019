"""Sign-in, sign-out, throttling after repeated failures (counted in the database, shared by every server
process), CSRF, and who-am-I on every page. Lockout messages, audit rows and the per-address throttle:
test_accounts_signin.py."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from remission.web.signin import LOCKOUT, MAX_FAILURES, PER_PAIR, WINDOW, Throttle
from tests.registry.conftest import PASSWORD

THROTTLE = Throttle()


def test_throttle_locks_after_max_failures_and_unlocks_after_lockout(db: None) -> None:
    throttle = Throttle()
    now = 1_000_000.0
    for i in range(MAX_FAILURES - 1):
        assert throttle.failed("Alice", "10.0.0.1", now=now + i) is None
        assert throttle.locked_for("alice", "10.0.0.1", now=now + i) == 0
    lock = throttle.failed("alice", "10.0.0.1", now=now + 10)
    assert lock is not None and lock.per == PER_PAIR and lock.failures == MAX_FAILURES
    assert throttle.locked_for("ALICE", "10.0.0.1", now=now + 11) > 0
    assert throttle.locked_for("alice", "10.0.0.2", now=now + 11) == 0  # another address
    assert throttle.locked_for("bob", "10.0.0.1", now=now + 11) == 0  # another user name
    after = now + 10 + LOCKOUT.total_seconds() + 1
    assert throttle.locked_for("alice", "10.0.0.1", now=after) == 0


def test_failures_outside_the_window_do_not_count(db: None) -> None:
    throttle = Throttle()
    now = 2_000_000.0
    for i in range(MAX_FAILURES - 1):
        throttle.failed("carol", "10.0.0.1", now=now + i)
    later = now + WINDOW.total_seconds() + 5
    assert throttle.failed("carol", "10.0.0.1", now=later) is None


def test_success_clears_the_count(db: None) -> None:
    throttle = Throttle()
    for i in range(MAX_FAILURES - 1):
        throttle.failed("dave", "10.0.0.1", now=100.0 + i)
    throttle.succeeded("dave", "10.0.0.1")
    assert throttle.failed("dave", "10.0.0.1", now=200.0) is None


def test_the_counts_are_kept_in_the_database() -> None:
    """Not in one process's memory: a cache every server process reads (``remission migrate`` makes it)."""
    assert isinstance(caches[settings.REMISSION_SIGNIN_CACHE], DatabaseCache)


def _in_another_connection(work: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``work`` in another thread: its own database connection and its own cache object, as in
    another server process. Returns what it returned and the id of the cache object it used."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.append((work(), id(caches[settings.REMISSION_SIGNIN_CACHE])))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out[0]


@pytest.mark.django_db(transaction=True)
def test_two_connections_share_the_count() -> None:
    now = 3_000_000.0
    try:
        for i in range(MAX_FAILURES - 1):
            assert THROTTLE.failed("erin", "10.0.0.9", now=now + i) is None
        locked, other_cache = _in_another_connection(lambda: THROTTLE.failed("erin", "10.0.0.9", now=now + 9))
        assert other_cache != id(caches[settings.REMISSION_SIGNIN_CACHE])
        assert locked is not None  # the other connection counted this connection's four failures
        assert THROTTLE.locked_for("erin", "10.0.0.9", now=now + 10) > 0
        wait, _ = _in_another_connection(lambda: THROTTLE.locked_for("erin", "10.0.0.9", now=now + 10))
        assert wait > 0
    finally:
        caches[settings.REMISSION_SIGNIN_CACHE].clear()


FAIL_IN_ANOTHER_PROCESS = """
import django
django.setup()
from remission.web.signin import Throttle
print(Throttle().failed("frank", "10.0.0.10", now=4_000_000.0 + {i}) is not None)
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_server_processes_share_the_count() -> None:
    """Failures counted by other operating-system processes (on the test database) lock this one out."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "remission.settings.test"}
    try:
        answers = []
        for i in range(MAX_FAILURES):
            script = FAIL_IN_ANOTHER_PROCESS.format(i=i)
            done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            answers.append(done.stdout.strip())
        assert answers == ["False"] * (MAX_FAILURES - 1) + ["True"]
        assert THROTTLE.locked_for("frank", "10.0.0.10", now=4_000_000.0 + MAX_FAILURES) > 0
    finally:
        caches[settings.REMISSION_SIGNIN_CACHE].clear()


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
    assert refused.status_code == 200 and "Sign-in is locked for 15 minutes" in refused.content.decode()
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
