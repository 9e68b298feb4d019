"""The PostgreSQL connection dropped in the middle of a request (its backend terminated from another
connection with ``pg_terminate_backend``): the client gets a clear 503 "try again" in the API's error
shape, the write in flight is rolled back whole (no patient without its audit row), and the next request
works on a new connection.

The first test cuts the connection at a chosen point of a write, in this process: between the patient's
INSERT and its audit row's. The second terminates the server's connections again and again while API
clients write to a real ``remission serve``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection
from django.test import Client

from tests.reliability.serving import (
    WriteLog,
    build_registry,
    call,
    environment,
    run_writers,
    start_server,
    verify,
)

PATIENT = {
    "sex": "female",
    "birth_year": 1980,
    "birth_month": 3,
    "consent_status": "given",
    "consent_date": "2023-01-02",
    "reason": "connection drop",
}
TERMINATIONS = 15


def _terminate(pid: int) -> None:
    """End backend ``pid`` from a connection of our own, waiting (up to 5 s) until it is gone."""
    import psycopg

    settings = connection.settings_dict
    dsn = (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        f"user={settings['USER']} dbname={settings['NAME']}"
    )
    with psycopg.connect(dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


def _cut_before_audit_row(fired: list[bool]) -> Callable[..., Any]:
    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not fired and 'INSERT INTO "registry_auditrecord"' in sql:
            fired.append(True)
            _terminate(connection.connection.info.backend_pid)
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_connection_cut_between_a_patient_and_its_audit_row(monkeypatch: pytest.MonkeyPatch) -> None:
    from remission.registry import services
    from remission.registry.access import SYSTEM
    from remission.registry.codes import Role
    from remission.registry.models import AuditRecord, Patient
    from remission.registry.services.tokens import token_create

    centre = services.centre_create(actor=SYSTEM, code="cut", name="Cut Hospital", country="NL")
    user = get_user_model().objects.create_user(username="cut_dm", password="cut dm password 1")
    services.membership_grant(actor=SYSTEM, user=user, role=Role.CENTRE_DATA_MANAGER, centre=centre)
    _, raw = token_create(actor=user, name="cut")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {**PATIENT, "centre": "cut"}
    patients, audit_rows = Patient.objects.count(), AuditRecord.objects.count()

    fired: list[bool] = []
    original = services.patient_register

    def register_with_cut(**kwargs: Any) -> Any:
        with connection.execute_wrapper(_cut_before_audit_row(fired)):
            return original(**kwargs)

    monkeypatch.setattr(services, "patient_register", register_with_cut)
    response = client.post("/api/patients", body, content_type="application/json")
    monkeypatch.undo()
    assert fired == [True]
    assert response.status_code == 503, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["rule"] == "try_again"
    assert response["Retry-After"]

    close_old_connections()  # what the server does at the end of every request (Django's signal)
    assert Patient.objects.count() == patients
    assert AuditRecord.objects.count() == audit_rows
    again = client.post("/api/patients", body, content_type="application/json")
    assert again.status_code == 201, again.content
    assert Patient.objects.count() == patients + 1
    assert AuditRecord.objects.filter(entity="registry.patient", record_id=again.json()["id"]).exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_server_connections_terminated_while_clients_write(tmp_path: Any, scratch_postgres: str) -> None:
    import psycopg

    env = environment(tmp_path, scratch_postgres)
    token, centre = build_registry(tmp_path, env, patients=0)
    name = scratch_postgres.rsplit("/", 1)[1]
    server = start_server(env)
    log, stop = WriteLog(), threading.Event()
    threads = run_writers(server.base, token, centre, 4, stop, log, seed=5)
    try:
        with psycopg.connect(scratch_postgres, autocommit=True) as admin:
            for _ in range(TERMINATIONS):
                time.sleep(0.2)
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
        stop.set()
        for thread in threads:
            thread.join()
        assert log.server_errors == []
        assert set(log.statuses) <= {200, 201, 503}, log.statuses
        assert log.writes > 0
        status, body, _ = call(server.base, token, "GET", "/api/me")
        assert status == 200 and body["username"]
        for rid in log.acknowledged.get("patient", []):
            assert call(server.base, token, "GET", f"/api/patients/{rid}")[0] == 200
    finally:
        stop.set()
        server.stop()
    after = verify(tmp_path, env)
    assert after["unaudited"] == {} and after["orphan_audit"] == {}
    assert after["integrity"] == []
