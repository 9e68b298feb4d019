"""Backup and restore of the whole registry database (``remission backup`` and ``remission restore``).

A backup is two files:

* ``FILE`` — the database itself, in its engine's own format, readable by the engine's own tools:
  SQLite, a database file made with SQLite's online backup API (one step, one read snapshot: consistent
  while the application writes; journal mode DELETE, so the copy is one self-contained file);
  PostgreSQL, a ``pg_dump --format=custom`` archive (one snapshot too), for ``pg_restore``.
* ``FILE.json`` — the record of what FILE is (:class:`BackupRecord`): format version, engine, the
  database it came from (no password), the time (UTC), the Remission version, the migrations applied,
  the row count of each table (SQLite: counted in the copy), FILE's size and SHA-256.

Both are written to temporary files beside their final names (mode 0600) and renamed into place only when
complete and flushed to disk: a full disk, a failing ``pg_dump`` or a kill during the backup leaves the
previous FILE and FILE.json as they were, and the temporary files are removed (a kill -9 can leave one,
named ``.FILE.<pid>.<random>.partial``, never FILE). FILE is renamed first, then FILE.json: a kill in the
instant between the two renames leaves a complete new FILE with the previous record, which restore refuses
(the SHA-256 differs) — run the backup again.

A backup reads only, and leaves one audit row when it is complete (action ``export``, entity
``registry.backup``, with the file's name, engine and SHA-256): a copy of the whole registry leaving the
database is audited as every export is. The row is not in the backup it describes; the next backup has it.

Restore goes into an empty database only (no table at all; a non-empty one is refused, naming a table),
after checking FILE against its record (SHA-256, engine, migrations this Remission knows). SQLite: the
backup API copies FILE into the registry's file (made 0600), then SQLite's integrity check must say
``ok``; PostgreSQL: ``pg_restore --single-transaction --exit-on-error --no-owner --no-acl`` (all or
nothing; the restoring user owns the tables; grants are made again by the administrator). Then the audit
chain of the restored registry is verified (:func:`remission.registry.audit_chain.verify_chain`): a broken
chain fails the restore loudly, naming the first broken row. Only then is one audit row appended (action
``restore``, with FILE's name, SHA-256 and the record's time): the restored chain continues with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connections

from remission.registry.database import (
    PRIVATE,
    applied_migrations,
    database_location,
    is_sqlite,
    make_private_sqlite_file,
    pending_migrations,
    row_counts,
    sqlite_file,
)

FORMAT_VERSION = 1
RECORD_SUFFIX = ".json"
BACKUP_ENTITY = "registry.backup"
CHUNK = 1 << 20

BACKUP_FAILED = "backup to {path} failed: {error}; the previous backup there (if any) is unchanged"
IN_TRANSACTION = "cannot back up from inside a transaction (SQLite's backup would wait for it forever)"
NO_PG_DUMP = (
    "pg_dump not found on the PATH: install the PostgreSQL client programs (the server's major version "
    "or newer), e.g. apt-get install postgresql-client"
)
NO_PG_RESTORE = (
    "pg_restore not found on the PATH: install the PostgreSQL client programs (the server's major version "
    "or newer), e.g. apt-get install postgresql-client"
)
PG_DUMP_FAILED = "pg_dump failed (exit code {code}): {stderr}"
PG_RESTORE_FAILED = "pg_restore failed (exit code {code}), nothing was restored: {stderr}"
NO_BACKUP = "no backup file {path}"
NO_RECORD = "no backup record {record} beside {path}: a backup is FILE and FILE.json, made together"
BAD_RECORD = "the backup record {record} is not a record of this format: {error}"
SHA_MISMATCH = (
    "{path} has SHA-256 {actual} but its record {record} says {expected}: the file was changed, or a "
    "backup was interrupted between its two renames; not restored"
)
ENGINE_MISMATCH = "{path} is a {engine} backup; the registry's database here is {target}"
UNKNOWN_MIGRATIONS = (
    "{path} was made by a newer Remission: {count} migration(s) unknown here (first {first}); restore it "
    "with the version that made it"
)
NOT_EMPTY = (
    "refusing to restore into {where}: it is not empty ({count} table(s), e.g. {first}); "
    "restore into an empty database"
)
COUNTS_DIFFER = "the restored {where} does not hold the rows its backup record counts (tables {tables})"
CANNOT_CONNECT = "cannot open {where} ({error}): create the empty database first (e.g. createdb)"
IN_MEMORY = "cannot restore into an in-memory SQLite database"
NOT_INTACT = "the restored SQLite file {path} fails SQLite's integrity check: {result}"
CHAIN_BROKEN = (
    "RESTORE FAILED VERIFICATION: the audit chain of the restored registry is broken after {rows} good "
    "row(s){at}: {reason}. The data is in {where} but its audit trail cannot be trusted: do not use it; "
    "restore an earlier backup into an empty database"
)


class BackupError(Exception):
    """A backup or restore that could not be made; the message says why and what is left."""


@dataclass(frozen=True)
class BackupRecord:
    """What a backup file is (``FILE.json``)."""

    format_version: int
    engine: str  # "sqlite" or "postgresql"
    file_format: str  # "sqlite3 database" or "pg_dump custom"
    file: str  # FILE's name (not its folder: a backup may be moved)
    size: int
    sha256: str
    created_at: str  # ISO 8601, UTC
    remission_version: str
    source: str  # where it was made, in words, no password
    migrations: list[str]
    row_counts: dict[str, int] | None  # SQLite: counted in the copy; PostgreSQL: None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class RestoreResult:
    record: BackupRecord
    where: str
    pending_migrations: list[str]


@dataclass(frozen=True)
class RestoreCheck:
    chain_verified: bool
    rows_checked: int
    head_hash: str
    audit_id: int


def record_path(path: Path) -> Path:
    return path.with_name(path.name + RECORD_SUFFIX)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _engine(settings_dict: Mapping[str, Any]) -> str:
    return "sqlite" if is_sqlite(settings_dict) else "postgresql"


def _remission_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("remission")
    except PackageNotFoundError:
        return "unknown"


# --- writing files atomically -----------------------------------------------------------------------


def _private_temporary(final: Path) -> Path:
    """An empty new file beside ``final`` (mode 0600), named so that it is never taken for a backup."""
    temporary = final.with_name(f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    return temporary


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _temporaries(*finals: Path) -> Iterator[list[Path]]:
    """Temporary files beside ``finals``, removed on the way out whatever happens (renamed ones are gone)."""
    made: list[Path] = []
    try:
        for final in finals:
            made.append(_private_temporary(final))
        yield made
    finally:
        for temporary in made:
            temporary.unlink(missing_ok=True)


# --- backup -------------------------------------------------------------------------------------------


def _copy_sqlite(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """The whole database in one step: one read snapshot, so writers (WAL) never make it start over."""
    source.backup(target, pages=-1)


def _backup_sqlite(using: str, temporary: Path) -> tuple[list[str], dict[str, int]]:
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError(IN_TRANSACTION)
    connection.ensure_connection()
    source = connection.connection
    target = sqlite3.connect(temporary)
    try:
        _copy_sqlite(source, target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        tables = _table_names(target)
        counts = {t: target.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        migrations: list[str] = []
        if "django_migrations" in tables:
            migrations = sorted(
                f"{a}.{n}" for a, n in target.execute("SELECT app, name FROM django_migrations")
            )
    finally:
        target.close()
    return migrations, counts


def _pg_arguments(settings_dict: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump and pg_restore, and their environment (the password never on argv)."""
    args = ["--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args.append(f"{option}={settings_dict[key]}")
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _backup_postgresql(using: str, temporary: Path) -> list[str]:
    settings_dict = connections[using].settings_dict
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(NO_PG_DUMP)
    migrations = applied_migrations(using)
    args, env = _pg_arguments(settings_dict)
    command = [pg_dump, "--format=custom", f"--file={temporary}", *args, f"--dbname={settings_dict['NAME']}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(PG_DUMP_FAILED.format(code=done.returncode, stderr=done.stderr.strip()))
    return migrations


def backup_write(out: Path, *, actor: Any, using: str = "default", reason: str = "") -> BackupRecord:
    """Back up the database ``using`` to ``out`` and ``out.json`` (see the module's description), audit
    it, and return its record. Raises BackupError; then the files at ``out`` are as they were."""
    from remission.registry.codes import AuditAction
    from remission.registry.services.audit import audit_write

    settings_dict = connections[using].settings_dict
    engine = _engine(settings_dict)
    out = out.resolve()
    record_file = record_path(out)
    try:
        with _temporaries(out, record_file) as (data_tmp, record_tmp):
            if engine == "sqlite":
                migrations, counts = _backup_sqlite(using, data_tmp)
                file_format: str = "sqlite3 database"
            else:
                migrations, counts, file_format = _backup_postgresql(using, data_tmp), None, "pg_dump custom"
            _fsync(data_tmp)
            record = BackupRecord(
                format_version=FORMAT_VERSION,
                engine=engine,
                file_format=file_format,
                file=out.name,
                size=data_tmp.stat().st_size,
                sha256=file_sha256(data_tmp),
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                remission_version=_remission_version(),
                source=database_location(settings_dict),
                migrations=migrations,
                row_counts=counts,
            )
            _write_text(record_tmp, record.to_json())
            os.replace(data_tmp, out)
            os.replace(record_tmp, record_file)
            _fsync(out.parent)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(BACKUP_FAILED.format(path=out, error=exc)) from exc
    except BackupError as exc:
        raise BackupError(BACKUP_FAILED.format(path=out, error=exc)) from exc
    audit_write(
        actor=actor,
        action=AuditAction.EXPORT,
        record=None,
        centre_id=None,
        patient_id=None,
        before=None,
        after={"file": out.name, "engine": engine, "size": record.size, "sha256": record.sha256},
        reason=reason,
        entity=BACKUP_ENTITY,
    )
    return record


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


# --- restore ------------------------------------------------------------------------------------------


def backup_record_read(path: Path) -> BackupRecord:
    """The record of the backup ``path``, after checking the file's SHA-256 against it."""
    if not path.is_file():
        raise BackupError(NO_BACKUP.format(path=path))
    record_file = record_path(path)
    if not record_file.is_file():
        raise BackupError(NO_RECORD.format(record=record_file, path=path))
    try:
        record = BackupRecord(**json.loads(record_file.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        raise BackupError(BAD_RECORD.format(record=record_file, error=exc)) from exc
    actual = file_sha256(path)
    if actual != record.sha256:
        raise BackupError(
            SHA_MISMATCH.format(path=path, actual=actual, record=record_file, expected=record.sha256)
        )
    return record


def _known_migrations() -> set[str]:
    from django.db.migrations.loader import MigrationLoader

    return {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}


def _table_names(db: sqlite3.Connection) -> list[str]:
    rows = db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
    return [name for (name,) in rows]


def _sqlite_tables(path: Path) -> list[str]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _table_names(db)
    finally:
        db.close()


def _postgresql_tables(using: str) -> list[str]:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        )
        return [name for (name,) in cursor.fetchall()]


def _restore_sqlite(path: Path, target: Path) -> None:
    make_private_sqlite_file(target)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination, pages=-1)
    finally:
        destination.close()
        source.close()


def _sqlite_integrity(using: str, target: Path) -> None:
    """SQLite's integrity check, through Django's connection: the schema's CHECK constraints call
    functions (REGEXP) that Django's connections define."""
    with connections[using].cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        result = "; ".join(str(row[0]) for row in cursor.fetchall())
    if result != "ok":
        raise BackupError(NOT_INTACT.format(path=target, result=result))


def _restore_postgresql(path: Path, using: str) -> None:
    settings_dict = connections[using].settings_dict
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise BackupError(NO_PG_RESTORE)
    args, env = _pg_arguments(settings_dict)
    command = [
        pg_restore,
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-acl",
        *args,
        f"--dbname={settings_dict['NAME']}",
        str(path),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(PG_RESTORE_FAILED.format(code=done.returncode, stderr=done.stderr.strip()))


def restore_database(path: Path, *, using: str = "default") -> RestoreResult:
    """Copy the backup ``path`` into the empty database ``using``; return what migrations it lacks.

    Raises BackupError before touching the database when the backup does not match its record, is of
    another engine, has migrations unknown here, or the database is not empty.
    """
    record = backup_record_read(path)
    settings_dict = connections[using].settings_dict
    where = database_location(settings_dict)
    if record.engine != _engine(settings_dict):
        raise BackupError(ENGINE_MISMATCH.format(path=path, engine=record.engine, target=where))
    unknown = sorted(set(record.migrations) - _known_migrations())
    if unknown:
        raise BackupError(UNKNOWN_MIGRATIONS.format(path=path, count=len(unknown), first=unknown[0]))
    if record.engine == "sqlite":
        target = sqlite_file(settings_dict)
        if target is None:
            raise BackupError(IN_MEMORY)
        tables = _sqlite_tables(target)
    else:
        try:
            tables = _postgresql_tables(using)
        except DatabaseError as exc:
            raise BackupError(CANNOT_CONNECT.format(where=where, error=str(exc).strip())) from exc
    if tables:
        raise BackupError(NOT_EMPTY.format(where=where, count=len(tables), first=tables[0]))
    connections[using].close()
    if record.engine == "sqlite":
        _restore_sqlite(path, target)  # type: ignore[arg-type]  # not None: checked above
        _sqlite_integrity(using, target)  # type: ignore[arg-type]
    else:
        _restore_postgresql(path, using)
    if record.row_counts is not None:
        counts = row_counts(using)
        if counts != record.row_counts:
            differing = sorted(
                t for t in set(counts) | set(record.row_counts) if counts.get(t) != record.row_counts.get(t)
            )
            raise BackupError(COUNTS_DIFFER.format(where=where, tables=", ".join(differing[:5])))
    return RestoreResult(record=record, where=where, pending_migrations=pending_migrations(using))


def restore_verify_and_audit(
    path: Path, result: RestoreResult, *, actor: Any, using: str = "default", reason: str = ""
) -> RestoreCheck:
    """Verify the restored registry's audit chain (BackupError when broken), then append the restore's
    audit row. Call after :func:`restore_database` (and ``migrate``, when it lacked migrations)."""
    from remission.registry.codes import AuditAction
    from remission.registry.services.audit import audit_write

    try:
        from remission.registry.audit_chain import verify_chain
    except ImportError:  # a Remission without the hash chain: nothing to verify
        verify_chain = None
    verified, rows, head = False, 0, ""
    if verify_chain is not None:
        check = verify_chain(using=using)
        if not check.ok:
            at = f" (first broken row: id {check.first_broken})" if check.first_broken is not None else ""
            raise BackupError(
                CHAIN_BROKEN.format(rows=check.rows_checked, at=at, reason=check.reason, where=result.where)
            )
        verified, rows, head = True, check.rows_checked, check.head_hash
    row = audit_write(
        actor=actor,
        action=AuditAction.RESTORE,
        record=None,
        centre_id=None,
        patient_id=None,
        before=None,
        after={
            "file": path.name,
            "sha256": result.record.sha256,
            "backup_created_at": result.record.created_at,
            "engine": result.record.engine,
            "chain_verified": verified,
            "chain_rows": rows,
            "chain_head": head,
        },
        reason=reason,
        entity=BACKUP_ENTITY,
    )
    return RestoreCheck(chain_verified=verified, rows_checked=rows, head_hash=head, audit_id=row.pk)
