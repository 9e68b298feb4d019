"""A process killed in the middle of a --commit import leaves nothing of the import stored."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 300  # for the first batch to be written (a bound, not a timing assertion)


def _run(action: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tests.interop.kill_import_script", action, str(folder)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)


def _kill_mid_import(folder: Path, env: dict[str, str]) -> dict[str, int]:
    _run("prepare", folder, env)
    command = [sys.executable, "-m", "tests.interop.kill_import_script", "import", str(folder)]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        waited = 0.0
        while not (folder / "written").exists():
            assert process.poll() is None, "the import ended before it was killed"
            assert waited < WAIT_SECONDS, "the import never wrote its first batch"
            time.sleep(0.2)
            waited += 0.2
        # the first batch of patients is in the transaction, not yet committed
        assert int((folder / "written").read_text()) == 10
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    return json.loads(_run("count", folder, env).stdout)


def test_killed_import_leaves_nothing_on_sqlite(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'registry.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    counts = _kill_mid_import(tmp_path, env)
    assert counts == {"patients": 0, "imported": 0, "import_audit_rows": 0}


@pytest.mark.postgres
@pytest.mark.django_db
def test_killed_import_leaves_nothing_on_postgres(tmp_path: Path, django_db_blocker: Any) -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_kill"
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
        env = {**os.environ, "DATABASE_URL": url}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        counts = _kill_mid_import(tmp_path, env)
        assert counts == {"patients": 0, "imported": 0, "import_audit_rows": 0}
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
