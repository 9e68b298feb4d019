"""``remission backup`` and ``remission restore``: the whole registry database to a file and back.

    remission backup --out /backups/registry-2026-12-04.sqlite3     (SQLite: the online backup API)
    remission backup --out /backups/registry-2026-12-04.pgdump      (PostgreSQL: pg_dump, custom format)
    remission restore /backups/registry-2026-12-04.sqlite3          (into an empty database only)

A backup is FILE and its record FILE.json (engine, migrations, time, SHA-256; see
``remission.registry.backup`` and docs/security.md, "Backup and restore"), both mode 0600, renamed into
place only when complete. Restore checks FILE against its record, refuses a database that is not empty,
copies, applies any migrations the backup lacks, verifies the audit chain and appends one audit row.
Exit codes: 0 done, 1 failed (the message says what is left), 2 no registry to back up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from remission.cli._django import database_label, require_registry
from remission.settings.startup import start_django

BACKED_UP = "Backup: {path} ({size:,} bytes, {engine}), record {record}"
RESTORED = "Restored {path} (made {created} from {source}) into the {where}"
MIGRATED = "The backup lacked {count} migration(s) of this Remission: applied ({first} …)"
CHAIN_VERIFIED = "Audit chain verified: {rows:,} rows intact, head {head}"
CHAIN_NOT_VERIFIED = "Audit chain not verified: this Remission has no audit chain module"
AUDITED = "Restore audited: audit row {id}"


def run_backup(args: argparse.Namespace) -> int:
    start_django()
    if not require_registry("backup"):
        return 2
    from remission.registry.access import SYSTEM
    from remission.registry.backup import BackupError, backup_write, record_path

    print(f"Backing up the {database_label()}")
    try:
        record = backup_write(args.out, actor=SYSTEM, reason=args.reason)
    except BackupError as exc:
        print(f"remission backup: {exc}", file=sys.stderr)
        return 1
    out = args.out.resolve()
    print(BACKED_UP.format(path=out, size=record.size, engine=record.engine, record=record_path(out)))
    print(f"SHA-256: {record.sha256}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    start_django()
    from remission.cli.migrate import migrate_database
    from remission.registry.access import SYSTEM
    from remission.registry.backup import BackupError, restore_database, restore_verify_and_audit

    path = args.file.resolve()
    try:
        result = restore_database(path)
        record = result.record
        print(RESTORED.format(path=path, created=record.created_at, source=record.source, where=result.where))
        if result.pending_migrations:
            migrate_database()
            pending = result.pending_migrations
            print(MIGRATED.format(count=len(pending), first=pending[0]))
        check = restore_verify_and_audit(path, result, actor=SYSTEM, reason=args.reason)
    except BackupError as exc:
        print(f"remission restore: {exc}", file=sys.stderr)
        return 1
    if check.chain_verified:
        print(CHAIN_VERIFIED.format(rows=check.rows_checked, head=check.head_hash))
    else:
        print(CHAIN_NOT_VERIFIED)
    print(AUDITED.format(id=check.audit_id))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    backup = subparsers.add_parser(
        "backup", help="back up the registry database to a file (SQLite backup API or pg_dump)"
    )
    backup.add_argument("--out", type=Path, required=True, help="backup file (its record: FILE.json)")
    backup.add_argument("--reason", default="", help="why (kept in the backup's audit row)")
    backup.set_defaults(func=run_backup)
    restore = subparsers.add_parser(
        "restore", help="restore a backup into an empty database, then verify its audit chain"
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="backup file (with FILE.json beside it)")
    restore.add_argument("--reason", default="", help="why (kept in the restore's audit row)")
    restore.set_defaults(func=run_restore)
