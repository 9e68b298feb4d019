"""Run the whole test suite: on SQLite, then the database tests again on PostgreSQL.

    python3 tests/run.py [pytest arguments]

PostgreSQL comes from ``REMISSION_TEST_POSTGRES_URL`` or, failing that, ``DATABASE_URL`` if it names
PostgreSQL, or the local server ``postgres://postgres@127.0.0.1:5432/remission`` (pytest-django
creates and drops its own ``test_remission`` database). When no server answers, the PostgreSQL pass
is skipped with the reason printed — except under ``CI=true``, where that is a failure.
Ends with one line adding both passes up: ``tests: N passed, N failed, N skipped``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/remission"


def postgres_url() -> str:
    explicit = os.environ.get("REMISSION_TEST_POSTGRES_URL")
    if explicit:
        return explicit
    current = os.environ.get("DATABASE_URL", "")
    return current if current.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES


def postgres_unreachable(url: str) -> str | None:
    """None when a server answers at ``url``, else why not."""
    import psycopg

    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5):
            return None
    except Exception as exc:  # any failure to connect is a reason to report
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


def run_pass(name: str, extra_env: dict[str, str], args: list[str]) -> tuple[int, dict[str, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        summary = Path(tmp) / "summary.json"
        env = {**os.environ, **extra_env, "REMISSION_TEST_SUMMARY": str(summary)}
        print(f"\n=== {name} ===", flush=True)
        code = subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)
        counts = json.loads(summary.read_text()) if summary.exists() else {}
    return code, counts


def install_test_tools(ci: bool) -> None:
    """Under CI, install what the browser tests need (Debian's Chromium) with the project's own script."""
    if ci and shutil.which("chromium") is None:
        print("Installing Chromium for the browser tests (scripts/install-chromium.sh)", flush=True)
        subprocess.run(["bash", str(ROOT / "scripts" / "install-chromium.sh")], check=True)


def main(args: list[str]) -> int:
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    install_test_tools(ci)
    sqlite_env = {"DATABASE_URL": "", "REMISSION_DB_TESTS_ONLY": "0"}
    code, total = run_pass("all tests on SQLite", sqlite_env, args)
    failed = code != 0
    url = postgres_url()
    reason = postgres_unreachable(url)
    if reason is None:
        pg_env = {"DATABASE_URL": url, "REMISSION_DB_TESTS_ONLY": "1"}
        pg_code, pg_counts = run_pass(f"database tests on PostgreSQL ({url})", pg_env, args)
        failed = failed or pg_code != 0
        for key, value in pg_counts.items():
            total[key] = total.get(key, 0) + value
    elif ci:
        print(f"\nPostgreSQL is required under CI=true but {url} did not answer: {reason}", flush=True)
        failed = True
    else:
        print(f"\nPostgreSQL tests skipped: {url} did not answer ({reason})", flush=True)
    passed, failures = total.get("passed", 0), total.get("failed", 0) + total.get("error", 0)
    print(f"tests: {passed} passed, {failures} failed, {total.get('skipped', 0)} skipped", flush=True)
    if passed == 0:
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
