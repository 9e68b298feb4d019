"""Django starts one way (remission.settings.startup.start_django): the database or data folder a caller
names is used for that process without writing them into ``os.environ``, and a started Django refuses to
switch database. Each case runs in a fresh Python process (this one has Django running already)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from remission.settings.startup import OTHER_DATABASE

PROGRAM = """
import json, os, sys
from remission.settings.startup import start_django
start_django(**json.loads(sys.argv[1]))
from django.conf import settings
from django.db import connection
connection.ensure_connection()
print(json.dumps({"name": str(settings.DATABASES["default"]["NAME"]), "vendor": connection.vendor,
                  "environ": os.environ.get("DATABASE_URL"), "dir": os.environ.get("REMISSION_DATA_DIR")}))
try:
    start_django(database_url="postgres://someone@elsewhere.invalid:5432/another_registry")
except RuntimeError as exc:
    print(json.dumps({"refused": str(exc)}))
"""


def _start(tmp_path: Path, environ: dict[str, str], **kwargs: str) -> list[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REMISSION_DATA_DIR"}}
    env.update(environ, DJANGO_SETTINGS_MODULE="remission.settings.base")
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, json.dumps(kwargs)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_named_sqlite_database_is_used_and_not_written_into_the_environment(tmp_path: Path) -> None:
    target = tmp_path / "named.sqlite3"
    started, refused = _start(
        tmp_path, {"DATABASE_URL": "sqlite:////nowhere/else.sqlite3"}, database_url=f"sqlite:///{target}"
    )
    assert started == {
        "name": str(target),
        "vendor": "sqlite",
        "environ": "sqlite:////nowhere/else.sqlite3",
        "dir": None,
    }
    assert refused["refused"].startswith(OTHER_DATABASE.split("{")[0])


def test_no_database_means_the_embedded_file_in_the_named_folder(tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    started, _ = _start(
        tmp_path, {"DATABASE_URL": "sqlite:////nowhere/else.sqlite3"}, database_url="", data_dir=str(folder)
    )
    assert started["name"] == str(folder / "remission.sqlite3")
    assert (started["environ"], started["dir"]) == ("sqlite:////nowhere/else.sqlite3", None)
    assert folder.is_dir()


def test_without_arguments_the_environment_decides(tmp_path: Path) -> None:
    folder = tmp_path / "from-environment"
    started, _ = _start(tmp_path, {"REMISSION_DATA_DIR": str(folder)})
    assert started["name"] == str(folder / "remission.sqlite3")


@pytest.mark.django_db
def test_a_running_django_accepts_its_own_database_and_refuses_another() -> None:
    from django.conf import settings

    from remission.settings.startup import start_django

    current = settings.DATABASES["default"]
    start_django()  # nothing named: nothing to check, nothing to do
    with pytest.raises(RuntimeError, match="cannot switch"):
        start_django(database_url="postgres://someone@elsewhere.invalid:5432/another_registry")
    assert settings.DATABASES["default"] is current
