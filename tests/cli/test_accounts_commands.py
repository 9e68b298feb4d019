"""Account lifecycle at the command line: users, resetpassword, deactivateuser, reactivateuser, resetotp,
endmembership — each change audited (actor: the system, reason given or "command line")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from remission.cli import main
from remission.registry.codes import AuditAction, Role
from remission.registry.models import AuditRecord, Membership
from tests.registry.conftest import stored_world, world  # noqa: F401 (fixtures)

NEW_PASSWORD = "another long pass phrase"


@pytest.fixture
def quiet_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django is already set up by pytest-django; the commands must use that (test) database."""
    monkeypatch.setattr("remission.cli.accounts.start_django", lambda settings=None: None)


def _user(name: str) -> Any:
    return get_user_model().objects.get(username=name)


def test_users_lists_accounts_and_writes_nothing(world: Any, quiet_setup: None, capsys: Any) -> None:  # noqa: F811
    before = AuditRecord.objects.count()
    assert main(["users"]) == 0
    lines = dict(line.split("\t", 1) for line in capsys.readouterr().out.splitlines())
    assert lines["dm_a"] == "active\t-\tcentre_data_manager@alpha"
    assert lines["admin"] == "active\t-\tregistry_administrator@registry"
    assert lines["former_a"] == "active\t-\t-"  # its membership ended in 2021
    assert AuditRecord.objects.count() == before


def test_resetpassword(world: Any, quiet_setup: None, capsys: Any) -> None:  # noqa: F811
    assert main(["resetpassword", "dm_b", "--password", NEW_PASSWORD, "--reason", "ticket 12"]) == 0
    assert _user("dm_b").check_password(NEW_PASSWORD)
    row = AuditRecord.objects.get(action=AuditAction.PASSWORD_RESET)
    assert (row.actor_id, row.record_id, row.reason) == (None, _user("dm_b").pk, "ticket 12")
    assert main(["resetpassword", "dm_b", "--password", "short"]) == 2
    assert "too short" in capsys.readouterr().out
    assert main(["resetpassword", "nobody-here", "--password", NEW_PASSWORD]) == 2
    assert "no account named 'nobody-here'" in capsys.readouterr().out


def test_resetpassword_asks_twice(world: Any, quiet_setup: None, monkeypatch: Any, capsys: Any) -> None:  # noqa: F811
    answers = iter([NEW_PASSWORD, "something else"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["resetpassword", "dm_b"]) == 2
    assert "the two passwords differ" in capsys.readouterr().out
    assert not AuditRecord.objects.filter(action=AuditAction.PASSWORD_RESET).exists()


def test_deactivate_and_reactivate(world: Any, quiet_setup: None, capsys: Any) -> None:  # noqa: F811
    assert main(["deactivateuser", "clin_a", "--reason", "left"]) == 0
    assert not _user("clin_a").is_active
    assert main(["deactivateuser", "clin_a"]) == 2
    assert "already deactivated" in capsys.readouterr().out
    assert main(["reactivateuser", "clin_a"]) == 0
    assert _user("clin_a").is_active
    actions = list(
        AuditRecord.objects.filter(record_id=_user("clin_a").pk, entity="auth.user")
        .order_by("id")
        .values_list("action", "reason")
    )
    assert actions == [(AuditAction.DEACTIVATE, "left"), (AuditAction.REACTIVATE, "command line")]


def test_resetotp(world: Any, quiet_setup: None, capsys: Any) -> None:  # noqa: F811
    TOTPDevice.objects.create(user=_user("dm_a"), name="phone", confirmed=True)
    assert main(["resetotp", "dm_a", "--reason", "lost phone"]) == 0
    assert not TOTPDevice.objects.filter(user=_user("dm_a")).exists()
    assert AuditRecord.objects.get(action=AuditAction.OTP_RESET).reason == "lost phone"
    assert main(["resetotp", "dm_a"]) == 2
    assert "no second factor" in capsys.readouterr().out


def test_endmembership(world: Any, quiet_setup: None, capsys: Any) -> None:  # noqa: F811
    last_day = dt.date.today() + dt.timedelta(days=10)
    args = ["endmembership", "viewer_a", "--role", "centre_viewer", "--centre", "alpha"]
    assert main([*args, "--last-day", last_day.isoformat(), "--reason", "rotation ends"]) == 0
    membership = Membership.objects.get(user=_user("viewer_a"), role=Role.CENTRE_VIEWER)
    assert membership.valid_to == last_day
    row = AuditRecord.objects.get(entity="registry.membership", record_id=membership.pk, action="update")
    assert (row.actor_id, row.reason, row.after["valid_to"]) == (None, "rotation ends", last_day.isoformat())
    assert main(["endmembership", "viewer_a", "--role", "centre_clinician", "--centre", "alpha"]) == 2
    assert "viewer_a has no centre_clinician membership at alpha" in capsys.readouterr().out
    assert main([*args, "--last-day", "2001-01-01"]) == 2  # before it began
    assert "valid_to" in capsys.readouterr().out
