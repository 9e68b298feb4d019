"""A command that reads never writes: every read command, run against a registry, leaves every row of every
table as it was — except the audit rows that exports (and backups, a copy of everything) must leave, which
are checked to be exactly that: new rows, action ``export``, and the chain head moved on to them.

On a registry that does not exist the read commands stop with one message and create nothing (no SQLite
file, no demo): only ``remission demo`` builds the demo.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from remission.cli import main
from remission.registry.database import NO_REGISTRY, NOT_MIGRATED, registry_problem
from tests.registry.conftest import build_world
from tests.registry.table_contents import checksums, django_rows

ROOT = Path(__file__).resolve().parents[2]
CANDIDATE = ROOT / "docs" / "examples" / "candidate-ssc.json"
DJANGO_MODULES = ("report", "check", "export", "fhir", "redcap", "audit", "backup", "model")
AUDIT_TABLES = ("registry_auditrecord", "registry_auditchainhead")


@pytest.fixture
def quiet_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django is already set up by pytest-django; the commands must use that (test) database."""
    for module in DJANGO_MODULES:
        monkeypatch.setattr(f"remission.cli.{module}.start_django", lambda settings=None: None)


def read_commands(out: Path) -> list[tuple[list[str], int]]:
    """Each read command with the exit code it gives on the two-centre registry."""
    return [
        (["report", "--out", str(out / "report.html"), "--by", "none"], 0),
        (["check", "--quiet"], 0),
        (["screen", str(CANDIDATE)], 0),
        (["export", "--format", "csv", "--out", str(out / "extract.zip")], 0),
        (["export", "--format", "xlsx", "--out", str(out / "deid.xlsx"), "--deidentify"], 0),
        (["fhir", "export", "--out", str(out / "fhir")], 0),
        (["redcap", "dictionary", "--out", str(out / "dictionary.csv")], 0),
        (["redcap", "records", "--out", str(out / "records.csv"), "--as", "dm_a"], 0),
        (["audit", "verify"], 0),
        (["backup", "--out", str(out / "registry.backup")], 0),
        (["model", "show"], 2),  # no model stored: said, nothing written
        (["model", "report", "--out", str(out / "model.html")], 2),
    ]


def test_no_read_command_changes_a_row(
    transactional_db: None, quiet_setup: None, tmp_path: Path, capsys: Any
) -> None:
    build_world()
    before = django_rows()
    codes = {}
    for argv, _ in read_commands(tmp_path):
        codes[" ".join(argv[:2])] = main(argv)
    capsys.readouterr()
    assert codes == {" ".join(argv[:2]): code for argv, code in read_commands(tmp_path)}
    after = django_rows()
    assert sorted(after) == sorted(before)
    changed = [t for t in before if checksums(before)[t] != checksums(after)[t]]
    assert set(changed) <= set(AUDIT_TABLES), f"read commands changed {changed}"
    # the one allowed write: the audit rows of exports, appended (none changed or removed)
    assert set(before["registry_auditrecord"]) <= set(after["registry_auditrecord"])
    added = set(after["registry_auditrecord"]) - set(before["registry_auditrecord"])
    assert added and all("'export'" in row for row in added)
    entities = {e for row in added for e in ("interop.extract", "registry.backup") if f"'{e}'" in row}
    assert entities == {"interop.extract", "registry.backup"}


CHILD = textwrap.dedent(
    """
    import sys
    from remission.cli import main
    out = sys.argv[1]
    for argv in (["report", "--out", out + "/r.html"], ["check"], ["export", "--format", "csv", "--out",
                 out + "/e.zip"], ["fhir", "export", "--out", out + "/fhir"], ["redcap", "records", "--out",
                 out + "/r.csv"], ["audit", "verify"], ["backup", "--out", out + "/b.sqlite3"]):
        print("EXIT", argv[0], main(argv), flush=True)
    """
)


def test_read_commands_on_no_registry_stop_and_create_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    keep = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env = {
        **keep,
        "REMISSION_DATA_DIR": str(data_dir),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), keep.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    exits = [line.split()[1:] for line in done.stdout.splitlines() if line.startswith("EXIT")]
    assert exits == [
        [name, "2"] for name in ("report", "check", "export", "fhir", "redcap", "audit", "backup")
    ]
    sqlite_file = data_dir / "remission.sqlite3"
    message = NO_REGISTRY.format(where=f"SQLite file {sqlite_file}")
    assert done.stderr.count(message) == 7
    assert not sqlite_file.exists()  # not opened (SQLite would have created it), not migrated, no demo
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # and no output file written


def test_a_registry_behind_its_migrations_is_named(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert registry_problem() is None  # the test database is migrated
    monkeypatch.setattr(
        "remission.registry.database.pending_migrations", lambda using="default": ["registry.0099_x"]
    )
    problem = registry_problem()
    assert problem is not None
    assert problem.startswith(NOT_MIGRATED.split("{where}")[0]) and "(first registry.0099_x)" in problem
