"""Account lifecycle on the web: changing one's own password; an administrator's password reset,
deactivation and reactivation, and ending a membership — each audited, and only for administrators."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from remission.registry.access import scope_for
from remission.registry.codes import AuditAction, Role
from remission.registry.models import AuditRecord, Membership
from remission.registry.services.accounts import OWN_ACCOUNT, WRONG_OLD_PASSWORD
from remission.registry.services.tokens import token_create
from tests.registry.conftest import PASSWORD

NEW_PASSWORD = "a brand new pass phrase"


def _sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def _admin(world: Any) -> Client:
    client = Client()
    client.force_login(world.users["admin"])
    return client


def _fresh(user: Any) -> Any:
    return get_user_model().objects.get(pk=user.pk)


# --- own password -----------------------------------------------------------------------------------


def test_changing_ones_own_password(world: Any) -> None:
    client = Client()
    _sign_in(client, "viewer_a")
    other_session = Client()
    _sign_in(other_session, "viewer_a")
    url = reverse("password_change")
    assert client.get(url).status_code == 200
    wrong = client.post(
        url, {"old_password": "nope", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    assert wrong.status_code == 200 and WRONG_OLD_PASSWORD in wrong.content.decode()
    short = client.post(
        url, {"old_password": PASSWORD, "new_password": "short", "new_password_again": "short"}
    )
    assert "too short" in short.content.decode()
    done = client.post(
        url, {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert client.get(reverse("patient_list")).status_code == 200  # this session goes on
    assert other_session.get(reverse("patient_list")).status_code == 302  # the others end
    assert _fresh(world.users["viewer_a"]).check_password(NEW_PASSWORD)
    row = AuditRecord.objects.get(action=AuditAction.PASSWORD_CHANGE)
    assert (row.actor_id, row.record_id) == (world.users["viewer_a"].pk, world.users["viewer_a"].pk)
    assert NEW_PASSWORD not in str(row.after) and PASSWORD not in str(row.after)


# --- administrators only ----------------------------------------------------------------------------


ADMIN_POSTS = ("user_password_reset", "user_deactivate", "user_reactivate", "user_second_factor_reset")


@pytest.mark.parametrize("username", ["dm_a", "clin_a", "viewer_a", "stat", "nobody"])
def test_only_administrators_manage_accounts(world: Any, username: str) -> None:
    client = Client()
    client.force_login(world.users[username])
    target = world.users["dm_b"].pk
    assert client.get(reverse("user_list")).status_code == 403
    assert client.get(reverse("user_detail", args=[target])).status_code == 403
    for name in ADMIN_POSTS:
        assert client.post(reverse(name, args=[target]), {}).status_code == 403, name
    membership = Membership.objects.get(user=world.users["dm_b"])
    assert client.post(reverse("membership_end", args=[membership.pk]), {}).status_code == 403
    assert _fresh(world.users["dm_b"]).is_active
    assert not AuditRecord.objects.filter(entity="auth.user", record_id=target).exists()


def test_signed_out_visitors_are_sent_to_sign_in(world: Any) -> None:
    client = Client()
    assert client.get(reverse("user_list")).status_code == 302
    assert client.post(reverse("user_deactivate", args=[world.users["dm_b"].pk])).status_code == 302


def test_the_administrator_sees_users_and_one_account(world: Any) -> None:
    client = _admin(world)
    listing = client.get(reverse("user_list")).content.decode()
    for name in ("dm_a", "former_a", "stat"):
        assert name in listing
    page = client.get(reverse("user_detail", args=[world.users["dm_a"].pk])).content.decode()
    assert "Centre data manager" in page and "Alpha Hospital" in page
    assert client.get(reverse("user_detail", args=[999_999])).status_code == 404


# --- reset, deactivate, end a membership ------------------------------------------------------------


def test_administrators_password_reset(world: Any) -> None:
    victim = Client()
    _sign_in(victim, "dm_b")
    client = _admin(world)
    url = reverse("user_password_reset", args=[world.users["dm_b"].pk])
    short = client.post(url, {"reset-new_password": "short", "reset-reason": "forgotten"})
    assert short.status_code == 400 and "too short" in short.content.decode()
    response = client.post(url, {"reset-new_password": NEW_PASSWORD, "reset-reason": "forgotten"})
    assert response.status_code == 302
    assert _fresh(world.users["dm_b"]).check_password(NEW_PASSWORD)
    assert victim.get(reverse("patient_list")).status_code == 302  # their sessions ended
    row = AuditRecord.objects.get(action=AuditAction.PASSWORD_RESET)
    assert (row.actor_id, row.record_id, row.reason) == (
        world.users["admin"].pk,
        world.users["dm_b"].pk,
        "forgotten",
    )
    assert _sign_in(Client(), "dm_b", NEW_PASSWORD).status_code == 302


def test_deactivating_a_user(world: Any) -> None:
    _, raw = token_create(actor=world.users["clin_a"], name="script")
    signed_in = Client()
    _sign_in(signed_in, "clin_a")
    client = _admin(world)
    url = reverse("user_deactivate", args=[world.users["clin_a"].pk])
    assert client.post(url, {"active-reason": ""}).status_code == 400  # a reason is needed
    assert client.post(url, {"active-reason": "left the hospital"}).status_code == 302
    assert not _fresh(world.users["clin_a"]).is_active
    assert signed_in.get(reverse("patient_list")).status_code == 302  # the session no longer counts
    assert _sign_in(Client(), "clin_a").status_code == 200  # cannot sign in
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/me").status_code == 401  # nor use a token
    row = AuditRecord.objects.get(action=AuditAction.DEACTIVATE)
    assert (row.actor_id, row.record_id, row.reason) == (
        world.users["admin"].pk,
        world.users["clin_a"].pk,
        "left the hospital",
    )
    assert (row.before, row.after) == ({"is_active": True}, {"is_active": False})
    again = client.post(
        reverse("user_reactivate", args=[world.users["clin_a"].pk]), {"active-reason": "back"}
    )
    assert again.status_code == 302 and _fresh(world.users["clin_a"]).is_active
    assert AuditRecord.objects.filter(action=AuditAction.REACTIVATE).count() == 1


def test_an_administrator_cannot_deactivate_themselves(world: Any) -> None:
    client = _admin(world)
    response = client.post(reverse("user_deactivate", args=[world.users["admin"].pk]), {"active-reason": "x"})
    assert response.status_code == 400 and OWN_ACCOUNT in response.content.decode()
    assert _fresh(world.users["admin"]).is_active


def test_ending_a_membership(world: Any) -> None:
    membership = Membership.objects.get(user=world.users["dm_a"], role=Role.CENTRE_DATA_MANAGER)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    Membership.objects.filter(pk=membership.pk).update(valid_from=yesterday - dt.timedelta(days=30))
    membership.refresh_from_db()
    client = _admin(world)
    url = reverse("membership_end", args=[membership.pk])
    prefix = f"m{membership.pk}"
    stale = client.post(
        url,
        {
            f"{prefix}-last_day": yesterday,
            f"{prefix}-reason": "moved",
            f"{prefix}-version": membership.version - 1,
        },
    )
    assert stale.status_code == 400 and "changed by someone else" in stale.content.decode()
    response = client.post(
        url,
        {
            f"{prefix}-last_day": yesterday,
            f"{prefix}-reason": "moved",
            f"{prefix}-version": membership.version,
        },
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.valid_to == yesterday
    assert not scope_for(_fresh(world.users["dm_a"])).roles  # no role today
    row = AuditRecord.objects.get(
        entity="registry.membership", record_id=membership.pk, action=AuditAction.UPDATE
    )
    assert row.actor_id == world.users["admin"].pk and row.reason == "moved"
    assert (row.before["valid_to"], row.after["valid_to"]) == (None, yesterday.isoformat())
