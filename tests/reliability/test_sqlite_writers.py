"""Writers at once on one SQLite registry never get a server error: two ``remission serve`` processes on
the same file (so the lock is contended between processes, not only between threads of one), each with
several clients writing. SQLite allows one writer at a time; the settings (``BEGIN IMMEDIATE`` and a busy
timeout, ``remission.settings.base.sqlite_options``) make the others wait for the lock instead of failing,
and a lock still held after the timeout is a 503 "try again" answer, never a 500."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.reliability.serving import (
    WriteLog,
    build_registry,
    call,
    environment,
    run_writers,
    start_server,
    verify,
)

SERVERS = 2
WRITERS_PER_SERVER = 3
COURSES_PER_WRITER = 4  # four writes each: a patient, a diagnosis, a follow-up and its edit


def test_two_servers_writing_to_one_sqlite_file(tmp_path: Path) -> None:
    env = environment(tmp_path)
    token, centre = build_registry(tmp_path, env, patients=0)
    servers = [start_server(env, threads=WRITERS_PER_SERVER) for _ in range(SERVERS)]
    log, stop = WriteLog(), threading.Event()
    try:
        threads = [
            thread
            for number, server in enumerate(servers)
            for thread in run_writers(
                server.base,
                token,
                centre,
                WRITERS_PER_SERVER,
                stop,
                log,
                seed=number + 1,
                courses=COURSES_PER_WRITER,
            )
        ]
        for thread in threads:
            thread.join()
        assert log.server_errors == []
        assert log.refused == 0
        assert set(log.statuses) <= {200, 201, 503}, log.statuses
        patients = log.acknowledged.get("patient", [])
        for rid in patients:
            assert call(servers[0].base, token, "GET", f"/api/patients/{rid}")[0] == 200
    finally:
        for server in servers:
            server.stop()
    after = verify(tmp_path, env)
    assert after["integrity"] == [] and after["unaudited"] == {} and after["orphan_audit"] == {}
    assert after["patients"] == len(patients)
