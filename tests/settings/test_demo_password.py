"""Production settings refuse to start while any account has the demo's published password, and refuse it
as a new password (remission.synth.demo_password)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ValidationError

from remission.synth import demo
from remission.synth.demo_password import (
    DEMO_PASSWORD,
    DEMO_PASSWORD_REFUSED,
    NotTheDemoPassword,
    accounts_with_demo_password,
    refuse_demo_passwords,
)

SRC = Path(__file__).resolve().parents[2] / "src"
PUBLISHED = "remission-demo"  # as README and `remission demo` print it


def test_the_demo_logins_use_the_published_password() -> None:
    assert DEMO_PASSWORD == demo.DEMO_PASSWORD == PUBLISHED


def test_accounts_with_the_demo_password_are_named_and_nothing_is_saved(db: None) -> None:
    users = get_user_model().objects
    users.create_user(username="zed", password=PUBLISHED)
    users.create_user(username="amy", password=PUBLISHED)
    users.create_user(username="own", password="a-password-of-her-own")
    locked = users.create_user(username="nopass")
    locked.set_unusable_password()
    locked.save()
    stored = dict(users.values_list("username", "password"))
    assert accounts_with_demo_password() == ["amy", "zed"]
    with pytest.raises(ImproperlyConfigured) as refusal:
        refuse_demo_passwords()
    assert "2 account(s) have the published demo password (amy, zed)" in str(refusal.value)
    assert dict(users.values_list("username", "password")) == stored


def test_no_account_with_it_starts(db: None) -> None:
    get_user_model().objects.create_user(username="own", password="a-password-of-her-own")
    refuse_demo_passwords()  # no exception


def test_the_validator_refuses_only_the_demo_password() -> None:
    validator = NotTheDemoPassword()
    with pytest.raises(ValidationError) as refusal:
        validator.validate(PUBLISHED)
    assert refusal.value.messages == [DEMO_PASSWORD_REFUSED]
    validator.validate("remission-demo2")  # no exception


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_production_refuses_to_start_until_the_demo_password_is_gone(tmp_path: Path) -> None:
    keep = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"}
    }
    base = {
        **keep,
        "REMISSION_DATA_DIR": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(SRC), keep.get("PYTHONPATH", "")]),
    }
    production = {
        **base,
        "DJANGO_SETTINGS_MODULE": "remission.settings.production",
        "SECRET_KEY": "k" * 20 + "-production-test-key-" + "z" * 30,
        "REMISSION_PSEUDONYM_KEY": "p" * 50,
        "ALLOWED_HOSTS": "registry.example",
    }
    assert _run(["-m", "remission", "migrate"], base).returncode == 0
    assert (tmp_path / "remission.sqlite3").stat().st_mode & 0o777 == 0o600  # private from the start
    made = _run(["-m", "remission", "createuser", "viewer1", "--role", "registry_statistician",
                 "--password", PUBLISHED], base)  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    expected = "1 account(s) have the published demo password (viewer1)"

    wsgi = _run(["-c", "import remission.wsgi"], production)
    assert wsgi.returncode != 0 and expected in wsgi.stderr
    serve = _run(["-m", "remission", "serve", "--port", "1"], production)
    assert serve.returncode == 2 and expected in serve.stderr

    refused = _run(["-m", "remission", "resetpassword", "viewer1", "--password", PUBLISHED], production)
    assert refused.returncode == 2 and DEMO_PASSWORD_REFUSED in refused.stdout
    reset = _run(["-m", "remission", "resetpassword", "viewer1", "--password", "a-new-long-pass"], production)
    assert reset.returncode == 0, reset.stdout + reset.stderr
    assert _run(["-c", "import remission.wsgi"], production).returncode == 0
