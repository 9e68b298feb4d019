"""Signing in: Argon2 password hashes (and the upgrade of older ones), the audit rows of sign-ins, failures,
lockouts and sign-outs, the lockout message, and the per-address throttle against password spraying."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.urls import reverse

from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord
from remission.settings import base
from tests.registry.conftest import PASSWORD

ARGON2_FIRST = override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)


def _sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def _rows(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action).order_by("id"))


# --- hashing ----------------------------------------------------------------------------------------


def test_the_base_settings_hash_with_argon2_first() -> None:
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with ARGON2_FIRST:
        encoded = make_password("a long enough pass phrase")
    algorithm, variety, *_ = encoded.split("$")
    assert (algorithm, variety) == ("argon2", "argon2id")


@ARGON2_FIRST
def test_an_older_hash_is_upgraded_to_argon2_at_sign_in(world: Any) -> None:
    user = world.users["stat"]
    get_user_model().objects.filter(pk=user.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )
    assert get_user_model().objects.get(pk=user.pk).password.startswith("pbkdf2_sha256$")
    assert _sign_in(Client(), "stat", PASSWORD).status_code == 302
    assert get_user_model().objects.get(pk=user.pk).password.startswith("argon2$argon2id$")


def test_the_test_settings_keep_a_fast_hasher() -> None:
    from django.conf import settings

    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- audit ------------------------------------------------------------------------------------------


def test_a_sign_in_and_a_sign_out_are_audited(world: Any) -> None:
    client = Client(REMOTE_ADDR="192.0.2.20")
    assert _sign_in(client, "dm_a", PASSWORD).status_code == 302
    [row] = _rows(AuditAction.SIGN_IN)
    assert row.actor_id == world.users["dm_a"].pk
    assert (row.entity, row.record_id) == ("auth.user", world.users["dm_a"].pk)
    assert row.after == {"username": "dm_a", "address": "192.0.2.20", "second_factor": "none"}
    client.post(reverse("logout"))
    [out] = _rows(AuditAction.SIGN_OUT)
    assert (out.actor_id, out.reason) == (world.users["dm_a"].pk, "signed out")


def test_a_failed_sign_in_is_audited_without_an_actor(world: Any) -> None:
    client = Client(REMOTE_ADDR="192.0.2.21")
    assert _sign_in(client, "dm_a", "not the password").status_code == 200
    [row] = _rows(AuditAction.SIGN_IN_FAILED)
    assert row.actor_id is None  # nobody proved who they were
    assert row.record_id == world.users["dm_a"].pk
    assert row.after == {"username": "dm_a", "address": "192.0.2.21"}
    assert row.reason == "wrong user name or password"


def test_an_unknown_user_name_is_kept_only_as_a_short_hash(world: Any) -> None:
    import hashlib

    typed = "my secret password typed in the wrong box"
    _sign_in(Client(REMOTE_ADDR="192.0.2.22"), typed, "x")
    [row] = _rows(AuditAction.SIGN_IN_FAILED)
    assert row.record_id is None
    assert row.after == {
        "unknown_username_sha256": hashlib.sha256(typed.encode()).hexdigest()[:12],
        "address": "192.0.2.22",
    }
    assert typed not in str(row.after)


# --- lockout ----------------------------------------------------------------------------------------


def test_lockout_after_five_failures_says_for_how_long_and_after_how_many(world: Any) -> None:
    client = Client(REMOTE_ADDR="192.0.2.30")
    for _ in range(4):
        page = _sign_in(client, "clin_a", "wrong password")
        assert "Please enter a correct" in page.content.decode()
    fifth = _sign_in(client, "clin_a", "wrong password").content.decode()
    assert "Sign-in is locked for 15 minutes after 5 failed attempts" in fifth
    refused = _sign_in(client, "clin_a", PASSWORD)
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert "Sign-in is locked for 15 minutes after 5 failed attempts" in refused.content.decode()
    [lock] = _rows(AuditAction.SIGN_IN_LOCKED)
    assert lock.record_id == world.users["clin_a"].pk
    assert lock.after == {
        "username": "clin_a",
        "address": "192.0.2.30",
        "failures": 5,
        "minutes": 15,
        "per": "user name and address",
    }
    failed = _rows(AuditAction.SIGN_IN_FAILED)
    assert len(failed) == 6  # five wrong passwords, then the right one refused while locked
    assert failed[-1].reason == "locked (user name and address)"
    # the same user from another address is not locked out: a stranger cannot lock a colleague out
    assert _sign_in(Client(REMOTE_ADDR="192.0.2.31"), "clin_a", PASSWORD).status_code == 302


@override_settings(REMISSION_SIGNIN_MAX_FAILURES=3, REMISSION_SIGNIN_LOCKOUT_MINUTES=60)
def test_the_limits_are_settings(world: Any) -> None:
    client = Client(REMOTE_ADDR="192.0.2.32")
    for _ in range(2):
        _sign_in(client, "viewer_a", "wrong password")
    text = _sign_in(client, "viewer_a", "wrong password").content.decode()
    assert "Sign-in is locked for 60 minutes after 3 failed attempts" in text


@override_settings(REMISSION_SIGNIN_ADDRESS_MAX_FAILURES=6)
def test_password_spraying_from_one_address_is_paused(world: Any) -> None:
    """One guess each at many user names never locks a user name, but the address is paused."""
    client = Client(REMOTE_ADDR="198.51.100.9")
    names = ["dm_a", "clin_a", "viewer_a", "dm_b", "stat", "nobody"]
    for name in names[:-1]:
        assert "Please enter a correct" in _sign_in(client, name, "Summer2026!").content.decode()
    sixth = _sign_in(client, names[-1], "Summer2026!").content.decode()
    assert "Sign-in from your address is paused for 15 minutes after 6 failed attempts" in sixth
    # now even a right password for an untried user name is refused from that address ...
    refused = _sign_in(client, "admin", PASSWORD)
    assert "_auth_user_id" not in client.session
    assert "Sign-in from your address is paused" in refused.content.decode()
    # ... and audited; other addresses sign in as usual
    [lock] = _rows(AuditAction.SIGN_IN_LOCKED)
    assert lock.after == {"address": "198.51.100.9", "failures": 6, "minutes": 15, "per": "address"}
    assert lock.record_id is None
    assert _sign_in(Client(REMOTE_ADDR="198.51.100.10"), "admin", PASSWORD).status_code == 302


@override_settings(REMISSION_SIGNIN_ADDRESS_MAX_FAILURES=4)
def test_a_successful_sign_in_does_not_clear_the_address_count(world: Any) -> None:
    client = Client(REMOTE_ADDR="198.51.100.11")
    for name in ("dm_a", "clin_a", "viewer_a"):
        _sign_in(client, name, "guess")
    assert _sign_in(Client(REMOTE_ADDR="198.51.100.11"), "stat", PASSWORD).status_code == 302
    assert "paused" in _sign_in(client, "dm_b", "guess").content.decode()


@pytest.mark.parametrize("username", ["former_a"])
def test_an_account_with_no_current_role_signs_in_but_sees_nothing(world: Any, username: str) -> None:
    client = Client()
    assert _sign_in(client, username, PASSWORD).status_code == 302
    assert "no active role" in client.get(reverse("patient_list")).content.decode()
