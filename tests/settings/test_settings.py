"""Settings: the environment read in one place, SQLite by default, production refusing to start unsafely."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from remission.settings.base import database_config
from remission.settings.environment import (
    DEBUG_IN_PRODUCTION,
    NO_ALLOWED_HOSTS,
    NO_PSEUDONYM_KEY,
    NO_SECRET_KEY,
    read_environment,
)


def test_no_database_url_means_sqlite_in_wal_mode(tmp_path: Path) -> None:
    env = read_environment({"REMISSION_DATA_DIR": str(tmp_path)})
    config = database_config(env)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "remission.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_database_url_selects_postgresql() -> None:
    env = read_environment({"DATABASE_URL": "postgres://reg:pw@db.example:5433/registry"})
    config = database_config(env)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "db.example",
        5433,
        "registry",
        "reg",
    )


@pytest.mark.parametrize(
    ("word", "value"), [("1", True), ("true", True), ("YES", True), ("0", False), ("", False)]
)
def test_debug_flag_words(word: str, value: bool) -> None:
    assert read_environment({"DEBUG": word}).debug is value


def start_production(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "REMISSION_PSEUDONYM_KEY"}
    }
    return subprocess.run(
        [sys.executable, "-c", "import remission.settings.production"],
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "registry.example"}, NO_SECRET_KEY),
        ({"SECRET_KEY": "s" * 50, "DEBUG": "1", "ALLOWED_HOSTS": "registry.example"}, DEBUG_IN_PRODUCTION),
        ({"SECRET_KEY": "s" * 50}, NO_ALLOWED_HOSTS),
        ({"SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "registry.example"}, NO_PSEUDONYM_KEY),
    ],
)
def test_production_refuses_to_start(env: dict[str, str], message: str) -> None:
    result = start_production(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_when_configured() -> None:
    result = start_production(
        {"SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "registry.example", "REMISSION_PSEUDONYM_KEY": "p" * 50}
    )
    assert result.returncode == 0, result.stderr
