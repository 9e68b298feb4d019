"""``remission backup`` and ``remission restore`` (remission.registry.backup), on SQLite and PostgreSQL.

The round trip backs up the test registry in this process and restores it with the command, in a child
process, into an empty database (a new SQLite file; a new PostgreSQL database), then compares every row
of every table. A full disk is simulated by a copy that raises ENOSPC half-way (SQLite) and by a
``pg_dump`` on the PATH that writes half an archive and fails (PostgreSQL).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from remission.registry import backup
from remission.registry.access import SYSTEM
from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord
from tests.registry.conftest import build_world
from tests.registry.table_contents import django_rows, postgresql_rows, sqlite_file_rows

SRC = Path(__file__).resolve().parents[2] / "src"
RESTORE_DATABASE = "remission_e_restore_test"  # PostgreSQL: made and dropped by the round trip
PREVIOUS = b"the previous backup, which must survive"
PREVIOUS_RECORD = b'{"the": "previous record"}'

on_sqlite = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's backup API")
on_postgresql = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_dump and pg_restore")


def _child_env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    return {**keep, "PYTHONPATH": os.pathsep.join([str(SRC), keep.get("PYTHONPATH", "")]), **extra}


def _previous_backup(out: Path) -> None:
    out.write_bytes(PREVIOUS)
    backup.record_path(out).write_bytes(PREVIOUS_RECORD)


def _assert_previous_intact(out: Path) -> None:
    assert out.read_bytes() == PREVIOUS
    assert backup.record_path(out).read_bytes() == PREVIOUS_RECORD
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, out.name + ".json"])


def _postgresql_url(name: str) -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgresql://{s['USER']}{password}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def registry(transactional_db: None) -> Any:
    """A small registry, committed (pg_dump reads it from another process; SQLite's backup cannot run
    inside the test's transaction)."""
    return build_world()


def test_backup_writes_the_file_and_its_record_privately_and_audits_it(registry: Any, tmp_path: Path) -> None:
    out = tmp_path / "registry.backup"
    record = backup.backup_write(out, actor=SYSTEM)
    data = out.read_bytes()
    written = json.loads(backup.record_path(out).read_text(encoding="utf-8"))
    assert written["sha256"] == hashlib.sha256(data).hexdigest() == record.sha256
    assert written["size"] == len(data)
    assert written["engine"] == ("sqlite" if connection.vendor == "sqlite" else "postgresql")
    assert "registry.0001_initial" in written["migrations"]
    assert written["file"] == "registry.backup" and written["format_version"] == 1
    # an SQLite backup is an SQLite database; a pg_dump custom archive starts with PGDMP
    assert data.startswith(b"SQLite format 3\x00" if connection.vendor == "sqlite" else b"PGDMP")
    for path in (out, backup.record_path(out)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
    audit = AuditRecord.objects.get(entity=backup.BACKUP_ENTITY)
    assert audit.action == AuditAction.EXPORT
    assert audit.after["sha256"] == hashlib.sha256(data).hexdigest()


@on_sqlite
def test_sqlite_backup_counts_the_rows_of_the_copy(registry: Any, tmp_path: Path) -> None:
    out = tmp_path / "registry.sqlite3"
    record = backup.backup_write(out, actor=SYSTEM)
    copy = sqlite3.connect(out)
    try:
        patients = copy.execute("SELECT COUNT(*) FROM registry_patient").fetchone()[0]
        mode = copy.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        copy.close()
    assert patients == 2 == record.row_counts["registry_patient"]  # build_world: one patient per centre
    assert mode == "delete"  # one self-contained file


@on_sqlite
def test_a_full_disk_during_an_sqlite_backup_leaves_the_previous_one(
    registry: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "registry.sqlite3"
    _previous_backup(out)
    halfway: list[int] = []

    def copy_then_fill_the_disk(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
        pages = source.execute("PRAGMA page_count").fetchone()[0]

        def progress(status: int, remaining: int, total: int) -> None:
            if remaining < total // 2:
                halfway.append(remaining)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        source.backup(target, pages=max(1, pages // 10), progress=progress)

    monkeypatch.setattr(backup, "_copy_sqlite", copy_then_fill_the_disk)
    with pytest.raises(backup.BackupError, match="No space left on device"):
        backup.backup_write(out, actor=SYSTEM)
    assert halfway, "the copy stopped half-way, as a full disk would stop it"
    _assert_previous_intact(out)
    assert not AuditRecord.objects.filter(entity=backup.BACKUP_ENTITY).exists()


PG_DUMP_FILLS_THE_DISK = """#!/bin/sh
# pg_dump for the test: the real one writes the archive, then half of it is kept and the disk is "full"
for arg in "$@"; do case "$arg" in --file=*) out="${arg#--file=}";; esac; done
REAL "$@" || exit $?
size=$(wc -c < "$out")
truncate -s $((size / 2)) "$out"
echo "pg_dump: error: could not write to output file: No space left on device" >&2
exit 1
"""


@on_postgresql
def test_a_full_disk_during_pg_dump_leaves_the_previous_backup(
    registry: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = subprocess.run(["which", "pg_dump"], capture_output=True, text=True, check=True).stdout.strip()
    tools = tmp_path / "bin"
    tools.mkdir()
    wrapper = tools / "pg_dump"
    wrapper.write_text(PG_DUMP_FILLS_THE_DISK.replace("REAL", real), encoding="utf-8")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    folder = tmp_path / "backups"
    folder.mkdir()
    out = folder / "registry.pgdump"
    _previous_backup(out)
    with pytest.raises(backup.BackupError, match="No space left on device") as failure:
        backup.backup_write(out, actor=SYSTEM)
    assert "exit code 1" in str(failure.value)
    _assert_previous_intact(out)


@on_postgresql
def test_a_missing_pg_dump_is_named(registry: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on it
    with pytest.raises(backup.BackupError) as failure:
        backup.backup_write(tmp_path / "registry.pgdump", actor=SYSTEM)
    assert backup.NO_PG_DUMP in str(failure.value)
    assert list(tmp_path.iterdir()) == []


def test_restore_refuses_the_test_database(registry: Any, tmp_path: Path) -> None:
    """In this process the database is the test registry: not empty on PostgreSQL, in memory on SQLite
    (the round trip below restores into a file, twice: the second time is refused as not empty)."""
    out = tmp_path / "registry.backup"
    backup.backup_write(out, actor=SYSTEM)
    before = AuditRecord.objects.count()
    expected = backup.IN_MEMORY if connection.vendor == "sqlite" else "it is not empty"
    with pytest.raises(backup.BackupError) as failure:
        backup.restore_database(out)
    assert expected in str(failure.value)
    assert AuditRecord.objects.count() == before


def test_restore_refuses_a_file_that_does_not_match_its_record(registry: Any, tmp_path: Path) -> None:
    out = tmp_path / "registry.backup"
    backup.backup_write(out, actor=SYSTEM)
    with out.open("r+b") as handle:
        handle.seek(out.stat().st_size // 2)
        handle.write(b"\x00tampered\x00")
    with pytest.raises(backup.BackupError, match="but its record"):
        backup.restore_database(out)
    backup.record_path(out).unlink()
    with pytest.raises(backup.BackupError, match="no backup record"):
        backup.restore_database(out)


@pytest.fixture
def empty_postgresql() -> Iterator[str]:
    import psycopg

    admin = _postgresql_url("postgres")
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{RESTORE_DATABASE}"')
        db.execute(f'CREATE DATABASE "{RESTORE_DATABASE}"')
    yield _postgresql_url(RESTORE_DATABASE)
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{RESTORE_DATABASE}" WITH (FORCE)')


def _restore_in_a_child(out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "remission", "restore", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _assert_identical_but_for_the_restore_row(source: dict, restored: dict) -> None:
    assert sorted(restored) == sorted(source)
    for table in source:
        if table == "registry_auditrecord":
            continue
        assert restored[table] == source[table], f"table {table} differs after the round trip"
    added = sorted(set(restored["registry_auditrecord"]) - set(source["registry_auditrecord"]))
    assert set(source["registry_auditrecord"]) <= set(restored["registry_auditrecord"])
    assert len(added) == 1 and "'restore'" in added[0] and backup.BACKUP_ENTITY in added[0]


def test_round_trip_restores_every_row_of_every_table(
    registry: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    out = tmp_path / "backups" / "registry.backup"
    out.parent.mkdir()
    record = backup.backup_write(out, actor=SYSTEM)
    if connection.vendor == "sqlite":
        source = django_rows()
        data_dir = tmp_path / "restored"
        env = _child_env(REMISSION_DATA_DIR=str(data_dir))
        done = _restore_in_a_child(out, env)
        assert done.returncode == 0, done.stderr[-3000:]
        restored_file = data_dir / "remission.sqlite3"
        assert stat.S_IMODE(restored_file.stat().st_mode) == 0o600
        restored = sqlite_file_rows(str(restored_file))
    else:
        source = postgresql_rows(_postgresql_url(connection.settings_dict["NAME"]))
        url = request.getfixturevalue("empty_postgresql")
        env = _child_env(DATABASE_URL=url, REMISSION_DATA_DIR=str(tmp_path))
        done = _restore_in_a_child(out, env)
        assert done.returncode == 0, done.stderr[-3000:]
        restored = postgresql_rows(url)
    assert "Audit chain verified" in done.stdout and "Restore audited" in done.stdout
    # the backup's own audit row was written after the copy: it is in the source, not in the backup
    source["registry_auditrecord"] = [r for r in source["registry_auditrecord"] if record.sha256 not in r]
    source_head, restored_head = (
        source.pop("registry_auditchainhead"),
        restored.pop("registry_auditchainhead"),
    )
    assert len(restored_head) == 1 and restored_head != source_head  # moved on to the restore row
    _assert_identical_but_for_the_restore_row(source, restored)
    assert len(source) > 30  # every table of every installed app, not a handful
    again = _restore_in_a_child(out, env)
    assert again.returncode == 1 and "it is not empty" in again.stderr


def test_sqlite_copy_is_one_snapshot_while_another_connection_writes(tmp_path: Path) -> None:
    """Consistent while the application runs: a writer adds rows two at a time (one transaction each) in
    WAL mode throughout the copy; the copy holds whole transactions only and passes the integrity check."""
    import threading

    live = tmp_path / "live.sqlite3"
    setup = sqlite3.connect(live)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE pair (id INTEGER PRIMARY KEY, payload TEXT)")
    setup.executemany("INSERT INTO pair (payload) VALUES (?)", [("x" * 500,)] * 20_000)
    setup.commit()
    setup.close()
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        db = sqlite3.connect(live, timeout=30)
        while not stop.is_set():
            with db:
                db.executemany("INSERT INTO pair (payload) VALUES (?)", [("y" * 500,)] * 2)
            written[0] += 1
        db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 20:  # the writer is going
            threading.Event().wait(0.01)
        source = sqlite3.connect(live, timeout=30)
        target = sqlite3.connect(tmp_path / "copy.sqlite3")
        backup._copy_sqlite(source, target)
        during = written[0]
    finally:
        stop.set()
        thread.join()
    count = target.execute("SELECT COUNT(*) FROM pair").fetchone()[0]
    assert target.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert count % 2 == 0 and count > 20_000  # whole pairs, some of them written by the writer
    assert written[0] >= during  # the writer was not stopped by the copy
    source.close()
    target.close()


KILLED_MID_COPY = """
import sys, time
from remission.settings.startup import start_django
start_django()
from remission.registry import backup

def slow_copy(source, target):
    def progress(status, remaining, total):
        if remaining < total // 2:
            print("HALF", flush=True)
            time.sleep(600)  # killed here
    source.backup(target, pages=5, progress=progress)

backup._copy_sqlite = slow_copy
from remission.cli import main
main(["backup", "--out", sys.argv[1]])
"""


def test_a_backup_killed_half_way_leaves_the_previous_one(tmp_path: Path) -> None:
    """SIGKILL while the copy is half done (a child process on its own SQLite registry): the previous
    FILE and FILE.json are byte for byte as they were; only a ``.partial`` file may be left."""
    import signal

    env = _child_env(REMISSION_DATA_DIR=str(tmp_path / "data"))
    migrated = subprocess.run([sys.executable, "-m", "remission", "migrate"], env=env, capture_output=True)
    assert migrated.returncode == 0
    folder = tmp_path / "backups"
    folder.mkdir()
    out = folder / "registry.sqlite3"
    _previous_backup(out)
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_MID_COPY, str(out)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert "HALF" in (line.strip() for line in iter(child.stdout.readline, ""))  # stops reading there
        partial = [p for p in folder.iterdir() if p.name.endswith(".partial")]
        assert len(partial) == 2  # the copy was going (SQLite holds its pages until the last step)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert out.read_bytes() == PREVIOUS
    assert backup.record_path(out).read_bytes() == PREVIOUS_RECORD
    left = {p.name for p in folder.iterdir()} - {out.name, out.name + ".json"}
    assert left and all(name.startswith(f".{out.name}.") and ".partial" in name for name in left)
