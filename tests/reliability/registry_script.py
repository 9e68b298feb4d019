"""Run by the reliability tests and ``benchmarks/reliability.py`` in a process of its own, on the
database of ``DATABASE_URL`` (or the SQLite file in ``REMISSION_DATA_DIR``):

    python3 -m tests.reliability.registry_script prepare FOLDER   # migrate, a writer's login and token
    python3 -m tests.reliability.registry_script verify FOLDER    # integrity and audit coverage, as JSON
    python3 -m tests.reliability.registry_script soak-users FOLDER N   # N logins with tokens (a soak)

``prepare`` writes the writer's API token to ``FOLDER/token`` and its centre's code to ``FOLDER/centre``
(the first centre of the registry; one is made when the registry has none).
``soak-users`` writes ``FOLDER/users.json``: for each of N users (data managers of the registry's centres
in turn, every fifth a statistician) the user name, password, API token and centre code.
``verify`` prints ``{"integrity": [...], "unaudited": {...}, "orphan_audit": {...}, "patients": N, ...}``
(see :func:`remission_integrity` and :func:`audit_coverage`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

WRITER = "reliability_writer"
WRITER_PASSWORD = "reliability writer password 1"


def prepare(folder: Path) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from remission.registry import services
    from remission.registry.access import SYSTEM
    from remission.registry.codes import Role
    from remission.registry.models import Centre
    from remission.registry.services.tokens import token_create

    call_command("migrate", verbosity=0)
    centre = Centre.objects.order_by("code").first()
    if centre is None:
        centre = services.centre_create(
            actor=SYSTEM, code="rel", name="Reliability Hospital", country="NL", reason="reliability test"
        )
    user = get_user_model().objects.filter(username=WRITER).first()
    if user is None:
        user = get_user_model().objects.create_user(username=WRITER, password=WRITER_PASSWORD)
        services.membership_grant(
            actor=SYSTEM, user=user, role=Role.CENTRE_DATA_MANAGER, centre=centre, reason="reliability test"
        )
    _, raw = token_create(actor=user, name="reliability")
    (folder / "token").write_text(raw)
    (folder / "centre").write_text(centre.code)


SOAK_PASSWORD = "soak user password 1"


def soak_users(folder: Path, count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from remission.registry import services
    from remission.registry.access import SYSTEM
    from remission.registry.codes import Role
    from remission.registry.models import Centre
    from remission.registry.services.tokens import token_create

    call_command("migrate", verbosity=0)  # a registry built before the latest migrations
    centres = list(Centre.objects.order_by("code"))
    users = []
    for number in range(count):
        statistician = number % 5 == 4
        name = f"soak_{'stat' if statistician else 'dm'}_{number}"
        centre = centres[number % len(centres)]
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            user = get_user_model().objects.create_user(username=name, password=SOAK_PASSWORD)
            role = Role.REGISTRY_STATISTICIAN if statistician else Role.CENTRE_DATA_MANAGER
            services.membership_grant(
                actor=SYSTEM, user=user, role=role, centre=None if statistician else centre, reason="soak"
            )
        _, raw = token_create(actor=user, name="soak")
        users.append(
            {
                "username": name,
                "password": SOAK_PASSWORD,
                "token": raw,
                "centre": centre.code,
                "writes": not statistician,
            }
        )
    (folder / "users.json").write_text(json.dumps(users))


def remission_integrity() -> list[str]:
    """The database's own structural check: SQLite's ``PRAGMA integrity_check`` and
    ``foreign_key_check``; on PostgreSQL, amcheck's B-tree check of every index (when the extension can be
    created) — an empty list means no problem was found."""
    from django.db import connection

    problems: list[str] = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA integrity_check")
            problems += [row[0] for row in cursor.fetchall() if row[0] != "ok"]
            cursor.execute("PRAGMA foreign_key_check")
            problems += [f"foreign key: {row}" for row in cursor.fetchall()]
            return problems
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        except Exception:  # amcheck is optional; the row checks below still run
            return problems
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE a.amname = 'btree' AND n.nspname = 'public'"
        )
        for (index,) in cursor.fetchall():
            try:
                cursor.execute("SELECT bt_index_check(%s::regclass, true)", [index])
            except Exception as exc:  # a corrupt index is reported, not raised
                problems.append(f"{index}: {exc}")
    return problems


def audited_models() -> list[Any]:
    """Every table whose rows only a service writes, each write leaving an audit row."""
    from remission.registry.models import (
        PATIENT_RECORD_MODELS,
        ApiToken,
        Centre,
        HospitalIdentifier,
        Membership,
        Patient,
    )

    return [Centre, Membership, Patient, HospitalIdentifier, *PATIENT_RECORD_MODELS, ApiToken]


def audit_entity(model: Any) -> str:
    """The ``entity`` a model's audit rows carry: its label, but ``api.apitoken`` for API tokens (the name
    from before the model moved to the registry, kept so that a token's audit rows stay one trail)."""
    from remission.registry.services.tokens import TOKEN_ENTITY

    return TOKEN_ENTITY if model._meta.label_lower == "registry.apitoken" else model._meta.label_lower


def audit_coverage() -> dict[str, dict[str, list[int]]]:
    """``unaudited``: rows with no ``create`` audit row; ``orphan_audit``: ``create`` audit rows whose
    row is neither stored nor deleted by an audited delete. Both empty means every write is whole."""
    from remission.registry.models import AuditRecord

    unaudited: dict[str, list[int]] = {}
    orphans: dict[str, list[int]] = {}
    for model in audited_models():
        entity = audit_entity(model)
        stored = set(model.objects.values_list("pk", flat=True))
        audit = AuditRecord.objects.filter(entity=entity)
        created = set(audit.filter(action="create").values_list("record_id", flat=True))
        deleted = set(audit.filter(action="delete").values_list("record_id", flat=True))
        if missing := sorted(stored - created):
            unaudited[entity] = missing
        if lost := sorted(created - stored - deleted):
            orphans[entity] = lost
    return {"unaudited": unaudited, "orphan_audit": orphans}


def verify() -> dict[str, Any]:
    from remission.registry.models import AuditRecord, Patient

    return {
        "integrity": remission_integrity(),
        **audit_coverage(),
        "patients": Patient.objects.count(),
        "audit_rows": AuditRecord.objects.count(),
    }


def main() -> int:
    from remission.settings.startup import start_django

    action, folder = sys.argv[1], Path(sys.argv[2])
    start_django()
    if action == "prepare":
        prepare(folder)
        return 0
    if action == "soak-users":
        soak_users(folder, int(sys.argv[3]))
        return 0
    if action == "verify":
        print(json.dumps(verify()))
        return 0
    raise SystemExit(f"unknown action {action!r}: prepare or verify")


if __name__ == "__main__":
    sys.exit(main())
