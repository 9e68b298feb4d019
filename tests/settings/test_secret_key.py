"""Without SECRET_KEY in the environment the base settings use the installation's own key, made once in
the data folder with mode 0600; the production settings still require the environment's key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from remission.settings.secret_key import (
    OPEN_KEY,
    SECRET_KEY_FILE,
    _write_once,
    installation_secret_key,
)

SRC = Path(__file__).resolve().parents[2] / "src"
OLD_PUBLIC_KEY = "remission-development-key-not-for-production"


def test_first_use_makes_a_private_key_and_later_uses_read_it(tmp_path: Path) -> None:
    first = installation_secret_key(tmp_path / "data")
    path = tmp_path / "data" / SECRET_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 50
    assert installation_secret_key(tmp_path / "data") == first
    assert installation_secret_key(tmp_path / "other") != first
    assert [p.name for p in (tmp_path / "data").iterdir()] == [SECRET_KEY_FILE]  # no temporary left


def test_the_first_writer_wins(tmp_path: Path) -> None:
    path = tmp_path / SECRET_KEY_FILE
    _write_once(path, "a" * 64)
    _write_once(path, "b" * 64)  # a second process starting at the same moment
    assert installation_secret_key(tmp_path) == "a" * 64


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    installation_secret_key(tmp_path)
    path = tmp_path / SECRET_KEY_FILE
    path.chmod(0o644)
    with pytest.raises(RuntimeError) as caught:
        installation_secret_key(tmp_path)
    assert str(caught.value) == OPEN_KEY.format(path=path, mode=0o644)


def _settings_key(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG", "ALLOWED_HOSTS"}
    }
    clean["PYTHONPATH"] = os.pathsep.join([str(SRC), clean.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-c", f"import {module} as s; print(s.SECRET_KEY)"],
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_base_settings_use_the_installation_key_not_a_published_one(tmp_path: Path) -> None:
    first = _settings_key("remission.settings.base", {"REMISSION_DATA_DIR": str(tmp_path)})
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert key != OLD_PUBLIC_KEY
    assert key == (tmp_path / SECRET_KEY_FILE).read_text().strip()
    again = _settings_key("remission.settings.base", {"REMISSION_DATA_DIR": str(tmp_path)})
    assert again.stdout.strip() == key


def test_the_environment_key_wins_and_production_needs_it(tmp_path: Path) -> None:
    env = {"REMISSION_DATA_DIR": str(tmp_path), "SECRET_KEY": "e" * 60}
    assert _settings_key("remission.settings.base", env).stdout.strip() == "e" * 60
    production = {
        "REMISSION_DATA_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "registry.example",
        "REMISSION_PSEUDONYM_KEY": "p" * 50,
    }
    refused = _settings_key("remission.settings.production", production)
    assert refused.returncode != 0
    assert "SECRET_KEY must be set" in refused.stderr
