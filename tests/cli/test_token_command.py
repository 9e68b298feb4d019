"""``remission token USER --name NAME``: the command line makes a token (printed once) that the API takes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from remission.cli import main
from remission.cli.tokens import NO_ACTIVE_USER
from remission.registry.models import ApiToken


@pytest.fixture
def quiet_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("remission.cli.tokens.start_django", lambda: None)


def test_token_command_makes_a_read_token_that_works(db: None, quiet_setup: None, capsys: Any) -> None:
    get_user_model().objects.create_user(username="robot", password="correct horse battery staple")
    assert main(["token", "robot", "--name", "nightly", "--days", "7"]) == 0
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(name="nightly")
    assert token.scope == "read"
    assert raw.startswith("rms_") and raw[:10] == token.prefix
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_token_command_refuses_unknown_accounts_and_bad_days(
    db: None, quiet_setup: None, capsys: Any
) -> None:
    assert main(["token", "ghost", "--name", "x"]) == 2
    assert NO_ACTIVE_USER.format(name="ghost") in capsys.readouterr().out
    get_user_model().objects.create_user(username="robot", password="correct horse battery staple")
    assert main(["token", "robot", "--name", "x", "--days", "1000"]) == 2
    assert "days" in capsys.readouterr().out
    assert not ApiToken.objects.exists()
