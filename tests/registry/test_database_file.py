"""The SQLite registry file is private (mode 0600) from the moment it exists."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from remission.registry.database import make_private_sqlite_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_registry_file_is_made_0600_and_sqlite_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "data" / "remission.sqlite3"
    make_private_sqlite_file(path)
    assert _mode(path) == 0o600 and path.stat().st_size == 0
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    db.commit()
    assert _mode(path) == 0o600
    assert _mode(Path(f"{path}-wal")) == 0o600  # SQLite gives its WAL file the database file's mode
    db.close()


def test_an_existing_readable_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "remission.sqlite3"
    for name in (path, Path(f"{path}-wal")):
        name.write_bytes(b"")
        name.chmod(0o644)
    make_private_sqlite_file(path)
    assert _mode(path) == 0o600 and _mode(Path(f"{path}-wal")) == 0o600
