"""Run the whole test suite: on SQLite, and the database tests again on PostgreSQL, side by side.

    python3 tests/run.py [pytest arguments]

The two passes are two ordinary pytest runs started together (they share nothing: each has its own
database and summary file), so the suite takes about as long as its longer pass on a machine with
two cores. The SQLite pass prints as it goes; the PostgreSQL pass writes to a file that is printed
when both are done.

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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Pass:
    """One pytest run under way: its name, its process, where its counts (and, if quiet, its output) go."""

    name: str
    process: subprocess.Popen[bytes]
    summary: Path
    output: Path | None


def start_pass(name: str, extra_env: dict[str, str], args: list[str], folder: Path, quiet: bool) -> Pass:
    """Start pytest with ``extra_env``: its counts to a file in ``folder``, its output too if ``quiet``."""
    slug = extra_env["REMISSION_DB_TESTS_ONLY"] + ("-quiet" if quiet else "-loud")
    summary = folder / f"summary-{slug}.json"
    env = {**os.environ, **extra_env, "REMISSION_TEST_SUMMARY": str(summary)}
    command = [sys.executable, "-m", "pytest", *args]
    if not quiet:
        print(f"\n=== {name} ===", flush=True)
        return Pass(name, subprocess.Popen(command, cwd=ROOT, env=env), summary, None)
    output = folder / f"output-{slug}.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    return Pass(name, process, summary, output)


def finish_pass(run: Pass) -> tuple[int, dict[str, int]]:
    """Wait for ``run``; print its output if it was kept; its exit code and counts."""
    code = run.process.wait()
    if run.output is not None:
        print(f"\n=== {run.name} ===", flush=True)
        sys.stdout.buffer.write(run.output.read_bytes())
        sys.stdout.flush()
    counts = json.loads(run.summary.read_text()) if run.summary.exists() else {}
    return code, counts


def install_test_tools(ci: bool) -> None:
    """Under CI, install what the browser tests need (Debian's Chromium) with the project's own script."""
    if ci and shutil.which("chromium") is None:
        print("Installing Chromium for the browser tests (scripts/install-chromium.sh)", flush=True)
        subprocess.run(["bash", str(ROOT / "scripts" / "install-chromium.sh")], check=True)


def main(args: list[str]) -> int:
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    install_test_tools(ci)
    url = postgres_url()
    reason = postgres_unreachable(url)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        passes = []
        if reason is None:
            pg_env = {"DATABASE_URL": url, "REMISSION_DB_TESTS_ONLY": "1"}
            passes.append(
                start_pass(f"database tests on PostgreSQL ({url})", pg_env, args, folder, quiet=True)
            )
        sqlite_env = {"DATABASE_URL": "", "REMISSION_DB_TESTS_ONLY": "0"}
        passes.insert(0, start_pass("all tests on SQLite", sqlite_env, args, folder, quiet=False))
        results = [finish_pass(run) for run in passes]
    failed = any(code != 0 for code, _ in results)
    total: dict[str, int] = {}
    for _, counts in results:
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
    if reason is not None and ci:
        print(f"\nPostgreSQL is required under CI=true but {url} did not answer: {reason}", flush=True)
        failed = True
    elif reason is not None:
        print(f"\nPostgreSQL tests skipped: {url} did not answer ({reason})", flush=True)
    passed, failures = total.get("passed", 0), total.get("failed", 0) + total.get("error", 0)
    print(f"tests: {passed} passed, {failures} failed, {total.get('skipped', 0)} skipped", flush=True)
    if passed == 0:
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
